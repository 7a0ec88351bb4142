//! Fetching the transcript: a POST that checks it may be printed, a POST
//! that has the PDF written and answers its path, then the GET of the PDF.
//! Reading it is `xtu_transcript::parse`'s job.

use xtu_model::Transcript;
use xtu_sso::http;
use xtu_transcript::TranscriptError;

use crate::client::is_transient;
use crate::pages::{self, ParseError};
use crate::{EmsClient, EmsError};

/// Asks whether the transcript may be printed (the site answers 可打印).
const COUNT_PATH: &str = "bysxxcx/xscjzbdy_cxXsCount.html?gnmkdm=N558020";
/// Has the PDF written; answers its path.
const LIST_PATH: &str = "bysxxcx/xscjzbdy_dyList.html?gnmkdm=N558020";
/// 中文主修成绩单（全程）: the upstream's template, every term.
const TEMPLATE: &str = "10530-zw-qcmrgs";
/// The longest path answer taken (a real one is under 100 bytes).
const MAX_PATH_LEN: usize = 1024;

/// The print form, field for field and in the site's order.
fn list_form() -> Vec<(&'static str, String)> {
    [
        ("gsdygx", TEMPLATE),
        ("ids", ""),
        ("bdykcxzDms", ""),
        ("cytjkcxzDms", ""),
        ("cytjkclbDms", ""),
        ("cytjkcgsDms", ""),
        ("bjgbdykcxzDms", ""),
        ("bjgbdyxxkcxzDms", ""),
        ("djksxmDms", ""),
        ("cjbzmcDms", ""),
        ("zdyfsxmDms", ""),
        ("bdymaxcjbzmcDms", ""),
        ("cjdySzxs", ""),
    ]
    .into_iter()
    .map(|(key, value)| (key, value.to_owned()))
    .collect()
}

/// The PDF's path from the print answer: plain or JSON-quoted, with `\/`
/// escapes, and a status after `#` (`/jwglxt/templete/...pdf#成功`). Only
/// a path on the academic system's own host is accepted.
pub(crate) fn pdf_path(answer: &str) -> Result<String, ParseError> {
    let answer = answer.trim();
    let unquoted = if answer.starts_with('"') {
        serde_json::from_str::<String>(answer).ok()
    } else {
        Some(answer.replace("\\/", "/"))
    };
    let path = unquoted
        .as_deref()
        .map(|text| text.split('#').next().unwrap_or_default().trim())
        .filter(|path| {
            path.starts_with('/')
                && !path.starts_with("//")
                && path.len() <= MAX_PATH_LEN
                && !path.contains(['\\', '\r', '\n'])
        });
    path.map(str::to_owned)
        .ok_or_else(|| ParseError::InvalidValue {
            page: "transcript",
            field: "pdf path".into(),
            value: answer.chars().take(80).collect(),
        })
}

impl EmsClient {
    /// The printable transcript (成绩单) as the site sends it: the bytes of a
    /// PDF, checked to start like one but not parsed (save them, or give
    /// them to [`xtu_transcript::parse`]). The site serves it even while
    /// the grade page waits for the course evaluation.
    pub async fn transcript_pdf(&self) -> Result<Vec<u8>, EmsError> {
        let count = self
            .post_form(
                COUNT_PATH,
                &[] as &[(&str, String)],
                self.timeout,
                http::Effect::Reads,
            )
            .await?;
        if let Some(error) = pages::recognize_error_page(&count) {
            return Err(error.into());
        }
        // It has a file written, but only the printout of what the site
        // holds, to be downloaded: sent again, it writes another copy and
        // changes nothing of the student's, so it is retried as a read.
        let answer = self
            .post_form(LIST_PATH, &list_form(), self.timeout, http::Effect::Reads)
            .await?;
        if let Some(error) = pages::recognize_error_page(&answer) {
            return Err(error.into());
        }
        let url = http::join(&self.base, &pdf_path(&answer)?);
        let (body, content_type) = http::retry_idempotent(
            || async {
                let response = http::send(self.client.get(url.clone())).await?;
                self.read_bytes(response).await
            },
            is_transient,
        )
        .await?;
        if !body.starts_with(b"%PDF-") {
            // The login page sent with 200 is an expired session, not a bad PDF.
            let text = http::decode_body(&body, content_type.as_deref());
            if let Some(error) = pages::recognize_error_page(&text) {
                return Err(error.into());
            }
            return Err(TranscriptError::NotPdf.into());
        }
        Ok(body)
    }

    /// The transcript, fetched ([`Self::transcript_pdf`]) and read
    /// ([`xtu_transcript::parse`]).
    pub async fn transcript(&self) -> Result<Transcript, EmsError> {
        let pdf = self.transcript_pdf().await?;
        Ok(xtu_transcript::parse(&pdf)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_path_in_every_known_spelling() {
        let expected = "/jwglxt/templete/scorePrint/score_202200000000_1769943281937.pdf";
        for answer in [
            "/jwglxt/templete/scorePrint/score_202200000000_1769943281937.pdf#成功",
            "\"\\/jwglxt\\/templete\\/scorePrint\\/score_202200000000_1769943281937.pdf#成功\"",
            "\\/jwglxt\\/templete\\/scorePrint\\/score_202200000000_1769943281937.pdf",
            "  \"/jwglxt/templete/scorePrint/score_202200000000_1769943281937.pdf\"\n",
        ] {
            assert_eq!(pdf_path(answer).as_deref(), Ok(expected), "{answer}");
        }
    }

    #[test]
    fn pdf_path_refuses_other_hosts_and_garbage() {
        for answer in [
            "",
            "#成功",
            "https://example.invalid/x.pdf",
            "//example.invalid/x.pdf",
            "<html>出错</html>",
            "\"unterminated",
        ] {
            assert!(pdf_path(answer).is_err(), "{answer}");
        }
    }

    #[test]
    fn the_print_form_is_the_documented_one() {
        let form = list_form();
        let encoded: Vec<String> = form.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            encoded.join("&"),
            "gsdygx=10530-zw-qcmrgs&ids=&bdykcxzDms=&cytjkcxzDms=&cytjkclbDms=&cytjkcgsDms=\
             &bjgbdykcxzDms=&bjgbdyxxkcxzDms=&djksxmDms=&cjbzmcDms=&zdyfsxmDms=\
             &bdymaxcjbzmcDms=&cjdySzxs="
        );
    }
}
