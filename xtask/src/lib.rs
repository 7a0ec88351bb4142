//! Project maintenance tasks, as a library so that tests can run them.

pub mod bench;
pub mod dist;
pub mod fixtures;
pub mod macos_stubs;
pub mod transcript_pdf;
pub mod transcript_variants;
mod truetype;

use std::path::PathBuf;

/// The workspace root, found from this crate's manifest rather than the
/// current directory, so tasks work from anywhere in the tree.
pub fn project_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map_or(manifest.clone(), PathBuf::from)
}
