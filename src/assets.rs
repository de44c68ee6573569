//! Local files a deck refers to (images), inlined as data: URLs so the output is one file that
//! works offline from `file://`. Remote URLs stay links and are reported.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::Engine;

use crate::confine::{Sandbox, sniff_font, sniff_image};
use crate::markdown::{AssetResolver, Resolved};
use crate::remote::RemoteImages;

/// What a refused or unusable image becomes: an empty image, never the path as written.
pub const BROKEN: &str = "data:,";

/// Resolves image URLs relative to the Markdown file's folder, reading only what the sandbox
/// allows, and inlining only files whose content is an image (or a font, for CSS).
pub struct FileAssets {
    base: PathBuf,
    sandbox: Sandbox,
    cache: HashMap<String, Resolved>,
    /// With `--embed-remote`: remote images downloaded (once) and inlined too.
    remote: Option<RemoteImages>,
    /// Every local file read, for the watcher and provenance.
    pub files: Vec<PathBuf>,
}

impl FileAssets {
    pub fn new(base: &Path, sandbox: Sandbox) -> Self {
        FileAssets {
            base: base.to_path_buf(),
            sandbox,
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
            refused: false,
        };
        let broken = |message: String, help: String, refused: bool| Resolved {
            url: BROKEN.to_string(),
            warning: Some((message, help)),
            refused,
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
                    refused: false,
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
        // A file: URL names a local file like a path does.
        let local = lower
            .strip_prefix("file://")
            .map(|rest| &url[url.len() - rest.len()..]);
        if local.is_none()
            && let Some((scheme, _)) = url.split_once(':')
            && scheme.len() > 1
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+')
        {
            return keep(None);
        }
        let clean = local.unwrap_or(url).split(['?', '#']).next().unwrap_or(url);
        let decoded = percent_decode(clean);
        let path = self.base.join(&decoded);
        let bytes = match self.sandbox.read(&path, self.sandbox.max_image) {
            Ok(bytes) => bytes,
            Err(crate::confine::Refusal::Missing) => {
                return keep(Some((
                    format!("image not found: {url} (no such file)"),
                    format!(
                        "paths are relative to the Markdown file's folder ({})",
                        self.base.display()
                    ),
                )));
            }
            Err(why) => {
                let refused = why.is_confinement();
                return broken(
                    format!("image {url} is not read: {why}"),
                    why.help(),
                    refused,
                );
            }
        };
        let Some(mime) = sniff_image(&bytes).or_else(|| sniff_font(&bytes)) else {
            return broken(
                format!(
                    "{url} is not an image (its content is not PNG, JPEG, GIF, WebP, AVIF, BMP, ICO or SVG): not inlined"
                ),
                "link an image file".into(),
                true,
            );
        };
        self.files.push(path);
        let data = base64::engine::general_purpose::STANDARD.encode(bytes);
        Resolved {
            url: format!("data:{mime};base64,{data}"),
            warning: None,
            refused: false,
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
        std::fs::write(dir.path().join("a b.png"), b"\x89PNG\r\n\x1a\n").unwrap();
        std::fs::write(dir.path().join("notes.png"), "not an image").unwrap();
        let mut a = FileAssets::new(dir.path(), Sandbox::new(dir.path(), &[]));
        let r = a.resolve("a%20b.png");
        assert_eq!(r.url, "data:image/png;base64,iVBORw0KGgo=");
        assert!(r.warning.is_none());
        let r = a.resolve("notes.png");
        assert_eq!(r.url, BROKEN);
        assert!(r.warning.unwrap().0.contains("is not an image"));
        for outside in [
            "/etc/hostname",
            "../../../../../../etc/hostname",
            "%2Fetc%2Fhostname",
            "file:///etc/hostname",
        ] {
            let r = a.resolve(outside);
            assert_eq!(r.url, BROKEN, "{outside}");
            assert!(r.refused, "{outside}");
        }
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
