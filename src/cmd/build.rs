//! `deck build`: render decks and write them; report every problem found.

use std::path::PathBuf;
use std::time::Instant;

use crate::pipeline::{self, BuildOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A deck project folder (with deck.toml) or a Markdown file [default: the current folder]
    pub path: Option<PathBuf>,
    /// Output folder [default: deck.toml's `output`, or beside the Markdown file]
    #[arg(short, long)]
    pub output: Option<PathBuf>,
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
    /// Download remote images once (into .deck-cache/remote/) and inline them, so the deck works
    /// without the network
    #[arg(long)]
    pub embed_remote: bool,
    /// Where dist/ will be published (e.g. https://example.org/talks/): pages get their absolute
    /// address (canonical link, Open Graph); links stay relative, so any sub-path works
    #[arg(long, value_parser = parse_base_url)]
    pub base_url: Option<String>,
}

/// An absolute http(s) URL, ending with `/` so names can be appended.
fn parse_base_url(s: &str) -> Result<String, String> {
    let lower = s.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or_else(|| format!("{s:?} is not an http(s) URL (e.g. https://example.org/talks/)"))?;
    if rest.is_empty() || rest.starts_with('/') || s.contains(['"', '<', '>', ' ', '#', '?']) {
        return Err(format!(
            "{s:?} is not a usable base URL (e.g. https://example.org/talks/)"
        ));
    }
    Ok(if s.ends_with('/') {
        s.to_string()
    } else {
        format!("{s}/")
    })
}

/// Returns whether the build succeeded (no errors).
pub fn execute(args: Args) -> anyhow::Result<bool> {
    let started = Instant::now();
    let report = pipeline::build(&BuildOptions {
        path: args.path,
        output: args.output,
        html: args.html,
        no_templates: args.no_templates,
        allow_outside: args.allow_outside,
        embed_remote: args.embed_remote,
        base_url: args.base_url,
    });
    for d in report.diagnostics.iter() {
        eprintln!("{d}");
    }
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let slides: usize = report.decks.iter().map(|d| d.slides).sum();
    for deck in &report.decks {
        eprintln!(
            "wrote {} ({})",
            deck.output.display(),
            plural(deck.slides, "slide")
        );
    }
    for failed in &report.failed {
        eprintln!("not written: {} (fix the errors above)", failed.display());
    }
    let (errors, warnings) = (
        report.diagnostics.error_count(),
        report.diagnostics.warning_count(),
    );
    eprintln!(
        "{}: {}, {} in {} ms; {}, {}",
        if errors == 0 { "built" } else { "failed" },
        plural(report.decks.len(), "deck"),
        plural(slides, "slide"),
        started.elapsed().as_millis(),
        plural(errors, "error"),
        plural(warnings, "warning"),
    );
    Ok(errors == 0)
}
