//! `deck export pdf|png`: decks as a PDF (one page per slide) or PNGs (one per slide), made by the
//! Chromium installed on this machine.

use std::path::PathBuf;

use crate::export::{self, ExportOptions, ExportReport, Format};
use crate::marp::invocation::{self, ProjectArgs};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Kind {
    /// One PDF per deck, a page per slide at the slide's size
    Pdf,
    /// One PNG per slide, in a folder per deck
    Png,
    /// One JPEG per slide, in a folder per deck
    Jpeg,
    /// One PowerPoint file per deck: a picture per slide, with its speaker notes
    Pptx,
    /// The speaker notes as text, as marp --notes writes them
    Notes,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to make
    pub kind: Kind,
    /// A deck project folder (with deck.toml), Markdown files or a folder of them [default: the
    /// current folder]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output folder [default: the build's output folder]
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Images and PPTX: device pixels per CSS pixel (2 makes a 1280x720 slide 2560x1440)
    #[arg(long, value_parser = parse_scale)]
    pub scale: Option<f64>,
    /// JPEG quality, 0-100
    #[arg(long = "jpeg-quality", default_value_t = 85, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub jpeg_quality: u8,
    /// Download remote images once and inline them, so they are in the PDF or PNGs
    #[arg(long)]
    pub embed_remote: bool,
    /// PDF: also write <deck>.notes.pdf, each slide beside its speaker notes (A4 landscape)
    #[arg(long)]
    pub notes: bool,
    /// PDF: each slide's notes as a note annotation on its page
    #[arg(long = "pdf-notes")]
    pub pdf_notes: bool,
    /// PDF: an outline (bookmarks) of the pages and their headings
    #[arg(long = "pdf-outlines")]
    pub pdf_outlines: bool,
    /// Treat the Markdown as plain Marp: `{{ }}`, `{% %}` and `{# #}` are text, not templates
    #[arg(long)]
    pub no_templates: bool,
    /// Let decks read files in this folder outside the project (images, datasets); repeatable.
    /// Only for decks you trust
    #[arg(long, value_name = "PATH")]
    pub allow_outside: Vec<std::path::PathBuf>,
    #[command(flatten)]
    pub project: ProjectArgs,
}

fn parse_scale(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if (0.25..=8.0).contains(&x) => Ok(x),
        _ => Err(format!(
            "{s:?} is not a scale from 0.25 to 8 (1 = the slide's CSS pixels)"
        )),
    }
}

/// Returns whether every deck built and was exported.
pub fn execute(args: Args) -> anyhow::Result<bool> {
    let pdf = matches!(args.kind, Kind::Pdf);
    if (args.notes || args.pdf_notes || args.pdf_outlines) && !pdf {
        anyhow::bail!(
            "--notes, --pdf-notes and --pdf-outlines are PDF options: use them with `deck export pdf`"
        );
    }
    let started = std::time::Instant::now();
    let mut diags = crate::diagnostics::Diagnostics::default();
    let mut inv = invocation::resolve(args.paths.clone(), &args.project, None, None, &mut diags);
    for d in diags.iter() {
        eprintln!("{d}");
    }
    if diags.has_errors() {
        return Ok(false);
    }
    inv.build.no_templates = args.no_templates;
    inv.build
        .allow_outside
        .extend(args.allow_outside.iter().cloned());
    inv.build.embed_remote = args.embed_remote;
    let format = match args.kind {
        Kind::Pdf => Format::Pdf,
        Kind::Png => Format::Png,
        Kind::Jpeg => Format::Jpeg,
        Kind::Pptx => Format::Pptx,
        Kind::Notes => Format::Notes,
    };
    let report = export::export(&ExportOptions {
        scale: args.scale.unwrap_or(if matches!(args.kind, Kind::Pptx) {
            2.0
        } else {
            1.0
        }),
        out: args.output,
        notes: args.notes,
        pdf_notes: args.pdf_notes,
        outlines: args.pdf_outlines.then_some(crate::marp::config::Outlines {
            pages: true,
            headings: true,
        }),
        jpeg_quality: args.jpeg_quality,
        ..ExportOptions::new(inv.build, format)
    })?;
    Ok(print(&report, started))
}

/// Print an export's problems and what it wrote; whether it had no error.
pub fn print(report: &ExportReport, started: std::time::Instant) -> bool {
    for d in report.build.diagnostics.iter() {
        eprintln!("{d}");
    }
    for failed in &report.build.failed {
        eprintln!("not exported: {} (fix the errors above)", failed.display());
    }
    for (source, files) in &report.files {
        match files.as_slice() {
            [one] => eprintln!("wrote {} (from {})", one.display(), source.display()),
            [slides, notes] if notes.to_string_lossy().ends_with(".notes.pdf") => eprintln!(
                "wrote {} and {} (from {})",
                slides.display(),
                notes.display(),
                source.display()
            ),
            many => eprintln!(
                "wrote {} images in {} (from {})",
                many.len(),
                many.first()
                    .and_then(|f| f.parent())
                    .map_or_else(String::new, |d| d.display().to_string()),
                source.display()
            ),
        }
    }
    let errors = report.build.diagnostics.error_count();
    eprintln!(
        "{} in {} ms; {} error{}, {} warning{}",
        if errors == 0 { "exported" } else { "failed" },
        started.elapsed().as_millis(),
        errors,
        if errors == 1 { "" } else { "s" },
        report.build.diagnostics.warning_count(),
        if report.build.diagnostics.warning_count() == 1 {
            ""
        } else {
            "s"
        },
    );
    errors == 0
}
