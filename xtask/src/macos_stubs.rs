//! Link stubs for the two macOS frameworks `xtu` links, so zig can link the
//! macOS binaries and wheels on a machine without Apple's SDK (which cannot
//! be had here).
//!
//! The keyring (Keychain) and the certificate verifier (the system trust
//! store) call Security.framework and CoreFoundation.framework. A linker only
//! needs to know which symbols a library exports and its install name; a
//! `.tbd` text stub says exactly that, as Apple's SDK does itself. The
//! symbols are listed in `packaging/macos/<Framework>.symbols`, one per
//! line: the ones our dependencies import (when a dependency update imports
//! a new one, the link names it as undefined; add it there). At run time the
//! binary binds to the real framework at its install name, as any macOS
//! program does.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

const FRAMEWORKS: &[&str] = &["CoreFoundation", "Security"];

/// Writes the stub SDK under `target/` and returns its root, for `SDKROOT`.
pub fn sdk_root(root: &Path) -> anyhow::Result<PathBuf> {
    let sdk = root.join("target/macos-stub-sdk");
    for framework in FRAMEWORKS {
        let list = root.join(format!("packaging/macos/{framework}.symbols"));
        let symbols = std::fs::read_to_string(&list)
            .with_context(|| format!("reading {}", list.display()))?;
        let dir = sdk.join(format!("System/Library/Frameworks/{framework}.framework"));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let stub = dir.join(format!("{framework}.tbd"));
        std::fs::write(&stub, tbd(framework, &symbols))
            .with_context(|| format!("writing {}", stub.display()))?;
    }
    Ok(sdk)
}

/// A text-based stub (TAPI v4) of `framework` exporting `symbols` on both
/// architectures of a universal2 build.
fn tbd(framework: &str, symbols: &str) -> String {
    let mut text = format!(
        "--- !tapi-tbd\ntbd-version: 4\ntargets: [ x86_64-macos, arm64-macos ]\n\
         install-name: '/System/Library/Frameworks/{framework}.framework/Versions/A/{framework}'\n\
         current-version: 1\ncompatibility-version: 1\n\
         exports:\n  - targets: [ x86_64-macos, arm64-macos ]\n    symbols: [ "
    );
    let names: Vec<&str> = symbols
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            text.push_str(",\n                 ");
        }
        let _ = write!(text, "'{name}'");
    }
    text.push_str(" ]\n...\n");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stub_names_the_install_path_and_every_listed_symbol() {
        let text = tbd("Security", "# comment\n_SecItemAdd\n\n_kSecClass\n");
        assert!(text.starts_with("--- !tapi-tbd\ntbd-version: 4\n"));
        assert!(text.contains(
            "install-name: '/System/Library/Frameworks/Security.framework/Versions/A/Security'"
        ));
        assert!(text.contains("'_SecItemAdd',\n                 '_kSecClass' ]"));
        assert!(!text.contains("comment"));
        assert!(text.ends_with("...\n"));
    }
}
