//! `deck build`: render decks and write them; report every problem found. It takes marp-cli's
//! command line with marp-cli's meaning (`deck build --theme-set themes/ --pdf talk.md`; `deck
//! talk.md` is the same command), so a Marp project's Makefile works with `marp` renamed.

use std::path::PathBuf;
use std::time::Instant;

use crate::diagnostics::Diagnostics;
use crate::marp::invocation::{self, Convert, ConvertArgs, Invocation, Mode, ProjectArgs};
use crate::pipeline::{self, BuildReport};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Markdown files or folders of them, or a deck project folder (with deck.toml) [default:
    /// the current folder]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Where to write: a file (`talk.html`; `.pdf`, `.png`, `.jpg`, `.pptx`, `.txt` choose the
    /// format), a folder (ending in `/`, existing, or without an extension; always one with -I),
    /// or `-` for standard output [default: deck.toml's `output`, or beside each Markdown file]
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<String>,
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
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub convert: ConvertArgs,
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

/// The command line resolved with the marp-cli config it finds; `None` (after printing why)
/// when it cannot be.
pub fn invocation(args: &Args) -> Option<Invocation> {
    let mut diags = Diagnostics::default();
    let mut inv = invocation::resolve(
        args.paths.clone(),
        &args.project,
        Some(&args.convert),
        args.output.as_deref(),
        &mut diags,
    );
    if diags.has_errors() {
        for d in diags.iter() {
            eprintln!("{d}");
        }
        return None;
    }
    inv.notes = diags;
    inv.build.no_templates = args.no_templates;
    inv.build
        .allow_outside
        .extend(args.allow_outside.iter().cloned());
    inv.build.embed_remote = args.embed_remote;
    inv.build.base_url.clone_from(&args.base_url);
    Some(inv)
}

/// Returns whether the build succeeded (no errors).
pub fn execute(args: Args) -> anyhow::Result<bool> {
    let Some(inv) = invocation(&args) else {
        return Ok(false);
    };
    if inv.build.output == pipeline::Output::Stdout && inv.convert != Convert::Html {
        anyhow::bail!(
            "-o - writes HTML to standard output; give a file name for PDF, images, PPTX or notes"
        );
    }
    match inv.mode {
        Mode::Serve { open } => crate::cmd::serve::serve_invocation(inv, open),
        Mode::Watch => watch(&inv),
        Mode::Once => Ok(once(&inv).ok),
    }
}

/// What one build did: no error, the files it wrote, the folder it writes into, what it read.
struct Built {
    ok: bool,
    written: Vec<PathBuf>,
    out_dir: PathBuf,
    read: Vec<PathBuf>,
}

/// One build (or conversion), reported.
fn once(inv: &Invocation) -> Built {
    let started = Instant::now();
    if inv.convert != Convert::Html {
        return match crate::export::convert(inv) {
            Ok(mut report) => {
                report.build.diagnostics.prepend(inv.notes.clone());
                Built {
                    ok: crate::cmd::export::print(&report, started),
                    written: report.files.iter().flat_map(|(_, f)| f.clone()).collect(),
                    out_dir: report.build.out_dir.clone(),
                    read: report
                        .build
                        .read
                        .iter()
                        .cloned()
                        .chain(report.build.sources())
                        .collect(),
                }
            }
            Err(e) => {
                eprintln!("error: {e:#}");
                Built {
                    ok: false,
                    written: Vec::new(),
                    out_dir: PathBuf::new(),
                    read: Vec::new(),
                }
            }
        };
    }
    let mut report = pipeline::build(&inv.build);
    report.diagnostics.prepend(inv.notes.clone());
    Built {
        ok: print(&report, started),
        written: report.decks.iter().map(|d| d.output.clone()).collect(),
        out_dir: report.out_dir.clone(),
        read: report
            .read
            .iter()
            .cloned()
            .chain(report.sources())
            .collect(),
    }
}

/// Print a build's problems, what it wrote and its totals; whether it had no error.
pub fn print(report: &BuildReport, started: Instant) -> bool {
    for d in report.diagnostics.iter() {
        eprintln!("{d}");
    }
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let slides: usize = report.decks.iter().map(|d| d.slides).sum();
    for deck in &report.decks {
        if report.stdout {
            eprintln!(
                "wrote {} to standard output ({})",
                deck.source.display(),
                plural(deck.slides, "slide")
            );
        } else {
            eprintln!(
                "wrote {} ({})",
                deck.output.display(),
                plural(deck.slides, "slide")
            );
        }
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
    errors == 0
}

/// marp-cli's `-w`: build, then build again after every change to what the decks read, until
/// Ctrl-C. (`deck serve` also reloads the open pages.)
fn watch(inv: &Invocation) -> anyhow::Result<bool> {
    use std::sync::mpsc;
    let (tx, rx) = mpsc::channel();
    let mut watcher = crate::serve::watch::Watch::new(tx)?;
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    ctrlc::set_handler(move || {
        let _ = stop_tx.send(());
    })?;
    let mut built = once(inv);
    watcher.set(&crate::serve::watch_folders(&inv.build, &built.read));
    eprintln!("watching for changes (Ctrl-C to stop)");
    loop {
        if stop_rx.try_recv().is_ok() {
            break;
        }
        match rx.recv_timeout(std::time::Duration::from_millis(200)) {
            Ok(mut batch) => {
                while let Ok(more) = rx.try_recv() {
                    batch.extend(more);
                }
                if !batch.rescan && batch.paths.iter().all(|p| built.wrote(p)) {
                    continue;
                }
                built = once(inv);
                watcher.set(&crate::serve::watch_folders(&inv.build, &built.read));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    eprintln!("stopped");
    Ok(built.ok)
}

impl Built {
    /// `path` (absolute, as the watcher reports it) is something the build writes itself:
    /// a page or file it wrote, a temporary file, the cache, or anything in a project's own
    /// output folder. Such a change is no reason to build again.
    fn wrote(&self, path: &std::path::Path) -> bool {
        let real = |q: &std::path::Path| {
            let q = if q.as_os_str().is_empty() {
                std::path::Path::new(".")
            } else {
                q
            };
            q.canonicalize().unwrap_or_else(|_| q.to_path_buf())
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let out_dir = real(&self.out_dir);
        // An output folder that holds no input (decks, images...) of the build.
        let own_folder = out_dir != real(std::path::Path::new("."))
            && !self.read.iter().any(|r| real(r).starts_with(&out_dir));
        name.starts_with(crate::output::TEMP_PREFIX)
            || self.written.iter().any(|w| real(w) == path)
            || path
                .components()
                .any(|c| c.as_os_str() == pipeline::CACHE_DIR)
            || (own_folder && path.starts_with(&out_dir))
    }
}
