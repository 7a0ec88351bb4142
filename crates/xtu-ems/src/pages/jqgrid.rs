//! Typed, borrowing deserialization of ZhengFang's JSON answers: only the
//! fields the models need are read, noise (`queryModel`, `userModel`...) is
//! skipped without being built, and values that jwglxt sends sometimes as
//! numbers and sometimes as strings are read either way.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// A scalar that may arrive as a string or a number (or null).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Scalar<'a>(pub(crate) Option<Cow<'a, str>>);

impl<'a> Scalar<'a> {
    /// The trimmed text ("" for null).
    pub(crate) fn text(&self) -> String {
        self.0
            .as_deref()
            .map(str::trim)
            .unwrap_or_default()
            .to_owned()
    }

    /// A non-negative integer, from `120`, `"120"` or `"120.0"`; blank,
    /// fractional or malformed is `None`.
    pub(crate) fn count(&self) -> Option<u32> {
        let text = self.0.as_deref()?.trim();
        text.parse().ok().or_else(|| {
            // Some answers write counts as decimals (`"2.0"`): read, not
            // mistaken for a missing count (which would stop paging early).
            let (whole, fraction) = text.split_once('.')?;
            fraction
                .bytes()
                .all(|b| b == b'0')
                .then(|| whole.parse().ok())
                .flatten()
        })
    }

    /// A finite decimal, from `3.5` or `"3.5"`; blank or malformed is `None`.
    pub(crate) fn decimal(&self) -> Option<f64> {
        self.0
            .as_deref()
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite())
    }

    /// The trimmed text, `None` when blank.
    pub(crate) fn non_blank(&self) -> Option<String> {
        Some(self.text()).filter(|t| !t.is_empty())
    }

    /// This value, or `other` when this one is absent or blank: ZhengFang
    /// sends some fields under another name in some versions (`xm`/`jsxm`,
    /// `cj`/`bfzcj`, `XNM`/`xnm`...). Chains: `a.or(&b).or(&c)`.
    pub(crate) fn or<'s>(&'s self, other: &'s Scalar<'a>) -> &'s Scalar<'a> {
        if self.0.as_deref().is_none_or(|s| s.trim().is_empty()) {
            other
        } else {
            self
        }
    }
}

/// The paging fields of a jqGrid answer, with its items.
#[derive(serde::Deserialize)]
pub(crate) struct Grid<'a, T> {
    pub(crate) items: Option<Vec<T>>,
    #[serde(rename = "currentPage", default, borrow)]
    pub(crate) current_page: Scalar<'a>,
    #[serde(rename = "totalPage", default, borrow)]
    pub(crate) total_page: Scalar<'a>,
    #[serde(rename = "totalResult", default, borrow)]
    total_result: Scalar<'a>,
    /// jqGrid's other name for the count, sent alongside or instead.
    #[serde(rename = "totalCount", default, borrow)]
    total_count: Scalar<'a>,
}

impl<T> Grid<'_, T> {
    /// The number of entries on all pages, when the answer says.
    pub(crate) fn total_result(&self) -> Option<u32> {
        self.total_result.or(&self.total_count).count()
    }
}

impl<T> Grid<'_, T> {
    /// The items, or the error that a missing list means; with the page numbers.
    pub(crate) fn into_page<U>(
        self,
        page: super::Page,
        convert: impl FnMut((usize, T)) -> Result<U, super::ParseError>,
    ) -> Result<GridPage<U>, super::ParseError> {
        let Some(items) = self.items else {
            return Err(super::ParseError::UnexpectedPage {
                page: page.name(),
                missing: "the \"items\" list".into(),
            });
        };
        Ok(GridPage {
            items: items
                .into_iter()
                .enumerate()
                .map(convert)
                .collect::<Result<_, _>>()?,
            current_page: self.current_page.count().unwrap_or(1).max(1),
            total_page: self.total_page.count().unwrap_or(1).max(1),
        })
    }
}

/// One page of a paged (jqGrid) answer.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GridPage<T> {
    /// The entries on this page.
    pub items: Vec<T>,
    /// 1-based page number.
    pub current_page: u32,
    /// Number of pages.
    pub total_page: u32,
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;

        impl<'de> Visitor<'de> for ScalarVisitor {
            type Value = Scalar<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, a number or null")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Borrowed(v))))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_owned()))))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Owned(v))))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_string()))))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_string()))))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_string()))))
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_string()))))
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Scalar(None))
            }

            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Scalar(None))
            }

            // An object or list where a scalar belongs: treat as absent
            // rather than failing the whole page over one odd field.
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Scalar(None))
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(Scalar(None))
            }
        }

        deserializer.deserialize_any(ScalarVisitor)
    }
}
