//! Local files a deck refers to (images), inlined as data: URLs so the output is one file that
//! works offline from `file://`. Remote URLs stay links and are reported.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::Engine;

use crate::markdown::{AssetResolver, Resolved};
use crate::remote::RemoteImages;

/// Resolves image URLs relative to the Markdown file's folder.
pub struct FileAssets {
    base: PathBuf,
    cache: HashMap<String, Resolved>,
    /// With `--embed-remote`: remote images downloaded (once) and inlined too.
    remote: Option<RemoteImages>,
    /// Every local file read, for the watcher and provenance.
    pub files: Vec<PathBuf>,
}

impl FileAssets {
    pub fn new(base: &Path) -> Self {
        FileAssets {
            base: base.to_path_buf(),
            cache: HashMap::new(),
            remote: None,
            files: Vec::new(),
        }
    }

    /// Download remote images into `cache_dir` (once) and inline them.
    pub fn embed_remote(mut self, cache_dir: &Path) -> Self {
        self.remote = Some(RemoteImages::new(cache_dir));
        self
    }

    fn load(&mut self, url: &str) -> Resolved {
        let keep = |warning: Option<(String, String)>| Resolved {
            url: url.to_string(),
            warning,
        };
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("data:") || url.starts_with('#') || url.is_empty() {
            return keep(None);
        }
        if (lower.starts_with("http://") || lower.starts_with("https://"))
            && let Some(remote) = &mut self.remote
        {
            return match remote.get(url) {
                Ok((mime, bytes)) => Resolved {
                    url: format!(
                        "data:{mime};base64,{}",
                        base64::engine::general_purpose::STANDARD.encode(bytes)
                    ),
                    warning: None,
                },
                Err(why) => keep(Some((
                    format!("remote image {url} could not be embedded ({why}); it stays a link"),
                    "check the address, or save the image beside the deck and link the local file"
                        .into(),
                ))),
            };
        }
        if lower.starts_with("http://") || lower.starts_with("https://") || url.starts_with("//") {
            return keep(Some((
                format!("remote image {url} stays a link: the deck needs the network to show it"),
                "build with --embed-remote to download and inline it, or save the image beside the deck and link the local file".into(),
            )));
        }
        if let Some((scheme, _)) = url.split_once(':')
            && scheme.len() > 1
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+')
        {
            return keep(None);
        }
        let clean = url.split(['?', '#']).next().unwrap_or(url);
        let decoded = percent_decode(clean);
        let path = self.base.join(&decoded);
        match std::fs::read(&path) {
            Ok(bytes) => {
                self.files.push(path.clone());
                let mime = mime_for(&path);
                let data = base64::engine::general_purpose::STANDARD.encode(bytes);
                Resolved {
                    url: format!("data:{mime};base64,{data}"),
                    warning: None,
                }
            }
            Err(e) => keep(Some((
                format!("image not found: {url} ({})", io_reason(&e)),
                format!(
                    "paths are relative to the Markdown file's folder ({})",
                    self.base.display()
                ),
            ))),
        }
    }
}

impl AssetResolver for FileAssets {
    fn resolve(&mut self, url: &str) -> Resolved {
        if let Some(r) = self.cache.get(url) {
            return r.clone();
        }
        let r = self.load(url);
        self.cache.insert(url.to_string(), r.clone());
        r
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        _ => e.to_string(),
    }
}

fn mime_for(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "bmp" => "image/bmp",
        "ico" => "image/x-icon",
        _ => "application/octet-stream",
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inlines_local_files_and_keeps_remote_ones() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a b.png"), [137, 80, 78, 71]).unwrap();
        let mut a = FileAssets::new(dir.path());
        let r = a.resolve("a%20b.png");
        assert_eq!(r.url, "data:image/png;base64,iVBORw==");
        assert!(r.warning.is_none());
        let r = a.resolve("https://example.org/x.png");
        assert_eq!(r.url, "https://example.org/x.png");
        assert!(r.warning.unwrap().0.contains("remote image"));
        let r = a.resolve("missing.png");
        assert!(
            r.warning
                .unwrap()
                .0
                .contains("image not found: missing.png")
        );
        assert!(a.resolve("data:image/png;base64,AA").warning.is_none());
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%é%41"), "%éA");
    }
}
