//! The token format shared with the upstream Python toolkit.
//!
//! A token is the serialized cookie jar: a JSON array of `{key, value, host,
//! path}` objects written exactly as Python's `json.dumps` writes them by
//! default, so that tokens made by either tool work in the other. The compressed
//! form is bzip2 (level 9) of those bytes, then URL-safe base64 with padding.

use std::fmt;
use std::io::Read;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Decoded tokens larger than this are refused: a real cookie jar is a few KB,
/// and the cap keeps a hostile bzip2 stream from exhausting memory.
const MAX_DECODED_LEN: u64 = 1024 * 1024;

const URL_SAFE_PADDED: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_encode_padding(true),
);

/// Tolerates tokens whose padding was stripped by a shell or a copy-paste.
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// How a token is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenFormat {
    /// The JSON cookie list as is.
    #[default]
    Plain,
    /// bzip2 + URL-safe base64: shorter, and safe in URLs and shells.
    Compressed,
}

/// One cookie as the token carries it.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenCookie {
    /// Cookie name.
    pub key: String,
    /// Cookie value (a credential: never printed by `Debug`).
    pub value: String,
    /// The host the cookie belongs to; a leading `.` marks a domain cookie
    /// that also matches subdomains (Python's `http.cookiejar` convention).
    pub host: String,
    /// The cookie's path.
    pub path: String,
}

impl fmt::Debug for TokenCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCookie")
            .field("key", &self.key)
            .field("value", &"<redacted>")
            .field("host", &self.host)
            .field("path", &self.path)
            .finish()
    }
}

/// Why a token could not be read. Never contains any part of the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token is empty or only whitespace.
    #[error("the token is empty")]
    Empty,
    /// A compressed token that is not URL-safe base64.
    #[error("the token is not valid base64 (was it copied completely?)")]
    NotBase64,
    /// Base64 that does not hold a bzip2 stream.
    #[error("the token is not a valid compressed token (bzip2 data is corrupt)")]
    NotBzip2,
    /// The decoded token is implausibly large.
    #[error("the token is too large (over {MAX_DECODED_LEN} bytes decoded)")]
    TooLarge,
    /// Not UTF-8 JSON.
    #[error("the token is not valid JSON (syntax error at line {line}, column {column})")]
    NotJson {
        /// 1-based line of the syntax error.
        line: usize,
        /// 1-based column of the syntax error.
        column: usize,
    },
    /// JSON, but not a list of `{key, value, host, path}` string objects.
    #[error("the token is not a cookie list: {0}")]
    WrongShape(String),
    /// A cookie whose host or path cannot be used.
    #[error("the token holds an unusable cookie (#{index}): {reason}")]
    InvalidCookie {
        /// 0-based position of the cookie in the token.
        index: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
}

const KEYS: [&str; 4] = ["key", "value", "host", "path"];

/// Writes cookies in the upstream token format.
pub fn encode(cookies: &[TokenCookie], format: TokenFormat) -> String {
    let plain = python_json(cookies);
    match format {
        TokenFormat::Plain => plain,
        TokenFormat::Compressed => {
            let mut compressed = Vec::new();
            let mut encoder =
                bzip2::read::BzEncoder::new(plain.as_bytes(), bzip2::Compression::best());
            // Reading from an in-memory slice through the encoder cannot fail.
            if encoder.read_to_end(&mut compressed).is_err() {
                unreachable!("bzip2 compression of an in-memory buffer failed");
            }
            URL_SAFE_PADDED.encode(compressed)
        }
    }
}

/// Reads a token in either format (told apart by its first character: the
/// plain form is a JSON array, the compressed form base64).
pub fn decode(token: &str) -> Result<Vec<TokenCookie>, TokenError> {
    let token = token.trim();
    if token.is_empty() {
        return Err(TokenError::Empty);
    }
    if token.starts_with('[') {
        return parse_cookies(token.as_bytes());
    }
    // Accept the standard alphabet and line-wrapped tokens too: both are
    // common after a token has passed through a mail client or a terminal.
    let normalized: String = token
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    let compressed = URL_SAFE_LENIENT
        .decode(normalized)
        .map_err(|_| TokenError::NotBase64)?;
    let mut plain = Vec::new();
    bzip2::read::BzDecoder::new(compressed.as_slice())
        .take(MAX_DECODED_LEN + 1)
        .read_to_end(&mut plain)
        .map_err(|_| TokenError::NotBzip2)?;
    if plain.len() as u64 > MAX_DECODED_LEN {
        return Err(TokenError::TooLarge);
    }
    parse_cookies(&plain)
}

fn parse_cookies(bytes: &[u8]) -> Result<Vec<TokenCookie>, TokenError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| TokenError::NotJson {
            line: e.line(),
            column: e.column(),
        })?;
    serde_json::from_value(value).map_err(|e| {
        // serde's message for a wrong type quotes the value, which may be part
        // of a credential: only field names (missing or unknown) are repeated.
        let message = e.to_string();
        let detail = if message.starts_with("missing field") || message.starts_with("unknown field")
        {
            message
        } else {
            "a cookie or one of its fields has the wrong type".to_owned()
        };
        TokenError::WrongShape(format!(
            "expected a list of {{{}}} string objects: {detail}",
            KEYS.join(", ")
        ))
    })
}

/// `json.dumps(cookies)` with Python's defaults: `", "` and `": "`
/// separators, every character outside printable ASCII escaped as `\uXXXX`.
fn python_json(cookies: &[TokenCookie]) -> String {
    let mut out = String::with_capacity(cookies.len() * 96 + 2);
    out.push('[');
    for (i, cookie) in cookies.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('{');
        let values = [&cookie.key, &cookie.value, &cookie.host, &cookie.path];
        for (j, (name, value)) in KEYS.iter().zip(values).enumerate() {
            if j > 0 {
                out.push_str(", ");
            }
            push_python_string(&mut out, name);
            out.push_str(": ");
            push_python_string(&mut out, value);
        }
        out.push('}');
    }
    out.push(']');
    out
}

fn push_python_string(out: &mut String, s: &str) {
    use std::fmt::Write as _;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    // Writing to a String cannot fail.
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookie(key: &str, value: &str) -> TokenCookie {
        TokenCookie {
            key: key.into(),
            value: value.into(),
            host: "jw.xtu.edu.cn".into(),
            path: "/".into(),
        }
    }

    #[test]
    fn a_malformed_cookie_list_is_refused_without_repeating_its_values() {
        let wrong_type = r#"[{"key": "JSESSIONID", "value": 987654321, "host": "h", "path": "/"}]"#;
        let message = decode(wrong_type).expect_err("refused").to_string();
        assert!(message.contains("wrong type"), "{message}");
        assert!(!message.contains("987654321"), "{message}");
        let missing = r#"[{"key": "k", "host": "h", "path": "/"}]"#;
        let message = decode(missing).expect_err("refused").to_string();
        assert!(message.contains("missing field `value`"), "{message}");
        let extra = r#"[{"key": "k", "value": "v", "host": "h", "path": "/", "x": 1}]"#;
        assert!(decode(extra).is_err());
        assert!(decode(r#"{"key": "k"}"#).is_err());
    }

    #[test]
    fn escapes_like_python() {
        let json = python_json(&[cookie("名", "a\"b\\c\u{7f}\u{1F600}")]);
        assert_eq!(
            json,
            r#"[{"key": "\u540d", "value": "a\"b\\c\u007f\ud83d\ude00", "host": "jw.xtu.edu.cn", "path": "/"}]"#
        );
    }

    #[test]
    fn errors_never_echo_the_token() {
        let secret = "SECRETSECRETSECRET";
        for token in [
            format!("[{{\"key\": \"{secret}\"}}]"),
            format!("[{{\"key\": 1, \"value\": \"{secret}\"}}]"),
            format!("{secret}!!"),
            format!("QlpoOTFB{secret}"),
            format!("[\"{secret}\""),
            format!("{{\"{secret}\": 1}}"),
        ] {
            let err = decode(&token).expect_err("hostile token must fail");
            assert!(!err.to_string().contains(secret), "{err}");
            assert!(!format!("{err:?}").contains(secret), "{err:?}");
        }
    }

    #[test]
    fn classifies_bad_tokens() {
        assert_eq!(decode("  "), Err(TokenError::Empty));
        assert_eq!(decode("not base64!"), Err(TokenError::NotBase64));
        assert_eq!(decode("aGVsbG8="), Err(TokenError::NotBzip2));
        assert!(matches!(decode("[1"), Err(TokenError::NotJson { .. })));
        assert!(matches!(decode("[1]"), Err(TokenError::WrongShape(_))));
        assert!(matches!(
            decode(r#"[{"key": "a", "value": "b", "host": "c"}]"#),
            Err(TokenError::WrongShape(_))
        ));
        assert!(matches!(
            decode(r#"[{"key": "a", "value": "b", "host": "c", "path": "/", "x": "y"}]"#),
            Err(TokenError::WrongShape(_))
        ));
    }

    #[test]
    fn decodes_unpadded_and_standard_alphabet() {
        let cookies = vec![cookie("JSESSIONID", "v")];
        let token = encode(&cookies, TokenFormat::Compressed);
        let unpadded = token.trim_end_matches('=');
        assert_eq!(decode(unpadded).as_ref(), Ok(&cookies));
        let standard = token.replace('-', "+").replace('_', "/");
        assert_eq!(decode(&standard).as_ref(), Ok(&cookies));
    }
}
