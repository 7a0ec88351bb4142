//! Log in to Xiangtan University's single sign-on (统一身份认证, a ZhengFang CAS).
//!
//! The session is the cookie jar: [`SsoSession`] wraps a [`CookieJar`], which is
//! saved and restored as a token in the upstream toolkit's format
//! ([`TokenFormat`]). [`http`] is the transport every XTU client shares;
//! [`doctor`] checks, without a password, what stands between a machine and XTU;
//! [`private_file`] writes the files that hold a session, owner-only and atomically.
#![deny(missing_docs)]

pub mod doctor;
pub mod http;
mod jar;
mod login;
pub mod private_file;
pub mod proxy;
mod rsa;
mod session;
mod token;

pub use jar::CookieJar;
pub use login::{
    DEFAULT_BASE_URL, LoginAttempt, LoginError, LoginHooks, MAX_PASSWORD_POSTS, NoCaptcha,
    SsoClient, SsoClientBuilder,
};
pub use proxy::{ProxyError, ProxySetting, ProxyUrl};
pub use rsa::{EncryptError, PublicKey};
pub use session::SsoSession;
pub use token::{
    TokenCookie, TokenError, TokenFormat, decode as decode_token, encode as encode_token,
};
