//! Results: figures and numbers computed from the project's data at build time.
//!
//! [`Results`] answers the parser's ```` ```chart ```` and ```` ```table ```` blocks and the
//! templates' `sql()` calls from one [`data::Engine`] per build. Every figure records its inputs
//! (files with SHA-256, the query) for `dist/provenance.json`, and is cached by the hash of its spec
//! and its input files, so an unchanged figure is not recomputed.

pub mod chart;
pub mod data;
pub mod format;
pub mod spec;
pub mod table;
pub mod template;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::markdown::html::escape;
use crate::markdown::{FigureError, FigureRenderer};
use data::{DatasetSpec, Engine, QueryError};

/// One input file of a figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    /// Path relative to the project root.
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    /// Modification time, UTC, RFC 3339.
    pub modified: String,
}

/// What `dist/provenance.json` says of one figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FigureRecord {
    pub deck: String,
    pub kind: String,
    pub sql: String,
    pub inputs: Vec<Input>,
    /// Hash of the spec and the inputs: the figure's cache key.
    pub key: String,
    pub cached: bool,
}

/// File hashes remembered by size and modification time, so unchanged data is not read again.
#[derive(Debug, Default, Serialize, Deserialize)]
struct HashMemo {
    files: BTreeMap<String, (u64, u128, String)>,
}

pub struct Results {
    root: PathBuf,
    pub engine: Arc<Mutex<Engine>>,
    /// Series name -> colour, from deck.toml's [colors].
    pub colors: BTreeMap<String, String>,
    pub records: Vec<FigureRecord>,
    /// The deck being built (for provenance).
    pub deck: String,
    cache_dir: Option<PathBuf>,
    memo: HashMemo,
    memo_dirty: bool,
}

impl Results {
    /// `cache_dir`: where figures and file hashes are kept between builds (`None`: no cache).
    pub fn new(
        root: &Path,
        datasets: BTreeMap<String, DatasetSpec>,
        colors: BTreeMap<String, String>,
        cache_dir: Option<PathBuf>,
    ) -> Results {
        let memo = cache_dir
            .as_ref()
            .and_then(|d| std::fs::read(d.join("hashes.json")).ok())
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Results {
            root: root.to_path_buf(),
            engine: Arc::new(Mutex::new(Engine::new(root, datasets))),
            colors,
            records: Vec::new(),
            deck: String::new(),
            cache_dir,
            memo,
            memo_dirty: false,
        }
    }

    /// Keep the file-hash memo for the next build.
    pub fn save(&self) {
        if let (Some(dir), true) = (&self.cache_dir, self.memo_dirty)
            && let Ok(json) = serde_json::to_vec(&self.memo)
        {
            let _ = crate::output::write_atomic(&dir.join("hashes.json"), &json);
        }
    }

    /// The data files a query reads: those of every declared dataset it names.
    fn inputs_of(&mut self, sql: &str) -> Result<Vec<Input>, FigureError> {
        let paths: Vec<PathBuf> = {
            let engine = self
                .engine
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            engine.files_named_in(sql)
        };
        paths.iter().map(|p| self.input(p)).collect()
    }

    fn input(&mut self, path: &Path) -> Result<Input, FigureError> {
        let meta = std::fs::metadata(path).map_err(|e| FigureError {
            message: format!("cannot read {}: {e}", path.display()),
            help: "check the dataset's path in deck.toml".into(),
            line: None,
        })?;
        let modified = meta.modified().ok();
        let mtime_ns = modified
            .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let rel = path
            .strip_prefix(&self.root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        let sha = match self.memo.files.get(&rel) {
            Some((size, m, sha)) if *size == meta.len() && *m == mtime_ns => sha.clone(),
            _ => {
                let sha = sha256_file(path).map_err(|e| FigureError {
                    message: format!("cannot read {}: {e}", path.display()),
                    help: "check the file's permissions".into(),
                    line: None,
                })?;
                self.memo
                    .files
                    .insert(rel.clone(), (meta.len(), mtime_ns, sha.clone()));
                self.memo_dirty = true;
                sha
            }
        };
        Ok(Input {
            path: rel,
            sha256: sha,
            bytes: meta.len(),
            modified: rfc3339(mtime_ns / 1_000_000_000),
        })
    }

    /// Compute a figure; a panic inside polars or plotters becomes an error on the block, not a
    /// crash of the build.
    fn compute(&mut self, kind: &str, spec_text: &str, sql: &str) -> Result<String, FigureError> {
        let run = std::panic::AssertUnwindSafe(|| self.compute_unguarded(kind, spec_text, sql));
        std::panic::catch_unwind(run).unwrap_or_else(|panic| {
            let what = panic_message(panic.as_ref());
            Err(FigureError {
                message: format!("internal error while computing the figure: {what}"),
                help: "this is a bug in deck or a library it uses: please report it with the block"
                    .into(),
                line: None,
            })
        })
    }

    fn compute_unguarded(
        &mut self,
        kind: &str,
        spec_text: &str,
        sql: &str,
    ) -> Result<String, FigureError> {
        let df = {
            let mut engine = self
                .engine
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            engine.query(sql).map_err(|e| query_error(&e))?
        };
        match kind {
            "table" => {
                let spec = spec::Spec::parse(spec_text, table::KEYS)?;
                let opts = table::TableOptions {
                    decimals: spec.f64("decimals")?.map_or(2, |d| d.max(0.0) as usize),
                    highlight: spec.map("highlight")?,
                    format: spec.map("format")?,
                };
                table::render(&df, &opts).map_err(|e| FigureError {
                    line: e.line.or(spec.line("highlight")),
                    ..e
                })
            }
            _ => {
                let spec = spec::Spec::parse(spec_text, chart::KEYS)?;
                chart::render(&df, &spec, &self.colors)
            }
        }
    }
}

impl FigureRenderer for Results {
    fn figure(&mut self, kind: &str, spec_text: &str) -> Result<String, FigureError> {
        let known = if kind == "table" {
            table::KEYS
        } else {
            chart::KEYS
        };
        let spec = spec::Spec::parse(spec_text, known)?;
        let sql = spec.required("sql")?;
        let caption = spec.str("caption")?;
        let inputs = self.inputs_of(&sql)?;
        let key = cache_key(kind, spec_text, &inputs, &self.colors);
        let cached = self
            .cache_dir
            .as_ref()
            .and_then(|d| std::fs::read_to_string(d.join(format!("{key}.html"))).ok());
        let (body, hit) = match cached {
            Some(html) => (html, true),
            None => {
                let html = self
                    .compute(kind, spec_text, &sql)
                    .map_err(|e| match e.line {
                        Some(_) => e,
                        None => FigureError {
                            line: spec.line("sql"),
                            ..e
                        },
                    })?;
                if let Some(dir) = &self.cache_dir {
                    let _ = crate::output::write_atomic(
                        &dir.join(format!("{key}.html")),
                        html.as_bytes(),
                    );
                }
                (html, false)
            }
        };
        let sources: Vec<String> = inputs
            .iter()
            .map(|i| format!("{} (sha256 {})", i.path, &i.sha256[..12]))
            .collect();
        let mut html = format!(
            "<figure class=\"deck-figure deck-{kind}\" data-sql=\"{}\" data-inputs=\"{}\">\n{body}\n",
            escape(&sql),
            escape(
                &inputs
                    .iter()
                    .map(|i| format!("{} sha256:{}", i.path, i.sha256))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        );
        if let Some(c) = &caption {
            html.push_str(&format!("<figcaption>{}</figcaption>\n", escape(c)));
        }
        if !sources.is_empty() {
            html.push_str(&format!(
                "<figcaption class=\"deck-source\">Source: {}</figcaption>\n",
                escape(&sources.join(", "))
            ));
        }
        html.push_str("</figure>");
        self.records.push(FigureRecord {
            deck: self.deck.clone(),
            kind: kind.to_string(),
            sql,
            inputs,
            key,
            cached: hit,
        });
        Ok(html)
    }
}

pub fn query_error(e: &QueryError) -> FigureError {
    FigureError {
        message: e.to_string(),
        help: e.help(),
        line: None,
    }
}

/// The text of a caught panic.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic")
}

/// FNV-1a, usable at compile time.
const fn fnv1a(bytes: &[u8], mut hash: u64) -> u64 {
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x100_0000_01b3);
        i += 1;
    }
    hash
}

/// A fingerprint of the code that draws figures: a cached figure from another build of deck (even
/// of the same version) is not reused.
const RENDERER: u64 = {
    let mut h = 0xcbf2_9ce4_8422_2325;
    h = fnv1a(include_str!("chart.rs").as_bytes(), h);
    h = fnv1a(include_str!("table.rs").as_bytes(), h);
    h = fnv1a(include_str!("format.rs").as_bytes(), h);
    h = fnv1a(include_str!("data.rs").as_bytes(), h);
    fnv1a(include_str!("mod.rs").as_bytes(), h)
};

fn cache_key(
    kind: &str,
    spec: &str,
    inputs: &[Input],
    colors: &BTreeMap<String, String>,
) -> String {
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(RENDERER.to_le_bytes());
    h.update(kind.as_bytes());
    h.update([0]);
    h.update(spec.as_bytes());
    for i in inputs {
        h.update([0]);
        h.update(i.path.as_bytes());
        h.update(i.sha256.as_bytes());
    }
    for (k, v) in colors {
        h.update([1]);
        h.update(k.as_bytes());
        h.update(v.as_bytes());
    }
    hex(&h.finalize())
}

pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Seconds since 1970 as `YYYY-MM-DDTHH:MM:SSZ` (civil calendar, UTC).
pub fn rfc3339(secs: u128) -> String {
    let secs = secs as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_dates() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(1_763_769_600), "2025-11-22T00:00:00Z");
        assert_eq!(super::rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
