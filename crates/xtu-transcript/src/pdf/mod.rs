//! The PDF layer: the file structure through lopdf, inside our bounds, and
//! fonts (code → text and width).
//!
//! - [`load`]: bounded loading (limits, decryption, object streams unpacked
//!   member by member, stream decoding against one inflation budget);
//!   [`lopdf_gaps`] holds the one byte-level rewrite that loading needs,
//!   and why.
//! - [`font`]: fonts, their codes, text and widths; [`truetype`] the
//!   `cmap` of embedded TrueType programs; [`cmap`] ToUnicode CMaps.

mod cmap;
mod font;
mod load;
mod lopdf_gaps;
mod truetype;

use std::collections::HashMap;
use std::rc::Rc;

use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

pub use font::Font;
use load::decode_stream;
pub use load::{MAX_INFLATED_BYTES, MAX_PDF_BYTES};

use super::TranscriptError;

/// Most pages read.
const MAX_PAGES: usize = 16;

/// A loaded PDF, what remains of its budgets, and what one parse has read
/// of it once already.
pub struct Pdf {
    doc: Document,
    inflate_budget: usize,
    /// What remains of [`font::MAX_FONT_WORK`].
    font_budget: usize,
    /// Fonts read, by object id: every page and form using one shares it.
    fonts: HashMap<ObjectId, Rc<Font>>,
    /// Form XObjects decoded, by object id.
    forms: HashMap<ObjectId, Rc<Form>>,
}

/// A form XObject: its dictionary and its decoded content.
#[derive(Debug)]
pub struct Form {
    /// The stream's dictionary (`/Matrix`, `/Resources`).
    pub dict: Dictionary,
    /// The decoded content.
    pub content: Vec<u8>,
}

impl Pdf {
    /// The pages, in order (at most [`MAX_PAGES`]).
    pub fn pages(&self) -> Vec<ObjectId> {
        self.doc.page_iter().take(MAX_PAGES).collect()
    }

    /// The object behind a reference (or the object itself).
    pub fn resolve<'a>(&'a self, object: &'a Object) -> Option<&'a Object> {
        self.doc.dereference(object).ok().map(|(_, object)| object)
    }

    /// A dictionary entry, references followed.
    pub fn get<'a>(&'a self, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
        self.resolve(dict.get(key).ok()?)
    }

    /// A dictionary entry that is a dictionary.
    pub fn get_dict<'a>(&'a self, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Dictionary> {
        self.get(dict, key)?.as_dict().ok()
    }

    /// A dictionary entry that is a stream.
    pub fn get_stream<'a>(&'a self, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Stream> {
        self.get(dict, key)?.as_stream().ok()
    }

    /// The page dictionary.
    pub fn page(&self, id: ObjectId) -> Option<&Dictionary> {
        self.doc.get_dictionary(id).ok()
    }

    /// The page's resources: its own or the nearest ancestor's (inherited).
    pub fn page_resources<'a>(&'a self, page: &'a Dictionary) -> Option<&'a Dictionary> {
        let mut node = page;
        for _ in 0..32 {
            if let Some(resources) = self.get_dict(node, b"Resources") {
                return Some(resources);
            }
            node = self.get_dict(node, b"Parent")?;
        }
        None
    }

    /// The decoded content of the page (its streams concatenated).
    pub fn page_content(&mut self, page: ObjectId) -> Result<Vec<u8>, TranscriptError> {
        let mut content = Vec::new();
        for id in self.doc.get_page_contents(page).into_iter().take(64) {
            let Ok(Object::Stream(stream)) = self.doc.get_object(id) else {
                continue;
            };
            let data = decode_stream(stream, &mut self.inflate_budget)?;
            content.extend_from_slice(&data);
            // Streams of one page may split tokens anywhere but between them.
            content.push(b'\n');
        }
        Ok(content)
    }

    /// A stream's data with its filters undone, charged to the budget.
    pub fn decode(&mut self, stream: &Stream) -> Result<Vec<u8>, TranscriptError> {
        decode_stream(stream, &mut self.inflate_budget)
    }

    /// The font a resource dictionary names `name`, read once per parse
    /// (an inline font dictionary, which has no id, at each use, within the
    /// font budget); `None` when the resources do not define it.
    pub fn font(
        &mut self,
        resources: Option<&Dictionary>,
        name: &[u8],
    ) -> Result<Option<Rc<Font>>, TranscriptError> {
        let Some(entry) = resources
            .and_then(|r| self.get_dict(r, b"Font"))
            .and_then(|fonts| fonts.get(name).ok())
        else {
            return Ok(None);
        };
        let id = match entry {
            Object::Reference(id) => Some(*id),
            _ => None,
        };
        if let Some(font) = id.and_then(|id| self.fonts.get(&id)) {
            return Ok(Some(Rc::clone(font)));
        }
        let Some(dict) = self.resolve(entry).and_then(|o| o.as_dict().ok()).cloned() else {
            return Ok(None);
        };
        let font = Rc::new(Font::read(self, &dict)?);
        if let Some(id) = id {
            self.fonts.insert(id, Rc::clone(&font));
        }
        Ok(Some(font))
    }

    /// The form XObject a resource dictionary names `name`, decoded once
    /// per parse; `None` when it names none (or another kind of XObject).
    /// Each use charges its content to the inflation budget again: what the
    /// interpreter reads is bounded as what is inflated is.
    pub fn form(
        &mut self,
        resources: Option<&Dictionary>,
        name: &[u8],
    ) -> Result<Option<Rc<Form>>, TranscriptError> {
        let Some(Ok(&Object::Reference(id))) = resources
            .and_then(|r| self.get_dict(r, b"XObject"))
            .map(|xobjects| xobjects.get(name))
        else {
            return Ok(None);
        };
        let form = match self.forms.get(&id) {
            Some(form) => Rc::clone(form),
            None => {
                let Ok(Object::Stream(stream)) = self.doc.get_object(id) else {
                    return Ok(None);
                };
                if stream.dict.get(b"Subtype").and_then(Object::as_name).ok()
                    != Some(b"Form".as_slice())
                {
                    return Ok(None);
                }
                let dict = stream.dict.clone();
                // Decoded within what remains, charged below like every use.
                let mut limit = self.inflate_budget;
                let content = decode_stream(stream, &mut limit)?;
                let form = Rc::new(Form { dict, content });
                self.forms.insert(id, Rc::clone(&form));
                form
            }
        };
        self.inflate_budget = self.inflate_budget.checked_sub(form.content.len()).ok_or(
            TranscriptError::TooMuchData {
                limit: MAX_INFLATED_BYTES,
            },
        )?;
        Ok(Some(form))
    }
}
