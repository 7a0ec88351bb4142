//! Requests of the degree audit (学业情况) and the programme plan (培养方案).

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use xtu_model::{DegreeAudit, Major, PlanChoice, PlanSelection, ProgrammePlan};

use crate::client::{EmsClient, RawRequest, now_ms};
use crate::error::{EmsError, parse_page};
use crate::pages::degree_audit::{self, CourseList};
use crate::pages::{GridPage, Page, programme_plan};
use crate::query::{QueryError, paging};

/// The most category requests in flight at once: a real tree has a few
/// dozen leaves at most, so the audit costs about two round trips (the
/// index, then every list together) without flooding the site.
pub const MAX_CONCURRENT_CATEGORY_REQUESTS: usize = 16;

/// Which programme plan to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanSpec {
    /// Major code (`zyh_id`).
    pub major: String,
    /// Grade, the year of entry (`njdm_id`), e.g. `2022`.
    pub grade: String,
    /// College code (`jg_id`); `None` asks by major and grade alone.
    pub college: Option<String>,
}

impl PlanSpec {
    /// Checks the codes before any request: letters and digits only.
    pub fn validate(&self) -> Result<(), QueryError> {
        let fields = [
            ("major", Some(&self.major)),
            ("grade", Some(&self.grade)),
            ("college", self.college.as_ref()),
        ];
        for (what, value) in fields {
            let Some(value) = value else { continue };
            code(what, value)?;
        }
        Ok(())
    }
}

pub(crate) fn code(what: &'static str, value: &str) -> Result<(), QueryError> {
    if value.is_empty() || !value.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(QueryError::Code {
            what,
            value: value.to_owned(),
        });
    }
    Ok(())
}

/// The form of a category's course list (`None`: outside the plan).
pub(crate) fn course_form(category: Option<&str>, student_id: &str) -> Vec<(&'static str, String)> {
    let mut form = vec![
        ("xh_id", student_id.to_owned()),
        ("fromXh_id", String::new()),
    ];
    if let Some(id) = category {
        form.push(("xfyqjd_id", id.to_owned()));
    }
    form
}

/// The form of the plan query: college, grade, major, the first page.
pub(crate) fn plan_query_form(spec: &PlanSpec) -> Vec<(&'static str, String)> {
    let mut form = vec![
        ("jg_id", spec.college.clone().unwrap_or_default()),
        ("njdm_id", spec.grade.clone()),
        ("zyh_id", spec.major.clone()),
    ];
    form.extend(paging(1, now_ms()));
    form
}

/// The form of one page of a plan's courses.
pub(crate) fn plan_form(plan_id: &str, page: u32) -> Vec<(&'static str, String)> {
    let mut form = vec![("jxzxjhxx_id", plan_id.to_owned())];
    form.extend(paging(page, now_ms()));
    form
}

impl EmsClient {
    /// The degree audit (学业情况): the index page, then the courses of every
    /// leaf category and those outside the plan, all at once (at most
    /// [`MAX_CONCURRENT_CATEGORY_REQUESTS`] in flight).
    pub async fn degree_audit(&self) -> Result<DegreeAudit, EmsError> {
        let body = self.raw(RawRequest::Progress).await?;
        let index = parse_page(Page::Progress, &body, degree_audit::parse_index)?;
        let mut audit = index.audit;
        let student = audit.student_id.clone();
        let permits = Arc::new(Semaphore::new(MAX_CONCURRENT_CATEGORY_REQUESTS));
        let mut tasks = JoinSet::new();
        // `None`: the courses outside the plan.
        let lists = index.course_lists.into_iter().map(Some).chain([None]);
        for category in lists {
            let (client, permits, student) = (self.clone(), Arc::clone(&permits), student.clone());
            tasks.spawn(async move {
                let _permit = permits
                    .acquire_owned()
                    .await
                    .map_err(|e| EmsError::Internal(e.to_string()))?;
                let list = client.course_list(category.as_deref(), &student).await?;
                Ok::<_, EmsError>((category, list))
            });
        }
        let mut lists: HashMap<Option<String>, CourseList> = HashMap::new();
        while let Some(joined) = tasks.join_next().await {
            let (category, list) = joined.map_err(|e| EmsError::Internal(e.to_string()))??;
            lists.insert(category, list);
        }
        // Warnings in the page's order, whatever order the answers came in.
        for category in &mut audit.categories {
            if let Some(list) = lists.remove(&Some(category.id.clone())) {
                category.courses = list.courses;
                audit.warnings.extend(list.warnings);
            }
        }
        if let Some(list) = lists.remove(&None) {
            audit.outside_plan = list.courses;
            audit.warnings.extend(list.warnings);
        }
        Ok(audit)
    }

    /// One category's courses, or (`None`) those outside the plan.
    async fn course_list(
        &self,
        category: Option<&str>,
        student: &str,
    ) -> Result<CourseList, EmsError> {
        let student_id = student;
        let body = match category {
            Some(category) => {
                let request = RawRequest::ProgressCourses {
                    category,
                    student_id,
                };
                let body = self.raw(request).await?;
                return parse_page(Page::ProgressCourses, &body, degree_audit::parse_courses);
            }
            None => {
                self.raw(RawRequest::ProgressOutsidePlan { student_id })
                    .await?
            }
        };
        parse_page(
            Page::ProgressOutsidePlan,
            &body,
            degree_audit::parse_outside_plan,
        )
    }

    /// The plan page's pre-selected college, grade and major: the
    /// student's own.
    pub async fn plan_selection(&self) -> Result<PlanSelection, EmsError> {
        let body = self.raw(RawRequest::PlanPage).await?;
        parse_page(Page::PlanPage, &body, programme_plan::parse_page)
    }

    /// A programme plan (培养方案): the plan of the major and grade, then its
    /// courses (every page).
    pub async fn programme_plan(&self, spec: &PlanSpec) -> Result<ProgrammePlan, EmsError> {
        let body = self.raw(RawRequest::PlanQuery { spec }).await?;
        let plans = parse_page(Page::PlanQuery, &body, programme_plan::parse_query)?;
        // The query filters by major, but an empty college may let more in.
        let plan = plans
            .iter()
            .find(|plan| plan.major.as_ref().is_some_and(|m| m.code == spec.major))
            .or(plans.first())
            .ok_or_else(|| QueryError::NotFound {
                what: "programme plan",
                value: format!("major {} of grade {}", spec.major, spec.grade),
            })?
            .clone();
        let courses = self
            .all_pages(|client, page| {
                let id = plan.id.clone();
                async move {
                    let request = RawRequest::Plan { plan_id: &id, page };
                    let body = client.raw(request).await?;
                    let page: GridPage<_> = parse_page(Page::Plan, &body, programme_plan::parse)?;
                    Ok(page)
                }
            })
            .await?;
        Ok(ProgrammePlan {
            college: plan.college.or_else(|| {
                spec.college
                    .clone()
                    .map(|code| PlanChoice { code, name: None })
            }),
            major: plan.major.unwrap_or_else(|| PlanChoice {
                code: spec.major.clone(),
                name: None,
            }),
            grade: plan.grade.unwrap_or_else(|| spec.grade.clone()),
            courses,
        })
    }

    /// The majors of a college (`jg_id`).
    pub async fn majors(&self, college: &str) -> Result<Vec<Major>, EmsError> {
        let body = self.raw(RawRequest::Majors { college }).await?;
        parse_page(Page::Majors, &body, programme_plan::parse_majors)
    }
}
