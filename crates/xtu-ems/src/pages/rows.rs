//! JSON rows whose keys come in upper or lower case (`KCMC`, `kcmc`) and
//! whose values may be numbers, strings, blanks or the string `"null"`: the
//! degree audit and the programme plan answer in all of these.

use std::collections::HashMap;

use serde::Deserialize;

use xtu_model::Term;

use super::jqgrid::Scalar;

/// One object of an answer, its keys lower-cased.
pub(crate) struct Row<'a>(HashMap<String, Scalar<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for Row<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw: HashMap<String, Scalar<'a>> = HashMap::deserialize(deserializer)?;
        let mut row = HashMap::with_capacity(raw.len());
        for (key, value) in raw {
            let key = key.to_ascii_lowercase();
            // Both spellings present: the one with a value wins.
            let keep = row
                .get(&key)
                .is_none_or(|old: &Scalar<'_>| blank(old).is_none());
            if keep {
                row.insert(key, value);
            }
        }
        Ok(Row(row))
    }
}

/// The trimmed text, `None` when absent, blank or the string `null`.
fn blank(value: &Scalar<'_>) -> Option<String> {
    let text = value.text();
    (!text.is_empty() && !text.eq_ignore_ascii_case("null") && text != "undefined").then_some(text)
}

impl Row<'_> {
    /// The first of `keys` (lower case) with a value.
    pub(crate) fn text(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|key| self.0.get(*key).and_then(blank))
    }

    /// The first of `keys` with a finite number (`3`, `"3.0"`).
    pub(crate) fn decimal(&self, keys: &[&str]) -> Option<f64> {
        self.text(keys)
            .and_then(|text| text.parse::<f64>().ok())
            .filter(|v| v.is_finite())
    }
}

/// A list answer: bare (`[...]`) or in a jqGrid's `items`.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum RowList<'a> {
    #[serde(borrow)]
    Bare(Vec<Row<'a>>),
    Grid {
        #[serde(borrow)]
        items: Vec<Row<'a>>,
    },
}

impl<'a> RowList<'a> {
    pub(crate) fn into_rows(self) -> Vec<Row<'a>> {
        match self {
            Self::Bare(rows) | Self::Grid { items: rows } => rows,
        }
    }
}

/// `2023-2024-1` from a row's suggested year and term (`JYXDXNMC` 2023-2024,
/// or `JYXDXNM` 2023 or, in real plan answers, 2023-2024; `JYXDXQMC` 1, or
/// `JYXDXQM` as a code, 3, or as a number, 1). Neither readable: the
/// site's words joined, never a guess.
pub(crate) fn suggested_term(row: &Row<'_>) -> Option<String> {
    let year_code = row.text(&["jyxdxnm"]).unwrap_or_default();
    let year_label = row.text(&["jyxdxnmc"]).unwrap_or_default();
    let term_code = row.text(&["jyxdxqm"]).unwrap_or_default();
    let term_label = row.text(&["jyxdxqmc"]).unwrap_or_default();
    // A year name in the code's place (`2023-2024` in `jyxdxnm`) is a label.
    let (year_code, year_label) = if year_code.contains('-') && year_label.is_empty() {
        (String::new(), year_code)
    } else {
        (year_code, year_label)
    };
    if let Some(term) = Term::from_site(&year_code, &year_label, &term_code, &term_label)
        .or_else(|| Term::from_site(&year_code, &year_label, "", &term_code))
    {
        return Some(term.to_string());
    }
    let year = [year_label, year_code]
        .into_iter()
        .find(|y| !y.is_empty())?;
    Some(
        match [term_label, term_code].into_iter().find(|t| !t.is_empty()) {
            Some(term) => format!("{year}-{term}"),
            None => year,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_in_either_case_values_of_any_kind() {
        let rows: Vec<Row<'_>> = serde_json::from_str(
            r#"[{"KCMC":"甲","XF":"3.0","CJ":"null"},{"kcmc":"乙","xf":2,"KCMC":""}]"#,
        )
        .expect("reads");
        assert_eq!(rows[0].text(&["kcmc"]).as_deref(), Some("甲"));
        assert_eq!(rows[0].decimal(&["xf"]), Some(3.0));
        assert_eq!(rows[0].text(&["cj"]), None);
        assert_eq!(rows[1].text(&["kcmc"]).as_deref(), Some("乙"));
        assert_eq!(rows[1].decimal(&["xf"]), Some(2.0));
    }
}
