//! `xtu mcp`: the queries as Model Context Protocol tools on stdio, for AI
//! agents. Tools use the session stored by `xtu login`; failures are tool
//! errors carrying the same one-line messages the commands print.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock};
use rmcp::{ErrorData, ServiceExt as _, schemars, tool, tool_router};
use serde::Deserialize;
use xtu_ems::{ClassroomQuery, TermSpec};

use crate::args::{GlobalArgs, RoomsArgs};
use crate::failure::Failure;
use crate::{output, rooms, stored};

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
        let global = self.global();
        text_result(
            async {
                json(
                    &stored::with_ems(&global, self.user.as_deref(), |ems| async move {
                        ems.student_profile().await
                    })
                    .await?,
                )
            }
            .await,
        )
    }

    #[tool(
        description = "The current term's teaching calendar: term_id (e.g. 2025-2026-1), start_date, end_date."
    )]
    async fn teaching_calendar(&self) -> Result<CallToolResult, ErrorData> {
        let global = self.global();
        text_result(
            async {
                json(
                    &stored::with_ems(&global, self.user.as_deref(), |ems| async move {
                        ems.teaching_calendar().await
                    })
                    .await?,
                )
            }
            .await,
        )
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
