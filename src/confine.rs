//! What deck may read when it builds a deck: one rule for every file a deck names (images, CSS
//! `url()`s, themes, templates, datasets and their globs, `json()`, `sha256()`).
//!
//! A deck someone else wrote must not publish files from outside its project: a path is resolved
//! (symlinks followed) and read only when its real path is inside the project root (a lone
//! Markdown file's root is its folder) or inside a folder the user allowed (`--allow-outside`,
//! deck.toml's `allow_outside`), when it is a regular file (no device, FIFO or socket, nothing
//! under /proc or /sys), and when it is not larger than the limit for its kind. The file is
//! opened without blocking and checked again on the open handle, so a path swapped for a FIFO
//! between the check and the read cannot hang the build.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Default limits; deck.toml's `[limits]` changes them.
pub const MAX_IMAGE: u64 = 25 * 1024 * 1024;
pub const MAX_DATASET: u64 = 2 * 1024 * 1024 * 1024;
/// Themes, templates and JSON read by templates.
pub const MAX_TEXT: u64 = 16 * 1024 * 1024;

/// Why a file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Missing,
    /// The real path (after symlinks) is outside the project and every allowed folder.
    Outside {
        real: PathBuf,
    },
    /// A symlink that never ends.
    Loop,
    /// A device, FIFO, socket or folder.
    NotAFile {
        what: &'static str,
    },
    /// Files the kernel makes up (/proc, /sys): never read.
    System {
        real: PathBuf,
    },
    TooLarge {
        size: u64,
        limit: u64,
    },
    /// Any other I/O error.
    Io(String),
}

impl Refusal {
    /// Refusals that protect the machine (as opposed to a file that is simply missing).
    pub fn is_confinement(&self) -> bool {
        !matches!(self, Refusal::Missing | Refusal::Io(_))
    }

    /// What to do about it.
    pub fn help(&self) -> String {
        match self {
            Refusal::Missing => "check the path".into(),
            Refusal::Outside { .. } | Refusal::System { .. } | Refusal::Loop => {
                "deck reads only files inside the project: copy the file into it, or allow a folder you trust with --allow-outside PATH (or allow_outside = [\"PATH\"] in deck.toml)".into()
            }
            Refusal::NotAFile { .. } => "name a regular file".into(),
            Refusal::TooLarge { .. } => {
                "make the file smaller, or raise the limit in deck.toml's [limits] (e.g. image = \"50m\", dataset = \"4g\")".into()
            }
            Refusal::Io(_) => "check the file's permissions".into(),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Missing => write!(f, "no such file"),
            Refusal::Outside { real } => {
                write!(f, "it is outside the project ({})", real.display())
            }
            Refusal::Loop => write!(f, "it is a symlink loop"),
            Refusal::NotAFile { what } => write!(f, "it is {what}, not a regular file"),
            Refusal::System { real } => {
                write!(f, "it is a kernel file ({}), never read", real.display())
            }
            Refusal::TooLarge { size, limit } => write!(
                f,
                "it is {} and the limit is {}",
                human(*size),
                human(*limit)
            ),
            Refusal::Io(e) => write!(f, "{e}"),
        }
    }
}

fn human(bytes: u64) -> String {
    crate::results::format::bytes(bytes as f64, 1)
}

/// The folders deck may read from, and how much.
#[derive(Debug, Clone)]
pub struct Sandbox {
    /// Real paths (canonical).
    roots: Vec<PathBuf>,
    pub max_image: u64,
    pub max_dataset: u64,
}

impl Sandbox {
    /// `root`: the project (or a lone Markdown file's folder); `allowed`: more folders the user
    /// trusts. Folders that do not exist are left out.
    pub fn new(root: &Path, allowed: &[PathBuf]) -> Sandbox {
        let root = if root.as_os_str().is_empty() {
            Path::new(".")
        } else {
            root
        };
        let roots = std::iter::once(root)
            .chain(allowed.iter().map(PathBuf::as_path))
            .filter_map(|p| p.canonicalize().ok())
            .collect();
        Sandbox {
            roots,
            max_image: MAX_IMAGE,
            max_dataset: MAX_DATASET,
        }
    }

    /// The real path of `path` if deck may read it (a regular file, inside, not too large).
    pub fn check(&self, path: &Path, limit: u64) -> Result<PathBuf, Refusal> {
        let real = path.canonicalize().map_err(|e| refusal(&e))?;
        let meta = std::fs::metadata(&real).map_err(|e| refusal(&e))?;
        kind_ok(&meta)?;
        if real.starts_with("/proc") || real.starts_with("/sys") {
            return Err(Refusal::System { real });
        }
        if !self.roots.iter().any(|r| real.starts_with(r)) {
            return Err(Refusal::Outside { real });
        }
        if meta.len() > limit {
            return Err(Refusal::TooLarge {
                size: meta.len(),
                limit,
            });
        }
        Ok(real)
    }

    /// Read `path` whole, after [`Sandbox::check`]; never more than `limit` bytes.
    pub fn read(&self, path: &Path, limit: u64) -> Result<Vec<u8>, Refusal> {
        let real = self.check(path, limit)?;
        let file = open_nonblocking(&real).map_err(|e| refusal(&e))?;
        // The handle is what is read: check it again (the path may have changed meanwhile).
        let meta = file.metadata().map_err(|e| refusal(&e))?;
        kind_ok(&meta)?;
        let mut bytes = Vec::with_capacity(meta.len().min(limit) as usize);
        file.take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| refusal(&e))?;
        if bytes.len() as u64 > limit {
            return Err(Refusal::TooLarge {
                size: bytes.len() as u64,
                limit,
            });
        }
        Ok(bytes)
    }

    /// Whether files matching a path or glob pattern could be inside: the deepest folder of it
    /// that exists (before any wildcard) is inside the project or an allowed folder.
    pub fn may_hold(&self, pattern: &Path) -> bool {
        let literal: PathBuf = pattern
            .components()
            .take_while(|c| !c.as_os_str().to_string_lossy().contains(['*', '?', '[']))
            .collect();
        let existing = literal
            .ancestors()
            .map(|a| {
                if a.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    a
                }
            })
            .find_map(|a| a.canonicalize().ok());
        existing.is_some_and(|real| self.roots.iter().any(|r| real.starts_with(r)))
    }

    /// [`Sandbox::read`] as UTF-8 text.
    pub fn read_text(&self, path: &Path, limit: u64) -> Result<String, Refusal> {
        let bytes = self.read(path, limit)?;
        String::from_utf8(bytes).map_err(|_| Refusal::Io("not UTF-8 text".into()))
    }
}

fn kind_ok(meta: &std::fs::Metadata) -> Result<(), Refusal> {
    let t = meta.file_type();
    if t.is_file() {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Err(Refusal::NotAFile { what: "a FIFO" });
        }
        if t.is_socket() {
            return Err(Refusal::NotAFile { what: "a socket" });
        }
        if t.is_block_device() || t.is_char_device() {
            return Err(Refusal::NotAFile { what: "a device" });
        }
    }
    if t.is_dir() {
        return Err(Refusal::NotAFile { what: "a folder" });
    }
    Err(Refusal::NotAFile { what: "not a file" })
}

fn refusal(e: &std::io::Error) -> Refusal {
    match e.kind() {
        std::io::ErrorKind::NotFound => Refusal::Missing,
        _ if e.raw_os_error() == Some(libc::ELOOP) => Refusal::Loop,
        _ => Refusal::Io(e.to_string()),
    }
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// What an image file holds, told by its first bytes (never by its name).
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if starts(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && matches!(&bytes[8..12], b"avif" | b"avis")
    {
        Some("image/avif")
    } else if starts(b"BM") && bytes.len() > 14 {
        Some("image/bmp")
    } else if starts(b"\x00\x00\x01\x00") {
        Some("image/x-icon")
    } else if is_svg(bytes) {
        Some("image/svg+xml")
    } else {
        None
    }
}

/// A font file (for `@font-face` in CSS).
pub fn sniff_font(bytes: &[u8]) -> Option<&'static str> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(b"wOF2") {
        Some("font/woff2")
    } else if starts(b"wOFF") {
        Some("font/woff")
    } else if starts(b"\x00\x01\x00\x00") || starts(b"true") {
        Some("font/ttf")
    } else if starts(b"OTTO") {
        Some("font/otf")
    } else {
        None
    }
}

/// SVG: text whose first element (after an XML declaration, comments and a doctype) is `<svg`.
fn is_svg(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let Ok(text) =
        std::str::from_utf8(head).or_else(|e| std::str::from_utf8(&head[..e.valid_up_to()]))
    else {
        return false;
    };
    let mut rest = text.trim_start_matches('\u{feff}').trim_start();
    loop {
        if let Some(r) = rest.strip_prefix("<?") {
            rest = r.split_once("?>").map_or("", |x| x.1).trim_start();
        } else if let Some(r) = rest.strip_prefix("<!--") {
            rest = r.split_once("-->").map_or("", |x| x.1).trim_start();
        } else if let Some(r) = rest
            .strip_prefix("<!DOCTYPE")
            .or_else(|| rest.strip_prefix("<!doctype"))
        {
            rest = r.split_once('>').map_or("", |x| x.1).trim_start();
        } else {
            break;
        }
    }
    rest.starts_with("<svg")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_outside_symlinks_and_kinds() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("proj");
        std::fs::create_dir_all(root.join("img")).unwrap();
        std::fs::write(root.join("img/a.png"), b"\x89PNG\r\n\x1a\nrest").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "s").unwrap();
        let sb = Sandbox::new(&root, &[]);
        assert!(sb.read(&root.join("img/a.png"), 100).is_ok());
        assert!(matches!(
            sb.read(&root.join("../secret.txt"), 100),
            Err(Refusal::Outside { .. })
        ));
        assert!(matches!(
            sb.read(Path::new("/etc/hostname"), 100),
            Err(Refusal::Outside { .. } | Refusal::Missing)
        ));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link")).unwrap();
            assert!(matches!(
                sb.read(&root.join("link"), 100),
                Err(Refusal::Outside { .. })
            ));
            std::os::unix::fs::symlink(root.join("loop2"), root.join("loop1")).unwrap();
            std::os::unix::fs::symlink(root.join("loop1"), root.join("loop2")).unwrap();
            assert_eq!(sb.read(&root.join("loop1"), 100), Err(Refusal::Loop));
            std::os::unix::fs::symlink("/dev/zero", root.join("zero")).unwrap();
            assert!(matches!(
                sb.read(&root.join("zero"), 100),
                Err(Refusal::NotAFile { .. })
            ));
            let fifo = root.join("fifo");
            let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
            // SAFETY: a valid C string for mkfifo.
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            assert_eq!(
                sb.read(&fifo, 100),
                Err(Refusal::NotAFile { what: "a FIFO" })
            );
            assert!(matches!(
                sb.read(Path::new("/proc/self/environ"), 100),
                Err(Refusal::System { .. })
            ));
        }
        assert!(matches!(
            sb.read(&root.join("img/a.png"), 4),
            Err(Refusal::TooLarge { .. })
        ));
        assert_eq!(sb.read(&root.join("none"), 4), Err(Refusal::Missing));
        // An allowed folder is readable.
        let sb = Sandbox::new(&root, &[dir.path().to_path_buf()]);
        assert!(sb.read(&root.join("../secret.txt"), 100).is_ok());
    }

    #[test]
    fn images_are_known_by_content() {
        assert_eq!(sniff_image(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff_image(b"\xff\xd8\xff\xe0"), Some("image/jpeg"));
        assert_eq!(
            sniff_image(b"<?xml version=\"1.0\"?>\n<!-- x -->\n<svg xmlns=\"\"/>"),
            Some("image/svg+xml")
        );
        assert_eq!(sniff_image(b"root:x:0:0:root:/root:/bin/bash\n"), None);
        assert_eq!(sniff_image(b"<html><svg/></html>"), None);
        assert_eq!(sniff_font(b"wOF2...."), Some("font/woff2"));
    }
}
