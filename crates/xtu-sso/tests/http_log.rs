//! The transport's log: one `xtu::http` event per request, with its fields,
//! and never a query string, cookie value, ticket or password.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};
use xtu_fake::{Account, FakeXtu, Fault, FaultRule, System};
use xtu_sso::SsoClient;
use xtu_sso::http::LOG_TARGET;

const USER: &str = "202205561111";
const PASSWORD: &str = "Xtu@2025!";

type Fields = BTreeMap<String, String>;

/// Collects the fields of every event on [`LOG_TARGET`].
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Fields>>>);

impl Capture {
    fn events(&self) -> Vec<Fields> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

struct Collect(Fields);

impl Visit for Collect {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target() == LOG_TARGET
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Collect(Fields::new());
        event.record(&mut fields);
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(fields.0);
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

#[tokio::test]
async fn one_event_per_request_with_its_fields_and_no_secrets() {
    let capture = Capture::default();
    // The test's runtime runs on this thread: the default subscriber of the
    // thread sees every event of the login.
    let _guard = tracing::subscriber::set_default(capture.clone());
    let fake = FakeXtu::builder()
        .account(Account::new(USER, PASSWORD))
        .start()
        .await;
    fake.inject(
        FaultRule::new(System::Sso, Fault::BadGateway)
            .method("GET")
            .path("/cas/login")
            .times(1),
    );
    let session = SsoClient::builder()
        .base_url(fake.sso_base_url())
        .build()
        .expect("client")
        .login(USER, PASSWORD)
        .await
        .expect("login");

    let events = capture.events();
    assert_eq!(events.len(), fake.requests().len(), "{events:#?}");
    for event in &events {
        for field in ["method", "host", "path", "ms", "attempt"] {
            assert!(event.contains_key(field), "{field} missing: {event:?}");
        }
        assert!(event.contains_key("status") || event.contains_key("error"));
    }
    let summary: Vec<(&str, &str, &str, &str)> = events
        .iter()
        .map(|e| {
            let field = |name: &str| e.get(name).map_or("", String::as_str);
            (
                field("method"),
                field("path"),
                field("status"),
                field("attempt"),
            )
        })
        .collect();
    assert_eq!(
        summary[..2],
        [
            ("GET", "/cas/login", "502", "1"),
            ("GET", "/cas/login", "200", "2")
        ],
        "{summary:?}"
    );
    // The POST's answer is a redirect: its target's host and path, no query.
    let post = events
        .iter()
        .find(|e| e["method"] == "POST")
        .expect("the POST is logged");
    assert_eq!(post["status"], "302");
    assert_eq!(post["redirect_path"], "/application-center");
    assert!(fake.sso_base_url().ends_with(&post["redirect_host"]));

    let text = format!("{events:?}");
    let mut secrets = vec![
        PASSWORD.to_owned(),
        "ticket".into(),
        "ST-".into(),
        "TGT-".into(),
        "service=".into(),
        "?".into(),
    ];
    secrets.extend(session.jar().cookies().into_iter().map(|c| c.value));
    for secret in secrets {
        assert!(!text.contains(&secret), "{secret:?} in the log: {text}");
    }
}
