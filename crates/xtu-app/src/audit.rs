//! What is left to graduate: the degree audit (`xtu progress`) and the
//! programme plan (`xtu plan`).

use xtu_ems::{EmsError, ParseError, PlanSpec};
use xtu_model::{DegreeAudit, Major, PlanSelection, ProgrammePlan};

use crate::{Error, Xtu};

/// What of the degree audit to show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProgressRequest {
    /// Only the categories still short of credits, each with its courses
    /// not passed (`--missing`).
    pub missing_only: bool,
}

/// Which programme plan to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PlanRequest {
    /// The student's own: the plan page's pre-selected college, grade and
    /// major.
    #[default]
    Own,
    /// Another major's plan for a grade (a minor, a transfer).
    Of {
        /// Major code (`xtu plan --majors` lists them).
        major: String,
        /// Grade: the year of entry, e.g. `2022`.
        grade: String,
    },
}

impl PlanRequest {
    /// The plan asked for by major and grade, checked before any request.
    pub fn of(major: impl Into<String>, grade: impl Into<String>) -> Result<Self, Error> {
        let (major, grade) = (major.into(), grade.into());
        PlanSpec {
            major: major.clone(),
            grade: grade.clone(),
            college: None,
        }
        .validate()?;
        Ok(Self::Of { major, grade })
    }
}

/// The plan page without a pre-selected major or grade: nothing says whose
/// plan is the student's.
fn no_own_plan() -> EmsError {
    EmsError::Parse(ParseError::UnexpectedPage {
        page: xtu_ems::Page::PlanPage.name(),
        missing: "the pre-selected major and grade (the student's own; \
                  ask for one with --major CODE --grade YEAR)"
            .into(),
    })
}

fn own_spec(own: &PlanSelection) -> Result<PlanSpec, EmsError> {
    match (&own.major, &own.grade) {
        (Some(major), Some(grade)) => Ok(PlanSpec {
            major: major.code.clone(),
            grade: grade.clone(),
            college: own.college.as_ref().map(|college| college.code.clone()),
        }),
        _ => Err(no_own_plan()),
    }
}

impl Xtu {
    /// The degree audit (学业情况): the index page, then every category's
    /// courses at once (about two round trips in all).
    pub async fn progress(
        &self,
        request: &ProgressRequest,
        token: Option<&str>,
    ) -> Result<DegreeAudit, Error> {
        let audit = self
            .query(token, |ems| async move { ems.degree_audit().await })
            .await?;
        Ok(if request.missing_only {
            audit.missing_only()
        } else {
            audit
        })
    }

    /// A programme plan (培养方案): the student's own by default.
    pub async fn plan(
        &self,
        request: &PlanRequest,
        token: Option<&str>,
    ) -> Result<ProgrammePlan, Error> {
        let given = match request {
            PlanRequest::Own => None,
            PlanRequest::Of { major, grade } => {
                let spec = PlanSpec {
                    major: major.clone(),
                    grade: grade.clone(),
                    college: None,
                };
                spec.validate()?;
                Some(spec)
            }
        };
        let given = &given;
        self.query(token, |ems| async move {
            let spec = match given {
                Some(spec) => spec.clone(),
                None => own_spec(&ems.plan_selection().await?)?,
            };
            ems.programme_plan(&spec).await
        })
        .await
    }

    /// The majors of the student's own college (their codes for
    /// [`PlanRequest::Of`]).
    pub async fn majors(&self, token: Option<&str>) -> Result<Vec<Major>, Error> {
        self.query(token, |ems| async move {
            let own = ems.plan_selection().await?;
            let college = own.college.ok_or_else(no_own_plan)?;
            ems.majors(&college.code).await
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_plans_are_checked_before_any_request() {
        assert_eq!(
            PlanRequest::of("0502", "2022").ok(),
            Some(PlanRequest::Of {
                major: "0502".into(),
                grade: "2022".into()
            })
        );
        for (major, grade) in [("05 02", "2022"), ("0502", ""), ("0502", "2022&x=1")] {
            let error = PlanRequest::of(major, grade).expect_err("invalid");
            assert_eq!(error.exit_code(), crate::ExitCode::Usage, "{error}");
        }
    }

    #[test]
    fn the_own_plan_needs_a_major_and_a_grade() {
        let mut own = PlanSelection {
            college: None,
            grade: Some("2022".into()),
            major: None,
        };
        assert!(own_spec(&own).is_err());
        own.major = Some(xtu_model::PlanChoice {
            code: "0501".into(),
            name: None,
        });
        assert_eq!(
            own_spec(&own).map(|s| s.major).ok().as_deref(),
            Some("0501")
        );
    }
}
