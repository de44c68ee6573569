//! `deck export pdf|png`: decks as a PDF (one page per slide) or PNGs (one per slide), made by the
//! Chromium installed on this machine.

use std::path::PathBuf;

use crate::export::{self, ExportOptions, Format};
use crate::pipeline::BuildOptions;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Kind {
    /// One PDF per deck, a page per slide at the slide's size
    Pdf,
    /// One PNG per slide, in a folder per deck
    Png,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to make
    pub kind: Kind,
    /// A deck project folder (with deck.toml) or a Markdown file [default: the current folder]
    pub path: Option<PathBuf>,
    /// Output folder [default: the build's output folder]
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// PNG: device pixels per CSS pixel (2 makes a 1280x720 slide 2560x1440)
    #[arg(long, default_value_t = 1.0, value_parser = parse_scale)]
    pub scale: f64,
    /// Download remote images once and inline them, so they are in the PDF or PNGs
    #[arg(long)]
    pub embed_remote: bool,
    /// PDF: also write <deck>.notes.pdf, each slide beside its speaker notes (A4 landscape)
    #[arg(long)]
    pub notes: bool,
    /// Allow raw HTML in the Markdown (otherwise it is escaped, but for <br>)
    #[arg(long)]
    pub html: bool,
    /// Treat the Markdown as plain Marp: `{{ }}`, `{% %}` and `{# #}` are text, not templates
    #[arg(long)]
    pub no_templates: bool,
    /// Let decks read files in this folder outside the project (images, datasets); repeatable.
    /// Only for decks you trust
    #[arg(long, value_name = "PATH")]
    pub allow_outside: Vec<std::path::PathBuf>,
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
    if args.notes && matches!(args.kind, Kind::Png) {
        anyhow::bail!("--notes makes a notes PDF: use it with `deck export pdf`");
    }
    let report = export::export(&ExportOptions {
        build: BuildOptions {
            path: args.path,
            output: None,
            html: args.html,
            no_templates: args.no_templates,
            allow_outside: args.allow_outside,
            embed_remote: args.embed_remote,
            base_url: None,
        },
        format: match args.kind {
            Kind::Pdf => Format::Pdf,
            Kind::Png => Format::Png,
        },
        scale: args.scale,
        out: args.output,
        notes: args.notes,
    })?;
    for d in report.build.diagnostics.iter() {
        eprintln!("{d}");
    }
    for failed in &report.build.failed {
        eprintln!("not exported: {} (fix the errors above)", failed.display());
    }
    for (source, files) in &report.files {
        match files.as_slice() {
            [one] => eprintln!("wrote {} (from {})", one.display(), source.display()),
            [slides, notes] if args.notes => eprintln!(
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
    Ok(report.build.diagnostics.error_count() == 0)
}
