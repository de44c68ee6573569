//! `deck export` and marp-cli's conversions (`deck build --pdf`, `--images png`, `--pptx`,
//! `--notes`): the built decks as PDF (one page per slide, at the slide's size), images (PNG or
//! JPEG, one per slide or the first only), PowerPoint (a picture per slide, with its notes) or
//! the speaker notes as text, printed and screenshotted by the Chromium installed on the machine.
//!
//! The decks are rendered as `deck build` renders them; each page is then opened from `file://`
//! and shown as print shows it (every fragment visible, no viewer controls): the PDF is
//! Chromium's print of it (the viewer's print CSS gives each slide a page of its size), with the
//! notes, outline and metadata marp-cli adds; the images are screenshots of each slide's box.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use base64::Engine as _;
use serde_json::{Value, json};

use crate::browser::{self, Browser, Tab};
use crate::diagnostics::{Diagnostic, REFUSED};
use crate::marp::config::Outlines;
use crate::marp::invocation::{Convert, Invocation};
use crate::pipeline::{self, BuildOptions, BuildReport, BuiltDeck, Output};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Png,
    Jpeg,
    Pptx,
    Notes,
}

#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub build: BuildOptions,
    pub format: Format,
    /// Images and PPTX: device pixels per CSS pixel (2 gives 2560x1440 for a 16:9 deck).
    pub scale: f64,
    /// Where the files go [default: the build's output folder].
    pub out: Option<PathBuf>,
    /// PDF: also `<deck>.notes.pdf`, each slide with its speaker notes on an A4 landscape page.
    pub notes: bool,
    /// PDF: each slide's notes as a note annotation on its page (marp-cli's `--pdf-notes`).
    pub pdf_notes: bool,
    /// PDF: an outline of pages and headings (marp-cli's `--pdf-outlines`).
    pub outlines: Option<Outlines>,
    /// JPEG quality, 0-100.
    pub jpeg_quality: u8,
    pub browser_path: Option<PathBuf>,
    /// Seconds per browser step (0: no limit).
    pub browser_timeout: Option<f64>,
    /// Images: the first slide only, named `<deck>.png` (marp-cli's `--image`).
    pub first_only: bool,
}

impl ExportOptions {
    pub fn new(build: BuildOptions, format: Format) -> ExportOptions {
        ExportOptions {
            build,
            format,
            scale: 1.0,
            out: None,
            notes: false,
            pdf_notes: false,
            outlines: None,
            jpeg_quality: 85,
            browser_path: None,
            browser_timeout: None,
            first_only: false,
        }
    }
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

/// How the files of a deck are named.
#[derive(Clone, Copy)]
enum Naming<'a> {
    /// `deck export`: `<out>/<deck>.pdf`, `<out>/<deck>/01.png`...
    Export(&'a Path),
    /// marp-cli's: beside where the deck's HTML would go, `<deck>.pdf`, `<deck>.001.png`...; a
    /// file named with `-o` is used as it is.
    Marp { file: bool },
}

/// `deck export`: build, then export every deck that built into the output folder (`-o`, else
/// the build's). Build problems are in `report.build.diagnostics`.
pub fn export(opts: &ExportOptions) -> anyhow::Result<ExportReport> {
    let mut build = opts.build.clone();
    build.output = Output::Default;
    let report = pipeline::render_project(&build);
    let out_dir = opts.out.clone().unwrap_or_else(|| report.out_dir.clone());
    run(opts, report, Naming::Export(&out_dir))
}

/// marp-cli's conversions of `deck build`: the files go where marp-cli puts them.
pub fn convert(inv: &Invocation) -> anyhow::Result<ExportReport> {
    let (format, pdf_notes, outlines, all) = match inv.convert {
        Convert::Html => anyhow::bail!("not a conversion: HTML is what `deck build` writes"),
        Convert::Pdf { notes, outlines } => (Format::Pdf, notes, outlines, true),
        Convert::Image { jpeg, all } => (
            if jpeg { Format::Jpeg } else { Format::Png },
            false,
            None,
            all,
        ),
        Convert::Pptx => (Format::Pptx, false, None, true),
        Convert::Notes => (Format::Notes, false, None, true),
    };
    let opts = ExportOptions {
        scale: inv.scale,
        pdf_notes,
        outlines,
        jpeg_quality: inv.jpeg_quality,
        browser_path: inv.browser_path.clone(),
        browser_timeout: inv.browser_timeout,
        first_only: !all,
        ..ExportOptions::new(inv.build.clone(), format)
    };
    let file = matches!(inv.build.output, Output::File(_));
    let report = pipeline::render_project(&inv.build);
    run(&opts, report, Naming::Marp { file })
}

fn run(
    opts: &ExportOptions,
    build: BuildReport,
    naming: Naming<'_>,
) -> anyhow::Result<ExportReport> {
    let mut report = ExportReport {
        build,
        files: Vec::new(),
    };
    if report.build.decks.is_empty() {
        return Ok(report);
    }
    let decks = report.build.decks.clone();
    if opts.format == Format::Notes {
        for deck in &decks {
            let path = place(deck, naming, "txt", None);
            if deck.notes.iter().all(Vec::is_empty) {
                report.build.diagnostics.push(
                    Diagnostic::warning(&deck.source, "the deck has no speaker notes: the notes file is empty")
                        .help("speaker notes are HTML comments that are not directives: <!-- what to say -->"),
                );
            }
            crate::output::write_atomic(&path, notes_text(deck).as_bytes())?;
            report.files.push((deck.source.clone(), vec![path]));
        }
        return Ok(report);
    }
    // The pages Chromium opens are written into a temporary folder: only the exported files
    // are written where the user asked.
    let scratch = tempfile::tempdir().context("cannot make a temporary folder")?;
    let bin = match &opts.browser_path {
        Some(p) => p.clone(),
        None => browser::find()?,
    };
    let mut chrome = Browser::launch(&bin)?;
    if let Some(t) = opts.browser_timeout {
        chrome.set_timeout((t > 0.0).then(|| Duration::from_secs_f64(t)));
    }
    for (n, deck) in decks.iter().enumerate() {
        let page = scratch.path().join(format!("{n}.html"));
        crate::output::write_atomic(&page, deck.html.as_bytes())?;
        let page = page.canonicalize()?;
        let tab = chrome
            .open_guarded(&format!("file://{}", page.display()))
            .with_context(|| {
                format!("cannot open {} in {}", deck.source.display(), bin.display())
            })?;
        tab.eval_until(
            "document.readyState === 'complete' && typeof window.deck === 'object' && document.fonts.status === 'loaded'",
            &json!(true),
            Duration::from_secs(20),
        )
        .with_context(|| format!("{}: the viewer did not start", deck.source.display()))?;
        let written = match opts.format {
            Format::Pdf => {
                let path = place(deck, naming, "pdf", None);
                let mut files = vec![pdf(&tab, deck, opts, &path)?];
                if opts.notes {
                    tab.eval(&format!(
                        "document.head.insertAdjacentHTML('beforeend', {})",
                        json!(format!("<style>{NOTES_CSS}</style>"))
                    ))?;
                    let path = match naming {
                        Naming::Export(dir) => dir.join(format!("{}.notes.pdf", stem(deck))),
                        Naming::Marp { .. } => path.with_extension("notes.pdf"),
                    };
                    files.push(print(&tab, &path, false)?);
                }
                files
            }
            Format::Png | Format::Jpeg => {
                let jpeg = opts.format == Format::Jpeg;
                let shots = screenshots(
                    &tab,
                    opts.scale,
                    jpeg.then_some(opts.jpeg_quality),
                    opts.first_only,
                )?;
                let ext = if jpeg { "jpg" } else { "png" };
                let count = shots.len();
                let mut files = Vec::new();
                for (i, bytes) in shots.into_iter().enumerate() {
                    let path = match naming {
                        Naming::Export(dir) => {
                            let width = count.to_string().len().max(2);
                            dir.join(stem(deck))
                                .join(format!("{:0width$}.{ext}", i + 1))
                        }
                        Naming::Marp { .. } if opts.first_only => place(deck, naming, ext, None),
                        Naming::Marp { .. } => place(deck, naming, ext, Some(i + 1)),
                    };
                    crate::output::write_atomic(&path, &bytes)?;
                    files.push(path);
                }
                files
            }
            Format::Pptx => {
                let shots = screenshots(&tab, opts.scale, None, false)?;
                let path = place(deck, naming, "pptx", None);
                let pptx = crate::pptx::Presentation {
                    width: deck.width,
                    height: deck.height,
                    title: Some(deck.title.clone()),
                    author: deck.author.clone(),
                    description: deck.description.clone(),
                    slides: shots
                        .into_iter()
                        .zip(
                            deck.notes
                                .iter()
                                .map(|n| n.join("\n\n"))
                                .chain(std::iter::repeat(String::new())),
                        )
                        .map(|(png, notes)| crate::pptx::Slide { png, notes })
                        .collect(),
                };
                crate::output::write_atomic(&path, &pptx.write()?)?;
                vec![path]
            }
            Format::Notes => unreachable!("written above without a browser"),
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

fn stem(deck: &BuiltDeck) -> String {
    deck.output
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "deck".into())
}

/// Where marp-cli (or `deck export`) writes a deck's `ext` file, page `page` (1-based) of images.
fn place(deck: &BuiltDeck, naming: Naming<'_>, ext: &str, page: Option<usize>) -> PathBuf {
    let base = match naming {
        Naming::Export(dir) => dir.join(format!("{}.{ext}", stem(deck))),
        Naming::Marp { file: true } => deck.output.clone(),
        Naming::Marp { file: false } => deck.output.with_extension(ext),
    };
    match page {
        None => base,
        Some(n) => {
            // `talk.001.png`: the page number before the extension, as marp-cli writes it.
            let stem = base
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let name = match base.extension() {
                Some(e) => format!("{stem}.{n:03}.{}", e.to_string_lossy()),
                None => format!("{stem}.{n:03}"),
            };
            base.with_file_name(name)
        }
    }
}

/// The speaker notes as marp-cli's `--notes` writes them: a slide's notes separated by a blank
/// line, slides by a line `---` between blank lines, no newline at the end.
pub fn notes_text(deck: &BuiltDeck) -> String {
    if deck.notes.iter().all(Vec::is_empty) {
        return String::new();
    }
    deck.notes
        .iter()
        .map(|n| n.join("\n\n"))
        .collect::<Vec<_>>()
        .join("\n\n---\n\n")
}

fn pdf(
    tab: &Tab<'_>,
    deck: &BuiltDeck,
    opts: &ExportOptions,
    path: &Path,
) -> anyhow::Result<PathBuf> {
    let outline = match opts.outlines {
        Some(o) if o.headings => headings(tab)?,
        _ => Vec::new(),
    };
    let bytes = print_bytes(tab, true)?;
    let info = crate::pdf::Info {
        title: Some(deck.title.clone()),
        author: deck.author.clone(),
        subject: deck.description.clone(),
        keywords: deck.keywords.clone(),
        notes: if opts.pdf_notes {
            deck.notes.iter().map(|n| n.join("\n\n")).collect()
        } else {
            Vec::new()
        },
        outline: opts.outlines.map(|o| crate::pdf::Outline {
            pages: o.pages,
            headings: outline,
        }),
        height: f64::from(deck.height),
    };
    let bytes = crate::pdf::finish(&bytes, &info)
        .with_context(|| format!("cannot finish the PDF of {}", deck.source.display()))?;
    crate::output::write_atomic(path, &bytes)?;
    Ok(path.to_path_buf())
}

/// Each slide's headings: (slide index, level, text, top in CSS pixels within the slide).
fn headings(tab: &Tab<'_>) -> anyhow::Result<Vec<crate::pdf::Heading>> {
    tab.call("Emulation.setEmulatedMedia", json!({ "media": "print" }))?;
    let found = tab.eval(
        "[...document.querySelectorAll('.deck-slide > section')].flatMap((s, i) => { const top = s.getBoundingClientRect().top; return [...s.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => [i, Number(h.tagName[1]), h.innerText.replace(/\\s+/g, ' ').trim(), h.getBoundingClientRect().top - top]); })",
    )?;
    tab.call("Emulation.setEmulatedMedia", json!({ "media": "" }))?;
    Ok(found
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|h| {
            Some(crate::pdf::Heading {
                page: h[0].as_u64()? as usize,
                level: h[1].as_u64()? as u8,
                text: h[2].as_str()?.to_string(),
                top: h[3].as_f64().unwrap_or(0.0),
            })
        })
        .collect())
}

fn print_bytes(tab: &Tab<'_>, tagged: bool) -> anyhow::Result<Vec<u8>> {
    let printed = tab.call(
        "Page.printToPDF",
        json!({
            "printBackground": true,
            "preferCSSPageSize": true,
            "displayHeaderFooter": false,
            "margin": 0,
            "generateTaggedPDF": tagged,
        }),
    )?;
    decode(&printed)
}

fn print(tab: &Tab<'_>, path: &Path, tagged: bool) -> anyhow::Result<PathBuf> {
    crate::output::write_atomic(path, &print_bytes(tab, tagged)?)?;
    Ok(path.to_path_buf())
}

/// A screenshot of every slide's box, as PNG (or JPEG at `quality`).
fn screenshots(
    tab: &Tab<'_>,
    scale: f64,
    quality: Option<u8>,
    first_only: bool,
) -> anyhow::Result<Vec<Vec<u8>>> {
    // Print media: every fragment shown, no controls, slides one under the other at their size.
    tab.call("Emulation.setEmulatedMedia", json!({ "media": "print" }))?;
    let boxes = tab.eval(
        "[...document.querySelectorAll('.deck-slide > section')].map(s => { const r = s.getBoundingClientRect(); return [r.left + scrollX, r.top + scrollY, r.width, r.height]; })",
    )?;
    let mut boxes = boxes.as_array().cloned().unwrap_or_default();
    if first_only {
        boxes.truncate(1);
    }
    let mut shots = Vec::new();
    for b in &boxes {
        let n = |k: usize| b[k].as_f64().unwrap_or(0.0);
        let mut params = json!({
            "format": if quality.is_some() { "jpeg" } else { "png" },
            "captureBeyondViewport": true,
            "clip": { "x": n(0), "y": n(1), "width": n(2), "height": n(3), "scale": scale },
        });
        if let Some(q) = quality {
            params["quality"] = json!(q);
        }
        shots.push(decode(&tab.call("Page.captureScreenshot", params)?)?);
    }
    Ok(shots)
}

fn decode(reply: &Value) -> anyhow::Result<Vec<u8>> {
    let data = reply["data"].as_str().unwrap_or_default();
    base64::engine::general_purpose::STANDARD
        .decode(data)
        .context("the browser sent data that is not base64")
}
