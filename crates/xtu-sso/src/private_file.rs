//! The toolkit's one writer of private files: the session store
//! (`xtu-app`), pages saved after they failed to parse and recorded fixtures
//! (`xtu_ems::scrub`), saved transcripts.
//!
//! It lives here, in the lowest crate both `xtu-ems` and `xtu-app` build on,
//! because what it mostly guards is this crate's output: tokens and cookies.
//! (`xtu-model` stays free of IO; a crate of its own for one function would
//! be one more crate to publish.)

use std::fs;
use std::io::{self, Write as _};
use std::path::Path;

/// Writes `contents` to `path` through a uniquely named temporary file in the
/// same directory and a rename, so that an interrupted run never leaves a
/// half-written file and two writers never share a temporary file; on Unix
/// the file is readable by its owner only (0600) from its creation on. On
/// Windows the replace works while another process has the old file open:
/// Rust's own readers share it for deletion, and a program that does not (a
/// virus scanner, the search indexer) holds it only briefly, so the rename is
/// retried for about two seconds.
pub fn write_private_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tmp-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(fs::Permissions::from_mode(0o600));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(contents)?;
    tmp.as_file().sync_all()?;
    persist(tmp, path)
}

#[cfg(not(windows))]
fn persist(tmp: tempfile::NamedTempFile, path: &Path) -> io::Result<()> {
    tmp.persist(path).map(drop).map_err(|e| e.error)
}

/// Windows will not rename over a file that another process has open, even
/// one that shares it for deletion as every Rust program and most others do
/// (wine has no POSIX-semantics rename either). Renaming the open file
/// itself is allowed, though: the old file is moved aside to a unique name,
/// the new one takes its place, and the old one is deleted (it goes when its
/// last reader closes it). A program that does not share the file for
/// deletion (a virus scanner, the search indexer) holds it only briefly: the
/// whole step is retried for about two seconds.
#[cfg(windows)]
fn persist(tmp: tempfile::NamedTempFile, path: &Path) -> io::Result<()> {
    let tmp = tmp.into_temp_path();
    REPLACE_HELD_FILE.run_blocking(
        |_| replace_open_file(&tmp, path),
        |e| {
            if e.kind() == io::ErrorKind::PermissionDenied {
                retry_policy::Decision::Retry
            } else {
                retry_policy::Decision::Stop
            }
        },
    )?;
    // Renamed away: nothing is left for the guard to remove.
    let _ = tmp.keep();
    Ok(())
}

/// How long a replace waits out a program that holds the file without
/// sharing it: about two seconds, pausing 5, 10, 20 … up to 100 ms.
#[cfg(windows)]
const REPLACE_HELD_FILE: retry_policy::Policy = retry_policy::Policy::within(
    std::time::Duration::from_secs(2),
    std::time::Duration::from_millis(5),
)
.cap(std::time::Duration::from_millis(100));

#[cfg(windows)]
fn replace_open_file(new: &Path, path: &Path) -> io::Result<()> {
    let denied = match fs::rename(new, path) {
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => e,
        done => return done,
    };
    // Named after the unique temporary file, so unique too.
    let unique = new.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let aside = path.with_file_name(format!(".old{}", unique.trim_start_matches(".tmp")));
    if fs::rename(path, &aside).is_err() {
        return Err(denied);
    }
    if let Err(e) = fs::rename(new, path) {
        // Put the old file back: the caller keeps what it had.
        let _ = fs::rename(&aside, path);
        return Err(e);
    }
    let _ = fs::remove_file(&aside);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("session.json");
        write_private_atomically(&path, b"first").expect("first write");
        write_private_atomically(&path, b"second").expect("replace");
        assert_eq!(fs::read(&path).expect("readable"), b"second");
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("listed")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["session.json"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&path).expect("metadata").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
