//! `deck export`: the built decks as PDF (one page per slide, at the slide's size) or as PNG (one
//! image per slide), printed and screenshotted by the Chromium installed on the machine.
//!
//! The decks are built as `deck build` builds them; each page is then opened from `file://` and
//! shown as print shows it (every fragment visible, no viewer controls): the PDF is Chromium's
//! print of it (the viewer's print CSS gives each slide a page of its size), the PNGs are
//! screenshots of each slide's box at `scale` device pixels per CSS pixel.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use base64::Engine as _;
use serde_json::{Value, json};

use crate::browser::{self, Browser, Tab};
use crate::diagnostics::{Diagnostic, REFUSED};
use crate::pipeline::{self, BuildOptions, BuildReport};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Png,
}

#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub build: BuildOptions,
    pub format: Format,
    /// PNG: device pixels per CSS pixel (2 gives 2560x1440 for a 16:9 deck).
    pub scale: f64,
    /// Where the files go [default: the build's output folder].
    pub out: Option<PathBuf>,
    /// PDF: also `<deck>.notes.pdf`, each slide with its speaker notes on an A4 landscape page.
    pub notes: bool,
}

/// Print CSS for the notes PDF: on each A4 landscape page, the slide at 56% (717 px of the
/// page's 1047) and its notes beside it.
const NOTES_CSS: &str = r#"
@page { size: 297mm 210mm; margin: 10mm; }
@media print {
  div.marpit > div.deck-slide, html.deck-js div.marpit > div.deck-slide {
    display: flex !important; gap: 8mm; align-items: flex-start;
    width: auto !important; height: auto !important; overflow: visible !important;
  }
  div.marpit > div.deck-slide > section {
    zoom: 0.56; flex: none; break-inside: avoid; outline: 2px solid #c8c8c8;
  }
  div.marpit > div.deck-slide > aside.deck-notes {
    display: block !important; flex: 1; margin: 0; color: #111;
    font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
  }
  div.marpit > div.deck-slide > aside.deck-notes:empty::before { content: "(no notes)"; color: #888; }
}
"#;

/// What was exported, per deck.
#[derive(Debug, Default)]
pub struct ExportReport {
    pub build: BuildReport,
    /// The files written, per deck, in slide order.
    pub files: Vec<(PathBuf, Vec<PathBuf>)>,
}

/// Build, then export every deck that built. Build problems are in `report.build.diagnostics`.
/// With an output folder (`-o`), the pages Chromium prints are built into a temporary folder:
/// only the PDF or PNG files are written, and only there.
pub fn export(opts: &ExportOptions) -> anyhow::Result<ExportReport> {
    let scratch = tempfile::tempdir().context("cannot make a temporary folder")?;
    let mut build_opts = opts.build.clone();
    if opts.out.is_some() {
        build_opts.output = Some(scratch.path().to_path_buf());
    }
    let build = pipeline::build(&build_opts);
    let mut report = ExportReport {
        build,
        files: Vec::new(),
    };
    if report.build.decks.is_empty() {
        return Ok(report);
    }
    let bin = browser::find()?;
    let chrome = Browser::launch(&bin)?;
    let out_dir = opts
        .out
        .clone()
        .unwrap_or_else(|| report.build.out_dir.clone());
    for deck in &report.build.decks {
        let page = deck
            .output
            .canonicalize()
            .with_context(|| format!("cannot find {}", deck.output.display()))?;
        let name = deck
            .output
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "deck".into());
        let tab = chrome
            .open_guarded(&format!("file://{}", page.display()))
            .with_context(|| format!("cannot open {} in {}", page.display(), bin.display()))?;
        tab.eval_until(
            "document.readyState === 'complete' && typeof window.deck === 'object'",
            &json!(true),
            Duration::from_secs(20),
        )
        .with_context(|| format!("{}: the viewer did not start", page.display()))?;
        let written = match opts.format {
            Format::Pdf => {
                let mut files = vec![pdf(&tab, &out_dir.join(format!("{name}.pdf")))?];
                if opts.notes {
                    tab.eval(&format!(
                        "document.head.insertAdjacentHTML('beforeend', {})",
                        json!(format!("<style>{NOTES_CSS}</style>"))
                    ))?;
                    files.push(pdf(&tab, &out_dir.join(format!("{name}.notes.pdf")))?);
                }
                files
            }
            Format::Png => png(&tab, &out_dir.join(&name), opts.scale)?,
        };
        for url in chrome.blocked(&tab) {
            report.build.diagnostics.push(
                Diagnostic::warning(
                    &deck.source,
                    format!("the exported page asked for {url}: refused"),
                )
                .help("deck export loads nothing from this machine but the deck itself; put the file in the project and link it from the deck")
                .code(REFUSED),
            );
        }
        report.files.push((deck.source.clone(), written));
    }
    Ok(report)
}

fn pdf(tab: &Tab<'_>, path: &Path) -> anyhow::Result<PathBuf> {
    let printed = tab.call(
        "Page.printToPDF",
        json!({
            "printBackground": true,
            "preferCSSPageSize": true,
            "displayHeaderFooter": false,
            "margin": 0,
        }),
    )?;
    write_base64(&printed, path)?;
    Ok(path.to_path_buf())
}

fn png(tab: &Tab<'_>, dir: &Path, scale: f64) -> anyhow::Result<Vec<PathBuf>> {
    // Print media: every fragment shown, no controls, slides one under the other at their size.
    tab.call("Emulation.setEmulatedMedia", json!({ "media": "print" }))?;
    let boxes = tab.eval(
        "[...document.querySelectorAll('.deck-slide > section')].map(s => { const r = s.getBoundingClientRect(); return [r.left + scrollX, r.top + scrollY, r.width, r.height]; })",
    )?;
    let boxes = boxes.as_array().cloned().unwrap_or_default();
    let width = boxes.len().to_string().len().max(2);
    let mut files = Vec::new();
    for (i, b) in boxes.iter().enumerate() {
        let n = |k: usize| b[k].as_f64().unwrap_or(0.0);
        let shot = tab.call(
            "Page.captureScreenshot",
            json!({
                "format": "png",
                "captureBeyondViewport": true,
                "clip": { "x": n(0), "y": n(1), "width": n(2), "height": n(3), "scale": scale },
            }),
        )?;
        let path = dir.join(format!("{:0width$}.png", i + 1));
        write_base64(&shot, &path)?;
        files.push(path);
    }
    Ok(files)
}

fn write_base64(reply: &Value, path: &Path) -> anyhow::Result<()> {
    let data = reply["data"].as_str().unwrap_or_default();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .context("the browser sent data that is not base64")?;
    crate::output::write_atomic(path, &bytes)
}
