//! The graduate system's term codes.

use xtu_model::Term;

use crate::error::GradError;

/// The code of 2025-2026 term 1 (GongGong's `graduate_ems/config.py`):
/// later terms count up by one, two a year.
const CODE_2025_1: i64 = 51;

/// The `termcode` of a term: 51 for 2025-2026-1, 52 for 2025-2026-2, 53
/// for 2026-2027-1; one less per earlier term. Only autumn and spring terms.
pub fn termcode(term: Term) -> Result<u32, GradError> {
    let invalid = || GradError::Term(term.to_string());
    if !matches!(term.term, 1 | 2) {
        return Err(invalid());
    }
    let code = CODE_2025_1 + 2 * (i64::from(term.start_year) - 2025) + i64::from(term.term) - 1;
    u32::try_from(code)
        .ok()
        .filter(|code| *code > 0)
        .ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(year: u16, term: u8) -> Result<u32, GradError> {
        termcode(Term::new(year, term).expect("term"))
    }

    #[test]
    fn codes_count_two_a_year_from_51() {
        assert_eq!(code(2025, 1).ok(), Some(51));
        assert_eq!(code(2025, 2).ok(), Some(52));
        assert_eq!(code(2026, 1).ok(), Some(53));
        assert_eq!(code(2024, 2).ok(), Some(50));
        assert!(code(2025, 3).is_err());
        assert!(code(1999, 1).is_err());
    }
}
