//! Watching the project with notify, debounced.
//!
//! Folders are watched rather than files: editors that save by writing a temporary file and
//! renaming it over the original (Vim, IDE "safe write", `sed -i`) replace the file's inode, and a
//! watch on the file itself would go silent after the first save. The debouncer merges the several
//! events of one save into one batch; editor scratch files are dropped here.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

use notify::{EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};

/// How long the file system must be quiet before a batch is reported.
pub const DEBOUNCE: Duration = Duration::from_millis(60);

pub struct Watch {
    debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    watched: Vec<PathBuf>,
}

impl Watch {
    /// Report each batch of changed paths (absolute) on `tx`.
    pub fn new(tx: Sender<Vec<PathBuf>>) -> notify::Result<Watch> {
        let debouncer =
            new_debouncer(
                DEBOUNCE,
                None,
                move |result: DebounceEventResult| match result {
                    Ok(events) => {
                        let mut paths: Vec<PathBuf> = events
                            .iter()
                            .filter(|e| !matches!(e.kind, EventKind::Access(_)))
                            .flat_map(|e| e.paths.iter().cloned())
                            .filter(|p| !is_scratch(p))
                            .collect();
                        paths.sort();
                        paths.dedup();
                        if !paths.is_empty() {
                            let _ = tx.send(paths);
                        }
                    }
                    Err(errors) => {
                        for e in errors {
                            eprintln!("warning: watching files: {e}");
                        }
                    }
                },
            )?;
        Ok(Watch {
            debouncer,
            watched: Vec::new(),
        })
    }

    /// Watch exactly these folders (again: a folder deleted and made anew is watched afresh).
    pub fn set(&mut self, dirs: &[(PathBuf, RecursiveMode)]) {
        for old in std::mem::take(&mut self.watched) {
            let _ = self.debouncer.unwatch(&old);
        }
        for (dir, mode) in dirs {
            match self.debouncer.watch(dir, *mode) {
                Ok(()) => self.watched.push(dir.clone()),
                Err(e) => eprintln!("warning: cannot watch {}: {e}", dir.display()),
            }
        }
    }
}

/// Editor scratch and backup files, never a deck's input.
pub fn is_scratch(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return true;
    };
    name.ends_with('~')
        || name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
        || [
            ".swp",
            ".swx",
            ".swo",
            ".tmp",
            ".bak",
            ".crdownload",
            ".part",
        ]
        .iter()
        .any(|ext| name.ends_with(ext))
        || name.starts_with(".goutputstream-")
        || name.starts_with(".deck-tmp-")
}

#[cfg(test)]
mod tests {
    use super::is_scratch;
    use std::path::Path;

    #[test]
    fn editor_scratch_files_are_ignored() {
        for name in [
            "talk.md~",
            ".talk.md.swp",
            ".#talk.md",
            "#talk.md#",
            "4913",
            "x.tmp",
            ".goutputstream-ABC123",
        ] {
            assert!(
                is_scratch(Path::new("slides").join(name).as_path()),
                "{name}"
            );
        }
        for name in ["talk.md", "runs.csv", "gaia.css", ".hidden.md"] {
            assert!(
                !is_scratch(Path::new("slides").join(name).as_path()),
                "{name}"
            );
        }
    }
}
