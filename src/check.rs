//! `deck check`: everything `deck build` validates, and what a published deck can get wrong
//! without an error: data that changed since `dist/` was built, slides whose content leaves their
//! box (measured in the installed Chromium), slides without speaker notes, and the remote images and
//! links a deck needs the network for. Nothing is written but the figure cache.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use serde_json::json;

use crate::browser;
use crate::diagnostics::{Diagnostic, Severity};
use crate::pipeline::{self, BuildOptions, BuildReport};

/// A deck and its overflowing slides (number, what overflows).
/// A deck's slides with content outside the slide or over its header or footer: (slide,
/// first element, "header"/"footer" or "" for outside).
type DeckOverflows = (PathBuf, Vec<(u64, String, String)>);

/// In a page of a deck: the slides whose content reaches outside their section (1 px tolerance),
/// as `[slide number, tag of the first element outside]`.
pub const OVERFLOWS_JS: &str = r#"(() => {
  const out = [];
  // The box of what an element shows: its text's, for text (a block spans the whole width).
  const shown = (el) => {
    if (el.children.length === 0 && el.textContent.trim()) {
      const range = document.createRange();
      range.selectNodeContents(el);
      return range.getBoundingClientRect();
    }
    return el.getBoundingClientRect();
  };
  document.querySelectorAll('div.marpit > div.deck-slide > section').forEach((sec, i) => {
    const box = sec.getBoundingClientRect();
    const scale = box.width / sec.offsetWidth;
    for (const el of sec.querySelectorAll('*')) {
      if (el.closest('.deck-bg')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if ((r.right - box.right) / scale > 1 || (r.bottom - box.bottom) / scale > 1 ||
          (box.left - r.left) / scale > 1 || (box.top - r.top) / scale > 1) {
        out.push([i + 1, el.tagName.toLowerCase(), '']);
        return;
      }
    }
    // Content drawn over the header or footer (they are placed over the slide, not in its flow).
    const bands = [];
    for (const f of sec.querySelectorAll(':scope > header, :scope > footer')) {
      if (!f.textContent.trim() && !f.querySelector('img')) continue;
      const range = document.createRange();
      range.selectNodeContents(f);
      const r = range.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) bands.push([f.tagName.toLowerCase(), r]);
    }
    if (!bands.length) return;
    for (const el of sec.querySelectorAll('*')) {
      if (el.closest('header, footer, .deck-bg')) continue;
      const tag = el.tagName.toLowerCase();
      if (el.closest('svg') && tag !== 'svg') continue;
      if (el.children.length && !['svg', 'img', 'video', 'table'].includes(tag)) continue;
      const r = shown(el);
      if (r.width === 0 || r.height === 0) continue;
      for (const [which, b] of bands) {
        const x = Math.min(r.right, b.right) - Math.max(r.left, b.left);
        const y = Math.min(r.bottom, b.bottom) - Math.max(r.top, b.top);
        if (x / scale > 2 && y / scale > 2) {
          out.push([i + 1, tag, which]);
          return;
        }
      }
    }
  });
  return out;
})()"#;

#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub build: BuildOptions,
    /// Measure overflowing slides in a browser (when one is installed).
    pub browser: bool,
}

/// One problem found.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Which check found it: build, data, overflow, notes, remote.
    pub check: &'static str,
    pub file: PathBuf,
    pub line: Option<usize>,
    /// Column in characters, from 1.
    pub column: Option<usize>,
    pub message: String,
    pub help: Option<String>,
    /// Context such as which iteration of a template loop.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The whole diagnostic as `deck build` prints it (build findings).
    #[serde(skip)]
    pub rendered: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct CheckReport {
    pub decks: usize,
    pub slides: usize,
    pub findings: Vec<Finding>,
    /// External links, per deck (listed, not a problem).
    pub links: Vec<(PathBuf, String)>,
    /// Checks that could not run, and why.
    pub skipped: Vec<String>,
    /// The hosts whose measurements each deck's figures read.
    pub hosts: Vec<DeckHosts>,
}

/// The hosts in a results folder a deck's figures read: (host, measured runs) in name order.
#[derive(Debug, Clone, Serialize)]
pub struct DeckHosts {
    pub deck: String,
    pub folder: PathBuf,
    pub hosts: Vec<(String, usize)>,
}

impl CheckReport {
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }
}

pub fn check(opts: &CheckOptions) -> CheckReport {
    let build = pipeline::render_project(&opts.build);
    let mut report = CheckReport {
        decks: build.decks.len() + build.failed.len(),
        slides: build.decks.iter().map(|d| d.slides).sum(),
        ..CheckReport::default()
    };
    for d in build.diagnostics.iter() {
        let mut f = from_diagnostic(d);
        // A file deck refused to read (outside the project, a device, over a limit) is a
        // warning for `deck build` and an error here: CI stops a hostile deck.
        if d.code == Some(crate::diagnostics::REFUSED) {
            f.severity = Severity::Error;
        }
        report.findings.push(f);
    }
    stale_data(&build, &mut report);
    failed_runs(&build, &mut report);
    edited_results(&build, &mut report);
    hosts(&build, &mut report);
    for deck in &build.decks {
        notes(&deck.source, &deck.html, &mut report);
        remote(&deck.source, &deck.html, &mut report);
    }
    if opts.browser {
        overflow(&build, &mut report);
    } else {
        report
            .skipped
            .push("overflowing slides: not measured (--no-browser)".into());
    }
    report
}

fn from_diagnostic(d: &Diagnostic) -> Finding {
    Finding {
        severity: d.severity,
        check: "build",
        file: d.path.clone(),
        line: d.pos.map(|p| p.line),
        column: d.pos.map(|p| p.col),
        message: d.message.clone(),
        help: d.help.clone(),
        notes: d.notes.clone(),
        rendered: Some(d.to_string()),
    }
}

fn warning(check: &'static str, file: &Path, message: String, help: &str) -> Finding {
    Finding {
        severity: Severity::Warning,
        check,
        file: file.to_path_buf(),
        line: None,
        column: None,
        message,
        help: Some(help.to_string()),
        notes: Vec::new(),
        rendered: None,
    }
}

/// Data files whose content differs from what the last `deck build` recorded in
/// `provenance.json`: the published decks show numbers the data no longer gives.
fn stale_data(build: &BuildReport, report: &mut CheckReport) {
    let recorded_path = build.out_dir.join("provenance.json");
    let Ok(text) = std::fs::read_to_string(&recorded_path) else {
        if !build.figures.is_empty() {
            report.skipped.push(format!(
                "data against the published decks: no {} yet (run `deck build`)",
                recorded_path.display()
            ));
        }
        return;
    };
    let recorded: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let mut then: std::collections::BTreeMap<String, String> = Default::default();
    for f in recorded["figures"].as_array().into_iter().flatten() {
        for i in f["inputs"].as_array().into_iter().flatten() {
            if let (Some(p), Some(h)) = (i["path"].as_str(), i["sha256"].as_str()) {
                then.insert(p.to_string(), h.to_string());
            }
        }
    }
    let mut now: std::collections::BTreeMap<&str, &str> = Default::default();
    for f in &build.figures {
        for i in &f.inputs {
            now.insert(&i.path, &i.sha256);
        }
    }
    for (path, hash) in now {
        if let Some(old) = then.get(path)
            && old != hash
        {
            report.findings.push(warning(
                "data",
                &build.root.join(path),
                format!(
                    "changed since {} was built (sha256 {}… then, {}… now): the published decks show older numbers",
                    build.out_dir.display(),
                    &old[..old.len().min(12)],
                    &hash[..hash.len().min(12)]
                ),
                "run `deck build` to publish figures from the data as it is, or restore the file if it was edited by mistake",
            ));
        }
    }
}

/// Measurements that failed in the data the decks show: hyperfine commands with non-zero exit
/// codes, deck run rows whose status is not `ok`.
fn failed_runs(build: &BuildReport, report: &mut CheckReport) {
    for (name, failed) in &build.failed_runs {
        report.findings.push(warning(
            "failed-runs",
            &failed.file,
            format!("dataset `{name}`: {}", failed.what),
            "measure again once the command works (deck run, or hyperfine), or leave the failed runs out where the decks query them",
        ));
    }
}

/// Results files that differ from what `deck run` left (its `meta.json` records their hashes):
/// numbers edited by hand, or a run that was not finished.
fn edited_results(build: &BuildReport, report: &mut CheckReport) {
    // Every folder holding a dataset the decks read, and its meta.json.
    let mut folders: Vec<PathBuf> = build
        .figures
        .iter()
        .flat_map(|f| &f.inputs)
        .filter_map(|i| build.root.join(&i.path).parent().map(Path::to_path_buf))
        .collect();
    folders.sort();
    folders.dedup();
    for dir in folders {
        let meta = dir.join(crate::run::runner::META);
        for (file, then) in crate::run::meta::Meta::recorded_files(&meta) {
            let path = dir.join(&file);
            match crate::results::sha256_file(&path) {
                Ok(now) if now == then => {}
                Ok(now) => report.findings.push(warning(
                    "data",
                    &path,
                    format!(
                        "differs from what `deck run` wrote (sha256 {}… in {}, {}… now): edited after it was measured?",
                        &then[..then.len().min(12)],
                        meta.display(),
                        &now[..now.len().min(12)]
                    ),
                    "measure again with `deck run` rather than editing results by hand",
                )),
                Err(_) => report.findings.push(warning(
                    "data",
                    &path,
                    format!("is listed in {} but cannot be read", meta.display()),
                    "restore it, or run `deck run` again",
                )),
            }
        }
    }
}

/// Which hosts each deck shows (the hosts in the `deck run` results its figures read), and the
/// hosts whose rows were measured with another `[bench]` than deck.toml's now (meta.json records
/// each engine's configuration hash): their numbers may not be comparable with the others'.
fn hosts(build: &BuildReport, report: &mut CheckReport) {
    use crate::run::tables::{HOST, META, RUNS, has_host_column};
    let mut by_deck: std::collections::BTreeMap<&str, std::collections::BTreeSet<PathBuf>> =
        Default::default();
    for f in &build.figures {
        for i in &f.inputs {
            let path = build.root.join(&i.path);
            let results = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(has_host_column);
            if let (true, Some(dir)) = (results, path.parent())
                && dir.join(META).is_file()
            {
                by_deck
                    .entry(&f.deck)
                    .or_default()
                    .insert(dir.to_path_buf());
            }
        }
    }
    // Each folder read once, however many decks read it.
    let mut counts: std::collections::BTreeMap<&PathBuf, Vec<(String, usize)>> = Default::default();
    for dir in by_deck.values().flatten() {
        if counts.contains_key(dir) {
            continue;
        }
        let meta = dir.join(META);
        let legacy = crate::run::meta::Meta::legacy_host(&meta);
        let mut runs: std::collections::BTreeMap<String, usize> = Default::default();
        if let Ok(mut reader) = csv::Reader::from_path(dir.join(RUNS)) {
            let headers = reader.headers().cloned().unwrap_or_default();
            let col = |n: &str| headers.iter().position(|h| h == n);
            let (h, warm) = (col(HOST), col("warmup"));
            for rec in reader.records().flatten() {
                if warm.and_then(|w| rec.get(w)) == Some("true") {
                    continue;
                }
                let host = h.and_then(|h| rec.get(h)).unwrap_or(&legacy);
                *runs.entry(host.to_string()).or_default() += 1;
            }
        }
        if let Some(now) = &bench_hash_of(dir, &build.root) {
            for e in crate::run::meta::Meta::earlier_engines(&meta) {
                let shown = runs.contains_key(&e.name);
                if !shown || e.config_sha256.is_empty() || &e.config_sha256 == now {
                    continue;
                }
                report.findings.push(warning(
                    "hosts",
                    &dir.join(RUNS),
                    format!(
                        "the rows of host `{}` were measured with another [bench] than {}'s now (sha256 {}… in {}, {}… now): its numbers may not compare with the others'",
                        e.name,
                        crate::project::CONFIG_FILE,
                        &e.config_sha256[..e.config_sha256.len().min(12)],
                        meta.display(),
                        &now[..now.len().min(12)]
                    ),
                    "measure it again with this [bench] (`deck run --append`, with the `--engine` that measured it), or leave its rows out where the decks query them",
                ));
            }
        }
        counts.insert(dir, runs.into_iter().collect());
    }
    for (deck, folders) in &by_deck {
        for dir in folders {
            report.hosts.push(DeckHosts {
                deck: deck.to_string(),
                folder: dir.strip_prefix(&build.root).unwrap_or(dir).to_path_buf(),
                hosts: counts[dir].clone(),
            });
        }
    }
}

/// The `[bench]` hash of the project whose `deck run` writes into `results`: the nearest
/// deck.toml above it (up to the project's root) whose `[bench] output` is that folder.
fn bench_hash_of(results: &Path, root: &Path) -> Option<String> {
    let here = |p: &Path| {
        if p.as_os_str().is_empty() {
            Path::new(".").canonicalize()
        } else {
            p.canonicalize()
        }
    };
    let root = here(root).ok()?;
    let results = here(results).ok()?;
    for dir in results.ancestors().skip(1) {
        let text = std::fs::read_to_string(dir.join(crate::project::CONFIG_FILE));
        if let Some(bench) = text
            .as_ref()
            .ok()
            .and_then(|t| toml::from_str::<toml::Table>(t).ok())
            .and_then(|t| t.get("bench").cloned())
        {
            let output = bench
                .get("output")
                .and_then(|o| o.as_str())
                .unwrap_or("data");
            if dir.join(output).canonicalize().ok().as_deref() == Some(results.as_path()) {
                return text.ok().map(|t| crate::run::runner::config_hash(&t));
            }
        }
        if dir == root {
            break;
        }
    }
    None
}

/// Slides of a built page without speaker notes.
fn notes(source: &Path, html: &str, report: &mut CheckReport) {
    let missing: Vec<String> = html
        .split("<div class=\"deck-slide\"")
        .skip(1)
        .enumerate()
        .filter(|(_, slide)| !slide.contains("<aside class=\"deck-notes\""))
        .map(|(i, _)| (i + 1).to_string())
        .collect();
    if !missing.is_empty() {
        report.findings.push(warning(
            "notes",
            source,
            format!(
                "slide{} {} ha{} no speaker notes",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", "),
                if missing.len() == 1 { "s" } else { "ve" }
            ),
            "write notes in an HTML comment on the slide: <!-- what to say -->",
        ));
    }
}

/// Remote images (the deck needs the network to show them) are problems; links are listed.
fn remote(source: &Path, html: &str, report: &mut CheckReport) {
    for (attr, is_image) in [("src=\"", true), ("href=\"", false)] {
        for part in html.split(attr).skip(1) {
            let url = &part[..part.find('"').unwrap_or(0)];
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                continue;
            }
            if is_image {
                report.findings.push(warning(
                    "remote",
                    source,
                    format!("remote image {url}: the deck needs the network to show it"),
                    "download it next to the deck and link the local file",
                ));
            } else {
                report.links.push((source.to_path_buf(), url.to_string()));
            }
        }
    }
}

/// Slides whose content leaves their box, measured in the installed Chromium.
fn overflow(build: &BuildReport, report: &mut CheckReport) {
    if build.decks.is_empty() {
        return;
    }
    let bin = match browser::find() {
        Ok(b) => b,
        Err(e) => {
            let why = e.to_string();
            report.skipped.push(format!(
                "overflowing slides: not measured, {}",
                why.lines().next().unwrap_or("no browser")
            ));
            return;
        }
    };
    let measured = (|| -> Result<Vec<DeckOverflows>, String> {
        let chrome = browser::Browser::launch(&bin).map_err(|e| e.to_string())?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        for (i, deck) in build.decks.iter().enumerate() {
            let page = dir.path().join(format!("{i}.html"));
            std::fs::write(&page, &deck.html).map_err(|e| e.to_string())?;
            let tab = chrome
                .open(&format!("file://{}", page.display()))
                .map_err(|e| e.to_string())?;
            tab.eval_until(
                "document.readyState === 'complete' && typeof window.deck === 'object'",
                &json!(true),
                Duration::from_secs(20),
            )
            .map_err(|e| e.to_string())?;
            let found = tab.eval(OVERFLOWS_JS).map_err(|e| e.to_string())?;
            let slides = found
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| {
                    Some((
                        v[0].as_u64()?,
                        v[1].as_str()?.to_string(),
                        v[2].as_str().unwrap_or("").to_string(),
                    ))
                })
                .collect();
            out.push((deck.source.clone(), slides));
        }
        Ok(out)
    })();
    match measured {
        Ok(decks) => {
            for (source, slides) in decks {
                for (n, tag, band) in slides {
                    let message = if band.is_empty() {
                        format!("slide {n}: its content goes outside the slide (first: <{tag}>)")
                    } else {
                        format!("slide {n}: its content runs into the {band} (first: <{tag}>)")
                    };
                    report.findings.push(warning(
                        "overflow",
                        &source,
                        message,
                        "shorten the slide, split it, or make a chart smaller with `height:`",
                    ));
                }
            }
        }
        Err(e) => report.skipped.push(format!(
            "overflowing slides: not measured, the browser failed: {e}"
        )),
    }
}
