//! Structured audit log: one JSON line per request, never a token, ids only as a count.

use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::config::AuditTarget;

/// One audit line.
#[derive(Debug, Serialize)]
pub struct AuditRecord {
    /// When the request finished (UTC).
    pub time: chrono::DateTime<chrono::Utc>,
    /// Authenticated caller name, if authentication succeeded.
    pub caller: Option<String>,
    /// HTTP method.
    pub method: String,
    /// Route template such as `/doc/api/status/by-gid/{gid}`; never the concrete path.
    pub route: String,
    /// Response status.
    pub status: u16,
    /// How many distinct ids were looked up.
    pub ids: usize,
    /// Time spent in the server, milliseconds.
    pub latency_ms: f64,
    /// Resolved client address (after trusted-proxy handling).
    pub source_ip: Option<IpAddr>,
    /// Internal cause of a 500 (operators only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Where audit lines go.
#[derive(Clone)]
pub struct AuditSink {
    out: Option<Arc<Mutex<Output>>>,
}

struct Output {
    writer: Box<dyn Write + Send>,
    /// The file the writer appends to, for [`AuditSink::reopen`].
    path: Option<PathBuf>,
}

fn open_append(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
}

impl std::fmt::Debug for AuditSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditSink")
            .field("enabled", &self.out.is_some())
            .finish()
    }
}

/// An in-memory buffer that an [`AuditSink`] can write to (tests, embedding).
#[derive(Clone, Default, Debug)]
pub struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl SharedBuffer {
    /// Everything written so far, as text.
    pub fn contents(&self) -> String {
        let guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        String::from_utf8_lossy(&guard).into_owned()
    }

    /// The bytes written so far, leaving the buffer empty.
    pub fn take_bytes(&self) -> Vec<u8> {
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut *guard)
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl AuditSink {
    /// Drops all records.
    pub fn off() -> AuditSink {
        AuditSink { out: None }
    }

    /// Writes to any writer.
    pub fn writer(w: impl Write + Send + 'static) -> AuditSink {
        AuditSink::output(Box::new(w), None)
    }

    fn output(writer: Box<dyn Write + Send>, path: Option<PathBuf>) -> AuditSink {
        AuditSink {
            out: Some(Arc::new(Mutex::new(Output { writer, path }))),
        }
    }

    /// Writes into a [`SharedBuffer`] and returns it.
    pub fn memory() -> (AuditSink, SharedBuffer) {
        let buf = SharedBuffer::default();
        (AuditSink::writer(buf.clone()), buf)
    }

    /// Opens the configured target (files are appended to).
    pub fn open(target: &AuditTarget) -> std::io::Result<AuditSink> {
        Ok(match target {
            AuditTarget::Off => AuditSink::off(),
            AuditTarget::Stderr => AuditSink::writer(std::io::stderr()),
            AuditTarget::File(path) => {
                AuditSink::output(Box::new(open_append(path)?), Some(path.clone()))
            }
        })
    }

    /// Opens the log file by its path again (after logrotate moved it away) and writes
    /// there from now on; a no-op for other targets. Returns the path reopened.
    ///
    /// The swap happens under the lock every line is written under: a line is wholly
    /// in the old file or wholly in the new one, and once this returns no line goes to
    /// the old file. On error the old file stays in use.
    pub fn reopen(&self) -> std::io::Result<Option<PathBuf>> {
        let Some(out) = &self.out else {
            return Ok(None);
        };
        let Some(path) = out.lock().unwrap_or_else(|p| p.into_inner()).path.clone() else {
            return Ok(None);
        };
        // Opened before taking the lock, so requests never wait on the file system.
        let file = open_append(&path)?;
        let mut guard = out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = guard.writer.flush();
        guard.writer = Box::new(file);
        Ok(Some(path))
    }

    /// Whether records are written at all.
    pub fn is_enabled(&self) -> bool {
        self.out.is_some()
    }

    /// Writes one line; a failing log never fails the request.
    pub fn write(&self, record: &AuditRecord) {
        let Some(out) = &self.out else { return };
        let Ok(mut line) = serde_json::to_vec(record) else {
            return;
        };
        line.push(b'\n');
        let mut w = out.lock().unwrap_or_else(|p| p.into_inner());
        // One write call per line keeps lines whole when several processes append.
        let _ = w.writer.write_all(&line);
    }
}
