//! `xtu mcp`: the queries as Model Context Protocol tools on stdio, for AI
//! agents. Tools use the session stored by `xtu login`; failures are tool
//! errors carrying the same one-line messages the commands print.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock};
use rmcp::{ErrorData, ServiceExt as _, schemars, tool, tool_router};
use serde::Deserialize;
use xtu_ems::{ClassroomQuery, EmsClient, EmsError, TermSpec};

use crate::args::{GlobalArgs, RoomsArgs, TermArgs};
use crate::failure::Failure;
use crate::{academic, output, rooms, stored};

/// The MCP server: the global options of the `xtu mcp` invocation.
#[derive(Clone)]
pub struct XtuTools {
    sso_base_url: String,
    ems_base_url: String,
    user: Option<String>,
    timeout: u64,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ClassroomParams {
    /// Academic year by its first calendar year (2025 for 2025-2026).
    pub year: u16,
    /// Term: 1 (autumn) or 2 (spring).
    pub term: u8,
    /// Teaching weeks, 1-25; a room must be free in all of them.
    pub weeks: Vec<u8>,
    /// Day of week, 1 (Monday) to 7 (Sunday).
    pub day_of_week: u8,
    /// Sections, 1-11; a room must be free in all of them.
    pub sections: Vec<u8>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct FreeRoomsParams {
    /// Beijing time "YYYY-MM-DD HH:MM"; omitted means now. The teaching week,
    /// day and the rest of the current section block are worked out.
    pub at: Option<String>,
    /// Sections instead of the rest of the current block, e.g. "3-4".
    pub sections: Option<String>,
    /// A building code (101) or part of a building name (第一教学楼).
    pub building: Option<String>,
    /// Only rooms with at least this many seats.
    pub min_seats: Option<u32>,
    /// Campus code: "02" 校本部 (default), "03" 兴湘学院.
    pub campus: Option<String>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct TermParams {
    /// Academic year by its first calendar year (2025 for 2025-2026); with
    /// `term`. Omitted: the current term.
    pub year: Option<u16>,
    /// Term: 1 (autumn) or 2 (spring); with `year`.
    pub term: Option<u8>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct TermListParams {
    /// Academic year by its first calendar year; with `term`. Omitted: the
    /// current term (unless `all`).
    pub year: Option<u16>,
    /// Term: 1 (autumn) or 2 (spring); with `year`.
    pub term: Option<u8>,
    /// Every term instead of one.
    pub all: Option<bool>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct GpaParams {
    /// First term counted, e.g. "2022-1" (omitted: the first).
    pub from: Option<String>,
    /// Last term counted, e.g. "2025-2" (omitted: the last).
    pub to: Option<String>,
    /// Count compulsory courses (必修) only.
    pub compulsory_only: Option<bool>,
}

/// The term of a tool call: both of year and term, or neither (current).
fn term_of(year: Option<u16>, term: Option<u8>) -> Result<TermSpec, Failure> {
    if year.is_some() != term.is_some() {
        return Err(Failure::Usage(
            "give both year and term, or neither for the current term".into(),
        ));
    }
    academic::term_or_current(&TermArgs { year, term })
}

fn term_list(p: &TermListParams) -> Result<Option<TermSpec>, Failure> {
    if p.all == Some(true) {
        if p.year.is_some() || p.term.is_some() {
            return Err(Failure::Usage(
                "all cannot be combined with year/term".into(),
            ));
        }
        return Ok(None);
    }
    term_of(p.year, p.term).map(Some)
}

/// A term of a tool call, e.g. "2022-1".
fn parse_term(text: Option<&str>) -> Result<Option<xtu_model::Term>, Failure> {
    text.map(|t| t.parse().map_err(|e| Failure::Usage(format!("{e}"))))
        .transpose()
}

fn text_result(result: Result<String, Failure>) -> Result<CallToolResult, ErrorData> {
    Ok(match result {
        Ok(text) => CallToolResult::success(vec![ContentBlock::text(text)]),
        Err(failure) => CallToolResult::error(vec![ContentBlock::text(format!(
            "error: {} (exit code {})",
            output::one_line(&failure),
            failure.exit_code() as u8
        ))]),
    })
}

fn json(value: &impl serde::Serialize) -> Result<String, Failure> {
    serde_json::to_string_pretty(value)
        .map_err(|e| Failure::Usage(format!("could not write JSON: {e}")))
}

#[tool_router(server_handler)]
impl XtuTools {
    #[tool(
        description = "The student's profile (学生个人信息): student_id, name, gender, birthday, \
        entrance_day, major, class, college. Uses the session stored by `xtu login`."
    )]
    async fn student_info(&self) -> Result<CallToolResult, ErrorData> {
        self.query(|ems| async move { ems.student_profile().await })
            .await
    }

    #[tool(
        description = "The current term's teaching calendar: term_id (e.g. 2025-2026-1), start_date, end_date."
    )]
    async fn teaching_calendar(&self) -> Result<CallToolResult, ErrorData> {
        self.query(|ems| async move { ems.teaching_calendar().await })
            .await
    }

    #[tool(
        description = "The personal timetable (个人课表) of a term: courses with name, teacher, \
        location, day_of_week (1 = Monday), sections, weeks (expanded list) and weeks_text; \
        practice courses separately."
    )]
    async fn timetable(
        &self,
        Parameters(p): Parameters<TermParams>,
    ) -> Result<CallToolResult, ErrorData> {
        match term_of(p.year, p.term) {
            Ok(term) => {
                self.query(|ems| async move { ems.timetable(term).await })
                    .await
            }
            Err(failure) => text_result(Err(failure)),
        }
    }

    #[tool(
        description = "Exams (考试信息) of a term or of all terms: course, date, start, end \
        (Beijing time), location and seat (null until assigned)."
    )]
    async fn exams(
        &self,
        Parameters(p): Parameters<TermListParams>,
    ) -> Result<CallToolResult, ErrorData> {
        match term_list(&p) {
            Ok(term) => self.query(|ems| async move { ems.exams(term).await }).await,
            Err(failure) => text_result(Err(failure)),
        }
    }

    #[tool(
        description = "Grades (成绩) of a term or of all terms: course, term, score, grade_point, \
        credits, course_type."
    )]
    async fn grades(
        &self,
        Parameters(p): Parameters<TermListParams>,
    ) -> Result<CallToolResult, ErrorData> {
        match term_list(&p) {
            Ok(term) => {
                self.query(|ems| async move { ems.grades(term).await })
                    .await
            }
            Err(failure) => text_result(Err(failure)),
        }
    }

    #[tool(
        description = "GPA and class/major rank from the academic system's ranking statistics \
        (slow: 10-60 s) for a range of terms."
    )]
    async fn gpa(&self, Parameters(p): Parameters<GpaParams>) -> Result<CallToolResult, ErrorData> {
        let query = parse_term(p.from.as_deref()).and_then(|from| {
            let to = parse_term(p.to.as_deref())?;
            academic::gpa_query(from, to, p.compulsory_only == Some(true))
        });
        match query {
            Ok(query) => {
                let query = &query;
                self.query(|ems| async move { ems.gpa_rank(query).await })
                    .await
            }
            Err(failure) => text_result(Err(failure)),
        }
    }

    #[tool(
        description = "Names of the classrooms free in every given week, on the given day, in every \
        given section (same as the seed's classroom_availability.py)."
    )]
    async fn classroom_availability(
        &self,
        Parameters(p): Parameters<ClassroomParams>,
    ) -> Result<CallToolResult, ErrorData> {
        let global = self.global();
        text_result(
            async {
                let term = TermSpec::new(p.year, p.term).map_err(xtu_ems::EmsError::from)?;
                let query = &ClassroomQuery::new(term, p.weeks, [p.day_of_week], p.sections)
                    .map_err(xtu_ems::EmsError::from)?;
                let found = stored::with_ems(&global, self.user.as_deref(), |ems| async move {
                    ems.free_classrooms(query).await
                })
                .await?;
                json(&found.iter().map(|r| r.name.as_str()).collect::<Vec<_>>())
            }
            .await,
        )
    }

    #[tool(
        description = "Classrooms free now or at a given time, with building and seats; works out the \
        teaching week and section from the teaching calendar and XTU's timetable."
    )]
    async fn free_rooms(
        &self,
        Parameters(p): Parameters<FreeRoomsParams>,
    ) -> Result<CallToolResult, ErrorData> {
        let global = self.global();
        text_result(
            async {
                let args = RoomsArgs {
                    now: p.at.is_none(),
                    at: p.at,
                    sections: p
                        .sections
                        .as_deref()
                        .map(rooms::parse_sections)
                        .transpose()
                        .map_err(Failure::Usage)?,
                    building: p.building,
                    min_seats: p.min_seats,
                    campus: p.campus.unwrap_or_else(|| "02".to_owned()),
                    ..RoomsArgs::default()
                };
                let found = rooms::find(&global, &args).await?;
                json(&found)
            }
            .await,
        )
    }
}

impl XtuTools {
    /// Runs one query on the stored session; its result as JSON text.
    async fn query<T, Fut>(
        &self,
        query: impl Fn(EmsClient) -> Fut,
    ) -> Result<CallToolResult, ErrorData>
    where
        T: serde::Serialize,
        Fut: Future<Output = Result<T, EmsError>>,
    {
        let global = self.global();
        text_result(
            async { json(&stored::with_ems(&global, self.user.as_deref(), query).await?) }.await,
        )
    }

    fn global(&self) -> GlobalArgs {
        GlobalArgs {
            sso_base_url: self.sso_base_url.clone(),
            ems_base_url: self.ems_base_url.clone(),
            user: self.user.clone(),
            timeout: self.timeout,
        }
    }
}

/// Serves the tools on stdin/stdout until the client disconnects.
pub async fn serve(global: &GlobalArgs) -> Result<(), Failure> {
    let tools = XtuTools {
        sso_base_url: global.sso_base_url.clone(),
        ems_base_url: global.ems_base_url.clone(),
        user: global.user.clone(),
        timeout: global.timeout,
    };
    let service = tools
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| Failure::Usage(format!("could not start the MCP server: {e}")))?;
    service
        .waiting()
        .await
        .map_err(|e| Failure::Usage(format!("the MCP server stopped: {e}")))?;
    Ok(())
}
