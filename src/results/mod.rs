//! Results: figures and numbers computed from the project's data at build time.
//!
//! [`Results`] answers the parser's ```` ```chart ```` and ```` ```table ```` blocks and the
//! templates' `sql()` calls from one [`data::Engine`] per build. Every figure records its inputs
//! (files with SHA-256, the query) for `dist/provenance.json`, and is cached by the hash of its spec
//! and its input files, so an unchanged figure is not recomputed.

pub mod chart;
pub mod data;
pub mod format;
pub mod formats;
pub mod reference;
pub mod spec;
pub mod sql;
pub mod stats;
pub mod table;
pub mod units;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

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
    /// Warnings about the last figure drawn.
    warnings: Vec<FigureError>,
    /// Spec keys (prefixes) with a figure in the cache.
    cached_specs: HashSet<String>,
    /// Files being hashed in the background, by path relative to the root.
    hashing: HashMap<String, std::thread::JoinHandle<std::io::Result<String>>>,
}

/// An input file whose SHA-256 may still be computed by a background thread.
struct PendingInput {
    path: PathBuf,
    rel: String,
    bytes: u64,
    mtime_ns: u128,
    sha256: Option<String>,
}

impl Results {
    /// `cache_dir`: where figures and file hashes are kept between builds (`None`: no cache).
    pub fn new(
        root: &Path,
        datasets: BTreeMap<String, DatasetSpec>,
        colors: BTreeMap<String, String>,
        cache_dir: Option<PathBuf>,
        sandbox: crate::confine::Sandbox,
    ) -> Results {
        let memo = cache_dir
            .as_ref()
            .and_then(|d| std::fs::read(d.join("hashes.json")).ok())
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let cached_specs = cache_dir
            .as_ref()
            .and_then(|d| std::fs::read_dir(d).ok())
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter_map(|e| {
                        let name = e.file_name().into_string().ok()?;
                        let (prefix, _) = name.split_once('-')?;
                        name.ends_with(".html").then(|| prefix.to_string())
                    })
                    .collect()
            })
            .unwrap_or_default();
        Results {
            root: root.to_path_buf(),
            engine: Arc::new(Mutex::new(Engine::new(root, datasets, sandbox))),
            colors,
            records: Vec::new(),
            deck: String::new(),
            cache_dir,
            memo,
            memo_dirty: false,
            cached_specs,
            warnings: Vec::new(),
            hashing: HashMap::new(),
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

    /// Provenance of what a deck's template computed outside figures: one `value` record per
    /// `sql()` query (with the data files it read) and one `file` record per file read by
    /// `json()` or `sha256()`.
    pub fn record_template_inputs(&mut self, queries: &[String], files: &[PathBuf]) {
        // Every input starts hashing before any is waited for.
        let mut wanted = Vec::with_capacity(queries.len() + files.len());
        for sql in queries {
            wanted.push(("value", sql.clone(), self.inputs_of(sql)));
        }
        for file in files {
            let pending = self.start_input(file.clone()).map(|p| vec![p]);
            wanted.push(("file", String::new(), pending));
        }
        for (kind, sql, pending) in wanted {
            // The query ran and the file was read a moment ago: an input that fails now has
            // nothing to record.
            let Ok(inputs) = pending.and_then(|p| self.finish_inputs(p)) else {
                continue;
            };
            let key = cache_key(&spec_key(kind, &sql, &BTreeMap::new()), &inputs);
            self.records.push(FigureRecord {
                deck: self.deck.clone(),
                kind: kind.into(),
                sql,
                inputs,
                key,
                cached: false,
            });
        }
    }

    /// The data files a query reads: those of every declared dataset it names. A file whose hash
    /// is not remembered (by size and modification time) starts hashing in the background, so that
    /// reading it for the hash and loading it into polars overlap.
    fn inputs_of(&mut self, sql: &str) -> Result<Vec<PendingInput>, FigureError> {
        let paths: Vec<PathBuf> = {
            let engine = self
                .engine
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            engine.files_named_in(sql)
        };
        paths.into_iter().map(|p| self.start_input(p)).collect()
    }

    fn start_input(&mut self, path: PathBuf) -> Result<PendingInput, FigureError> {
        let meta = std::fs::metadata(&path).map_err(|e| FigureError {
            message: format!("cannot read {}: {e}", path.display()),
            help: "check the dataset's path in deck.toml".into(),
            span: None,
        })?;
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let rel = path
            .strip_prefix(&self.root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let sha256 = match self.memo.files.get(&rel) {
            Some((size, m, sha)) if *size == meta.len() && *m == mtime_ns => Some(sha.clone()),
            _ => {
                if !self.hashing.contains_key(&rel) {
                    let file = path.clone();
                    let job = std::thread::spawn(move || sha256_file(&file));
                    self.hashing.insert(rel.clone(), job);
                }
                None
            }
        };
        Ok(PendingInput {
            path,
            rel,
            bytes: meta.len(),
            mtime_ns,
            sha256,
        })
    }

    /// Wait for the inputs' hashes.
    fn finish_inputs(&mut self, pending: Vec<PendingInput>) -> Result<Vec<Input>, FigureError> {
        pending
            .into_iter()
            .map(|p| {
                let sha256 = match p.sha256 {
                    Some(sha) => sha,
                    None => self.joined_hash(&p)?,
                };
                Ok(Input {
                    path: p.rel,
                    sha256,
                    bytes: p.bytes,
                    modified: rfc3339(p.mtime_ns / 1_000_000_000),
                })
            })
            .collect()
    }

    fn joined_hash(&mut self, p: &PendingInput) -> Result<String, FigureError> {
        if let Some(job) = self.hashing.remove(&p.rel) {
            let hashed = job
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the hashing thread panicked")));
            let sha = hashed.map_err(|e| FigureError {
                message: format!("cannot read {}: {e}", p.path.display()),
                help: "check the file's permissions".into(),
                span: None,
            })?;
            self.memo
                .files
                .insert(p.rel.clone(), (p.bytes, p.mtime_ns, sha.clone()));
            self.memo_dirty = true;
        }
        // Another figure may have joined this file's job first.
        match self.memo.files.get(&p.rel) {
            Some((_, _, sha)) => Ok(sha.clone()),
            None => Err(FigureError {
                message: format!("cannot hash {}", p.path.display()),
                help: "check the file's permissions".into(),
                span: None,
            }),
        }
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
                span: None,
            })
        })
    }

    fn compute_unguarded(
        &mut self,
        kind: &str,
        spec_text: &str,
        sql: &str,
    ) -> Result<String, FigureError> {
        let (df, units) = {
            let mut engine = self
                .engine
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let df = engine.query(sql).map_err(|e| query_error(&e))?;
            let units = engine.units_of(sql, &df);
            (df, units)
        };
        match kind {
            "table" => {
                let spec = spec::Spec::parse(spec_text, table::KEYS)?;
                let opts = table::TableOptions {
                    decimals: spec.f64("decimals")?.map_or(2, |d| d.max(0.0) as usize),
                    highlight: spec.map("highlight")?,
                    format: spec.map("format")?,
                    units,
                };
                let warnings = table::check_units(&opts)?;
                self.warnings.extend(warnings);
                table::render(&df, &opts)
            }
            _ => {
                let spec = spec::Spec::parse(spec_text, chart::KEYS)?;
                chart::render(&df, &spec, &self.colors, &units)
            }
        }
    }
}

impl FigureRenderer for Results {
    fn take_warnings(&mut self) -> Vec<FigureError> {
        std::mem::take(&mut self.warnings)
    }

    fn figure(&mut self, kind: &str, spec_text: &str) -> Result<String, FigureError> {
        let known = if kind == "table" {
            table::KEYS
        } else {
            chart::KEYS
        };
        let spec = spec::Spec::parse(spec_text, known)?;
        let sql = spec.required("sql")?;
        let caption = spec.str("caption")?;
        let pending = self.inputs_of(&sql)?;
        let with_sql_line = |e: FigureError| match e.span {
            Some(_) => e,
            None => FigureError {
                span: spec.span("sql"),
                ..e
            },
        };
        let skey = spec_key(kind, spec_text, &self.colors);
        let hashes_known = pending.iter().all(|p| p.sha256.is_some());
        let warned_before = self.warnings.len();
        // A figure that may be in the cache waits for its inputs' hashes and looks; one never
        // cached (new spec) is computed while its new or changed files are hashed.
        let (inputs, key, body, hit) =
            if hashes_known || self.cached_specs.contains(&skey[..SPEC_PREFIX]) {
                let inputs = self.finish_inputs(pending)?;
                let key = cache_key(&skey, &inputs);
                let cached = self
                    .cache_dir
                    .as_ref()
                    .and_then(|d| std::fs::read_to_string(d.join(cache_file(&skey, &key))).ok());
                match cached {
                    Some(text) => {
                        // The warnings the figure had when it was computed come with it.
                        let (warnings, html) = cached_warnings(&text);
                        self.warnings.extend(warnings);
                        (inputs, key, html.to_string(), true)
                    }
                    None => {
                        let html = self.compute(kind, spec_text, &sql).map_err(with_sql_line)?;
                        (inputs, key, html, false)
                    }
                }
            } else {
                let computed = self.compute(kind, spec_text, &sql).map_err(with_sql_line);
                let inputs = self.finish_inputs(pending)?;
                let key = cache_key(&skey, &inputs);
                (inputs, key, computed?, false)
            };
        if let (Some(dir), false) = (&self.cache_dir, hit) {
            let text = with_warnings(&self.warnings[warned_before..], &body);
            let _ =
                crate::output::write_atomic(&dir.join(cache_file(&skey, &key)), text.as_bytes());
            self.cached_specs.insert(skey[..SPEC_PREFIX].to_string());
        }
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
        // A figure over hyperfine results whose runs failed shows failed measurements.
        let failed = self
            .engine
            .lock()
            .map(|mut e| e.failures_in(&sql))
            .unwrap_or_default();
        if !failed.is_empty() {
            self.warnings.push(FigureError {
                message: format!("shows failed runs: {}", failed.join("; ")),
                help: crate::template::functions::FAILED_RUNS_HELP.into(),
                span: None,
            });
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

/// The first line of a cached figure that had warnings when it was computed (they are shown
/// again when it comes from the cache).
const WARNINGS_LINE: &str = "deck-warnings ";

/// A figure's body for the cache, its warnings on a first line.
fn with_warnings(warnings: &[FigureError], body: &str) -> String {
    if warnings.is_empty() {
        return body.to_string();
    }
    let list: Vec<serde_json::Value> = warnings
        .iter()
        .map(|w| serde_json::json!([w.message, w.help, w.span.as_ref().map(|s| [s.start, s.end])]))
        .collect();
    format!("{WARNINGS_LINE}{}\n{body}", serde_json::Value::Array(list))
}

/// A cached figure's warnings and body.
fn cached_warnings(text: &str) -> (Vec<FigureError>, &str) {
    let Some(rest) = text.strip_prefix(WARNINGS_LINE) else {
        return (Vec::new(), text);
    };
    let (line, body) = rest.split_once('\n').unwrap_or((rest, ""));
    let list: Vec<(String, String, Option<[usize; 2]>)> =
        serde_json::from_str(line).unwrap_or_default();
    let warnings = list
        .into_iter()
        .map(|(message, help, span)| FigureError {
            message,
            help,
            span: span.map(|[a, b]| a..b),
        })
        .collect();
    (warnings, body)
}

pub fn query_error(e: &QueryError) -> FigureError {
    FigureError {
        message: e.to_string(),
        help: e.help(),
        span: None,
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
    h = fnv1a(include_str!("chart/mod.rs").as_bytes(), h);
    h = fnv1a(include_str!("chart/axis.rs").as_bytes(), h);
    h = fnv1a(include_str!("chart/bars.rs").as_bytes(), h);
    h = fnv1a(include_str!("chart/dist.rs").as_bytes(), h);
    h = fnv1a(include_str!("chart/lines.rs").as_bytes(), h);
    h = fnv1a(include_str!("chart/points.rs").as_bytes(), h);
    h = fnv1a(include_str!("chart/svg.rs").as_bytes(), h);
    // The importers: what a table holds comes from them.
    h = fnv1a(include_str!("formats/mod.rs").as_bytes(), h);
    h = fnv1a(include_str!("formats/columns.rs").as_bytes(), h);
    h = fnv1a(include_str!("formats/hyperfine.rs").as_bytes(), h);
    h = fnv1a(include_str!("formats/pytest_benchmark.rs").as_bytes(), h);
    h = fnv1a(include_str!("formats/google_benchmark.rs").as_bytes(), h);
    h = fnv1a(include_str!("formats/criterion.rs").as_bytes(), h);
    h = fnv1a(include_str!("formats/benchmark_action.rs").as_bytes(), h);
    h = fnv1a(include_str!("formats/prometheus.rs").as_bytes(), h);
    h = fnv1a(include_str!("formats/grafana.rs").as_bytes(), h);
    h = fnv1a(include_str!("spec.rs").as_bytes(), h);
    h = fnv1a(include_str!("table.rs").as_bytes(), h);
    h = fnv1a(include_str!("format.rs").as_bytes(), h);
    h = fnv1a(include_str!("data.rs").as_bytes(), h);
    fnv1a(include_str!("mod.rs").as_bytes(), h)
};

/// What a figure is drawn from besides its data: deck's renderer, the block and the colours.
fn spec_key(kind: &str, spec: &str, colors: &BTreeMap<String, String>) -> String {
    let mut h = ring::digest::Context::new(&ring::digest::SHA256);
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(&RENDERER.to_le_bytes());
    h.update(kind.as_bytes());
    h.update(&[0]);
    h.update(spec.as_bytes());
    for (k, v) in colors {
        h.update(&[1]);
        h.update(k.as_bytes());
        h.update(v.as_bytes());
    }
    hex(h.finish().as_ref())
}

/// A figure's cache key: its spec key and the content of its input files.
fn cache_key(spec_key: &str, inputs: &[Input]) -> String {
    let mut h = ring::digest::Context::new(&ring::digest::SHA256);
    h.update(spec_key.as_bytes());
    for i in inputs {
        h.update(&[0]);
        h.update(i.path.as_bytes());
        h.update(i.sha256.as_bytes());
    }
    hex(h.finish().as_ref())
}

/// The cache file of a figure: named by its spec key first, so that whether a spec was ever
/// cached is known before its inputs are hashed.
fn cache_file(spec_key: &str, key: &str) -> String {
    format!("{}-{key}.html", &spec_key[..SPEC_PREFIX])
}

const SPEC_PREFIX: usize = 16;

pub fn sha256_bytes(data: &[u8]) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, data).as_ref())
}

pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(h.finish().as_ref()))
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

    #[test]
    fn sha256_of_files_matches_the_standard_vectors() {
        let dir = std::env::temp_dir().join(format!("deck-sha-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cases = [
            (
                &b""[..],
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            (
                &b"abc"[..],
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            ),
        ];
        for (i, (content, want)) in cases.iter().enumerate() {
            let path = dir.join(format!("{i}.bin"));
            std::fs::write(&path, content).unwrap();
            assert_eq!(super::sha256_file(&path).unwrap(), *want);
        }
        // Longer than the read buffer: 1,000,000 times 'a' (FIPS 180-2's long vector).
        let path = dir.join("long.bin");
        std::fs::write(&path, vec![b'a'; 1_000_000]).unwrap();
        assert_eq!(
            super::sha256_file(&path).unwrap(),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
