//! Remote images for `--embed-remote`: each URL downloaded once into the project's cache
//! (`.deck-cache/remote/`), then inlined like a local image, so a deck works on conference Wi-Fi
//! or none. A cached image is used again without the network.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Larger downloads are refused: an image that size does not belong in a slide.
const MAX_BYTES: usize = 25 * 1024 * 1024;

pub struct RemoteImages {
    dir: PathBuf,
    client: Option<(tokio::runtime::Runtime, reqwest::Client)>,
}

impl RemoteImages {
    pub fn new(dir: &Path) -> RemoteImages {
        RemoteImages {
            dir: dir.to_path_buf(),
            client: None,
        }
    }

    /// The image's media type and bytes: from the cache, else downloaded (and then cached).
    pub fn get(&mut self, url: &str) -> Result<(String, Vec<u8>), String> {
        let key = crate::results::sha256_bytes(url.as_bytes());
        let (data, kind) = (
            self.dir.join(format!("{key}.bin")),
            self.dir.join(format!("{key}.type")),
        );
        if let (Ok(bytes), Ok(mime)) = (std::fs::read(&data), std::fs::read_to_string(&kind)) {
            return Ok((mime, bytes));
        }
        let (mime, bytes) = self.download(url)?;
        // The type first: a body without its type is never taken for a cached image.
        crate::output::write_atomic(&kind, mime.as_bytes())
            .and_then(|_| crate::output::write_atomic(&data, &bytes))
            .map_err(|e| format!("downloaded, but cannot cache it: {e:#}"))?;
        Ok((mime, bytes))
    }

    fn download(&mut self, url: &str) -> Result<(String, Vec<u8>), String> {
        if self.client.is_none() {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .user_agent(concat!("deck/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| e.to_string())?;
            self.client = Some((rt, client));
        }
        let Some((rt, client)) = &self.client else {
            return Err("no HTTP client".into());
        };
        rt.block_on(async {
            let response = client.get(url).send().await.map_err(|e| reason(&e))?;
            let status = response.status();
            if !status.is_success() {
                return Err(format!("the server answered {status}"));
            }
            let mime = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.split(';').next().unwrap_or(v).trim().to_ascii_lowercase())
                .unwrap_or_default();
            if !mime.starts_with("image/") {
                return Err(format!(
                    "not an image (Content-Type {})",
                    if mime.is_empty() { "missing" } else { &mime }
                ));
            }
            if response
                .content_length()
                .is_some_and(|n| n as usize > MAX_BYTES)
            {
                return Err(format!("larger than {} MiB", MAX_BYTES >> 20));
            }
            let bytes = response.bytes().await.map_err(|e| reason(&e))?;
            if bytes.len() > MAX_BYTES {
                return Err(format!("larger than {} MiB", MAX_BYTES >> 20));
            }
            Ok((mime, bytes.to_vec()))
        })
    }
}

/// reqwest's error with its causes, which say what actually failed (DNS, refused, TLS...).
fn reason(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}
