//! Where loading goes around lopdf (0.47), and the one rewrite of the file's
//! bytes that takes.
//!
//! lopdf's object-stream reader (`ObjectStream::new_with_limit`) parses every
//! entry of a stream's header from its offset, and entries may share an
//! offset: a crafted stream makes that quadratic in time and memory. Its
//! loader takes a filter (`LoadOptions::filter`), run on each object before
//! the loader would expand it: [`keep_packed`] renames the streams' type
//! there, so they stay packed and `load` unpacks them member by member.
//!
//! lopdf's loader for encrypted files takes another path, which never runs
//! the filter and expands every object stream the cross-reference table
//! names, whatever its type. No option turns that path off, so an encrypted
//! file is loaded as if it were not: the `/Encrypt` key renamed in its bytes
//! (to a name as long, so no offset moves), put back into the trailer after
//! loading, and the document then decrypted by lopdf's own
//! `Document::decrypt` (which expands only streams still typed `/ObjStm`:
//! none by then).
//!
//! The tests below check that lopdf still behaves so: when one fails, an
//! upgrade made this module's workaround unnecessary, and it can go.

use std::borrow::Cow;

use lopdf::{Document, LoadOptions, Object, ObjectId};

/// The type object streams carry while lopdf loads.
pub(super) const PACKED_OBJECT_STREAM: &[u8] = b"XtuPackedObjStm";
/// What the trailer's `/Encrypt` is renamed to while lopdf loads: as long,
/// so that no offset moves.
const HIDDEN_ENCRYPT: &[u8] = b"/XtCrypt";
const _: () = assert!(HIDDEN_ENCRYPT.len() == b"/Encrypt".len());

/// A document lopdf loaded with its object streams still packed.
pub(super) struct LoadedDocument {
    /// The objects, not decrypted yet.
    pub doc: Document,
    /// Whether its trailer names an encryption dictionary (`/Encrypt` is
    /// back in the trailer then, for `Document::decrypt`).
    pub encrypted: bool,
}

/// Loads `bytes` with lopdf, object streams kept packed (typed
/// [`PACKED_OBJECT_STREAM`]), an encrypted file's objects as stored; each
/// cross-reference stream lopdf inflates is capped at `max_structure_stream`.
pub(super) fn load_packed(
    bytes: &[u8],
    max_structure_stream: usize,
) -> lopdf::Result<LoadedDocument> {
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
        max_decompressed_size: Some(max_structure_stream),
        ..LoadOptions::default()
    };
    let mut doc = Document::load_mem_with_options(&input, options)?;
    let encrypted = match doc.trailer.remove(&HIDDEN_ENCRYPT[1..]) {
        Some(encrypt) => {
            doc.trailer.set("Encrypt", encrypt);
            true
        }
        None => false,
    };
    Ok(LoadedDocument { doc, encrypted })
}

/// How many cross-reference streams the file may hold (each `/XRef` name):
/// lopdf inflates them itself while loading, so they are charged before.
pub(super) fn xref_stream_count(bytes: &[u8]) -> usize {
    name_positions(bytes, b"/XRef").count()
}

/// The load filter: object streams renamed, so that lopdf keeps them
/// packed. lopdf keeps the object the filter changed in place in one loading
/// path and the returned one in another, so both are the same.
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

#[cfg(test)]
mod tests {
    use lopdf::xref::XrefEntry;
    use lopdf::{Dictionary, ObjectStream, Stream};

    use super::*;

    /// An encrypted file (AES-128) whose objects sit in object streams.
    const ENCRYPTED_OBJSTM: &[u8] =
        include_bytes!("../../../../fixtures/transcript/variants/transcript@aes128-objstm.pdf");

    /// The objects a document holds that its cross-reference table places
    /// in object streams.
    fn expanded_members(doc: &Document) -> usize {
        doc.reference_table
            .entries
            .iter()
            .filter(|(number, entry)| {
                matches!(entry, XrefEntry::Compressed { .. })
                    && doc.objects.contains_key(&(**number, 0))
            })
            .count()
    }

    #[test]
    fn lopdf_still_expands_the_object_streams_of_an_encrypted_file_itself() {
        let options = LoadOptions {
            filter: Some(keep_packed),
            ..LoadOptions::default()
        };
        let doc = Document::load_mem_with_options(ENCRYPTED_OBJSTM, options).expect("loads");
        assert!(
            expanded_members(&doc) > 0,
            "lopdf's encrypted loader now leaves object streams to the filter: \
             load encrypted files with it directly, and drop the /Encrypt rewrite"
        );
        // With the rewrite, they stay packed, and the file is known encrypted.
        let loaded = load_packed(ENCRYPTED_OBJSTM, usize::MAX).expect("loads");
        assert!(loaded.encrypted);
        assert_eq!(expanded_members(&loaded.doc), 0);
        assert!(loaded.doc.objects.values().any(|object| {
            object
                .as_stream()
                .is_ok_and(|s| s.dict.has_type(PACKED_OBJECT_STREAM))
        }));
    }

    #[test]
    fn lopdf_still_parses_object_stream_entries_that_share_an_offset() {
        // Three entries, one offset: each is parsed (and kept) from it.
        let content = b"1 0 2 0 3 0 [1 2 3]".to_vec();
        let mut dict = Dictionary::new();
        dict.set("Type", Object::Name(b"ObjStm".to_vec()));
        dict.set("N", 3);
        dict.set("First", 12);
        let stream = ObjectStream::new(&Stream::new(dict, content)).expect("parses");
        assert_eq!(
            stream.objects.len(),
            3,
            "lopdf's object streams no longer read entries that share bytes: \
             let it expand them (no keep_packed, no /Encrypt rewrite)"
        );
    }

    #[test]
    fn names_are_found_whole() {
        let bytes = b"/Encrypt 9 0 R /EncryptMetadata false /Encrypt<<";
        assert_eq!(
            name_positions(bytes, b"/Encrypt").collect::<Vec<_>>(),
            [0, 38]
        );
        assert_eq!(xref_stream_count(b"/Type /XRef /XRefStm 9"), 1);
    }
}
