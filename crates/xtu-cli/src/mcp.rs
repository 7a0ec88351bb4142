//! `xtu mcp`: the queries as Model Context Protocol tools on stdio, for AI
//! agents. Each tool turns its arguments into the same typed inputs as its
//! command and calls the same `xtu_app` function, so the two cannot drift
//! apart. Results are structured content with a declared output schema
//! (MCP 2025-06-18), with the JSON text alongside for older clients;
//! failures are tool errors carrying the command's one-line message and exit
//! code. Every tool only reads, except `fill_evaluations`, which saves
//! course evaluations and submits them (irreversible) only when its
//! `submit` argument is true.

use rmcp::handler::server::tool::schema_for_output;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig};
use rmcp::{ErrorData, ServerHandler, ServiceExt as _, schemars, tool, tool_handler, tool_router};
use serde::{Deserialize, Serialize};
use xtu_app::{
    Error, FillRequest, GpaReport, GpaRequest, Policy, RoomQuery, RoomTime, Selection, TermAnswer,
    TermAsked, Xtu,
};
use xtu_ems::{ClassroomQuery, EmsClient, EmsError, TermSpec};
use xtu_model::{Classroom, Exam, Grade, StudentProfile, TeachingCalendar, Timetable};

use crate::output;

/// The MCP server: the toolkit configured by the `xtu mcp` invocation.
#[derive(Clone)]
pub struct XtuTools {
    xtu: Xtu,
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

/// Structured content must be an object: lists travel in one.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ExamList {
    /// The exams, by date.
    pub exams: Vec<Exam>,
}

/// See [`ExamList`].
#[derive(Serialize, schemars::JsonSchema)]
pub struct GradeList {
    /// The grades.
    pub grades: Vec<Grade>,
}

/// See [`ExamList`].
#[derive(Serialize, schemars::JsonSchema)]
pub struct RoomNames {
    /// Names of the free rooms, as the seed's script prints them.
    pub rooms: Vec<String>,
}

/// Free rooms and the question they answer.
#[derive(Serialize, schemars::JsonSchema)]
pub struct FreeRoomList {
    /// Term, week, day and sections asked, in words.
    pub plan: String,
    /// The rooms.
    pub rooms: Vec<Classroom>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct ProgressParams {
    /// Only the categories still short of credits, each with its courses
    /// not passed.
    pub missing: Option<bool>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct PlanParams {
    /// Another major's plan: its code (the `majors` tool lists them); with
    /// `grade`. Omitted: the student's own plan.
    pub major: Option<String>,
    /// The grade (year of entry, e.g. "2022") of `major`'s plan.
    pub grade: Option<String>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct NoticesParams {
    /// Every notice instead of the recent ones.
    pub all: Option<bool>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct ChangesParams {
    /// Only these sources, comma-separated: grades, exams, notices
    /// (omitted: all three).
    pub only: Option<String>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct FillParams {
    /// Answer with the highest level everywhere (one question one level
    /// lower where the site refuses uniform answers). Exactly one of `best`
    /// and `answers`.
    pub best: Option<bool>,
    /// Answers, as in an answers file: {"answers": {"3": "良好", "讲解清楚":
    /// "优秀", "4": 90}, "default": "优秀", "default_score": 95, "comment":
    /// "…", "course": [{"course": "大学物理", "teacher": "教师乙", "answers":
    /// {…}}]}. Questions by number or text; levels by label; scores as numbers.
    pub answers: Option<xtu_app::AnswerFile>,
    /// The comment (评语) of every form, at most 500 characters.
    pub comment: Option<String>,
    /// Only this course: its code, or part of its name.
    pub course: Option<String>,
    /// Only this teacher's forms (part of the name).
    pub teacher: Option<String>,
    /// Return each form exactly as it would be sent; send nothing.
    pub dry_run: Option<bool>,
    /// Also SUBMIT the saved forms. Irreversible: a submitted evaluation
    /// cannot be changed. Only when the student explicitly asked to submit.
    pub submit: Option<bool>,
}

/// See [`ExamList`].
#[derive(Serialize, schemars::JsonSchema)]
pub struct MajorList {
    /// The majors of the student's college.
    pub majors: Vec<xtu_model::Major>,
}

/// See [`ExamList`].
#[derive(Serialize, schemars::JsonSchema)]
pub struct NoticeList {
    /// The notices, newest first.
    pub notices: Vec<xtu_model::Notice>,
}

/// What changed since the agent last asked.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ChangeList {
    /// One entry per change, as `xtu watch` prints them.
    pub events: Vec<xtu_app::Event>,
}

/// See [`ExamList`].
#[derive(Serialize, schemars::JsonSchema)]
pub struct EvaluationList {
    /// Every course and teacher to evaluate, with its state.
    pub evaluations: Vec<xtu_model::Evaluation>,
}

/// A term of a tool call, e.g. "2022-1".
fn parse_term(text: Option<&str>) -> Result<Option<xtu_model::Term>, Error> {
    text.map(|t| t.parse().map_err(|e| Error::Usage(format!("{e}"))))
        .transpose()
}

/// A tool's answer: the value as structured content, or a tool error with
/// the command's message and exit code.
fn answer<T: Serialize>(result: Result<T, Error>) -> Result<CallToolResult, ErrorData> {
    let value = result.and_then(|value| {
        serde_json::to_value(value).map_err(|e| Error::Usage(format!("could not write JSON: {e}")))
    });
    Ok(match value {
        Ok(value) => CallToolResult::structured(value),
        Err(failure) => CallToolResult::error(vec![ContentBlock::text(format!(
            "error: {} (exit code {})",
            output::one_line(&failure),
            failure.exit_code() as u8
        ))]),
    })
}

/// [`answer`] of a term's answer, its notes (how the term was chosen, an
/// empty answer) as text blocks after the JSON: the structured content
/// stays the tool's declared shape.
fn answer_noted<T, U: Serialize>(
    result: Result<TermAnswer<T>, Error>,
    shape: impl FnOnce(T) -> U,
) -> Result<CallToolResult, ErrorData> {
    let (result, notes) = match result {
        Ok(found) => (Ok(shape(found.answer)), found.notes),
        Err(e) => (Err(e), Vec::new()),
    };
    let mut answered = answer(result)?;
    answered.content.extend(
        notes
            .into_iter()
            .map(|note| ContentBlock::text(format!("warning: {note}"))),
    );
    Ok(answered)
}

#[tool_router]
impl XtuTools {
    #[tool(
        description = "The student's profile (学生个人信息): student_id, name, gender, birthday, \
        entrance_day, major, class, college. Uses the session stored by `xtu login`.",
        output_schema = schema_for_output::<StudentProfile>(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn student_info(&self) -> Result<CallToolResult, ErrorData> {
        answer(
            self.query(|ems| async move { ems.student_profile().await })
                .await,
        )
    }

    #[tool(
        description = "The current term's teaching calendar: term_id (e.g. 2025-2026-1), start_date, end_date.",
        output_schema = schema_for_output::<TeachingCalendar>(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn teaching_calendar(&self) -> Result<CallToolResult, ErrorData> {
        answer(
            self.query(|ems| async move { ems.teaching_calendar().await })
                .await,
        )
    }

    #[tool(
        description = "The personal timetable (个人课表) of a term: courses with name, teacher, \
        location, day_of_week (1 = Monday), sections, weeks (expanded list) and weeks_text; \
        practice courses separately.",
        output_schema = schema_for_output::<Timetable>(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn timetable(
        &self,
        Parameters(p): Parameters<TermParams>,
    ) -> Result<CallToolResult, ErrorData> {
        answer_noted(
            async {
                let asked = TermAsked::one(p.year, p.term)?;
                self.xtu.timetable(asked, None).await
            }
            .await,
            |timetable| timetable,
        )
    }

    #[tool(
        description = "A graduate student's timetable (研究生课表) of a term, from the graduate \
        system: the same shape as `timetable` (sections 上午1-4 = 1-4, 下午1-4 = 5-8, 晚上1-3 = \
        9-11; none for 无节次). An account without the graduate system is an error.",
        output_schema = schema_for_output::<Timetable>(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn grad_timetable(
        &self,
        Parameters(p): Parameters<TermParams>,
    ) -> Result<CallToolResult, ErrorData> {
        answer(
            async {
                let term = TermAsked::one(p.year, p.term)?.by_date()?;
                self.xtu.grad_timetable(term).await
            }
            .await,
        )
    }

    #[tool(
        description = "Exams (考试信息) of a term or of all terms: course, date, start, end \
        (Beijing time), location and seat (null until assigned).",
        output_schema = schema_for_output::<ExamList>(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn exams(
        &self,
        Parameters(p): Parameters<TermListParams>,
    ) -> Result<CallToolResult, ErrorData> {
        answer_noted(
            async {
                let asked = TermAsked::from_options(p.year, p.term, p.all == Some(true))?;
                self.xtu.exams(asked, None).await
            }
            .await,
            |exams| ExamList { exams },
        )
    }

    #[tool(
        description = "Grades (成绩) of a term or of all terms: course, term, score, grade_point, \
        credits, course_type.",
        output_schema = schema_for_output::<GradeList>(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn grades(
        &self,
        Parameters(p): Parameters<TermListParams>,
    ) -> Result<CallToolResult, ErrorData> {
        answer_noted(
            async {
                let asked = TermAsked::from_options(p.year, p.term, p.all == Some(true))?;
                self.xtu.grades(asked, None).await
            }
            .await,
            |grades| GradeList { grades },
        )
    }

    #[tool(
        description = "GPA and class/major rank from the academic system's ranking statistics \
        (slow: 10-60 s) for a range of terms, next to a GPA computed from the grades \
        (same as `xtu gpa --format json`).",
        output_schema = schema_for_output::<GpaReport>(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn gpa(&self, Parameters(p): Parameters<GpaParams>) -> Result<CallToolResult, ErrorData> {
        answer(
            async {
                let request = GpaRequest {
                    from: parse_term(p.from.as_deref())?,
                    to: parse_term(p.to.as_deref())?,
                    compulsory_only: p.compulsory_only == Some(true),
                };
                self.xtu.gpa(&request, None).await
            }
            .await,
        )
    }

    #[tool(
        description = "Every grade from the printable transcript (成绩单 PDF), even while the grade \
        page waits for the course evaluation: college, major, student_id, name, scores [{name, type, \
        credit, score, term}], average_score, gpa and credit pairs [required, earned] (same JSON as \
        `xtu transcript`; null where the PDF holds no value).",
        output_schema = schema_for_output::<xtu_model::UpstreamTranscript<'static>>(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn transcript(&self) -> Result<CallToolResult, ErrorData> {
        match self.xtu.transcript(None, None).await {
            Ok(transcript) => answer(Ok(transcript.upstream())),
            Err(failure) => answer::<()>(Err(failure)),
        }
    }

    #[tool(
        description = "Names of the classrooms free in every given week, on the given day, in every \
        given section (same as the seed's classroom_availability.py).",
        output_schema = schema_for_output::<RoomNames>(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn classroom_availability(
        &self,
        Parameters(p): Parameters<ClassroomParams>,
    ) -> Result<CallToolResult, ErrorData> {
        answer(
            async {
                let term = TermSpec::new(p.year, p.term)?;
                let query = &ClassroomQuery::new(term, p.weeks, [p.day_of_week], p.sections)?;
                let found = self
                    .query(|ems| async move { ems.free_classrooms(query).await })
                    .await?;
                Ok(RoomNames {
                    rooms: found.into_iter().map(|room| room.name).collect(),
                })
            }
            .await,
        )
    }

    #[tool(
        description = "Classrooms free now or at a given time, with building and seats; works out the \
        teaching week and section from the teaching calendar and XTU's timetable.",
        output_schema = schema_for_output::<FreeRoomList>(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn free_rooms(
        &self,
        Parameters(p): Parameters<FreeRoomsParams>,
    ) -> Result<CallToolResult, ErrorData> {
        answer(
            async {
                let time = match p.at.as_deref() {
                    Some(at) => RoomTime::At(xtu_app::parse_at(at).map_err(Error::Usage)?),
                    None => RoomTime::Now,
                };
                let question = RoomQuery {
                    time,
                    sections: p
                        .sections
                        .as_deref()
                        .map(xtu_app::parse_sections)
                        .transpose()
                        .map_err(Error::Usage)?,
                    building: p.building,
                    min_seats: p.min_seats,
                    campus: p.campus,
                };
                let found = self.xtu.free_rooms(&question, None).await?;
                Ok(FreeRoomList {
                    plan: found.plan.describe(),
                    rooms: found.rooms,
                })
            }
            .await,
        )
    }

    #[tool(
        description = "What is left to graduate (学业情况, same as `xtu progress --format json`): \
        student_id, summary (planned, passed, failed, in_progress, not_taken, outside_plan, gpa), \
        categories [{id, name, parent, required_credits, earned_credits, missing_credits, courses \
        [{code, name, credits, status (passed, failed, in_progress, not_taken, or the site's text), \
        score, grade_point, term, nature, kind}]}] and outside_plan. Credits are the site's (a \
        parent's requirement need not be its children's sum); null where the site leaves a cell \
        blank. `missing`: only categories still short, with their courses not passed.",
        output_schema = schema_for_output::<xtu_model::DegreeAudit>(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn progress(
        &self,
        Parameters(p): Parameters<ProgressParams>,
    ) -> Result<CallToolResult, ErrorData> {
        let request = xtu_app::ProgressRequest {
            missing_only: p.missing == Some(true),
        };
        answer(self.xtu.progress(&request, None).await)
    }

    #[tool(
        description = "A programme plan (培养方案, same as `xtu plan --format json`): college, major \
        ({code, name}), grade and courses [{code, name, credits, nature, category, term, \
        assessment}]. The student's own plan by default; `major` and `grade` together for \
        another.",
        output_schema = schema_for_output::<xtu_model::ProgrammePlan>(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn plan(
        &self,
        Parameters(p): Parameters<PlanParams>,
    ) -> Result<CallToolResult, ErrorData> {
        answer(
            async {
                let request = match (p.major, p.grade) {
                    (Some(major), Some(grade)) => xtu_app::PlanRequest::of(major, grade)?,
                    (None, None) => xtu_app::PlanRequest::Own,
                    _ => {
                        return Err(Error::Usage(
                            "major and grade go together: give both, or neither for your own plan"
                                .into(),
                        ));
                    }
                };
                self.xtu.plan(&request, None).await
            }
            .await,
        )
    }

    #[tool(
        description = "The academic system's home-page notices (消息: 调课提醒, 考试安排...), newest \
        first: [{title, kind, text, time}] (same as `xtu notices`); the recent ones unless `all`.",
        output_schema = schema_for_output::<NoticeList>(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn notices(
        &self,
        Parameters(p): Parameters<NoticesParams>,
    ) -> Result<CallToolResult, ErrorData> {
        answer(
            self.xtu
                .notices(p.all.unwrap_or(false), None)
                .await
                .map(|notices| NoticeList { notices }),
        )
    }

    #[tool(
        description = "New, changed or removed grades, exams and notices since this tool was last \
        called: events [{kind, change, item, before, id}] (as `xtu watch` prints them). The first \
        call only records what is there and returns no events. The site is only read; what was \
        seen is kept in the local state directory, apart from `xtu watch`'s.",
        output_schema = schema_for_output::<ChangeList>(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn changes(
        &self,
        Parameters(p): Parameters<ChangesParams>,
    ) -> Result<CallToolResult, ErrorData> {
        answer(
            async {
                let request = xtu_app::WatchRequest {
                    sources: xtu_app::parse_sources(p.only.as_deref())?,
                    report_existing: false,
                    consumer: "mcp",
                };
                let events = self.xtu.watch_collect(&request).await?;
                Ok(ChangeList { events })
            }
            .await,
        )
    }

    #[tool(
        description = "The course evaluations (评教) of this term: course, course_code, teacher and \
        state (pending, saved, submitted). The grade page shows no grades until every one is \
        submitted.",
        output_schema = schema_for_output::<EvaluationList>(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn evaluations(&self) -> Result<CallToolResult, ErrorData> {
        answer(
            self.xtu
                .evaluations(None)
                .await
                .map(|evaluations| EvaluationList { evaluations }),
        )
    }

    #[tool(
        description = "Fills every pending course evaluation (评教) from `best` or `answers` and \
        SAVES it (still editable on the site); every answer is checked against its form before \
        anything is sent. `dry_run: true` returns the fields each form would send, sending \
        nothing. `submit: true` also SUBMITS the saved forms: this is IRREVERSIBLE (a submitted \
        evaluation cannot be changed): pass it only when the student explicitly asked to submit.",
        output_schema = schema_for_output::<xtu_app::EvaluationReport>(),
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn fill_evaluations(
        &self,
        Parameters(p): Parameters<FillParams>,
    ) -> Result<CallToolResult, ErrorData> {
        answer(
            async {
                let policy = match (p.best == Some(true), p.answers) {
                    (true, None) => Policy::Best,
                    (false, Some(file)) => Policy::Answers(file),
                    _ => {
                        return Err(Error::Usage(
                            "give exactly one of `best: true` and `answers`".into(),
                        ));
                    }
                };
                let request = FillRequest {
                    policy,
                    comment: p.comment,
                    selection: Selection {
                        course: p.course,
                        teacher: p.teacher,
                    },
                    dry_run: p.dry_run == Some(true),
                    submit: p.submit == Some(true),
                };
                // The explicit `submit: true` is the agent's confirmation.
                let mut confirmed = |_: &[xtu_model::Evaluation]| true;
                self.xtu
                    .fill_evaluations(None, &request, &mut confirmed)
                    .await
            }
            .await,
        )
    }

    #[tool(
        description = "The majors of the student's college with their codes, for the `plan` tool \
        (same as `xtu plan --majors --format json`).",
        output_schema = schema_for_output::<MajorList>(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn majors(&self) -> Result<CallToolResult, ErrorData> {
        answer(
            self.xtu
                .majors(None)
                .await
                .map(|majors| MajorList { majors }),
        )
    }
}

#[tool_handler]
impl ServerHandler for XtuTools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build()).with_server_info(
            Implementation::new("xtu", env!("CARGO_PKG_VERSION"))
                .with_title("Xiangtan University's web systems"),
        )
    }
}

impl XtuTools {
    /// Runs one query on the stored session.
    async fn query<T, Fut>(&self, query: impl Fn(EmsClient) -> Fut) -> Result<T, Error>
    where
        Fut: Future<Output = Result<T, EmsError>>,
    {
        self.xtu.query(None, query).await
    }
}

/// Serves the tools on stdin/stdout until the client disconnects.
pub async fn serve(xtu: Xtu) -> Result<(), Error> {
    let tools = XtuTools { xtu };
    let service = tools
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| Error::Usage(format!("could not start the MCP server: {e}")))?;
    service
        .waiting()
        .await
        .map_err(|e| Error::Usage(format!("the MCP server stopped: {e}")))?;
    Ok(())
}
