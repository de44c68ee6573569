//! `deck check`: for CI, everything `deck build` validates and more, without writing anything.
//! Exit codes: 0 no problem (or only warnings), 1 errors, 2 warnings with `--strict`.

use std::path::PathBuf;

use crate::check::{self, CheckOptions};
use crate::diagnostics::Severity;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A deck project folder (with deck.toml), Markdown files or a folder of them [default: the
    /// current folder]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// `json` for CI: every finding with its check, file, line, message and help
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Warnings fail too (exit code 2)
    #[arg(long)]
    pub strict: bool,
    /// Do not start a browser to measure overflowing slides
    #[arg(long)]
    pub no_browser: bool,
    /// Treat the Markdown as plain Marp: `{{ }}`, `{% %}` and `{# #}` are text, not templates
    #[arg(long)]
    pub no_templates: bool,
    /// Let decks read files in this folder outside the project (images, datasets); repeatable.
    /// Only for decks you trust
    #[arg(long, value_name = "PATH")]
    pub allow_outside: Vec<std::path::PathBuf>,
    #[command(flatten)]
    pub project: crate::marp::invocation::ProjectArgs,
}

pub fn execute(args: Args) -> anyhow::Result<u8> {
    let mut diags = crate::diagnostics::Diagnostics::default();
    let mut inv =
        crate::marp::invocation::resolve(args.paths.clone(), &args.project, None, None, &mut diags);
    for d in diags.iter() {
        eprintln!("{d}");
    }
    if diags.has_errors() {
        return Ok(1);
    }
    inv.build.no_templates = args.no_templates;
    inv.build
        .allow_outside
        .extend(args.allow_outside.iter().cloned());
    let report = check::check(&CheckOptions {
        build: inv.build,
        browser: !args.no_browser,
    });
    let (errors, warnings) = (report.errors(), report.warnings());
    match args.format {
        Format::Json => {
            let doc = serde_json::json!({
                "ok": errors == 0 && (!args.strict || warnings == 0),
                "errors": errors,
                "warnings": warnings,
                "decks": report.decks,
                "slides": report.slides,
                "findings": report.findings,
                "links": report.links.iter().map(|(d, u)| serde_json::json!({"deck": d, "url": u})).collect::<Vec<_>>(),
                "skipped": report.skipped,
                "hosts": report.hosts.iter().map(|h| serde_json::json!({
                    "deck": h.deck,
                    "folder": h.folder,
                    "hosts": h.hosts.iter().map(|(name, runs)| serde_json::json!({"host": name, "runs": runs})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        Format::Human => {
            for f in &report.findings {
                match &f.rendered {
                    Some(text) => eprintln!("{text}"),
                    None => {
                        let level = match f.severity {
                            Severity::Error => "error",
                            Severity::Warning => "warning",
                        };
                        eprintln!("{level}[{}]: {}: {}", f.check, f.file.display(), f.message);
                        if let Some(h) = &f.help {
                            eprintln!("  = help: {h}");
                        }
                        eprintln!();
                    }
                }
            }
            if !report.links.is_empty() {
                eprintln!("external links ({}):", report.links.len());
                for (deck, url) in &report.links {
                    eprintln!("  {}: {url}", deck.display());
                }
            }
            for h in &report.hosts {
                eprintln!(
                    "hosts in {} (read by {}): {}",
                    h.folder.display(),
                    h.deck,
                    h.hosts
                        .iter()
                        .map(|(name, runs)| format!("{name} ({runs} measured runs)"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            for s in &report.skipped {
                eprintln!("note: {s}");
            }
            let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
            eprintln!(
                "checked {}, {}: {}, {}",
                plural(report.decks, "deck"),
                plural(report.slides, "slide"),
                plural(errors, "error"),
                plural(warnings, "warning")
            );
        }
    }
    Ok(if errors > 0 {
        1
    } else if args.strict && warnings > 0 {
        2
    } else {
        0
    })
}
