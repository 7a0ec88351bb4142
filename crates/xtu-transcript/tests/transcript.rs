//! Every transcript fixture through `transcript::parse`, snapshotting the
//! `Result` (errors' wording is pinned too) and the upstream JSON of it.

use serde::Serialize;
use xtu_model::{Transcript, UpstreamTranscript};
use xtu_transcript as transcript;

#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum Outcome<'a> {
    Ok {
        parsed: &'a Transcript,
        upstream: Box<UpstreamTranscript<'a>>,
    },
    Error(String),
}

#[test]
fn every_fixture() {
    insta::glob!("../../../fixtures/transcript", "*.*", |path| {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let result = transcript::parse(&bytes);
        let outcome = match &result {
            Ok(parsed) => Outcome::Ok {
                parsed,
                upstream: Box::new(parsed.upstream()),
            },
            Err(error) => Outcome::Error(error.to_string()),
        };
        insta::assert_yaml_snapshot!(outcome);
    });
}
