//! The build pipeline: load → parse → resolve → render → write, for every deck of a project.
//!
//! Every problem found is collected; a deck with errors is not written (its last good output stays),
//! the others are.

use std::path::{Path, PathBuf};

use crate::assets::FileAssets;
use crate::deck::Deck;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::markdown::{self, ParseOptions};
use crate::project::Project;
use crate::render::{self, Templates};
use crate::results::{FigureRecord, Results, template};
use crate::themes::Themes;

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// A project folder (with deck.toml) or one Markdown file; the current folder when `None`.
    pub path: Option<PathBuf>,
    /// Output folder, overriding deck.toml (or "beside the file" for a single Markdown file).
    pub output: Option<PathBuf>,
    /// Allow raw HTML in every deck.
    pub html: bool,
}

/// One deck rendered in memory.
#[derive(Debug, Clone)]
pub struct BuiltDeck {
    pub source: PathBuf,
    pub output: PathBuf,
    pub html: String,
    pub slides: usize,
}

#[derive(Debug, Default)]
pub struct BuildReport {
    pub decks: Vec<BuiltDeck>,
    /// Decks not written because of errors.
    pub failed: Vec<PathBuf>,
    pub diagnostics: Diagnostics,
    /// Every chart and table, with its inputs.
    pub figures: Vec<FigureRecord>,
    /// Data files the figures read, relative to the project root.
    pub data_files: Vec<String>,
    pub root: PathBuf,
    pub out_dir: PathBuf,
}

/// Where deck keeps what it can recompute (figure cache, file hashes), inside the project.
pub const CACHE_DIR: &str = ".deck-cache";

/// What every deck of a build shares.
struct DeckContext<'a> {
    project: &'a Project,
    out_dir: &'a Path,
    opts: &'a BuildOptions,
    themes: &'a Themes,
    templates: &'a Templates,
}

/// Render every deck of the project in memory; nothing is written.
pub fn render_project(opts: &BuildOptions) -> BuildReport {
    let mut report = BuildReport::default();
    let path = opts.path.clone().unwrap_or_else(|| PathBuf::from("."));
    let Some(project) = Project::load(&path, &mut report.diagnostics) else {
        return report;
    };
    if project.decks.is_empty() && !report.diagnostics.has_errors() {
        let at = project
            .config_path
            .clone()
            .unwrap_or_else(|| project.root.clone());
        report.diagnostics.push(
            Diagnostic::error(at, "no deck to build")
                .help("add Markdown files under slides/ or list them in `decks` in deck.toml"),
        );
        return report;
    }
    let themes = Themes::load(&project.themes_dir(), &mut report.diagnostics);
    let templates = Templates::load(&project.templates_dir());
    let out_dir = output_dir(&project, opts);
    // One data engine (one SQL context) for the whole build; figures cached in the project.
    let cache = project
        .config_path
        .as_ref()
        .map(|_| project.root.join(CACHE_DIR).join("figures"));
    let mut results = Results::new(
        &project.root,
        project.config.datasets.clone(),
        project.config.colors.clone(),
        cache,
    );
    let ctx = DeckContext {
        project: &project,
        out_dir: &out_dir,
        opts,
        themes: &themes,
        templates: &templates,
    };
    let mut seen_outputs: Vec<PathBuf> = Vec::new();
    for source in &project.decks {
        let mut diags = Diagnostics::default();
        results.deck = source
            .strip_prefix(&project.root)
            .unwrap_or(source)
            .display()
            .to_string();
        let built = build_deck(&ctx, source, &mut results, &mut diags);
        if let Some(b) = &built {
            if seen_outputs.contains(&b.output) {
                let msg = format!("another deck also writes {}", b.output.display());
                diags.push(
                    Diagnostic::error(source, msg).help("give the decks different file names"),
                );
            }
            seen_outputs.push(b.output.clone());
        }
        let failed = diags.has_errors();
        report.diagnostics.extend(diags);
        match built {
            Some(b) if !failed => report.decks.push(b),
            _ => report.failed.push(source.clone()),
        }
    }
    results.save();
    report.figures = std::mem::take(&mut results.records);
    report.data_files = report
        .figures
        .iter()
        .flat_map(|f| f.inputs.iter().map(|i| i.path.clone()))
        .collect();
    report.data_files.sort();
    report.data_files.dedup();
    report.root = project.root.clone();
    report.out_dir = out_dir;
    report
}

/// Render and write; returns the report (the caller prints it).
pub fn build(opts: &BuildOptions) -> BuildReport {
    let mut report = render_project(opts);
    for deck in &report.decks {
        if let Err(e) = crate::output::write_atomic(&deck.output, deck.html.as_bytes()) {
            report
                .diagnostics
                .push(Diagnostic::error(&deck.output, format!("{e:#}")));
        }
    }
    if !report.figures.is_empty()
        && let Err(e) = write_provenance(&report)
    {
        report
            .diagnostics
            .push(Diagnostic::error(&report.out_dir, format!("{e:#}")));
    }
    report
}

/// `provenance.json` lists every figure with its inputs; the data files go to `data/` beside it,
/// so attendees can download what the deck was computed from.
fn write_provenance(report: &BuildReport) -> anyhow::Result<()> {
    let doc = serde_json::json!({
        "generator": format!("deck {}", env!("CARGO_PKG_VERSION")),
        "figures": report.figures,
    });
    let json = serde_json::to_vec_pretty(&doc)?;
    crate::output::write_atomic(&report.out_dir.join("provenance.json"), &json)?;
    for rel in &report.data_files {
        let from = report.root.join(rel);
        // Keep the path under the project's data folder: data/runs.csv -> dist/data/runs.csv.
        let clean: PathBuf = Path::new(rel)
            .components()
            .filter(|c| matches!(c, std::path::Component::Normal(_)))
            .collect();
        let inner = clean.strip_prefix("data").unwrap_or(&clean);
        crate::output::copy_atomic(&from, &report.out_dir.join("data").join(inner))?;
    }
    Ok(())
}

fn output_dir(project: &Project, opts: &BuildOptions) -> PathBuf {
    match (&opts.output, &project.config_path) {
        (Some(o), _) => o.clone(),
        (None, Some(_)) => project.root.join(&project.config.output),
        (None, None) => project.root.clone(),
    }
}

/// Parse a deck file into the model (no rendering), with figures drawn by `results` when given.
pub fn parse_file(
    source: &Path,
    html: bool,
    results: Option<&mut Results>,
    diags: &mut Diagnostics,
) -> Option<Deck> {
    let text = match std::fs::read(source) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                let bytes = e.as_bytes();
                let line = bytes[..offset].iter().filter(|b| **b == b'\n').count() + 1;
                let msg = format!("not UTF-8 text (invalid byte at line {line})");
                diags.push(Diagnostic::error(source, msg).help("save the file as UTF-8"));
                return None;
            }
        },
        Err(e) => {
            diags.push(Diagnostic::error(source, format!("cannot read: {e}")));
            return None;
        }
    };
    let text = match &results {
        Some(r) if template::uses_templates(&text) => {
            match template::expand(source, &text, &r.engine) {
                Ok(t) => t,
                Err(d) => {
                    diags.push(d);
                    return None;
                }
            }
        }
        _ => text,
    };
    let base = source
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut assets = FileAssets::new(base);
    let opts = ParseOptions {
        html,
        resolver: &mut assets,
        figures: results.map(|r| r as &mut dyn markdown::FigureRenderer),
    };
    Some(markdown::parse(source, &text, opts, diags))
}

fn build_deck(
    ctx: &DeckContext<'_>,
    source: &Path,
    results: &mut Results,
    diags: &mut Diagnostics,
) -> Option<BuiltDeck> {
    let project = ctx.project;
    let html_allowed = ctx.opts.html || project.config.html;
    let deck = parse_file(source, html_allowed, Some(results), diags)?;
    let theme_name = theme_for(&deck, project, ctx.themes, source, diags)?;
    let theme_css = ctx.themes.css(&theme_name, diags).unwrap_or_default();
    let html = match render::render(&deck, &theme_name, &theme_css, ctx.templates) {
        Ok(h) => h,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let stem = source
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "deck".into());
    Some(BuiltDeck {
        source: source.to_path_buf(),
        output: ctx.out_dir.join(format!("{stem}.html")),
        html,
        slides: deck.slides.len(),
    })
}

/// The deck's theme: its `theme` directive, else deck.toml's `theme`, else `default`.
fn theme_for(
    deck: &Deck,
    project: &Project,
    themes: &Themes,
    source: &Path,
    diags: &mut Diagnostics,
) -> Option<String> {
    let known = || themes.names().collect::<Vec<_>>().join(", ");
    if let Some(t) = &deck.globals.theme {
        if themes.get(&t.value).is_some() {
            return Some(t.value.clone());
        }
        let text = std::fs::read_to_string(source).unwrap_or_default();
        diags.push(
            Diagnostic::error(source, format!("unknown theme `{}`", t.value))
                .at(&text, t.pos, t.len)
                .help(format!(
                    "known themes: {}; or add themes/{}.css starting with /* @theme {} */",
                    known(),
                    t.value,
                    t.value
                )),
        );
        return None;
    }
    match &project.config.theme {
        Some(name) if themes.get(name).is_none() => {
            let path = project.config_path.clone().unwrap_or_default();
            diags.push(
                Diagnostic::error(path, format!("unknown theme `{name}` in deck.toml"))
                    .help(format!("known themes: {}", known())),
            );
            None
        }
        Some(name) => Some(name.clone()),
        None => Some("default".into()),
    }
}
