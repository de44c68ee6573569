//! Writing output: always to a temporary file in the destination folder, then renamed over the
//! target, so a reader never sees a half-written file and a failed build leaves the last good one.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

pub fn write_atomic(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let mut tmp = temp_beside(path)?;
    tmp.write_all(contents)
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.as_file().sync_all().ok();
    tmp.persist(path)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

/// A temporary file in the folder of `path` (created if needed), to be renamed over it.
fn temp_beside(path: &Path) -> anyhow::Result<tempfile::NamedTempFile> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create folder {}", dir.display()))?;
    let mut builder = tempfile::Builder::new();
    // The writer's process id in the name: a later start knows whether its writer is gone.
    let prefix = format!("{TEMP_PREFIX}{}-", std::process::id());
    builder.prefix(&prefix);
    // Temporary files are private (0600) by default; what we write is a normal file that a web
    // server or a colleague reads: 0666 less the umask, as `File::create` would give.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))
}

/// Temporary files deck writes start with this (then the writer's pid and a dash).
pub const TEMP_PREFIX: &str = ".deck-tmp-";

/// Remove the temporary files a killed deck left in `dir` (and its folders, `depth` levels down):
/// those whose writer process is gone, and unnamed ones (older versions) over an hour old. Files
/// of a deck still running are left alone. Returns how many were removed.
pub fn remove_stale_temps(dir: &Path, depth: usize) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if kind.is_dir() {
            if depth > 0 && !name.starts_with('.') {
                removed += remove_stale_temps(&entry.path(), depth - 1);
            }
            continue;
        }
        let Some(rest) = name.strip_prefix(TEMP_PREFIX) else {
            continue;
        };
        if !kind.is_file() {
            continue;
        }
        let writer = rest
            .split_once('-')
            .and_then(|(pid, _)| pid.parse::<u32>().ok());
        let stale = match writer {
            Some(pid) => !process_alive(pid),
            None => entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > std::time::Duration::from_secs(3600)),
        };
        if stale && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Whether a process with this id runs on this machine.
#[cfg(unix)]
pub fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists (and may be signalled).
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
pub fn process_alive(_: u32) -> bool {
    true
}

/// Copy a file (streamed, through a temporary file and a rename). A destination with the same
/// size that is not older than the source is left alone: data files can be large.
pub fn copy_atomic(from: &Path, to: &Path) -> anyhow::Result<()> {
    let src = std::fs::metadata(from).with_context(|| format!("cannot read {}", from.display()))?;
    if let Ok(dst) = std::fs::metadata(to) {
        let newer = match (dst.modified(), src.modified()) {
            (Ok(d), Ok(s)) => d >= s,
            _ => false,
        };
        if dst.len() == src.len() && newer {
            return Ok(());
        }
    }
    let mut tmp = temp_beside(to)?;
    let mut input =
        std::fs::File::open(from).with_context(|| format!("cannot read {}", from.display()))?;
    std::io::copy(&mut input, tmp.as_file_mut())
        .with_context(|| format!("cannot write {}", to.display()))?;
    tmp.persist(to)
        .with_context(|| format!("cannot replace {}", to.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_whole_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/out.html");
        super::write_atomic(&p, b"one").unwrap();
        super::write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
        assert_eq!(std::fs::read_dir(p.parent().unwrap()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn written_files_are_readable_by_others_as_the_umask_allows() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.html");
        super::write_atomic(&p, b"x").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        // SAFETY: umask only reads and restores the process mask.
        let umask = unsafe {
            let m = libc::umask(0o022);
            libc::umask(m);
            m
        };
        assert_eq!(mode, 0o666 & !(umask as u32), "mode {mode:o}");
    }

    #[test]
    fn copies_and_skips_an_unchanged_destination() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.csv"), dir.path().join("out/a.csv"));
        std::fs::write(&a, "x\n1\n").unwrap();
        super::copy_atomic(&a, &b).unwrap();
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "x\n1\n");
        let before = std::fs::metadata(&b).unwrap().modified().unwrap();
        super::copy_atomic(&a, &b).unwrap();
        assert_eq!(
            std::fs::metadata(&b).unwrap().modified().unwrap(),
            before,
            "not rewritten"
        );
        std::fs::write(&a, "x\n1\n2\n").unwrap();
        super::copy_atomic(&a, &b).unwrap();
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "x\n1\n2\n");
    }
}
