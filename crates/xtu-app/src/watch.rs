//! Watching grades, exams and notices: one check compares what the site
//! shows with what this account's watcher saw last time and yields one event
//! per change.
//!
//! Safe against the real site by construction: a check is one request per
//! source on the stored session (no CAS request while it lives; an expired
//! session is re-entered once by [`Xtu::query`], which never sends a password
//! the lockout guard would not). What was seen is kept per account and per
//! consumer (`watch` for `xtu watch`, `mcp` for the MCP server's `changes`)
//! in the state directory, written atomically; an event is recorded only
//! after the caller delivered it ([`WatchCheck::record`]), so a crash
//! between the two delivers it again (at-least-once) under the same
//! [`Event::id`], which lets a receiver drop the duplicate.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use url::Url;
use xtu_model::{Exam, Grade, Notice};

use crate::deliver::Delivery;
use crate::error::Error;
use crate::session::Xtu;
use crate::store::Store;

/// What a watcher looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// Every term's grades (成绩).
    Grades,
    /// Every term's exams (考试信息): a new exam, a changed time or room.
    Exams,
    /// The recent notices of the home page (消息).
    Notices,
}

impl Source {
    /// Every source, in the order checked.
    pub const ALL: [Source; 3] = [Source::Grades, Source::Exams, Source::Notices];

    /// The name on the command line and in the state file.
    pub fn name(self) -> &'static str {
        match self {
            Self::Grades => "grades",
            Self::Exams => "exams",
            Self::Notices => "notices",
        }
    }

    /// The `kind` of its events.
    pub fn kind(self) -> &'static str {
        match self {
            Self::Grades => "grade",
            Self::Exams => "exam",
            Self::Notices => "notice",
        }
    }

    /// Whether an item gone from the page is reported: not for notices,
    /// of which only the recent ones are asked for (an old one leaving the
    /// page is not news).
    fn reports_removals(self) -> bool {
        !matches!(self, Self::Notices)
    }
}

impl FromStr for Source {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|source| source.name() == text.trim())
            .ok_or_else(|| {
                Error::Usage(format!(
                    "unknown source {text:?}: expected grades, exams or notices"
                ))
            })
    }
}

/// Sources from `grades,exams`; every source when `None`.
pub fn parse_sources(text: Option<&str>) -> Result<Vec<Source>, Error> {
    let Some(text) = text else {
        return Ok(Source::ALL.to_vec());
    };
    let mut sources = text
        .split(',')
        .map(Source::from_str)
        .collect::<Result<Vec<_>, _>>()?;
    sources.sort_unstable();
    sources.dedup();
    Ok(sources)
}

/// One change, as printed (one JSON line) and delivered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Event {
    /// `grade`, `exam` or `notice`.
    pub kind: String,
    /// `new`, `changed` or `removed`.
    pub change: String,
    /// The item now (for `removed`, as it was last seen).
    pub item: Value,
    /// The item before a `changed`; `null` otherwise.
    pub before: Option<Value>,
    /// Stable for the same change of the same item (a hash of kind, the
    /// item's key, change and content): a receiver drops what it has seen.
    pub id: String,
    /// The item's key within its kind (term/course code for a grade).
    #[serde(skip)]
    pub(crate) key: String,
}

impl Event {
    /// One line for a person: what changed, in a few words.
    pub fn summary(&self) -> String {
        let text = |name: &str| {
            self.item
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let detail = match self.kind.as_str() {
            "grade" if text("term").is_empty() => format!("{} {}", text("course"), text("score")),
            "grade" => format!("{} {} ({})", text("course"), text("score"), text("term")),
            "exam" => format!(
                "{} {} {}",
                text("course"),
                text("time_text"),
                text("location")
            ),
            _ => text("title"),
        };
        format!("{} {}: {}", self.kind, self.change, detail.trim())
    }
}

/// A difference between two lists of items keyed alike.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Difference<'a, T> {
    /// In the new list only.
    New(&'a T),
    /// In both, not equal.
    Changed {
        /// The item now.
        now: &'a T,
        /// The item before.
        before: &'a T,
    },
    /// In the old list only.
    Removed(&'a T),
}

/// The one differ of the toolkit (`grades --watch-diff` and the watcher):
/// new and changed items in `now`'s order, then removed ones in `before`'s.
pub fn differences<'a, K: Eq + Hash, T: PartialEq>(
    before: impl IntoIterator<Item = (K, &'a T)>,
    now: impl IntoIterator<Item = (K, &'a T)>,
) -> Vec<Difference<'a, T>> {
    let mut previous: Vec<Option<(K, &'a T)>> = before.into_iter().map(Some).collect();
    let index: HashMap<&K, usize> = previous
        .iter()
        .enumerate()
        .filter_map(|(i, entry)| entry.as_ref().map(|(key, _)| (key, i)))
        .collect();
    let mut matched = vec![false; previous.len()];
    let mut out = Vec::new();
    for (key, item) in now {
        match index.get(&key) {
            None => out.push(Difference::New(item)),
            Some(&i) => {
                matched[i] = true;
                if let Some((_, old)) = &previous[i]
                    && *old != item
                {
                    out.push(Difference::Changed {
                        now: item,
                        before: old,
                    });
                }
            }
        }
    }
    drop(index);
    for (i, entry) in previous.iter_mut().enumerate() {
        if !matched[i]
            && let Some((_, old)) = entry.take()
        {
            out.push(Difference::Removed(old));
        }
    }
    out
}

/// The course code, else the name (a page without codes).
fn code_or_name<'a>(code: &'a str, name: &'a str) -> &'a str {
    if code.is_empty() { name } else { code }
}

/// A grade's key: term and course code (the name where a page has no code).
/// A retake in another term is another grade.
pub fn grade_key(grade: &Grade) -> String {
    format!(
        "{}/{}",
        grade.term,
        code_or_name(&grade.course_code, &grade.course)
    )
}

/// An exam's key: course and exam session (期末考试, 补考...).
fn exam_key(exam: &Exam) -> String {
    format!(
        "{}/{}",
        code_or_name(&exam.course_code, &exam.course),
        exam.exam_name
    )
}

fn notice_key(notice: &Notice) -> String {
    match &notice.id {
        Some(id) => id.clone(),
        None => format!("{}/{}", notice.time, notice.title),
    }
}

/// What one consumer has seen, per source: item key → item. A source
/// absent here has never been checked (its first check records silently).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct SeenState {
    #[serde(default)]
    sources: BTreeMap<String, BTreeMap<String, Value>>,
}

/// What to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchRequest {
    /// The sources, each one request on a live session.
    pub sources: Vec<Source>,
    /// Report what is there on a source's first check instead of only
    /// recording it.
    pub report_existing: bool,
    /// Whose record of what was seen: `watch` (the command, the SDK) or
    /// `mcp` (the MCP server's `changes`), so that one does not consume
    /// the other's events.
    pub consumer: &'static str,
}

impl Default for WatchRequest {
    fn default() -> Self {
        Self {
            sources: Source::ALL.to_vec(),
            report_existing: false,
            consumer: "watch",
        }
    }
}

/// One check's events, not yet recorded as seen.
#[derive(Debug)]
pub struct WatchCheck {
    /// The changes, by source.
    pub events: Vec<Event>,
    /// Whether the grade page was closed (it listed nothing while the
    /// transcript lists grades: the course evaluation gate, docs/protocol.md
    /// §13), so grades came from the transcript.
    pub gated: bool,
    state: SeenState,
    store: Store,
    username: String,
    consumer: &'static str,
}

impl WatchCheck {
    /// Records `event` as seen (the state file replaced atomically): call it
    /// only after the event was delivered.
    pub fn record(&mut self, event: &Event) -> Result<(), Error> {
        let Some(source) = Source::ALL.into_iter().find(|s| s.kind() == event.kind) else {
            return Err(Error::Usage(format!("unknown event kind {:?}", event.kind)));
        };
        let seen = self
            .state
            .sources
            .entry(source.name().to_owned())
            .or_default();
        if event.change == "removed" {
            seen.remove(&event.key);
        } else {
            seen.insert(event.key.clone(), event.item.clone());
        }
        self.save()
    }

    fn save(&self) -> Result<(), Error> {
        self.store
            .save_watch_state(&self.username, self.consumer, &self.state)
    }
}

fn event_id(kind: &str, key: &str, change: &str, item: &Value) -> String {
    let mut hash = Sha256::new();
    for part in [kind, key, change, &item.to_string()] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.finalize()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn keyed_pairs(list: &[(String, Value)]) -> Vec<(&str, &(String, Value))> {
    list.iter().map(|pair| (pair.0.as_str(), pair)).collect()
}

/// The events of one source: `now` (key, item) against what was seen.
fn source_events(
    source: Source,
    seen: &BTreeMap<String, Value>,
    now: &[(String, Value)],
) -> Vec<Event> {
    let seen: Vec<(String, Value)> = seen.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    // Keyed pairs compare as their items do: within a key, only the item differs.
    differences(keyed_pairs(&seen), keyed_pairs(now))
        .into_iter()
        .filter_map(|difference| {
            let (change, (key, item), before) = match difference {
                Difference::New(pair) => ("new", pair, None),
                Difference::Changed { now, before } => ("changed", now, Some(before.1.clone())),
                // A grade known from the transcript stays until the page
                // shows it (a page may hide single courses until they are
                // evaluated).
                Difference::Removed(pair)
                    if source.reports_removals() && !pair.0.starts_with(TRANSCRIPT_KEY) =>
                {
                    ("removed", pair, None)
                }
                Difference::Removed(_) => return None,
            };
            Some(Event {
                kind: source.kind().to_owned(),
                change: change.to_owned(),
                id: event_id(source.kind(), key, change, item),
                item: item.clone(),
                before,
                key: key.clone(),
            })
        })
        .collect()
}

/// Where a transcript row's grade is kept until the grade page shows it.
const TRANSCRIPT_KEY: &str = "transcript/";

/// The grades while the grade page is closed: every grade seen on the page
/// (kept as it was: a closed page says nothing about them), and a grade per
/// transcript row whose course was not seen on the page. The transcript has
/// no course codes and numbers its terms, so such a grade is keyed by the
/// term's ordinal and the course name, until the page shows it again
/// ([`adopt_transcript_grades`]).
fn gated_grades(
    seen: &BTreeMap<String, Value>,
    transcript: &xtu_model::Transcript,
) -> Result<Vec<(String, Value)>, Error> {
    let seen_on_page: std::collections::HashSet<&str> = seen
        .iter()
        .filter(|(key, _)| !key.starts_with(TRANSCRIPT_KEY))
        .filter_map(|(_, item)| item.get("course").and_then(Value::as_str))
        .collect();
    let mut now: Vec<(String, Value)> = seen
        .iter()
        .filter(|(key, _)| !key.starts_with(TRANSCRIPT_KEY))
        .map(|(key, item)| (key.clone(), item.clone()))
        .collect();
    for row in transcript
        .courses
        .iter()
        .filter(|row| !seen_on_page.contains(row.name.as_str()))
    {
        let grade = Grade {
            course: row.name.clone(),
            course_code: String::new(),
            term: String::new(),
            score: row.score.clone().unwrap_or_default(),
            grade_point: None,
            credits: row.credit.as_deref().and_then(|c| c.trim().parse().ok()),
            course_type: row.course_type.clone().unwrap_or_default(),
            teacher: String::new(),
        };
        let key = format!("{TRANSCRIPT_KEY}{}/{}", row.term, row.name);
        push_keyed(&mut now, key, encode(&grade)?);
    }
    Ok(now)
}

/// The grade page is open again: a grade first seen in the transcript is
/// the page's grade of the same course, kept under the page's key without
/// an event (it was reported already). Whether anything was adopted.
fn adopt_transcript_grades(seen: &mut BTreeMap<String, Value>, now: &[(String, Value)]) -> bool {
    let from_transcript: Vec<(String, String)> = seen
        .iter()
        .filter(|(key, _)| key.starts_with(TRANSCRIPT_KEY))
        .filter_map(|(key, item)| Some((key.clone(), item.get("course")?.as_str()?.to_owned())))
        .collect();
    let mut adopted = false;
    for (key, course) in from_transcript {
        if let Some((page_key, item)) = now
            .iter()
            .find(|(_, item)| item.get("course").and_then(Value::as_str) == Some(&course))
        {
            seen.remove(&key);
            seen.entry(page_key.clone()).or_insert_with(|| item.clone());
            adopted = true;
        }
    }
    adopted
}

fn encode(item: &impl Serialize) -> Result<Value, Error> {
    serde_json::to_value(item).map_err(|e| Error::Usage(format!("could not encode an item: {e}")))
}

/// Adds an item; two rows under one key (a page listing a course twice)
/// are one item, the last one.
fn push_keyed(list: &mut Vec<(String, Value)>, key: String, value: Value) {
    match list.iter_mut().find(|(k, _)| *k == key) {
        Some(entry) => entry.1 = value,
        None => list.push((key, value)),
    }
}

fn keyed<T: Serialize>(
    items: &[T],
    key: impl Fn(&T) -> String,
) -> Result<Vec<(String, Value)>, Error> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        push_keyed(&mut out, key(item), encode(item)?);
    }
    Ok(out)
}

impl Xtu {
    /// The home page's notices, newest first: the recent ones (one
    /// request), or every notice when `all`.
    pub async fn notices(&self, all: bool, token: Option<&str>) -> Result<Vec<Notice>, Error> {
        self.query(token, |ems| async move { ems.notices(all).await })
            .await
    }

    /// Checks the sources once (one request each on a live session) and
    /// compares them with what `request.consumer` saw. Sources checked for
    /// the first time are recorded at once and report nothing, unless
    /// `request.report_existing`.
    pub async fn watch_check(&self, request: &WatchRequest) -> Result<WatchCheck, Error> {
        let store = self.store()?;
        let username = self.account(&store)?;
        let state: SeenState = store
            .load_watch_state(&username, request.consumer)?
            .unwrap_or_default();
        let mut check = WatchCheck {
            events: Vec::new(),
            gated: false,
            state,
            store,
            username,
            consumer: request.consumer,
        };
        // Whether the state changed without an event (a source's first
        // check, grades seen in the transcript found on the page again).
        let mut dirty = false;
        for &source in &request.sources {
            let now = match source {
                Source::Grades => {
                    let grades = self
                        .query(None, |ems| async move { ems.grades(None).await })
                        .await?;
                    let seen = check.state.sources.entry(source.name().to_owned());
                    if grades.is_empty() {
                        // No grade at all on the page: either none yet, or
                        // the page closed until the course evaluation is
                        // done (docs/protocol.md §13). The transcript tells:
                        // it lists grades the closed page does not.
                        let transcript = self
                            .query(None, |ems| async move { ems.transcript().await })
                            .await?;
                        if !transcript.courses.is_empty() {
                            tracing::info!(
                                "the grade page lists no grades but the transcript does: the page \
                                 waits for the course evaluation (评教); grades come from the transcript"
                            );
                            check.gated = true;
                        }
                        match seen {
                            Entry::Occupied(seen) => gated_grades(seen.get(), &transcript)?,
                            Entry::Vacant(_) => gated_grades(&BTreeMap::new(), &transcript)?,
                        }
                    } else {
                        let now = keyed(&grades, grade_key)?;
                        if let Entry::Occupied(mut seen) = seen {
                            dirty |= adopt_transcript_grades(seen.get_mut(), &now);
                        }
                        now
                    }
                }
                Source::Exams => {
                    let exams = self
                        .query(None, |ems| async move { ems.exams(None).await })
                        .await?;
                    keyed(&exams, exam_key)?
                }
                Source::Notices => {
                    let notices = self.notices(false, None).await?;
                    keyed(&notices, notice_key)?
                }
            };
            let seen = check.state.sources.get(source.name());
            match seen {
                None if !request.report_existing => {
                    check
                        .state
                        .sources
                        .insert(source.name().to_owned(), now.into_iter().collect());
                    dirty = true;
                }
                _ => {
                    let empty = BTreeMap::new();
                    check
                        .events
                        .extend(source_events(source, seen.unwrap_or(&empty), &now));
                    // A first check that reports what is there marks the
                    // source as checked: what it fails to deliver is
                    // reported again by the next check, with or without
                    // --report-existing.
                    if let Entry::Vacant(entry) =
                        check.state.sources.entry(source.name().to_owned())
                    {
                        entry.insert(BTreeMap::new());
                        dirty = true;
                    }
                }
            }
        }
        if dirty {
            check.save()?;
        }
        Ok(check)
    }
}

/// The shortest interval between checks against the real site.
pub const MIN_INTERVAL: Duration = Duration::from_secs(5 * 60);
/// The longest wait after failed checks.
pub const MAX_BACKOFF: Duration = Duration::from_secs(6 * 60 * 60);
/// Lowers [`MIN_INTERVAL`] (whole seconds) for tests against the fake: it is
/// honoured only when the academic system's base URL is a loopback address,
/// so it can never make the watcher poll XTU faster.
pub const MIN_INTERVAL_ENV: &str = "XTU_WATCH_MIN_INTERVAL";

/// What one check and its delivery came to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WatchReport {
    /// Events delivered and recorded.
    pub delivered: usize,
    /// Events that a channel failed to take: not recorded, so the next
    /// check delivers them again.
    pub undelivered: usize,
}

/// The interval `every` asked for, raised to the floor: [`MIN_INTERVAL`],
/// or [`MIN_INTERVAL_ENV`] for an academic system on loopback.
pub fn checked_interval(every: Duration, ems_base_url: &str) -> Duration {
    every.max(minimum_interval(ems_base_url))
}

fn minimum_interval(ems_base_url: &str) -> Duration {
    let loopback = Url::parse(ems_base_url)
        .ok()
        .and_then(|url| match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(ip.is_loopback()),
            Some(url::Host::Ipv6(ip)) => Some(ip.is_loopback()),
            Some(url::Host::Domain(name)) => Some(name == "localhost"),
            None => None,
        })
        .unwrap_or(false);
    let lowered = std::env::var(MIN_INTERVAL_ENV)
        .ok()
        .and_then(|text| text.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    match lowered {
        Some(floor) if loopback => floor,
        _ => MIN_INTERVAL,
    }
}

/// The wait after `failures` failed checks in a row: `every` doubled per
/// failure, up to [`MAX_BACKOFF`] (or `every`, when that is longer).
pub fn backoff(every: Duration, failures: u32) -> Duration {
    let factor = 2u32.saturating_pow(failures.min(16));
    every
        .checked_mul(factor)
        .unwrap_or(MAX_BACKOFF)
        .min(MAX_BACKOFF.max(every))
}

/// Whether a failed check is worth trying again later without the user:
/// the network, the site's errors and its pages are; an expired session
/// with no way back, refused credentials or bad input are not (trying them
/// in a loop would only risk the account).
pub fn is_retryable(error: &Error) -> bool {
    // A failed login (even one whose answer was lost) is never repeated by
    // the loop: the lockout guard's business, not a schedule's.
    !matches!(error, Error::Login(_))
        && matches!(
            error.exit_code(),
            crate::ExitCode::Network
                | crate::ExitCode::ServerError
                | crate::ExitCode::UnexpectedPage
        )
}

impl Xtu {
    /// One check: each event goes to `emit` (standard output for the
    /// command), then to `delivery`'s channels, and is recorded as seen only
    /// when all of them took it.
    pub async fn watch_once(
        &self,
        request: &WatchRequest,
        delivery: &Delivery,
        emit: &mut (dyn FnMut(&Event) -> Result<(), Error> + Send),
    ) -> Result<WatchReport, Error> {
        let mut check = self.watch_check(request).await?;
        let mut report = WatchReport::default();
        for event in std::mem::take(&mut check.events) {
            emit(&event)?;
            let failures = delivery.deliver(&event).await;
            if failures.is_empty() {
                check.record(&event)?;
                report.delivered += 1;
            } else {
                for failure in failures {
                    tracing::warn!(
                        "{failure}: event {} not delivered; it is delivered again at the next check",
                        event.id
                    );
                }
                report.undelivered += 1;
            }
        }
        Ok(report)
    }

    /// One check whose events are handed back to the caller (an agent's
    /// tool, the SDK): returned is delivered, so each is recorded as seen
    /// once collected.
    pub async fn watch_collect(&self, request: &WatchRequest) -> Result<Vec<Event>, Error> {
        let mut events = Vec::new();
        let mut collect = |event: &Event| {
            events.push(event.clone());
            Ok(())
        };
        self.watch_once(request, &Delivery::default(), &mut collect)
            .await?;
        Ok(events)
    }

    /// Checks every `every` (see [`checked_interval`]), with jitter, until
    /// Ctrl-C; after a failure waits [`backoff`]. Stops with the error when
    /// one is not [`is_retryable`].
    pub async fn watch_every(
        &self,
        request: &WatchRequest,
        delivery: &Delivery,
        every: Duration,
        emit: &mut (dyn FnMut(&Event) -> Result<(), Error> + Send),
    ) -> Result<(), Error> {
        let every = checked_interval(every, &self.config().ems_base_url);
        let mut failures = 0u32;
        loop {
            let wait = match self.watch_once(request, delivery, emit).await {
                Ok(_) => {
                    failures = 0;
                    every
                }
                Err(error) if is_retryable(&error) => {
                    failures = failures.saturating_add(1);
                    let wait = backoff(every, failures);
                    tracing::warn!("check failed ({error}); next check in {} s", wait.as_secs());
                    wait
                }
                Err(error) => return Err(error),
            };
            tokio::select! {
                () = tokio::time::sleep(retry_policy::jittered(wait)) => {}
                _ = tokio::signal::ctrl_c() => return Ok(()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_keep_orders_and_report_removals_last() {
        let before = [("a", &1), ("b", &2), ("c", &3)];
        let now = [("d", &4), ("b", &5), ("a", &1)];
        let out = differences(before, now);
        assert_eq!(
            out,
            [
                Difference::New(&4),
                Difference::Changed {
                    now: &5,
                    before: &2
                },
                Difference::Removed(&3)
            ]
        );
    }

    #[test]
    fn events_have_stable_ids_and_notices_are_never_removed() {
        let seen: BTreeMap<String, Value> = [
            ("k1".to_owned(), serde_json::json!({"title": "old"})),
            ("k2".to_owned(), serde_json::json!({"title": "gone"})),
        ]
        .into();
        let now = vec![
            ("k1".to_owned(), serde_json::json!({"title": "old, edited"})),
            ("k3".to_owned(), serde_json::json!({"title": "new"})),
        ];
        let notices = source_events(Source::Notices, &seen, &now);
        let changes: Vec<(&str, &str)> = notices
            .iter()
            .map(|e| (e.change.as_str(), e.key.as_str()))
            .collect();
        assert_eq!(changes, [("changed", "k1"), ("new", "k3")]);
        assert_eq!(notices[0].before, Some(serde_json::json!({"title": "old"})));
        let again = source_events(Source::Notices, &seen, &now);
        assert_eq!(notices[1].id, again[1].id);
        assert_ne!(notices[0].id, notices[1].id);
        let exams = source_events(Source::Exams, &seen, &now);
        assert_eq!(exams.last().map(|e| e.change.as_str()), Some("removed"));
        assert_eq!(exams.last().map(|e| e.key.as_str()), Some("k2"));
    }

    #[test]
    fn the_floor_holds_for_the_real_site_and_backoff_doubles_to_a_cap() {
        let minute = Duration::from_secs(60);
        assert_eq!(
            checked_interval(minute, "https://jw.xtu.edu.cn"),
            MIN_INTERVAL
        );
        assert_eq!(
            checked_interval(10 * minute, "https://jw.xtu.edu.cn"),
            10 * minute
        );
        assert_eq!(backoff(10 * minute, 1), 20 * minute);
        assert_eq!(backoff(10 * minute, 2), 40 * minute);
        assert_eq!(backoff(10 * minute, 30), MAX_BACKOFF);
        assert_eq!(backoff(24 * 60 * minute, 3), 24 * 60 * minute);
    }

    #[test]
    fn grades_seen_in_the_transcript_are_adopted_by_the_open_page_silently() {
        let mut seen: BTreeMap<String, Value> = [
            (
                "transcript/3/高等数学".to_owned(),
                serde_json::json!({"course": "高等数学", "score": "92"}),
            ),
            (
                "transcript/3/大学英语".to_owned(),
                serde_json::json!({"course": "大学英语", "score": "80"}),
            ),
        ]
        .into();
        let now = vec![(
            "2024-2025-1/0711001".to_owned(),
            serde_json::json!({"course": "高等数学", "score": "92", "term": "2024-2025-1"}),
        )];
        assert!(adopt_transcript_grades(&mut seen, &now));
        let keys: Vec<&str> = seen.keys().map(String::as_str).collect();
        assert_eq!(keys, ["2024-2025-1/0711001", "transcript/3/大学英语"]);
        // The page's grade is no news; the other transcript grade is kept
        // (not removed) until the page shows it.
        let events = source_events(Source::Grades, &seen, &now);
        assert!(events.is_empty(), "{events:?}");
        assert!(!adopt_transcript_grades(&mut seen, &now));
    }

    #[test]
    fn sources_from_the_command_line() {
        assert_eq!(
            parse_sources(Some("notices,grades,grades")).ok(),
            Some(vec![Source::Grades, Source::Notices])
        );
        assert_eq!(parse_sources(None).ok(), Some(Source::ALL.to_vec()));
        assert!(parse_sources(Some("grades,marks")).is_err());
    }
}
