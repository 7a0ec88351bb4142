//! Terms, the upstream toolkit's JSON shapes, grade watching and the GPA
//! report: what the timetable, exam, grade and GPA commands share with every
//! other front end.

use serde::Serialize;
use xtu_ems::{CourseScope, GpaQuery, TermSpec};
use xtu_model::{Course, Exam, GpaRank, Grade, Term, Timetable, WeightedGpa};

use crate::error::Error;
use crate::session::{Xtu, not_logged_in};
use crate::store::Store;

/// The upstream's course entry (`course_schedule.py`): weeks and sections
/// as sorted lists of integers.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CompatCourse<'a> {
    name: &'a str,
    teacher: &'a str,
    location: &'a str,
    weeks: &'a [u8],
    day_of_week: u8,
    sections: &'a [u8],
}

/// `1-2` for a block, `1,3` otherwise (ZhengFang's `jcs`).
pub fn section_text(sections: &[u8]) -> String {
    match (sections.first(), sections.last()) {
        (Some(first), Some(last))
            if usize::from(last - first) + 1 == sections.len() && first != last =>
        {
            format!("{first}-{last}")
        }
        _ => sections
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(","),
    }
}

/// The timetable in the upstream's `course_schedule` JSON.
pub fn course_schedule(timetable: &Timetable) -> Vec<CompatCourse<'_>> {
    timetable
        .courses
        .iter()
        .map(|course: &Course| CompatCourse {
            name: &course.name,
            teacher: &course.teacher,
            location: &course.location,
            weeks: &course.weeks,
            day_of_week: course.day_of_week,
            sections: &course.sections,
        })
        .collect()
}

/// The upstream's exam entry (`exam_schedule.py`).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CompatExam<'a> {
    name: &'a str,
    start_time: String,
    end_time: String,
    location: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
}

/// What the upstream calls an exam whose assessment kind (`khfs`) is absent.
const UPSTREAM_DEFAULT_KIND: &str = "考试";

/// Exams in the upstream's `exam_schedule` JSON: times `YYYY-MM-DD HH:MM`,
/// or the site's time text unchanged when it is not a date and two times
/// (`""` when the site gives none, as the upstream prints); `type` is the
/// assessment kind (考试/考查).
pub fn exam_schedule(exams: &[Exam]) -> Vec<CompatExam<'_>> {
    exams
        .iter()
        .map(|exam| {
            let at = |time: Option<chrono::NaiveTime>| match exam.date.zip(time) {
                Some((date, time)) => format!("{date} {}", time.format("%H:%M")),
                None => exam.time_text.trim().to_owned(),
            };
            CompatExam {
                name: &exam.course,
                start_time: at(exam.start),
                end_time: at(exam.end),
                location: exam.location.as_deref().unwrap_or_default(),
                kind: if exam.assessment.is_empty() {
                    UPSTREAM_DEFAULT_KIND
                } else {
                    &exam.assessment
                },
            }
        })
        .collect()
}

/// The upstream's `gpa.py` query: a range of terms and the courses counted,
/// with its defaults (2001-1 to 2030-2, every course).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompatGpaRequest {
    /// First term.
    pub from: Term,
    /// Last term.
    pub to: Term,
    /// Courses counted.
    pub scope: CourseScope,
}

impl Default for CompatGpaRequest {
    fn default() -> Self {
        Self {
            from: Term {
                start_year: 2001,
                term: 1,
            },
            to: Term {
                start_year: 2030,
                term: 2,
            },
            scope: CourseScope::All,
        }
    }
}

impl CompatGpaRequest {
    /// `2001-2002-1 ~ 2030-2031-2`: the upstream's `terms`.
    pub fn terms(&self) -> String {
        format!("{} ~ {}", self.from, self.to)
    }
}

/// The upstream's GPA answer (`gpa.py`): the site's values unchanged, of
/// the JSON type the site sent (`"85.20"` stays a string, `3.21` a number).
/// Every key is absent (`{}`) when the site has no statistics for the
/// range, as in the upstream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct CompatGpa {
    /// 平均成绩 (`pjcj`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub average_score: Option<serde_json::Value>,
    /// 平均学分绩点 (`pjxfjd`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub average_gpa: Option<serde_json::Value>,
    /// Rank in the class by GPA (`jdbjpm`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_rank: Option<serde_json::Value>,
    /// Rank in the year's major by GPA (`jdnjzypm`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade_rank: Option<serde_json::Value>,
    /// The range asked for, `2001-2002-1 ~ 2030-2031-2`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terms: Option<String>,
}

/// The ranking in the upstream's `gpa.py` JSON.
pub fn compat_gpa(request: &CompatGpaRequest, ranking: Option<&GpaRank>) -> CompatGpa {
    let Some(rank) = ranking else {
        return CompatGpa::default();
    };
    CompatGpa {
        average_score: Some(rank.texts.average_score.clone()),
        average_gpa: Some(rank.texts.gpa.clone()),
        class_rank: Some(rank.texts.class_rank.clone()),
        grade_rank: Some(rank.texts.major_rank.clone()),
        terms: Some(request.terms()),
    }
}

/// One entry of a grade watch.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct GradeChange {
    /// `new` or `changed`.
    pub change: &'static str,
    /// The grade now.
    pub grade: Grade,
    /// The grade before, for a change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Grade>,
}

/// Entries of `now` that are not in `before`, or differ from it. A course
/// is identified by term, code and name (a retake is a new entry). The
/// watcher's differ ([`crate::differences`]), without removals.
pub fn grade_changes(before: &[Grade], now: &[Grade]) -> Vec<GradeChange> {
    let key = |g: &Grade| (g.term.clone(), g.course_code.clone(), g.course.clone());
    crate::watch::differences(
        before.iter().map(|g| (key(g), g)),
        now.iter().map(|g| (key(g), g)),
    )
    .into_iter()
    .filter_map(|difference| match difference {
        crate::watch::Difference::New(grade) => Some(GradeChange {
            change: "new",
            grade: grade.clone(),
            before: None,
        }),
        crate::watch::Difference::Changed { now, before } => Some(GradeChange {
            change: "changed",
            grade: now.clone(),
            before: Some(before.clone()),
        }),
        crate::watch::Difference::Removed(_) => None,
    })
    .collect()
}

/// Every term's grades compared with those saved by the previous watch.
/// Nothing is saved until [`GradeWatch::save`]: a caller that fails to
/// report the changes leaves them to be reported again.
#[derive(Debug)]
pub struct GradeWatch {
    /// New or changed entries.
    pub changes: Vec<GradeChange>,
    grades: Vec<Grade>,
    username: String,
    store: Store,
}

impl GradeWatch {
    /// Saves the grades the next watch compares with.
    pub fn save(self) -> Result<(), Error> {
        self.store.save_grades(&self.username, &self.grades)
    }
}

/// A GPA report's range and courses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GpaRequest {
    /// First term counted (`None`: the first).
    pub from: Option<Term>,
    /// Last term counted (`None`: the last).
    pub to: Option<Term>,
    /// Count compulsory courses (必修) only.
    pub compulsory_only: bool,
}

impl GpaRequest {
    /// The ranking query of this range, checked (a range may not run backwards).
    pub fn query(&self) -> Result<GpaQuery, Error> {
        let spec = |term: Option<Term>| -> Result<Option<TermSpec>, Error> {
            Ok(term
                .map(|t| TermSpec::new(t.start_year, t.term))
                .transpose()?)
        };
        let scope = if self.compulsory_only {
            CourseScope::Compulsory
        } else {
            CourseScope::All
        };
        Ok(GpaQuery::new(spec(self.from)?, spec(self.to)?, scope)?)
    }
}

/// The site's GPA and ranks next to a GPA computed from the grades.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct GpaReport {
    /// First term asked for (`None`: the first).
    pub from: Option<String>,
    /// Last term asked for (`None`: the last).
    pub to: Option<String>,
    /// Whether only compulsory courses count.
    pub compulsory_only: bool,
    /// The site's statistics; `None` when it has none for the range.
    pub ranking: Option<GpaRank>,
    /// Computed from the grades, as a cross-check.
    pub computed: WeightedGpa,
    /// How `computed` is computed.
    pub formula: &'static str,
    /// First and last term of the grades counted (what an open range meant).
    #[serde(skip)]
    pub terms_counted: Option<(String, String)>,
}

impl Xtu {
    /// Every grade from the printable transcript (成绩单 PDF), which the site
    /// serves even while the grade page waits for the course evaluation. The
    /// PDF is saved to `save_pdf` first (0600, atomically) when asked, so a
    /// file that cannot be read is still there to look at.
    pub async fn transcript(
        &self,
        token: Option<&str>,
        save_pdf: Option<&std::path::Path>,
    ) -> Result<xtu_model::Transcript, Error> {
        let pdf = self
            .query(token, |ems| async move { ems.transcript_pdf().await })
            .await?;
        if let Some(path) = save_pdf {
            xtu_sso::private_file::write_private_atomically(path, &pdf)
                .map_err(Error::io(format!("could not write {}", path.display())))?;
        }
        Ok(xtu_transcript::parse(&pdf).map_err(xtu_ems::EmsError::from)?)
    }

    /// Compares every term's grades with the previous watch of this account
    /// (with a `token`, the configured user names whose grades are saved).
    pub async fn watch_grades(&self, token: Option<&str>) -> Result<GradeWatch, Error> {
        let store = self.store()?;
        let username = match (&self.config().user, token) {
            (Some(user), _) => user.clone(),
            (None, None) => store.current()?.ok_or_else(not_logged_in)?,
            (None, Some(_)) => {
                return Err(Error::Usage(
                    "--watch-diff with a token needs --user to name whose grades are saved".into(),
                ));
            }
        };
        let grades = self
            .query(token, |ems| async move { ems.grades(None).await })
            .await?;
        let before: Vec<Grade> = store.load_grades(&username)?.unwrap_or_default();
        Ok(GradeWatch {
            changes: grade_changes(&before, &grades),
            grades,
            username,
            store,
        })
    }

    /// The site's GPA statistics of a range in the upstream's `gpa.py` JSON
    /// (one request, no grades).
    pub async fn compat_gpa(
        &self,
        request: &CompatGpaRequest,
        token: Option<&str>,
    ) -> Result<CompatGpa, Error> {
        let spec = |t: Term| TermSpec::new(t.start_year, t.term);
        let query = &GpaQuery::new(
            Some(spec(request.from)?),
            Some(spec(request.to)?),
            request.scope,
        )?;
        let ranking = self
            .query(token, |ems| async move { ems.gpa_rank(query).await })
            .await?;
        Ok(compat_gpa(request, ranking.as_ref()))
    }

    /// The site's GPA ranking of a range and the GPA computed from the grades
    /// (two requests at once; the ranking is slow at XTU).
    pub async fn gpa(&self, request: &GpaRequest, token: Option<&str>) -> Result<GpaReport, Error> {
        let query = &request.query()?;
        let (ranking, grades) = self
            .query(token, |ems| async move {
                tokio::try_join!(ems.gpa_rank(query), ems.grades(None))
            })
            .await?;
        let counted: Vec<&Grade> = grades
            .iter()
            .filter(|g| query.covers(&g.term))
            .filter(|g| !request.compulsory_only || g.is_compulsory())
            .collect();
        let mut terms: Vec<Term> = counted.iter().filter_map(|g| g.term.parse().ok()).collect();
        terms.sort_unstable();
        Ok(GpaReport {
            from: request.from.map(|t| t.to_string()),
            to: request.to.map(|t| t.to_string()),
            compulsory_only: request.compulsory_only,
            ranking,
            computed: xtu_model::credit_weighted_gpa(counted.iter().copied()),
            formula: xtu_model::GPA_FORMULA,
            terms_counted: terms
                .first()
                .zip(terms.last())
                .map(|(first, last)| (first.to_string(), last.to_string())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grade(term: &str, code: &str, score: &str) -> Grade {
        Grade {
            course: format!("课程{code}"),
            course_code: code.into(),
            term: term.into(),
            score: score.into(),
            grade_point: None,
            credits: Some(2.0),
            course_type: "必修".into(),
            teacher: String::new(),
        }
    }

    #[test]
    fn changes_are_new_or_changed_entries_only() {
        let before = [
            grade("2024-2025-1", "A", "80"),
            grade("2024-2025-1", "B", "70"),
        ];
        let now = [
            grade("2024-2025-1", "A", "80"),
            grade("2024-2025-1", "B", "75"),
            grade("2024-2025-2", "B", "90"),
        ];
        let changes = grade_changes(&before, &now);
        let summary: Vec<(&str, &str)> = changes
            .iter()
            .map(|c| (c.change, c.grade.score.as_str()))
            .collect();
        assert_eq!(summary, [("changed", "75"), ("new", "90")]);
        assert_eq!(
            changes[0].before.as_ref().map(|b| b.score.as_str()),
            Some("70")
        );
        assert!(grade_changes(&now, &now).is_empty());
    }

    #[test]
    fn section_texts() {
        assert_eq!(section_text(&[1, 2]), "1-2");
        assert_eq!(section_text(&[9, 10, 11]), "9-11");
        assert_eq!(section_text(&[3]), "3");
        assert_eq!(section_text(&[1, 3]), "1,3");
    }

    #[test]
    fn a_gpa_range_may_not_run_backwards() {
        let request = GpaRequest {
            from: "2025-2".parse().ok(),
            to: "2024-1".parse().ok(),
            compulsory_only: false,
        };
        assert!(request.query().is_err());
    }
}
