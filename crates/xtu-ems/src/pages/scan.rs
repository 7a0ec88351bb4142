//! A single-pass HTML token scanner for the fast paths of the HTML parsers.
//!
//! Building html5ever's tree costs ~50x more than reading the few values the
//! pages need, and the values sit in markup docs/protocol.md is sure about.
//! The scanner reads that markup directly; whenever it meets something a
//! browser might interpret differently from a naive reading (an unusual
//! entity, a CDATA section, a block element inside a `p`...), the caller gets
//! [`Doubt`] and falls back to the full parse, which stays the reference.
//! Tests check that both paths agree on every fixture.

use memchr::{memchr, memmem};

/// The fast path cannot vouch for its reading: use the full parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Doubt;

/// One token of the markup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    /// `<name attrs>`; `attrs` is the raw text between the name and `>`.
    Start { name: &'a str, attrs: &'a str },
    /// `</name>`.
    End { name: &'a str },
    /// Character data, entities not yet decoded.
    Text(&'a str),
    /// A whole raw-text element (`script`, `style`...), content skipped.
    Raw { name: &'a str },
}

/// Elements whose content is raw text (no tags inside): skipped whole, so
/// markup in scripts and templates is never mistaken for the page's own.
const RAW_TEXT: [&str; 10] = [
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
    "template",
];

/// Tokens of `html`, skipping comments, doctypes and raw-text elements.
pub(crate) struct Tokens<'a> {
    html: &'a str,
    pos: usize,
}

impl<'a> Tokens<'a> {
    pub(crate) fn new(html: &'a str) -> Self {
        Self { html, pos: 0 }
    }

    /// Skips past the end tag of the raw-text element `name`.
    fn skip_raw_text(&mut self, name: &str) -> Result<(), Doubt> {
        let bytes = self.html.as_bytes();
        let mut at = self.pos;
        while let Some(offset) = memchr(b'<', &bytes[at..]) {
            let lt = at + offset;
            let rest = &bytes[lt + 1..];
            if rest.first() == Some(&b'/')
                && rest.len() > name.len()
                && rest[1..=name.len()].eq_ignore_ascii_case(name.as_bytes())
            {
                let after = rest.get(name.len() + 1).copied();
                if matches!(
                    after,
                    Some(b'>' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/')
                ) {
                    let close = memchr(b'>', &bytes[lt..]).ok_or(Doubt)?;
                    self.pos = lt + close + 1;
                    return Ok(());
                }
            }
            at = lt + 1;
        }
        // An unclosed script swallows the rest of the page in a browser too,
        // but say so rather than guess.
        Err(Doubt)
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Result<Token<'a>, Doubt>;

    fn next(&mut self) -> Option<Self::Item> {
        let html = self.html;
        let bytes = html.as_bytes();
        // A loop, not recursion: a page of a million comments must not
        // exhaust the stack.
        loop {
            let start = self.pos;
            if start >= bytes.len() {
                return None;
            }
            if bytes[start] != b'<' {
                let end = memchr(b'<', &bytes[start..]).map_or(bytes.len(), |o| start + o);
                self.pos = end;
                return Some(Ok(Token::Text(&html[start..end])));
            }
            let rest = &bytes[start + 1..];
            match rest.first() {
                Some(b'!') if rest.starts_with(b"!--") => {
                    match memmem::find(&bytes[start + 4..], b"-->") {
                        Some(o) => self.pos = start + 4 + o + 3,
                        None => return Some(Err(Doubt)),
                    }
                }
                Some(b'!') if rest.len() >= 8 && rest[1..8].eq_ignore_ascii_case(b"doctype") => {
                    match memchr(b'>', rest) {
                        Some(o) => self.pos = start + 1 + o + 1,
                        None => return Some(Err(Doubt)),
                    }
                }
                // CDATA, bogus comments: rare enough to leave to html5ever.
                Some(b'!') => return Some(Err(Doubt)),
                Some(b'/') => return Some(self.tag(start + 2, true)),
                Some(c) if c.is_ascii_alphabetic() => return Some(self.tag(start + 1, false)),
                // `<` not opening a tag is text for a browser; rare enough
                // in these pages to hand over.
                _ => return Some(Err(Doubt)),
            }
        }
    }
}

impl<'a> Tokens<'a> {
    /// Reads a start or end tag whose name begins at `name_start`.
    fn tag(&mut self, name_start: usize, end: bool) -> Result<Token<'a>, Doubt> {
        let html = self.html;
        let bytes = html.as_bytes();
        let name_end = bytes[name_start..]
            .iter()
            .position(|&c| !(c.is_ascii_alphanumeric() || c == b'-' || c == b':'))
            .map_or(bytes.len(), |o| name_start + o);
        if name_end == name_start {
            return Err(Doubt);
        }
        let name = &html[name_start..name_end];
        // Find the `>` that closes the tag, stepping over quoted values,
        // which may hold `>` themselves.
        let mut at = name_end;
        let close = loop {
            let o = bytes[at..]
                .iter()
                .position(|&c| matches!(c, b'>' | b'"' | b'\''))
                .ok_or(Doubt)?;
            let c = bytes[at + o];
            if c == b'>' {
                break at + o;
            }
            // A quote only opens a value right after `=` (possibly spaced).
            let before = bytes[name_end..at + o]
                .iter()
                .rev()
                .find(|b| !b.is_ascii_whitespace());
            if before != Some(&b'=') {
                return Err(Doubt);
            }
            let value_start = at + o + 1;
            let value_end = memchr(c, &bytes[value_start..]).ok_or(Doubt)?;
            at = value_start + value_end + 1;
        };
        self.pos = close + 1;
        let attrs = &html[name_end..close];
        if end {
            return Ok(Token::End { name });
        }
        if let Some(raw) = RAW_TEXT.iter().find(|raw| name.eq_ignore_ascii_case(raw)) {
            self.skip_raw_text(raw)?;
            return Ok(Token::Raw { name });
        }
        Ok(Token::Start { name, attrs })
    }
}

/// The value of attribute `name` in a start tag's raw attribute text.
/// `Err(Doubt)` when the attribute text is not plainly readable (an entity
/// in a value, a duplicate of the attribute).
pub(crate) fn attr<'a>(attrs: &'a str, name: &str) -> Result<Option<&'a str>, Doubt> {
    let mut found = None;
    let mut rest = attrs;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if rest.is_empty() {
            return Ok(found);
        }
        let name_len = rest
            .find(|c: char| c.is_ascii_whitespace() || matches!(c, '=' | '>' | '/'))
            .unwrap_or(rest.len());
        if name_len == 0 {
            return Err(Doubt);
        }
        let attr_name = &rest[..name_len];
        rest = rest[name_len..].trim_start_matches(|c: char| c.is_ascii_whitespace());
        let value = if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start_matches(|c: char| c.is_ascii_whitespace());
            let (value, remaining) = match after.as_bytes().first() {
                Some(&q @ (b'"' | b'\'')) => {
                    let body = &after[1..];
                    let end = body.find(char::from(q)).ok_or(Doubt)?;
                    (&body[..end], &body[end + 1..])
                }
                _ => {
                    let end = after
                        .find(|c: char| c.is_ascii_whitespace())
                        .unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            rest = remaining;
            value
        } else {
            ""
        };
        if attr_name.eq_ignore_ascii_case(name) {
            // The first occurrence wins in a browser; a second one is odd
            // enough that the full parse should decide.
            if found.is_some() || value.contains('&') {
                return Err(Doubt);
            }
            found = Some(value);
        }
    }
}

/// Whether the whitespace-separated class list holds `class`.
pub(crate) fn has_class(classes: &str, class: &str) -> bool {
    classes.split_ascii_whitespace().any(|c| c == class)
}

/// Appends `text` with its character references decoded. Only references
/// that decode unambiguously are handled; anything else is a [`Doubt`].
pub(crate) fn push_decoded(out: &mut String, text: &str) -> Result<(), Doubt> {
    if text.contains('\0') {
        return Err(Doubt);
    }
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after.find(';').filter(|&s| s <= 10).ok_or(Doubt)?;
        let reference = &after[..semi];
        out.push(decode_reference(reference).ok_or(Doubt)?);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(())
}

fn decode_reference(reference: &str) -> Option<char> {
    if let Some(number) = reference.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                u32::from_str_radix(hex, 16).ok()?
            }
            None if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) => {
                number.parse().ok()?
            }
            _ => return None,
        };
        // NUL, C1 controls (remapped from windows-1252 by browsers) and
        // noncharacters have special rules: leave them to html5ever.
        if code == 0 || (0x80..=0x9f).contains(&code) || (0xfdd0..=0xfdef).contains(&code) {
            return None;
        }
        return char::from_u32(code);
    }
    Some(match reference {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "middot" => '·',
        "bull" => '•',
        "ensp" => '\u{2002}',
        "emsp" => '\u{2003}',
        "mdash" => '—',
        "ndash" => '–',
        _ => return None,
    })
}

/// Text content of an element whose start tag was just read, up to the end
/// tag `until`; inline tags inside are skipped, anything that would close or
/// restructure the element (a block, a table cell) is a [`Doubt`].
pub(crate) fn element_text(tokens: &mut Tokens<'_>, until: &str) -> Result<String, Doubt> {
    let mut text = String::new();
    for token in tokens.by_ref() {
        match token? {
            Token::Text(t) => push_decoded(&mut text, t)?,
            Token::End { name } if name.eq_ignore_ascii_case(until) => return Ok(text),
            Token::Start { name, .. } | Token::End { name } if is_inline(name) => {}
            _ => return Err(Doubt),
        }
    }
    Err(Doubt)
}

fn is_inline(name: &str) -> bool {
    const INLINE: [&str; 14] = [
        "span", "b", "i", "em", "strong", "font", "a", "small", "big", "u", "sub", "sup", "label",
        "br",
    ];
    INLINE
        .iter()
        .any(|inline| name.eq_ignore_ascii_case(inline))
}

/// Whether `text` is only whitespace as the HTML tokenizer counts it.
pub(crate) fn is_blank(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c'))
}
