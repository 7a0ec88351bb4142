//! The PDF layer: the file structure through lopdf, inside our bounds, and
//! fonts (code → text and width).
//!
//! lopdf reads the structure: cross-reference tables and streams (with
//! recovery of a broken table), incremental updates, every standard stream
//! filter, and the standard security handler. Two of its loading steps are
//! not bounded the way a crafted file needs, so they are done around it:
//!
//! - its object-stream expansion parses every header entry from its offset,
//!   and entries may share an offset: a crafted stream makes that quadratic
//!   in time and memory. Object streams are kept packed while lopdf loads
//!   (renamed, see [`keep_packed`]) and unpacked here: only the members the
//!   cross-reference table asks for, each parsed from its own byte range.
//! - its decrypting loader takes another path, which expands object streams
//!   itself. So an encrypted file is loaded as if it were not (its
//!   `/Encrypt` key hidden from the loader), then each object is decrypted
//!   with lopdf's own `decrypt_object`, before object streams are unpacked.
//!
//! Every stream we decode (object streams, contents, fonts, maps) is charged
//! to one inflation budget per parse; the cross-reference streams lopdf
//! decodes itself are charged up front at their cap.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use lopdf::xref::XrefEntry;
use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId, ObjectStream, Stream};

use super::TranscriptError;
use super::glyphs;

/// Largest PDF accepted. A real transcript is tens of kilobytes (a few
/// hundred with embedded font subsets).
pub const MAX_PDF_BYTES: usize = 4 * 1024 * 1024;
/// Most objects a PDF may hold (a transcript has well under a hundred).
const MAX_OBJECTS: usize = 20_000;
/// Most pages read.
const MAX_PAGES: usize = 16;
/// What lopdf may inflate for one cross-reference stream. A transcript's is
/// well under a kilobyte; 20,000 objects take 100 KiB.
const MAX_STRUCTURE_STREAM_BYTES: usize = 256 * 1024;
/// What all the streams of one parse may inflate to, together.
pub const MAX_INFLATED_BYTES: usize = 8 * 1024 * 1024;
/// Glyph codes mapped by one ToUnicode map, at most (a bfrange can name 65,536).
const MAX_CMAP_ENTRIES: usize = 70_000;
/// Encoding records read from a TrueType `cmap`, in table order. A font has
/// one to six ((0,3) (0,4) (1,0) (3,0) (3,1) (3,10)); the table can declare
/// 65,535, and each Unicode one read costs a walk over its code points.
const MAX_CMAP_SUBTABLES: u16 = 8;
/// What the fonts of one parse may map, look up or measure, together:
/// ToUnicode entries, `/W` widths, CIDToGIDMap entries, `/Differences`,
/// code-to-glyph look-ups in TrueType cmaps. Each font is read once per
/// parse (cached by object id); this bounds the rest (many fonts, inline
/// font dictionaries, maps repeating their ranges). A transcript's fonts
/// take a few thousand, or about 65,536 per font read through its
/// program's cmap.
const MAX_FONT_WORK: usize = 4_000_000;
/// The name object streams carry while lopdf loads (see the module doc).
const PACKED_OBJECT_STREAM: &[u8] = b"XtuPackedObjStm";
/// What the trailer's `/Encrypt` is renamed to while lopdf loads: as long,
/// so that no offset moves.
const HIDDEN_ENCRYPT: &[u8] = b"/XtCrypt";
const _: () = assert!(HIDDEN_ENCRYPT.len() == b"/Encrypt".len());

/// A loaded PDF, what remains of its budgets, and what one parse has read
/// of it once already.
pub struct Pdf {
    doc: Document,
    inflate_budget: usize,
    /// What remains of [`MAX_FONT_WORK`].
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

/// Takes `cost` from a font budget, or refuses when it does not hold it.
fn spend(budget: &mut usize, cost: usize) -> Result<(), TranscriptError> {
    *budget = budget.checked_sub(cost).ok_or_else(|| {
        TranscriptError::Malformed(format!(
            "its fonts map more than {MAX_FONT_WORK} codes in all"
        ))
    })?;
    Ok(())
}

/// Keeps object streams packed while lopdf loads (see the module doc).
/// lopdf keeps the object the filter changed in place in one loading path
/// and the returned one in another, so both are the same.
fn keep_packed(id: ObjectId, object: &mut Object) -> Option<(ObjectId, Object)> {
    if let Object::Stream(stream) = object
        && stream.dict.has_type(b"ObjStm")
    {
        stream
            .dict
            .set("Type", Object::Name(PACKED_OBJECT_STREAM.to_vec()));
    }
    Some((id, object.clone()))
}

/// Where `needle` occurs as a whole name (not as the start of a longer one,
/// such as `/EncryptMetadata` for `/Encrypt`).
fn name_positions<'a>(bytes: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    memchr::memmem::find_iter(bytes, needle).filter(move |&at| {
        bytes
            .get(at + needle.len())
            .is_none_or(|&next| !is_regular(next))
    })
}

/// A byte that continues a name (neither white space nor a delimiter).
fn is_regular(byte: u8) -> bool {
    !matches!(
        byte,
        b'\0'
            | b'\t'
            | b'\n'
            | b'\x0C'
            | b'\r'
            | b' '
            | b'('
            | b')'
            | b'<'
            | b'>'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'/'
            | b'%'
    )
}

impl Pdf {
    /// Loads a PDF, refusing what is not one or exceeds the limits.
    pub fn load(bytes: &[u8]) -> Result<Self, TranscriptError> {
        if bytes.len() > MAX_PDF_BYTES {
            return Err(TranscriptError::TooLarge {
                limit: MAX_PDF_BYTES,
            });
        }
        // Viewers accept a header within the first kilobyte (after junk a
        // server or a mail gateway put in front).
        if memchr::memmem::find(&bytes[..bytes.len().min(1024)], b"%PDF-").is_none() {
            return Err(TranscriptError::NotPdf);
        }
        // Cross-reference streams are decoded inside lopdf, each up to its
        // cap: charged here, at that cap, before anything else is read.
        let structure_streams = name_positions(bytes, b"/XRef").count();
        let mut budget = structure_streams
            .checked_mul(MAX_STRUCTURE_STREAM_BYTES)
            .and_then(|reserved| MAX_INFLATED_BYTES.checked_sub(reserved))
            .ok_or(TranscriptError::TooMuchData {
                limit: MAX_INFLATED_BYTES,
            })?;

        let encrypt_keys: Vec<usize> = name_positions(bytes, b"/Encrypt").collect();
        let input: Cow<'_, [u8]> = if encrypt_keys.is_empty() {
            Cow::Borrowed(bytes)
        } else {
            let mut hidden = bytes.to_vec();
            for at in &encrypt_keys {
                hidden[*at..*at + HIDDEN_ENCRYPT.len()].copy_from_slice(HIDDEN_ENCRYPT);
            }
            Cow::Owned(hidden)
        };
        let options = LoadOptions {
            filter: Some(keep_packed),
            max_decompressed_size: Some(MAX_STRUCTURE_STREAM_BYTES),
            ..LoadOptions::default()
        };
        let mut doc = Document::load_mem_with_options(&input, options)
            .map_err(|e| TranscriptError::Malformed(e.to_string()))?;
        drop(input);
        check_object_count(&doc)?;
        if let Some(encrypt) = doc.trailer.remove(&HIDDEN_ENCRYPT[1..]) {
            doc.trailer.set("Encrypt", encrypt);
            decrypt(&mut doc)?;
        }
        unpack_object_streams(&mut doc, &mut budget)?;
        check_object_count(&doc)?;
        Ok(Self {
            doc,
            inflate_budget: budget,
            font_budget: MAX_FONT_WORK,
            fonts: HashMap::new(),
            forms: HashMap::new(),
        })
    }

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

fn check_object_count(doc: &Document) -> Result<(), TranscriptError> {
    if doc.objects.len() > MAX_OBJECTS {
        return Err(TranscriptError::Malformed(format!(
            "{} objects (at most {MAX_OBJECTS} are read)",
            doc.objects.len()
        )));
    }
    Ok(())
}

/// Decrypts every object with the empty user password, which is how a
/// viewer opens a file whose owner password only restricts editing.
fn decrypt(doc: &mut Document) -> Result<(), TranscriptError> {
    let unsupported = |error: lopdf::Error| match error {
        lopdf::Error::InvalidPassword
        | lopdf::Error::Decryption(lopdf::encryption::DecryptionError::IncorrectPassword) => {
            TranscriptError::NeedsPassword
        }
        lopdf::Error::UnsupportedSecurityHandler(name) => TranscriptError::UnsupportedEncryption(
            format!("security handler /{}", String::from_utf8_lossy(&name)),
        ),
        other => TranscriptError::UnsupportedEncryption(other.to_string()),
    };
    let handler = doc
        .get_encrypted()
        .and_then(|dict| dict.get(b"Filter"))
        .and_then(Object::as_name)
        .map_err(|_| TranscriptError::UnsupportedEncryption("no encryption dictionary".into()))?;
    if handler != b"Standard" {
        return Err(unsupported(lopdf::Error::UnsupportedSecurityHandler(
            handler.to_vec(),
        )));
    }
    doc.authenticate_password("").map_err(unsupported)?;
    let state = lopdf::EncryptionState::decode(&*doc, "").map_err(unsupported)?;
    let encrypt_dict = doc
        .trailer
        .get(b"Encrypt")
        .and_then(Object::as_reference)
        .ok();
    let mut undecryptable = Vec::new();
    for (&id, object) in &mut doc.objects {
        if Some(id) == encrypt_dict {
            continue;
        }
        // An object that does not decrypt is dropped: read as it is, its
        // ciphertext would come out as garbage text.
        if lopdf::encryption::decrypt_object(&state, id, object).is_err() {
            undecryptable.push(id);
        }
    }
    for id in undecryptable {
        doc.objects.remove(&id);
    }
    Ok(())
}

/// Unpacks the object streams: every member the cross-reference table
/// places in one (and no other object already holds the number of), parsed
/// from its own byte range, each stream decoded once against the budget.
fn unpack_object_streams(doc: &mut Document, budget: &mut usize) -> Result<(), TranscriptError> {
    let mut wanted: BTreeMap<u32, Vec<(u32, u16)>> = BTreeMap::new();
    for (&number, entry) in &doc.reference_table.entries {
        if let XrefEntry::Compressed { container, index } = *entry
            && !doc.objects.contains_key(&(number, 0))
        {
            wanted.entry(container).or_default().push((number, index));
        }
    }
    let mut unpacked = Vec::new();
    for (container, members) in wanted {
        let Some(Object::Stream(stream)) = doc.objects.get(&(container, 0)) else {
            continue;
        };
        if !stream.dict.has_type(PACKED_OBJECT_STREAM) {
            continue;
        }
        let data = decode_stream(stream, budget)?;
        let Some(index) = MemberIndex::read(&stream.dict, &data) else {
            continue;
        };
        for (number, position) in members {
            if let Some(range) = index.member(number, position)
                && let Some(object) = parse_member(number, &data[range])
            {
                unpacked.push(((number, 0), object));
            }
            if unpacked.len() > MAX_OBJECTS {
                return Err(TranscriptError::Malformed(format!(
                    "more than {MAX_OBJECTS} objects in object streams"
                )));
            }
        }
    }
    doc.objects.extend(unpacked);
    Ok(())
}

/// The header of an object stream: its members' numbers and byte ranges.
struct MemberIndex {
    /// (object number, start) in stream order; the start is `None` for an
    /// entry that does not come after the one before it (entries sharing
    /// bytes would let one member be parsed over and over).
    entries: Vec<(u32, Option<usize>)>,
    len: usize,
}

impl MemberIndex {
    fn read(dict: &Dictionary, data: &[u8]) -> Option<Self> {
        let count = usize::try_from(dict.get(b"N").and_then(Object::as_i64).ok()?).ok()?;
        let first = usize::try_from(dict.get(b"First").and_then(Object::as_i64).ok()?).ok()?;
        let header = data.get(..first)?;
        let mut numbers = header
            .split(|b| b.is_ascii_whitespace())
            .filter(|token| !token.is_empty())
            .map(|token| std::str::from_utf8(token).ok()?.parse::<usize>().ok());
        let mut entries = Vec::new();
        let mut last = None;
        for _ in 0..count.min(MAX_OBJECTS) {
            let (Some(Some(number)), Some(Some(offset))) = (numbers.next(), numbers.next()) else {
                break;
            };
            let number = u32::try_from(number).ok()?;
            let start = first
                .checked_add(offset)
                .filter(|&start| start < data.len() && last.is_none_or(|last| start > last));
            if start.is_some() {
                last = start;
            }
            entries.push((number, start));
        }
        Some(Self {
            entries,
            len: data.len(),
        })
    }

    /// The bytes of the member at `position`, if it is object `number`:
    /// from its start to the next member's.
    fn member(&self, number: u32, position: u16) -> Option<std::ops::Range<usize>> {
        let position = usize::from(position);
        let (listed, start) = *self.entries.get(position)?;
        let start = start.filter(|_| listed == number)?;
        let end = self.entries[position + 1..]
            .iter()
            .find_map(|&(_, next)| next)
            .unwrap_or(self.len);
        Some(start..end)
    }
}

/// One member of an object stream, parsed by lopdf from its own bytes (a
/// one-member object stream of them: lopdf's parser is not public).
fn parse_member(number: u32, bytes: &[u8]) -> Option<Object> {
    let header = format!("{number} 0 ");
    let mut content = header.clone().into_bytes();
    content.extend_from_slice(bytes);
    let mut dict = Dictionary::new();
    dict.set("Type", Object::Name(b"ObjStm".to_vec()));
    dict.set("N", 1);
    dict.set("First", i64::try_from(header.len()).ok()?);
    let single = Stream::new(dict, content);
    ObjectStream::new_with_limit(&single, None)
        .ok()?
        .objects
        .remove(&(number, 0))
}

/// Undoes a stream's filters (lopdf's decoders: every standard filter, PNG
/// and TIFF predictors, chains), refusing output beyond the budget, and
/// charges the result to it.
fn decode_stream(stream: &Stream, budget: &mut usize) -> Result<Vec<u8>, TranscriptError> {
    let data = stream
        .decompressed_content_with_limit(*budget)
        .map_err(|error| match error {
            lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. }) => {
                TranscriptError::TooMuchData {
                    limit: MAX_INFLATED_BYTES,
                }
            }
            lopdf::Error::Unimplemented(_) => {
                let filters = stream.filters().unwrap_or_default();
                let unsupported = filters
                    .iter()
                    .find(|f| !SUPPORTED_FILTERS.contains(f))
                    .map_or_else(|| "?".into(), |f| String::from_utf8_lossy(f).into_owned());
                TranscriptError::Malformed(format!("unsupported stream filter /{unsupported}"))
            }
            other => TranscriptError::Malformed(format!("bad stream data: {other}")),
        })?;
    *budget -= data.len();
    Ok(data)
}

/// The filters lopdf decodes (the image-only ones are not).
const SUPPORTED_FILTERS: [&[u8]; 6] = [
    b"FlateDecode",
    b"LZWDecode",
    b"ASCII85Decode",
    b"ASCIIHexDecode",
    b"RunLengthDecode",
    b"BrotliDecode",
];

/// How a font's codes become characters.
#[derive(Debug, Clone)]
enum Decoding {
    /// Two-byte codes: through the map (ToUnicode, or the font program's
    /// own cmap), else, for a predefined Unicode CMap (UniGB-UCS2-H,
    /// UniGB-UTF16-H), the code itself as UTF-16.
    TwoByte {
        map: HashMap<u32, String>,
        unicode_codes: bool,
    },
    /// GBK codes, one byte below 0x81 and two from there (GBK-EUC-H,
    /// GBKp-EUC-H, GBpc-EUC-H, GB-EUC-H), through ToUnicode when the font
    /// has one, else as GBK.
    Gbk(HashMap<u32, String>),
    /// One-byte codes of a simple font: each code's text, from (in order of
    /// precedence) ToUnicode, the font program's cmap, `/Differences` glyph
    /// names, the base encoding.
    OneByte(Vec<Option<String>>),
    /// A font the page names but does not define: nothing it shows can be read.
    Missing,
}

/// What is needed of a font: code splitting, text and advance widths.
#[derive(Debug, Clone)]
pub struct Font {
    /// The font's name (`/BaseFont`), for errors.
    name: String,
    decoding: Decoding,
    /// CID (two-byte fonts) or code (simple fonts) → width in 1/1000 em.
    widths: HashMap<u32, f32>,
    default_width: f32,
    /// Codes of a predefined CMap are not CIDs: ASCII sits at CID 1-95
    /// of Adobe-GB1, the rest takes the default width.
    unicode_cmap: bool,
}

impl Font {
    /// The font of a resource name the page's resources do not define.
    pub fn missing(resource: &[u8]) -> Self {
        Self {
            name: format!(
                "/{} (not in the page's resources)",
                String::from_utf8_lossy(resource)
            ),
            decoding: Decoding::Missing,
            widths: HashMap::new(),
            default_width: 500.0,
            unicode_cmap: false,
        }
    }

    /// Reads a font, charging what it maps to the parse's font budget.
    fn read(pdf: &mut Pdf, dict: &Dictionary) -> Result<Self, TranscriptError> {
        let mut budget = pdf.font_budget;
        let font = Self::read_within(pdf, dict, &mut budget);
        pdf.font_budget = budget;
        font
    }

    fn read_within(
        pdf: &mut Pdf,
        dict: &Dictionary,
        budget: &mut usize,
    ) -> Result<Self, TranscriptError> {
        let name = pdf
            .get(dict, b"BaseFont")
            .and_then(|o| o.as_name().ok())
            .map_or_else(
                || "(unnamed)".into(),
                |n| String::from_utf8_lossy(n).into_owned(),
            );
        let subtype = pdf
            .get(dict, b"Subtype")
            .and_then(|o| o.as_name().ok())
            .unwrap_or_default()
            .to_vec();
        let to_unicode = match pdf.get_stream(dict, b"ToUnicode").cloned() {
            Some(stream) => Some(parse_cmap(&pdf.decode(&stream)?, budget)?),
            None => None,
        };
        if subtype == b"Type0" {
            Self::read_type0(pdf, dict, name, to_unicode, budget)
        } else {
            Self::read_simple(pdf, dict, name, &subtype, to_unicode, budget)
        }
    }

    fn read_type0(
        pdf: &mut Pdf,
        dict: &Dictionary,
        name: String,
        to_unicode: Option<HashMap<u32, String>>,
        budget: &mut usize,
    ) -> Result<Self, TranscriptError> {
        let encoding = pdf
            .get(dict, b"Encoding")
            .and_then(|o| o.as_name().ok())
            .unwrap_or_default()
            .to_vec();
        let descendant = pdf
            .get(dict, b"DescendantFonts")
            .and_then(|o| o.as_array().ok())
            .and_then(|a| a.first())
            .and_then(|o| pdf.resolve(o))
            .and_then(|o| o.as_dict().ok())
            .cloned()
            .unwrap_or_default();
        let default_width = pdf
            .get(&descendant, b"DW")
            .and_then(|o| o.as_float().ok())
            .unwrap_or(1000.0);
        let widths = pdf
            .get(&descendant, b"W")
            .and_then(|o| o.as_array().ok())
            .map(|w| cid_widths(pdf, w, budget))
            .transpose()?
            .unwrap_or_default();
        let unicode_cmap = encoding.starts_with(b"Uni");
        let gbk = encoding.starts_with(b"GB") && !unicode_cmap;
        let decoding = if gbk {
            Decoding::Gbk(to_unicode.unwrap_or_default())
        } else {
            let map = match to_unicode {
                Some(map) => map,
                // Without ToUnicode, an Identity-H code is a CID, which the
                // font program's own cmap can tell the character of.
                None if encoding == b"Identity-H" => {
                    cid_font_program_map(pdf, &descendant, budget)?.unwrap_or_default()
                }
                None => HashMap::new(),
            };
            Decoding::TwoByte {
                map,
                unicode_codes: unicode_cmap,
            }
        };
        Ok(Self {
            name,
            decoding,
            widths,
            default_width,
            // GBK-EUC-H also puts ASCII at CID 1-95.
            unicode_cmap: unicode_cmap || gbk,
        })
    }

    fn read_simple(
        pdf: &mut Pdf,
        dict: &Dictionary,
        name: String,
        subtype: &[u8],
        to_unicode: Option<HashMap<u32, String>>,
        budget: &mut usize,
    ) -> Result<Self, TranscriptError> {
        // The 256 codes' table, whatever fills it.
        spend(budget, 256)?;
        let first = pdf
            .get(dict, b"FirstChar")
            .and_then(|o| o.as_i64().ok())
            .unwrap_or(0);
        let widths = pdf
            .get(dict, b"Widths")
            .and_then(|o| o.as_array().ok())
            .map(|w| {
                w.iter()
                    .take(256)
                    .enumerate()
                    .filter_map(|(i, o)| {
                        let code =
                            u32::try_from(first.checked_add(i64::try_from(i).ok()?)?).ok()?;
                        Some((code, pdf.resolve(o)?.as_float().ok()?))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let descriptor = pdf.get_dict(dict, b"FontDescriptor").cloned();
        let default_width = descriptor
            .as_ref()
            .and_then(|d| pdf.get(d, b"MissingWidth"))
            .and_then(|o| o.as_float().ok())
            .unwrap_or(500.0);

        let encoding = pdf.get(dict, b"Encoding").cloned();
        let (base, differences) = match &encoding {
            Some(Object::Name(base)) => (Some(base.clone()), Vec::new()),
            Some(Object::Dictionary(encoding)) => (
                pdf.get(encoding, b"BaseEncoding")
                    .and_then(|o| o.as_name().ok())
                    .map(<[u8]>::to_vec),
                pdf.get(encoding, b"Differences")
                    .and_then(|o| o.as_array().ok())
                    .map(|d| differences(pdf, d, budget))
                    .transpose()?
                    .unwrap_or_default(),
            ),
            _ => (None, Vec::new()),
        };
        let program = match (subtype, descriptor.as_ref()) {
            (b"TrueType", Some(descriptor)) => {
                match pdf.get_stream(descriptor, b"FontFile2").cloned() {
                    Some(stream) => Some(pdf.decode(&stream)?),
                    None => None,
                }
            }
            _ => None,
        };
        // A TrueType font without an encoding reads its codes through its
        // own cmap; one with an encoding, through glyph names.
        let use_program = program.is_some() && encoding.is_none();
        let mut codes: Vec<Option<String>> = (0..=255u8)
            .map(|code| {
                if use_program {
                    None
                } else {
                    glyphs::base_encoding(base.as_deref(), code)
                }
            })
            .collect();
        for (code, glyph) in differences {
            codes[usize::from(code)] = glyphs::text_of_glyph_name(&glyph);
        }
        if use_program && let Some(program) = &program {
            for (code, text) in truetype_simple_map(program, budget)? {
                codes[usize::from(code)] = Some(text);
            }
        }
        if let Some(map) = to_unicode {
            for (code, text) in map {
                if let Some(slot) = usize::try_from(code).ok().and_then(|c| codes.get_mut(c)) {
                    *slot = Some(text);
                }
            }
        }
        Ok(Self {
            name,
            decoding: Decoding::OneByte(codes),
            widths,
            default_width,
            unicode_cmap: false,
        })
    }

    /// Splits a shown string into glyphs: (text, width in 1/1000 em, is the
    /// single-byte code 32, which word spacing applies to). A code the font
    /// cannot map to text is an error naming the font: never a guess.
    pub fn glyphs(
        &self,
        bytes: &[u8],
        mut each: impl FnMut(&str, f32, bool),
    ) -> Result<(), TranscriptError> {
        match &self.decoding {
            Decoding::TwoByte { map, unicode_codes } => {
                let mut pairs = bytes.chunks_exact(2).peekable();
                while let Some(pair) = pairs.next() {
                    let code = u32::from(u16::from_be_bytes([pair[0], pair[1]]));
                    let mut buffer = [0u8; 8];
                    let text: &str = match map.get(&code) {
                        Some(text) => text,
                        None if *unicode_codes => {
                            // A surrogate pair (UTF-16) spans two codes.
                            let unit = code as u16;
                            let decoded = if (0xD800..0xDC00).contains(&unit) {
                                pairs
                                    .next_if(|p| {
                                        (0xDC00..0xE000).contains(&u16::from_be_bytes([p[0], p[1]]))
                                    })
                                    .and_then(|low| {
                                        char::decode_utf16([
                                            unit,
                                            u16::from_be_bytes([low[0], low[1]]),
                                        ])
                                        .next()?
                                        .ok()
                                    })
                            } else {
                                char::from_u32(code)
                            };
                            match decoded {
                                Some(c) => c.encode_utf8(&mut buffer),
                                None => return Err(self.unmapped(code)),
                            }
                        }
                        None => return Err(self.unmapped(code)),
                    };
                    each(text, self.width(code), false);
                }
            }
            Decoding::Gbk(map) => {
                let mut rest = bytes;
                while let Some(&first) = rest.first() {
                    let len = if first < 0x81 { 1 } else { 2.min(rest.len()) };
                    let (code_bytes, tail) = rest.split_at(len);
                    rest = tail;
                    let code = code_bytes
                        .iter()
                        .fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
                    let decoded;
                    let text = match map.get(&code) {
                        Some(text) => text.as_str(),
                        None => {
                            let (text, had_errors) =
                                encoding_rs::GBK.decode_without_bom_handling(code_bytes);
                            if had_errors {
                                return Err(self.unmapped(code));
                            }
                            decoded = text;
                            &decoded
                        }
                    };
                    each(text, self.width(code), code == 32);
                }
            }
            Decoding::OneByte(codes) => {
                for &byte in bytes {
                    let code = u32::from(byte);
                    let Some(text) = &codes[usize::from(byte)] else {
                        return Err(self.unmapped(code));
                    };
                    each(text, self.width(code), byte == b' ');
                }
            }
            Decoding::Missing => {
                if let Some(&byte) = bytes.first() {
                    return Err(self.unmapped(u32::from(byte)));
                }
            }
        }
        Ok(())
    }

    fn unmapped(&self, code: u32) -> TranscriptError {
        TranscriptError::UnmappedGlyph {
            font: self.name.clone(),
            code,
        }
    }

    fn width(&self, code: u32) -> f32 {
        let key = if self.unicode_cmap {
            match code {
                0x20..=0x7E => code - 0x1F,
                _ => return self.default_width,
            }
        } else {
            code
        };
        self.widths.get(&key).copied().unwrap_or(self.default_width)
    }
}

/// `/Differences [code /name /name code /name ...]`: (code, glyph name).
fn differences(
    pdf: &Pdf,
    items: &[Object],
    budget: &mut usize,
) -> Result<Vec<(u8, Vec<u8>)>, TranscriptError> {
    let items = &items[..items.len().min(1024)];
    spend(budget, items.len())?;
    let mut out = Vec::new();
    let mut code: Option<u8> = None;
    for item in items {
        match pdf.resolve(item) {
            Some(Object::Integer(start)) => code = u8::try_from(*start).ok(),
            Some(Object::Name(glyph)) => {
                if let Some(c) = code {
                    out.push((c, glyph.clone()));
                    code = c.checked_add(1);
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// CID → text for an Identity-H font without ToUnicode whose program is an
/// embedded TrueType font (`/FontFile2`): CID → glyph id (`/CIDToGIDMap`),
/// glyph id → character by the program's Unicode cmap, read backwards.
fn cid_font_program_map(
    pdf: &mut Pdf,
    descendant: &Dictionary,
    budget: &mut usize,
) -> Result<Option<HashMap<u32, String>>, TranscriptError> {
    let Some(descriptor) = pdf.get_dict(descendant, b"FontDescriptor").cloned() else {
        return Ok(None);
    };
    let Some(program) = pdf.get_stream(&descriptor, b"FontFile2").cloned() else {
        return Ok(None);
    };
    let program = pdf.decode(&program)?;
    let cid_to_gid = match pdf.get(descendant, b"CIDToGIDMap") {
        Some(Object::Stream(stream)) => {
            let stream = stream.clone();
            Some(pdf.decode(&stream)?)
        }
        _ => None,
    };
    let by_glyph = truetype_unicode_by_glyph(&program, budget)?;
    let mut map = HashMap::new();
    match cid_to_gid {
        // Two bytes per CID, big-endian glyph ids.
        Some(table) => {
            let entries = table.len() / 2;
            spend(budget, entries.min(MAX_CMAP_ENTRIES))?;
            for (cid, gid) in table.chunks_exact(2).enumerate().take(MAX_CMAP_ENTRIES) {
                let gid = u16::from_be_bytes([gid[0], gid[1]]);
                if let (Some(text), Ok(cid)) = (by_glyph.get(&gid), u32::try_from(cid)) {
                    map.insert(cid, text.clone());
                }
            }
        }
        None => {
            for (gid, text) in by_glyph {
                map.insert(u32::from(gid), text);
            }
        }
    }
    Ok(Some(map))
}

/// The first [`MAX_CMAP_SUBTABLES`] subtables of a TrueType program's cmap,
/// each with its index in the table, and the table's bytes.
fn truetype_subtables(program: &[u8]) -> (Vec<(u16, ttf_parser::cmap::Subtable<'_>)>, &[u8]) {
    let Some((cmap, subtables)) = ttf_parser::RawFace::parse(program, 0)
        .ok()
        .and_then(|face| face.table(ttf_parser::Tag::from_bytes(b"cmap")))
        .and_then(|data| Some((data, ttf_parser::cmap::Table::parse(data)?.subtables)))
    else {
        return (Vec::new(), &[]);
    };
    let read = (0..subtables.len().min(MAX_CMAP_SUBTABLES))
        .filter_map(|index| Some((index, subtables.get(index)?)))
        .collect();
    (read, cmap)
}

/// How many code points the ranges of a format 4 or format 12 subtable
/// declare, at most (read from its own header: ttf-parser does not tell),
/// and how many ranges that took to add up; `None` for other formats.
fn declared_code_points(cmap: &[u8], index: u16) -> Option<(u64, usize)> {
    let be16 = |at: usize| Some(u16::from_be_bytes(cmap.get(at..at + 2)?.try_into().ok()?));
    let be32 = |at: usize| Some(u32::from_be_bytes(cmap.get(at..at + 4)?.try_into().ok()?));
    let offset = usize::try_from(be32(4 + 8 * usize::from(index) + 4)?).ok()?;
    let width = |first: u32, last: u32| u64::from(last.saturating_sub(first)) + 1;
    match be16(offset)? {
        4 => {
            let segments = usize::from(be16(offset + 6)? / 2);
            let ends = offset + 14;
            let starts = ends + 2 * segments + 2;
            let total = (0..segments)
                .map(|i| {
                    Some(width(
                        be16(starts + 2 * i)?.into(),
                        be16(ends + 2 * i)?.into(),
                    ))
                })
                .sum::<Option<u64>>()?;
            Some((total, segments))
        }
        12 => {
            let groups = usize::try_from(be32(offset + 12)?).ok()?;
            let total = (0..groups)
                .map(|i| {
                    Some(width(
                        be32(offset + 16 + 12 * i)?,
                        be32(offset + 20 + 12 * i)?,
                    ))
                })
                .sum::<Option<u64>>()?;
            Some((total, groups))
        }
        _ => None,
    }
}

/// Glyph id → character, by the Unicode subtables of a TrueType program's
/// cmap (the lowest code point when several map to one glyph).
///
/// ttf-parser walks a subtable's code points only through a callback that
/// cannot stop, over ranges a crafted table makes as long as it likes (2^31
/// for format 4, 2^32 a group for format 12). So a subtable is walked only
/// when its ranges (added up from its header first) are no longer than the
/// code points it can hold; otherwise each of those is asked for, at that
/// fixed cost: the BMP, and for format 12, the one that reaches beyond it,
/// planes 1 to 3 too (the CJK extensions). Format 13 (many code points to
/// one glyph: the last-resort fonts, never a text font's) is not read: its
/// look-up is a linear search.
fn truetype_unicode_by_glyph(
    program: &[u8],
    budget: &mut usize,
) -> Result<HashMap<u16, String>, TranscriptError> {
    use ttf_parser::cmap::Format;
    let mut by_glyph: HashMap<u16, char> = HashMap::new();
    let mut keep = |code_point: u32, gid: Option<ttf_parser::GlyphId>| {
        if let (Some(gid), Some(c)) = (gid, char::from_u32(code_point))
            && gid.0 != 0
        {
            by_glyph
                .entry(gid.0)
                .and_modify(|known| *known = (*known).min(c))
                .or_insert(c);
        }
    };
    let (subtables, cmap) = truetype_subtables(program);
    for (index, subtable) in subtables {
        let last: u32 = match subtable.format {
            _ if !subtable.is_unicode() => continue,
            Format::ManyToOneRangeMappings(_) => continue,
            Format::SegmentedCoverage(_) => 0x3_FFFF,
            _ => 0xFFFF,
        };
        let declared = match subtable.format {
            Format::SegmentMappingToDeltaValues(_) | Format::SegmentedCoverage(_) => {
                declared_code_points(cmap, index)
            }
            _ => None,
        };
        match declared {
            Some((code_points, ranges)) if code_points <= u64::from(last) + 1 => {
                spend(
                    budget,
                    ranges + usize::try_from(code_points).unwrap_or(usize::MAX),
                )?;
                subtable
                    .codepoints(|code_point| keep(code_point, subtable.glyph_index(code_point)));
            }
            declared => {
                spend(budget, declared.map_or(0, |(_, ranges)| ranges))?;
                spend(budget, last as usize + 1)?;
                for code_point in 0..=last {
                    keep(code_point, subtable.glyph_index(code_point));
                }
            }
        }
    }
    Ok(by_glyph
        .into_iter()
        .map(|(gid, c)| (gid, c.to_string()))
        .collect())
}

/// Code → text for a simple TrueType font without an encoding: code → glyph
/// id by the program's symbolic (3,0) or Macintosh (1,0) subtable, glyph id
/// → character by its Unicode subtables.
fn truetype_simple_map(
    program: &[u8],
    budget: &mut usize,
) -> Result<Vec<(u8, String)>, TranscriptError> {
    let (subtables, _) = truetype_subtables(program);
    let symbolic: Vec<_> = subtables
        .iter()
        .map(|(_, subtable)| subtable)
        .filter(|subtable| {
            matches!(
                (subtable.platform_id, subtable.encoding_id),
                (
                    ttf_parser::PlatformId::Windows | ttf_parser::PlatformId::Macintosh,
                    0
                )
            )
        })
        .collect();
    if symbolic.is_empty() {
        return Ok(Vec::new());
    }
    let by_glyph = truetype_unicode_by_glyph(program, budget)?;
    spend(budget, 512 * symbolic.len())?;
    let mut out = Vec::new();
    for code in 0..=255u8 {
        let gid = symbolic
            .iter()
            .find_map(|subtable| match subtable.platform_id {
                ttf_parser::PlatformId::Windows => subtable
                    .glyph_index(0xF000 + u32::from(code))
                    .or_else(|| subtable.glyph_index(u32::from(code))),
                _ => subtable.glyph_index(u32::from(code)),
            });
        if let Some(text) = gid.and_then(|gid| by_glyph.get(&gid.0)) {
            out.push((code, text.clone()));
        }
    }
    Ok(out)
}

/// A CID font's `/W` array: `c [w1 w2 ...]` and `c_first c_last w` entries.
fn cid_widths(
    pdf: &Pdf,
    w: &[Object],
    budget: &mut usize,
) -> Result<HashMap<u32, f32>, TranscriptError> {
    let mut widths = HashMap::new();
    let number = |o: &Object| pdf.resolve(o).and_then(|o| o.as_float().ok());
    let mut items = w.iter();
    while let Some(first) = items.next().and_then(|o| pdf.resolve(o)?.as_i64().ok()) {
        let Some(next) = items.next().and_then(|o| pdf.resolve(o)) else {
            break;
        };
        let Ok(first) = u32::try_from(first) else {
            break;
        };
        match next {
            Object::Array(list) => {
                for (i, width) in list.iter().enumerate() {
                    if widths.len() >= MAX_CMAP_ENTRIES {
                        return Ok(widths);
                    }
                    spend(budget, 1)?;
                    if let (Some(width), Ok(i)) = (number(width), u32::try_from(i)) {
                        widths.insert(first.saturating_add(i), width);
                    }
                }
            }
            last => {
                let (Some(last), Some(width)) = (
                    last.as_i64().ok().and_then(|l| u32::try_from(l).ok()),
                    items.next().and_then(number),
                ) else {
                    break;
                };
                for cid in first..=last.min(first.saturating_add(0xFFFF)) {
                    if widths.len() >= MAX_CMAP_ENTRIES {
                        return Ok(widths);
                    }
                    spend(budget, 1)?;
                    widths.insert(cid, width);
                }
            }
        }
    }
    Ok(widths)
}

/// Reads the `bfchar` and `bfrange` sections of a ToUnicode CMap, each
/// entry (an overwritten one too) charged to the font budget.
pub fn parse_cmap(
    data: &[u8],
    budget: &mut usize,
) -> Result<HashMap<u32, String>, TranscriptError> {
    let tokens = cmap_tokens(data);
    let mut map = HashMap::new();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            CmapToken::Keyword(k) if k == b"beginbfchar" => {
                i += 1;
                while let (Some(CmapToken::Hex(code)), Some(CmapToken::Hex(text))) =
                    (tokens.get(i), tokens.get(i + 1))
                {
                    if map.len() < MAX_CMAP_ENTRIES {
                        spend(budget, 1)?;
                        map.insert(code_of(code), utf16_text(text));
                    }
                    i += 2;
                }
            }
            CmapToken::Keyword(k) if k == b"beginbfrange" => {
                i += 1;
                while let (Some(CmapToken::Hex(low)), Some(CmapToken::Hex(high))) =
                    (tokens.get(i), tokens.get(i + 1))
                {
                    let (low, high) = (code_of(low), code_of(high));
                    match tokens.get(i + 2) {
                        Some(CmapToken::Hex(start)) => {
                            for (offset, code) in
                                (low..=high.min(low.saturating_add(0xFFFF))).enumerate()
                            {
                                if map.len() >= MAX_CMAP_ENTRIES {
                                    break;
                                }
                                spend(budget, 1)?;
                                let mut text = start.clone();
                                add_to_last_unit(&mut text, offset);
                                map.insert(code, utf16_text(&text));
                            }
                            i += 3;
                        }
                        Some(CmapToken::Array(targets)) => {
                            for (code, text) in (low..=high).zip(targets) {
                                if map.len() < MAX_CMAP_ENTRIES {
                                    spend(budget, 1)?;
                                    map.insert(code, utf16_text(text));
                                }
                            }
                            i += 3;
                        }
                        _ => break,
                    }
                }
            }
            _ => i += 1,
        }
    }
    Ok(map)
}

/// A bfrange destination advances in its last byte (and carries over).
fn add_to_last_unit(text: &mut [u8], offset: usize) {
    let mut carry = offset;
    for byte in text.iter_mut().rev() {
        if carry == 0 {
            break;
        }
        let sum = usize::from(*byte) + carry;
        *byte = (sum & 0xFF) as u8;
        carry = sum >> 8;
    }
}

fn code_of(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .take(4)
        .fold(0u32, |acc, &b| (acc << 8) | u32::from(b))
}

fn utf16_text(bytes: &[u8]) -> String {
    let units = bytes
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]));
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

enum CmapToken {
    Hex(Vec<u8>),
    Array(Vec<Vec<u8>>),
    Keyword(Vec<u8>),
}

/// The tokens of a CMap that matter here: hex strings, arrays of them and
/// keywords (names, numbers and comments are skipped as keywords or dropped).
fn cmap_tokens(data: &[u8]) -> Vec<CmapToken> {
    let mut tokens = Vec::new();
    let mut array: Option<Vec<Vec<u8>>> = None;
    let mut i = 0;
    while i < data.len() && tokens.len() < 4 * MAX_CMAP_ENTRIES {
        match data[i] {
            b'%' => {
                while i < data.len() && data[i] != b'\n' && data[i] != b'\r' {
                    i += 1;
                }
            }
            b'<' if data.get(i + 1) != Some(&b'<') => {
                let end = data[i..]
                    .iter()
                    .position(|&b| b == b'>')
                    .map_or(data.len(), |p| i + p);
                let hex = hex_bytes(&data[i + 1..end]);
                match array.as_mut() {
                    Some(items) => items.push(hex),
                    None => tokens.push(CmapToken::Hex(hex)),
                }
                i = end + 1;
            }
            b'[' => {
                array = Some(Vec::new());
                i += 1;
            }
            b']' => {
                if let Some(items) = array.take() {
                    tokens.push(CmapToken::Array(items));
                }
                i += 1;
            }
            b if b.is_ascii_alphabetic() => {
                let start = i;
                while i < data.len() && data[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                tokens.push(CmapToken::Keyword(data[start..i].to_vec()));
            }
            _ => i += 1,
        }
    }
    tokens
}

fn hex_bytes(hex: &[u8]) -> Vec<u8> {
    let digits: Vec<u8> = hex
        .iter()
        .filter_map(|&b| char::from(b).to_digit(16).map(|d| d as u8))
        .collect();
    digits
        .chunks(2)
        .map(|pair| (pair[0] << 4) | pair.get(1).copied().unwrap_or(0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_unicode_maps_read_bfchar_and_bfrange() {
        let cmap = b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n\
            2 beginbfchar\n<0003> <8BFE>\n<0004> <D83DDE00>\nendbfchar\n\
            2 beginbfrange\n<0010> <0012> <0041>\n<0020> <0021> [<5B66> <5206>]\nendbfrange\n\
            1 beginbfrange\n<FFFFFFFF> <FFFFFFFF> <0042>\nendbfrange";
        let map = parse_cmap(cmap, &mut MAX_FONT_WORK.clone()).expect("within budget");
        assert_eq!(map[&3], "课");
        assert_eq!(map[&4], "😀");
        assert_eq!(map[&0x12], "C");
        assert_eq!(map[&0x21], "分");
        assert_eq!(map[&0xFFFF_FFFF], "B");
    }

    #[test]
    fn ranges_mapped_over_and_over_are_charged_to_the_font_budget() {
        // Each range overwrites the same 65,536 codes: the map stays small,
        // the work does not.
        let range = "1 beginbfrange\n<0000> <FFFF> <0041>\nendbfrange\n";
        let mut budget = 100_000;
        let result = parse_cmap(range.repeat(2).as_bytes(), &mut budget);
        assert!(
            matches!(&result, Err(TranscriptError::Malformed(m)) if m.contains("fonts map more than")),
            "{result:?}"
        );
        let mut budget = 100_000;
        let one = parse_cmap(range.as_bytes(), &mut budget).expect("one range");
        assert_eq!((one.len(), budget), (65_536, 100_000 - 65_536));
    }

    /// A font program of only a `cmap`, with one (3,1) format 4 subtable
    /// of `segments` (start, end; glyph id = code point).
    fn cmap_only_program(segments: &[(u16, u16)]) -> Vec<u8> {
        let count = u16::try_from(segments.len() + 1).expect("segments");
        let mut subtable = Vec::new();
        for word in [4, 0, 0, 2 * count, 0, 0, 0] {
            subtable.extend(u16::to_be_bytes(word));
        }
        let ends = segments.iter().map(|s| s.1).chain([0xFFFF]);
        subtable.extend(ends.flat_map(u16::to_be_bytes));
        subtable.extend([0, 0]);
        let starts = segments.iter().map(|s| s.0).chain([0xFFFF]);
        subtable.extend(starts.flat_map(u16::to_be_bytes));
        // idDelta 0 (the final segment's 1 maps 0xFFFF to glyph 0), no
        // idRangeOffset.
        subtable.extend(segments.iter().flat_map(|_| [0, 0]).chain([0, 1]));
        subtable.extend(std::iter::repeat_n(0, 2 * usize::from(count)));
        let length = u16::try_from(subtable.len()).expect("length");
        subtable[2..4].copy_from_slice(&length.to_be_bytes());
        let mut cmap = vec![0, 0, 0, 1, 0, 3, 0, 1, 0, 0, 0, 12];
        cmap.extend(subtable);
        let mut program = vec![0, 1, 0, 0, 0, 1, 0, 16, 0, 0, 0, 0];
        program.extend(b"cmap");
        program.extend([0; 4]);
        program.extend(28u32.to_be_bytes());
        program.extend(u32::try_from(cmap.len()).expect("length").to_be_bytes());
        program.extend(cmap);
        program
    }

    #[test]
    fn a_cmap_declaring_long_ranges_is_asked_at_a_fixed_cost() {
        // Small ranges: walked, at their length.
        let mut budget = MAX_FONT_WORK;
        let small = truetype_unicode_by_glyph(&cmap_only_program(&[(0x41, 0x43)]), &mut budget)
            .expect("within budget");
        assert_eq!(small.len(), 3);
        assert_eq!(small[&0x42], "B");
        // 1 range of 3 code points and the closing one of 1.
        assert_eq!(MAX_FONT_WORK - budget, 2 + 4);
        // 1,000 ranges over the whole BMP: each BMP code point asked once.
        let mut budget = MAX_FONT_WORK;
        let long = cmap_only_program(&vec![(0x20, 0xFFFE); 1000]);
        let map = truetype_unicode_by_glyph(&long, &mut budget).expect("within budget");
        assert_eq!(map[&0x41], "A");
        assert_eq!(map[&0x5B66], "学");
        assert_eq!(map.len(), 0xFFFF - 0x20 - 0x800);
        assert_eq!(MAX_FONT_WORK - budget, 1001 + 0x1_0000);
    }

    #[test]
    fn decoding_stops_at_the_budget() {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut encoder, &[0u8; 10_000]).expect("compress");
        let mut dict = Dictionary::new();
        dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
        let stream = Stream::new(dict, encoder.finish().expect("compress"));
        let mut budget = 10_000;
        assert_eq!(
            decode_stream(&stream, &mut budget).map(|d| d.len()),
            Ok(10_000)
        );
        assert_eq!(budget, 0);
        let mut budget = 9_999;
        assert!(matches!(
            decode_stream(&stream, &mut budget),
            Err(TranscriptError::TooMuchData { .. })
        ));
    }

    #[test]
    fn object_stream_members_are_read_from_their_own_bytes() {
        let data = b"7 0 8 6 9 6 [1 2] << /A 7 0 R >>";
        let mut dict = Dictionary::new();
        dict.set("N", 3);
        dict.set("First", 12);
        let index = MemberIndex::read(&dict, data).expect("index");
        let first = index.member(7, 0).expect("first");
        assert_eq!(&data[first.clone()], b"[1 2] ");
        assert_eq!(
            parse_member(7, &data[first]),
            Some(Object::Array(vec![1.into(), 2.into()]))
        );
        // The third entry repeats the second's offset: it is not read twice.
        assert!(index.member(8, 1).is_some());
        assert!(index.member(9, 2).is_none());
        // The wrong object number at a position is not taken.
        assert!(index.member(9, 1).is_none());
    }
}
