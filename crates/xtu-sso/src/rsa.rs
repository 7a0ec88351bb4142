//! Password encryption as the ZhengFang CAS login page does it.
//!
//! Textbook RSA without padding: the password's UTF-8 bytes read as one
//! big-endian integer `m`, sent as lowercase hex of `m^e mod n`. This is what
//! the upstream Python client sends and what the CAS accepts; it is not a
//! secure construction, but it is the protocol.

use std::fmt;

use num_bigint::BigUint;
use num_traits::Zero as _;
use serde::Deserialize;

/// The CAS public key, as `GET /cas/v2/getPubKey` returns it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawKey")]
pub struct PublicKey {
    modulus: BigUint,
    exponent: BigUint,
}

#[derive(Deserialize)]
struct RawKey {
    modulus: String,
    exponent: String,
}

impl TryFrom<RawKey> for PublicKey {
    type Error = EncryptError;

    fn try_from(raw: RawKey) -> Result<Self, Self::Error> {
        Self::from_hex(&raw.modulus, &raw.exponent)
    }
}

/// Why a password could not be encrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncryptError {
    /// The key's modulus or exponent is not usable hex.
    #[error("the login server sent an invalid public key")]
    InvalidKey,
    /// Nothing to encrypt.
    #[error("the password is empty")]
    Empty,
    /// Textbook RSA cannot carry a message as large as the modulus.
    #[error(
        "the password is too long for the login server's key \
         (at most {max_bytes} bytes of UTF-8 fit; this one has {len})"
    )]
    TooLong {
        /// Length of the password in UTF-8 bytes.
        len: usize,
        /// How many bytes always fit below this key's modulus.
        max_bytes: usize,
    },
}

impl PublicKey {
    /// Parses the hex strings of the getPubKey JSON (no `0x`, any case).
    pub fn from_hex(modulus: &str, exponent: &str) -> Result<Self, EncryptError> {
        let parse = |s: &str| {
            let s = s.trim();
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| BigUint::parse_bytes(s.as_bytes(), 16))
                .flatten()
                .filter(|n| !n.is_zero())
                .ok_or(EncryptError::InvalidKey)
        };
        let modulus = parse(modulus)?;
        let exponent = parse(exponent)?;
        if modulus.bits() < 2 {
            return Err(EncryptError::InvalidKey);
        }
        Ok(Self { modulus, exponent })
    }

    /// Size of the modulus in bits (ZhengFang keys of 496 and 504 bits exist).
    pub fn bits(&self) -> u64 {
        self.modulus.bits()
    }

    /// Encrypts a password; lowercase hex without leading zeros.
    pub fn encrypt_password(&self, password: &str) -> Result<String, EncryptError> {
        if password.is_empty() {
            return Err(EncryptError::Empty);
        }
        let message = BigUint::from_bytes_be(password.as_bytes());
        if message >= self.modulus {
            return Err(EncryptError::TooLong {
                len: password.len(),
                max_bytes: ((self.modulus.bits() - 1) / 8) as usize,
            });
        }
        Ok(format!(
            "{:x}",
            message.modpow(&self.exponent, &self.modulus)
        ))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("bits", &self.bits())
            .field("exponent", &format_args!("{:x}", self.exponent))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_keys() {
        for (m, e) in [
            ("", "10001"),
            ("zz", "10001"),
            ("0", "10001"),
            ("ab", ""),
            ("1", "3"),
        ] {
            assert_eq!(
                PublicKey::from_hex(m, e),
                Err(EncryptError::InvalidKey),
                "{m} {e}"
            );
        }
    }

    #[test]
    fn refuses_a_password_that_does_not_fit() {
        // 0xff is 255: "a" (97) fits, "ab" (0x6162) does not.
        let key = PublicKey::from_hex("ff", "3").expect("valid key");
        assert!(key.encrypt_password("a").is_ok());
        assert_eq!(
            key.encrypt_password("ab"),
            Err(EncryptError::TooLong {
                len: 2,
                max_bytes: 0
            })
        );
        assert_eq!(key.encrypt_password(""), Err(EncryptError::Empty));
    }
}
