//! Watching the project: changed paths reported in batches, one batch per save.
//!
//! Folders are watched rather than files: editors that save by writing a temporary file and
//! renaming it over the original (Vim, IDE "safe write", `sed -i`) replace the file's inode, and a
//! watch on the file itself would go silent after the first save.
//!
//! A batch is reported as soon as the save it belongs to is complete, not after a fixed quiet
//! time: the first event opens a batch, and it is reported [`SETTLE`] after the last event once
//! every file written in it has been closed (inotify's close-after-write) and every file renamed
//! or deleted away has come back (a temporary file made in the same batch and renamed over the
//! original, as `sed -i` and JetBrains do, is not waited for, nor reported). The events of one save
//! (truncate, write, write, close; or delete, create, write, close; or write a temporary file,
//! rename it over) land within a millisecond, so they make one batch and one rebuild, which reads
//! the file as saved. A file kept open by its writer (a log being appended to), or one that does
//! not come back, is reported after [`QUIET`] without events, and a batch never waits longer than
//! [`LONGEST`] (a file still open then is built as it is, and again when it closes). Where the
//! platform does not report closes (macOS, Windows), a written file waits for [`QUIET`]: the
//! trailing debounce deck had everywhere before. A lapse in the platform's events (inotify's
//! queue overflowed) is reported as a rescan. Editor scratch files are dropped here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind, RenameMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

/// How long after the last event of a complete save its batch waits for more of it.
pub const SETTLE: Duration = Duration::from_millis(8);
/// How long a batch with a file still open for writing, or gone, waits for its next event.
pub const QUIET: Duration = Duration::from_millis(60);
/// The longest a batch waits after its first event.
pub const LONGEST: Duration = Duration::from_millis(400);

pub struct Watch {
    watcher: RecommendedWatcher,
    watched: Vec<PathBuf>,
}

impl Watch {
    /// Report each batch of changes on `tx`.
    pub fn new(tx: Sender<Changes>) -> notify::Result<Watch> {
        let (raw_tx, raw_rx) = channel::<notify::Result<Event>>();
        let watcher = notify::recommended_watcher(raw_tx)?;
        std::thread::Builder::new()
            .name("deck-watch".into())
            .spawn(move || batches(&raw_rx, &tx))
            .map_err(|e| notify::Error::generic(&e.to_string()))?;
        Ok(Watch {
            watcher,
            watched: Vec::new(),
        })
    }

    /// Watch exactly these folders (again: a folder deleted and made anew is watched afresh).
    pub fn set(&mut self, dirs: &[(PathBuf, RecursiveMode)]) {
        for old in std::mem::take(&mut self.watched) {
            let _ = self.watcher.unwatch(&old);
        }
        for (dir, mode) in dirs {
            match self.watcher.watch(dir, *mode) {
                Ok(()) => self.watched.push(dir.clone()),
                Err(e) => eprintln!("warning: cannot watch {}: {e}", dir.display()),
            }
        }
    }
}

/// What one batch reports.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// The changed paths, absolute.
    pub paths: Vec<PathBuf>,
    /// The platform lost events (inotify's queue overflowed): anything may have changed.
    pub rescan: bool,
}

impl Changes {
    pub fn extend(&mut self, more: Changes) {
        self.paths.extend(more.paths);
        self.rescan |= more.rescan;
    }
}

/// Turn the watcher's events into batches until it is dropped.
fn batches(rx: &Receiver<notify::Result<Event>>, tx: &Sender<Changes>) {
    let mut batch = Batch::default();
    loop {
        let next = match batch.due() {
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(due) => rx.recv_timeout(due.saturating_duration_since(Instant::now())),
        };
        match next {
            Ok(Ok(event)) => batch.add(&event, Instant::now()),
            Ok(Err(e)) => eprintln!("warning: watching files: {e}"),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        if batch.due().is_some_and(|due| Instant::now() >= due) {
            let changes = batch.take();
            if (!changes.paths.is_empty() || changes.rescan) && tx.send(changes).is_err() {
                return;
            }
        }
    }
}

/// Every file under `dir` (editor scratch files left out), into `out`.
fn files_under(dir: &Path, out: &mut BTreeSet<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => files_under(&path, out),
            Ok(_) if !is_scratch(&path) => {
                out.insert(path);
            }
            _ => {}
        }
    }
}

/// The events of one save, gathered.
#[derive(Default, Debug)]
pub struct Batch {
    paths: BTreeSet<PathBuf>,
    /// Written and not closed yet, or renamed or deleted away and not back yet.
    unsettled: BTreeSet<PathBuf>,
    /// Made in this batch (created or moved in): a temporary file that a save renames over the
    /// original or deletes is not waited for, and is no change.
    born: BTreeSet<PathBuf>,
    rescan: bool,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl Batch {
    pub fn add(&mut self, event: &Event, now: Instant) {
        let kind = event.kind;
        if matches!(kind, EventKind::Access(a) if a != AccessKind::Close(AccessMode::Write)) {
            return; // reads (deck's own, among them) change nothing
        }
        let mut any = false;
        if event.need_rescan() {
            self.rescan = true;
            any = true;
        }
        for (i, path) in event.paths.iter().enumerate() {
            if is_scratch(path) {
                continue;
            }
            any = true;
            self.paths.insert(path.clone());
            match kind {
                EventKind::Access(_) | EventKind::Modify(ModifyKind::Name(RenameMode::To)) => {
                    self.unsettled.remove(path);
                    self.born.insert(path.clone());
                }
                // Both the old and the new name: the two were reported on their own already,
                // except by backends that only report the pair.
                EventKind::Modify(ModifyKind::Name(RenameMode::Both)) if i == 1 => {
                    self.unsettled.remove(path);
                    self.born.insert(path.clone());
                }
                EventKind::Modify(ModifyKind::Name(RenameMode::From)) | EventKind::Remove(_) => {
                    if self.born.remove(path) {
                        // A temporary file of this save, gone: nothing to wait for or build.
                        self.unsettled.remove(path);
                        self.paths.remove(path);
                    } else {
                        self.unsettled.insert(path.clone());
                    }
                }
                EventKind::Create(CreateKind::Folder) => {
                    self.born.insert(path.clone());
                }
                EventKind::Create(_) => {
                    self.born.insert(path.clone());
                    self.unsettled.insert(path.clone());
                }
                // Written: settled by its close. Backends that report no closes (Windows,
                // kqueue: `Modify(Any)`) leave it to QUIET.
                EventKind::Modify(ModifyKind::Metadata(_) | ModifyKind::Name(_)) => {}
                EventKind::Modify(_) => {
                    self.unsettled.insert(path.clone());
                }
                _ => {}
            }
        }
        if any {
            self.first.get_or_insert(now);
            self.last = Some(now);
        }
    }

    /// When the batch is to be reported; `None` while it is empty.
    pub fn due(&self) -> Option<Instant> {
        let (first, last) = (self.first?, self.last?);
        let wait = if self.unsettled.is_empty() {
            SETTLE
        } else {
            QUIET
        };
        Some((last + wait).min(first + LONGEST))
    }

    /// The changes, and an empty batch for the next save.
    pub fn take(&mut self) -> Changes {
        // A folder made or moved in during the batch: the files in it may have been written
        // before the watch on it was added, so they are reported from the folder itself.
        for dir in self.born.iter().filter(|p| p.is_dir()) {
            files_under(dir, &mut self.paths);
        }
        let changes = Changes {
            paths: std::mem::take(&mut self.paths).into_iter().collect(),
            rescan: self.rescan,
        };
        *self = Batch::default();
        changes
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
        || name.ends_with("___jb_tmp___")
        || name.ends_with("___jb_old___")
        || name.starts_with(".deck-tmp-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{DataChange, RemoveKind};

    fn ev(kind: EventKind, path: &str) -> Event {
        Event::new(kind).add_path(PathBuf::from(path))
    }

    const MODIFY: EventKind = EventKind::Modify(ModifyKind::Data(DataChange::Any));
    const CLOSED: EventKind = EventKind::Access(AccessKind::Close(AccessMode::Write));

    /// The events of one save, in order, then when its batch is due after the last.
    fn due_after(events: &[(EventKind, &str)]) -> Duration {
        let t0 = Instant::now();
        let mut b = Batch::default();
        for (kind, path) in events {
            b.add(&ev(*kind, path), t0);
        }
        b.due().expect("a batch").duration_since(t0)
    }

    #[test]
    fn a_new_folder_reports_the_files_already_in_it() {
        // `mkdir data/run2 && cp ... data/run2/`: the files can be written before the watch on
        // the new folder exists, so only the folder's creation is seen.
        let d = tempfile::tempdir().unwrap();
        let run2 = d.path().join("run2");
        std::fs::create_dir_all(run2.join("deeper")).unwrap();
        std::fs::write(run2.join("runs.csv"), "a\n1\n").unwrap();
        std::fs::write(run2.join("deeper/samples.csv"), "a\n1\n").unwrap();
        std::fs::write(run2.join(".runs.csv.swp"), "").unwrap();
        let mut b = Batch::default();
        b.add(
            &Event::new(EventKind::Create(CreateKind::Folder)).add_path(run2.clone()),
            Instant::now(),
        );
        let paths = b.take().paths;
        assert_eq!(
            paths,
            [
                run2.clone(),
                run2.join("deeper/samples.csv"),
                run2.join("runs.csv")
            ]
        );
    }

    #[test]
    fn a_complete_save_is_due_at_once() {
        // Write in place: truncate, write, close.
        let in_place = [
            (MODIFY, "/p/talk.md"),
            (MODIFY, "/p/talk.md"),
            (CLOSED, "/p/talk.md"),
        ];
        assert_eq!(due_after(&in_place), SETTLE);
        // A temporary file renamed over the deck (the scratch file itself is not a change).
        let rename = [
            (EventKind::Create(CreateKind::File), "/p/.talk.md.swp"),
            (CLOSED, "/p/.talk.md.swp"),
            (
                EventKind::Modify(ModifyKind::Name(RenameMode::From)),
                "/p/.talk.md.swp",
            ),
            (
                EventKind::Modify(ModifyKind::Name(RenameMode::To)),
                "/p/talk.md",
            ),
        ];
        assert_eq!(due_after(&rename), SETTLE);
        // Delete, then create and write.
        let recreate = [
            (EventKind::Remove(RemoveKind::File), "/p/talk.md"),
            (EventKind::Create(CreateKind::File), "/p/talk.md"),
            (MODIFY, "/p/talk.md"),
            (CLOSED, "/p/talk.md"),
        ];
        assert_eq!(due_after(&recreate), SETTLE);
    }

    #[test]
    fn a_temporary_file_renamed_over_the_original_is_no_change_and_not_waited_for() {
        // `sed -i`: a temporary file written, closed, renamed over the deck.
        let t0 = Instant::now();
        let mut b = Batch::default();
        for (kind, path) in [
            (EventKind::Create(CreateKind::File), "/p/sedAb12Cd"),
            (MODIFY, "/p/sedAb12Cd"),
            (CLOSED, "/p/sedAb12Cd"),
            (
                EventKind::Modify(ModifyKind::Name(RenameMode::From)),
                "/p/sedAb12Cd",
            ),
            (
                EventKind::Modify(ModifyKind::Name(RenameMode::To)),
                "/p/talk.md",
            ),
        ] {
            b.add(&ev(kind, path), t0);
        }
        assert_eq!(b.due().unwrap().duration_since(t0), SETTLE);
        assert_eq!(b.take().paths, vec![PathBuf::from("/p/talk.md")]);
        // Windows reports a write as `Modify(Any)` and no close: it waits for QUIET.
        let any = EventKind::Modify(ModifyKind::Any);
        assert_eq!(due_after(&[(any, "/p/talk.md")]), QUIET);
        // Lost events: the batch asks for a rescan.
        let mut b = Batch::default();
        b.add(
            &Event::new(EventKind::Other).set_flag(notify::event::Flag::Rescan),
            t0,
        );
        assert!(b.take().rescan);
    }

    #[test]
    fn a_save_under_way_waits_for_its_end() {
        // Truncated, half written, not closed: the rest of the save is still to come.
        assert_eq!(due_after(&[(MODIFY, "/p/talk.md")]), QUIET);
        // Deleted and not back (yet).
        let gone = [(EventKind::Remove(RemoveKind::File), "/p/talk.md")];
        assert_eq!(due_after(&gone), QUIET);
        // Reads are not changes: a batch of reads is no batch.
        let mut b = Batch::default();
        b.add(
            &ev(
                EventKind::Access(AccessKind::Open(AccessMode::Any)),
                "/p/talk.md",
            ),
            Instant::now(),
        );
        b.add(
            &ev(
                EventKind::Access(AccessKind::Close(AccessMode::Read)),
                "/p/talk.md",
            ),
            Instant::now(),
        );
        assert!(b.due().is_none());
    }

    #[test]
    fn a_file_written_for_ever_is_reported_all_the_same() {
        let t0 = Instant::now();
        let mut b = Batch::default();
        for ms in (0..1000).step_by(20) {
            b.add(
                &ev(MODIFY, "/p/data/runs.csv"),
                t0 + Duration::from_millis(ms),
            );
        }
        assert_eq!(b.due().unwrap(), t0 + LONGEST);
        assert_eq!(b.take().paths, vec![PathBuf::from("/p/data/runs.csv")]);
        assert!(b.due().is_none());
    }

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
            "talk.md___jb_tmp___",
            "talk.md___jb_old___",
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
