//! The commit deck is built from, for `deck --version`: `DECK_VERSION` is `0.1.0 (a1b2c3d4e5f6
//! 2026-11-27)` in a git checkout, or just the version (a crates.io download, a source tarball).
//! A release build can name the commit itself with `DECK_COMMIT` (and `DECK_COMMIT_DATE`).

use std::path::PathBuf;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

fn main() {
    println!("cargo:rerun-if-env-changed=DECK_COMMIT");
    println!("cargo:rerun-if-env-changed=DECK_COMMIT_DATE");
    // A new commit or checkout moves HEAD or the branch it points to.
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        let dir = PathBuf::from(dir);
        let common = git(&["rev-parse", "--git-common-dir"]).map_or(dir.clone(), PathBuf::from);
        let mut watched = vec![dir.join("HEAD"), common.join("packed-refs")];
        if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
            watched.push(common.join(branch));
        }
        // Only files that exist: cargo takes a missing one as changed, and would rebuild deck
        // every time (a fresh clone has no packed-refs until git packs them).
        for file in watched.iter().filter(|f| f.exists()) {
            println!("cargo:rerun-if-changed={}", file.display());
        }
    }
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let commit = env("DECK_COMMIT").or_else(|| git(&["rev-parse", "--short=12", "HEAD"]));
    let date = env("DECK_COMMIT_DATE").or_else(|| git(&["log", "-1", "--format=%cs"]));
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let full = match (commit, date) {
        (Some(c), Some(d)) => format!("{version} ({} {d})", &c[..c.len().min(12)]),
        (Some(c), None) => format!("{version} ({})", &c[..c.len().min(12)]),
        _ => version,
    };
    println!("cargo:rustc-env=DECK_VERSION={full}");
}
