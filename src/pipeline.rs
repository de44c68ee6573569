//! The build pipeline: load → parse → resolve → render → write, for every deck of a project.
//!
//! Every problem found is collected; a deck with errors is not written (its last good output stays),
//! the others are.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::assets::FileAssets;
use crate::confine::Sandbox;
use crate::deck::Deck;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::markdown::{self, ParseOptions};
use crate::project::Project;
use crate::render::{self, Templates};
use crate::results::{FigureRecord, Results};
use crate::template::{self, Expansion};
use crate::themes::Themes;

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// A project folder (with deck.toml) or one Markdown file; the current folder when `None`.
    pub path: Option<PathBuf>,
    /// Output folder, overriding deck.toml (or "beside the file" for a single Markdown file).
    pub output: Option<PathBuf>,
    /// Allow raw HTML in every deck.
    pub html: bool,
    /// Leave template syntax as text in every deck (as deck.toml's `templates = false`).
    pub no_templates: bool,
    /// Folders outside the project that decks may read (`--allow-outside`).
    pub allow_outside: Vec<PathBuf>,
    /// Download remote images (once, into the cache) and inline them.
    pub embed_remote: bool,
    /// Where `dist/` is published (`https://example.org/talks/`): pages get their absolute
    /// address (canonical, Open Graph) and `provenance.json` the data files' addresses.
    pub base_url: Option<String>,
}

/// One deck rendered in memory.
#[derive(Debug, Clone)]
pub struct BuiltDeck {
    pub source: PathBuf,
    pub output: PathBuf,
    pub html: String,
    pub slides: usize,
    pub title: String,
    pub description: Option<String>,
    pub author: Option<String>,
    pub date: Option<String>,
    /// Slide size in CSS pixels.
    pub width: u32,
    pub height: u32,
    /// The theme it was drawn with (after any fallback).
    pub theme: String,
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
    /// The site's `index.html` (projects only), written with the decks.
    pub index: Option<String>,
    pub base_url: Option<String>,
    /// Failed measurements in the datasets the decks read: (dataset, what failed).
    pub failed_runs: Vec<(String, crate::results::data::Failed)>,
}

/// Where deck keeps what it can recompute (figure cache, file hashes), inside the project.
pub const CACHE_DIR: &str = ".deck-cache";

/// A project opened for building: what every deck of a build shares (themes, templates, one data
/// engine with one SQL context, the figure cache). `deck serve` keeps one open and renders decks
/// again as their files change.
pub struct Session {
    pub project: Project,
    pub opts: BuildOptions,
    /// What decks may read.
    pub sandbox: Sandbox,
    pub themes: Themes,
    pub templates: Templates,
    pub results: Results,
    pub out_dir: PathBuf,
}

/// One deck rendered by a [`Session`], with everything it read.
#[derive(Debug, Default)]
pub struct DeckBuild {
    /// `None` when the deck has errors.
    pub deck: Option<BuiltDeck>,
    pub diagnostics: Diagnostics,
    pub figures: Vec<FigureRecord>,
    /// Local files the deck read besides its source (images), for the watcher.
    pub files: Vec<PathBuf>,
}

impl Session {
    /// Load the project, its themes and templates; `None` (with diagnostics) if deck.toml is bad.
    pub fn open(opts: &BuildOptions, diags: &mut Diagnostics) -> Option<Session> {
        let path = opts.path.clone().unwrap_or_else(|| PathBuf::from("."));
        let project = Project::load(&path, diags)?;
        let sandbox = sandbox_for(&project, opts);
        let themes = Themes::load(&project.themes_dir(), &sandbox, diags);
        let templates = Templates::load(&project.templates_dir(), &sandbox, diags);
        let out_dir = output_dir(&project, opts);
        // Temporary files of a build that was killed: a project's output and cache folders are
        // deck's own (a few levels down); beside a lone Markdown file, only that folder.
        let depth = if project.config_path.is_some() { 4 } else { 0 };
        crate::output::remove_stale_temps(&out_dir, depth);
        if project.config_path.is_some() {
            crate::output::remove_stale_temps(&project.root.join(CACHE_DIR), 4);
        }
        // Figures are cached in the project (not for a lone Markdown file).
        let cache = project
            .config_path
            .as_ref()
            .map(|_| project.root.join(CACHE_DIR).join("figures"));
        let results = Results::new(
            &project.root,
            project.config.datasets.clone(),
            project.config.colors.clone(),
            cache,
            sandbox.clone(),
        );
        confine_datasets(&project, &results, diags);
        Some(Session {
            project,
            opts: opts.clone(),
            sandbox,
            themes,
            templates,
            results,
            out_dir,
        })
    }

    /// Read the project's themes again (a theme file changed).
    pub fn reload_themes(&mut self, diags: &mut Diagnostics) -> BTreeSet<String> {
        let themes = Themes::load(&self.project.themes_dir(), &self.sandbox, diags);
        let changed = self.themes.changed(&themes);
        self.themes = themes;
        changed
    }

    /// Read the project's templates again (a template file changed).
    pub fn reload_templates(&mut self, diags: &mut Diagnostics) {
        self.templates = Templates::load(&self.project.templates_dir(), &self.sandbox, diags);
    }

    /// A data file changed: datasets read from it are loaded again by the next query that needs
    /// them. Returns the declared datasets that read it.
    pub fn data_changed(&mut self, path: &Path) -> Vec<String> {
        self.results
            .engine
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .forget(path)
    }

    /// The declared datasets these figures and values read (from their parsed SQL).
    pub fn datasets_read(&self, figures: &[FigureRecord]) -> BTreeSet<String> {
        let engine = self
            .results
            .engine
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        figures
            .iter()
            .filter(|f| !f.sql.is_empty())
            .flat_map(|f| engine.datasets_in(&f.sql))
            .collect()
    }

    /// Render one deck in memory.
    pub fn render_deck(&mut self, source: &Path) -> DeckBuild {
        let mut out = DeckBuild::default();
        self.results.deck = source
            .strip_prefix(&self.project.root)
            .unwrap_or(source)
            .display()
            .to_string();
        let html_allowed = self.opts.html || self.project.config.html;
        let remote = self
            .opts
            .embed_remote
            .then(|| self.project.root.join(CACHE_DIR).join("remote"));
        let templates = !self.opts.no_templates && self.project.config.templates;
        let (deck, files) = parse_source(
            source,
            &self.sandbox,
            html_allowed,
            templates,
            remote.as_deref(),
            Some(&mut self.results),
            &mut out.diagnostics,
        );
        out.files = files;
        out.figures = std::mem::take(&mut self.results.records);
        let Some(deck) = deck else {
            return out;
        };
        let built = self.render_model(source, &deck, &mut out.diagnostics);
        if !out.diagnostics.has_errors() {
            out.deck = built;
        }
        out
    }

    fn render_model(
        &self,
        source: &Path,
        deck: &Deck,
        diags: &mut Diagnostics,
    ) -> Option<BuiltDeck> {
        let theme_name = theme_for(deck, &self.project, &self.themes, source, diags)?;
        let theme_css = self.themes.css(&theme_name, diags).unwrap_or_default();
        let canonical = self
            .opts
            .base_url
            .as_ref()
            .map(|base| format!("{base}{}", output_name(source)));
        let html = match render::render(
            deck,
            &theme_name,
            &theme_css,
            &self.templates,
            canonical.as_deref(),
        ) {
            Ok(h) => h,
            Err(d) => {
                diags.push(d);
                return None;
            }
        };
        Some(BuiltDeck {
            source: source.to_path_buf(),
            output: self.out_dir.join(output_name(source)),
            html,
            slides: deck.slides.len(),
            title: render::deck_title(deck),
            description: deck.globals.description.clone(),
            author: deck.globals.author.clone(),
            date: deck.globals.date.clone(),
            width: deck.globals.size.width,
            height: deck.globals.size.height,
            theme: theme_name,
        })
    }

    /// Keep the figure cache's file-hash memo for the next build.
    pub fn save(&self) {
        self.results.save();
    }
}

/// Render every deck of the project in memory; nothing is written.
/// Failed runs in the datasets the figures and values read (for `deck check`).
fn failed_runs(
    session: &Session,
    figures: &[FigureRecord],
) -> Vec<(String, crate::results::data::Failed)> {
    let Ok(mut engine) = session.results.engine.lock() else {
        return Vec::new();
    };
    let mut names: Vec<String> = figures
        .iter()
        .flat_map(|f| engine.datasets_in(&f.sql))
        .collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .flat_map(|name| {
            let found = engine.failures_of(&name);
            found.into_iter().map(move |f| (name.clone(), f))
        })
        .collect()
}

pub fn render_project(opts: &BuildOptions) -> BuildReport {
    let mut report = BuildReport::default();
    let Some(mut session) = Session::open(opts, &mut report.diagnostics) else {
        return report;
    };
    let project = &session.project;
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
    let mut seen_outputs: Vec<PathBuf> = Vec::new();
    for source in session.project.decks.clone() {
        let DeckBuild {
            deck: built,
            mut diagnostics,
            figures,
            ..
        } = session.render_deck(&source);
        report.figures.extend(figures);
        if let Some(b) = &built {
            if seen_outputs.contains(&b.output) {
                let msg = format!("another deck also writes {}", b.output.display());
                diagnostics.push(
                    Diagnostic::error(&source, msg).help("give the decks different file names"),
                );
            }
            seen_outputs.push(b.output.clone());
        }
        let failed = diagnostics.has_errors();
        report.diagnostics.extend(diagnostics);
        match built {
            Some(b) if !failed => report.decks.push(b),
            _ => report.failed.push(source.clone()),
        }
    }
    session.save();
    // Only declared datasets are published: files read by json() or sha256() are recorded in
    // provenance.json (path and hash), not copied.
    report.data_files = report
        .figures
        .iter()
        .filter(|f| f.kind != "file")
        .flat_map(|f| f.inputs.iter().map(|i| i.path.clone()))
        .collect();
    report.data_files.sort();
    report.data_files.dedup();
    report.root = session.project.root.clone();
    report.failed_runs = failed_runs(&session, &report.figures);
    report.out_dir = session.out_dir.clone();
    report.base_url = session.opts.base_url.clone();
    let mut diags = Diagnostics::default();
    report.index = site_index(&session, &report, &mut diags);
    report.diagnostics.extend(diags);
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
    if let Some(index) = report.index.take() {
        let path = report.out_dir.join("index.html");
        if let Err(e) = crate::output::write_atomic(&path, index.as_bytes()) {
            report
                .diagnostics
                .push(Diagnostic::error(&path, format!("{e:#}")));
        }
    }
    report
}

/// The site's index page: every deck that built, with what it was computed from. Only for a
/// project (a lone Markdown file is its own page), and not when a deck is itself `index.html`.
fn site_index(session: &Session, report: &BuildReport, diags: &mut Diagnostics) -> Option<String> {
    session.project.config_path.as_ref()?;
    if report
        .decks
        .iter()
        .any(|d| d.output.ends_with("index.html"))
    {
        return None;
    }
    let entries: Vec<render::IndexEntry> = report
        .decks
        .iter()
        .map(|d| session.index_entry(d, &report.figures))
        .collect();
    session.index_page(&entries, diags)
}

impl Session {
    /// A deck's card on the site index: its metadata, and the data files its figures read.
    pub fn index_entry(&self, deck: &BuiltDeck, figures: &[FigureRecord]) -> render::IndexEntry {
        let rel = deck
            .source
            .strip_prefix(&self.project.root)
            .unwrap_or(&deck.source)
            .display()
            .to_string();
        let mut data: Vec<String> = figures
            .iter()
            .filter(|f| f.deck == rel && f.kind != "file")
            .flat_map(|f| f.inputs.iter().map(|i| data_url(&i.path)))
            .collect();
        data.sort();
        data.dedup();
        render::IndexEntry {
            href: output_name(&deck.source),
            title: deck.title.clone(),
            date: deck.date.clone(),
            author: deck.author.clone(),
            description: deck.description.clone(),
            slides: deck.slides,
            width: deck.width,
            height: deck.height,
            data,
        }
    }

    /// The site's index page (`index.html`) listing these decks, from the project's template.
    pub fn index_page(
        &self,
        entries: &[render::IndexEntry],
        diags: &mut Diagnostics,
    ) -> Option<String> {
        let title = self
            .project
            .config
            .title
            .clone()
            .unwrap_or_else(|| "Decks".into());
        let canonical = self.opts.base_url.clone();
        match render::render_index(&self.templates, &title, entries, canonical.as_deref()) {
            Ok(html) => Some(html),
            Err(d) => {
                diags.push(d);
                None
            }
        }
    }
}

/// `provenance.json` lists every figure with its inputs; the data files go to `data/` beside it,
/// so attendees can download what the deck was computed from.
fn write_provenance(report: &BuildReport) -> anyhow::Result<()> {
    let mut doc = serde_json::json!({
        "generator": format!("deck {}", env!("CARGO_PKG_VERSION")),
        "figures": report.figures,
    });
    if let Some(base) = &report.base_url {
        doc["data"] = report
            .data_files
            .iter()
            .map(
                |rel| serde_json::json!({ "path": rel, "url": format!("{base}{}", data_url(rel)) }),
            )
            .collect();
    }
    let json = serde_json::to_vec_pretty(&doc)?;
    crate::output::write_atomic(&report.out_dir.join("provenance.json"), &json)?;
    for rel in &report.data_files {
        let from = report.root.join(rel);
        crate::output::copy_atomic(&from, &report.out_dir.join(data_url(rel)))?;
    }
    Ok(())
}

/// The output file of a deck: its name with `.html`.
pub fn output_name(source: &Path) -> String {
    let stem = source
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "deck".into());
    format!("{stem}.html")
}

/// Where a data file goes in the output, under `data/` (the project's data folder's own prefix
/// dropped: `data/runs.csv` -> `data/runs.csv`, `bench/x.csv` -> `data/bench/x.csv`).
pub fn data_url(rel: &str) -> String {
    let clean: PathBuf = Path::new(rel)
        .components()
        .filter(|c| matches!(c, std::path::Component::Normal(_)))
        .collect();
    let inner = clean.strip_prefix("data").unwrap_or(&clean);
    let parts: Vec<String> = inner
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    format!("data/{}", parts.join("/"))
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
    let root = source.parent().unwrap_or(Path::new("."));
    let sandbox = Sandbox::new(root, &[]);
    parse_source(source, &sandbox, html, true, None, results, diags).0
}

/// [`parse_file`], also returning the local files the deck read (images).
fn parse_source(
    source: &Path,
    sandbox: &Sandbox,
    html: bool,
    templates: bool,
    remote_cache: Option<&Path>,
    mut results: Option<&mut Results>,
    diags: &mut Diagnostics,
) -> (Option<Deck>, Vec<PathBuf>) {
    let text = match std::fs::read(source) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                let bytes = e.as_bytes();
                let line = bytes[..offset].iter().filter(|b| **b == b'\n').count() + 1;
                let msg = format!("not UTF-8 text (invalid byte at line {line})");
                diags.push(Diagnostic::error(source, msg).help("save the file as UTF-8"));
                return (None, Vec::new());
            }
        },
        Err(e) => {
            diags.push(Diagnostic::error(source, format!("cannot read: {e}")));
            return (None, Vec::new());
        }
    };
    let mut read = Vec::new();
    let mut expansion = None;
    if let Some(r) = results.as_deref_mut()
        && templates
        && template::uses_templates(&text)
    {
        let e = template::expand(source, &text, &r.engine);
        r.record_template_inputs(&e.queries, &e.files);
        read.clone_from(&e.files);
        diags.extend(e.diagnostics.clone());
        expansion = Some(e);
    }
    let base = source
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut assets = FileAssets::new(base, sandbox.clone());
    if let Some(dir) = remote_cache {
        assets = assets.embed_remote(dir);
    }
    let opts = ParseOptions {
        html,
        resolver: &mut assets,
        figures: results.map(|r| r as &mut dyn markdown::FigureRenderer),
    };
    let deck = match &expansion {
        Some(Expansion {
            text: expanded,
            map: Some(map),
            ..
        }) => markdown::parse_mapped(source, expanded, Some((&text, map)), opts, diags),
        _ => markdown::parse(source, &text, opts, diags),
    };
    let mut files = assets.files;
    files.extend(read);
    (Some(deck), files)
}

/// Every dataset's files are checked when the project opens: one outside the project (absolute,
/// `..`, a symlink out, a glob escaping) is an error at its entry in deck.toml, whether or not a
/// deck reads it.
fn confine_datasets(project: &Project, results: &Results, diags: &mut Diagnostics) {
    let Some(path) = &project.config_path else {
        return;
    };
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let doc = crate::toml_doc::TomlDoc::new(path, &text);
    let engine = results
        .engine
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for (name, spec) in &project.config.datasets {
        if let Err(message) = engine.files_of(spec) {
            diags.push(
                doc.error(&["datasets", name], format!("dataset `{name}`: {message}"))
                    .help("datasets must be files inside the project; copy the data in, or allow a folder you trust with --allow-outside PATH (allow_outside in deck.toml)")
                    .code(crate::diagnostics::REFUSED),
            );
        }
    }
}

/// What the decks of a project may read: the project (a lone Markdown file's folder), the
/// folders deck.toml's `allow_outside` names (relative to the project) and those given with
/// `--allow-outside`, within deck.toml's `[limits]`.
fn sandbox_for(project: &Project, opts: &BuildOptions) -> Sandbox {
    let allowed: Vec<PathBuf> = project
        .config
        .allow_outside
        .iter()
        .map(|p| project.root.join(p))
        .chain(opts.allow_outside.iter().cloned())
        .collect();
    let mut sandbox = Sandbox::new(&project.root, &allowed);
    let size = |v: &Option<toml::Value>| v.as_ref().and_then(crate::run::config::parse_size);
    if let Some(n) = size(&project.config.limits.image) {
        sandbox.max_image = n;
    }
    if let Some(n) = size(&project.config.limits.dataset) {
        sandbox.max_dataset = n;
    }
    sandbox
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
        // Marp builds a deck whose theme it does not have with its default theme: so does deck.
        let mut help = format!(
            "known themes: {}; to use yours, add themes/{}.css starting with /* @theme {} */",
            known(),
            t.value,
            t.value
        );
        if let Some(s) = crate::template::closest(&t.value, themes.names()) {
            help = format!("did you mean `{s}`? {help}");
        }
        diags.push(
            Diagnostic::warning(
                source,
                format!(
                    "unknown theme `{}`: the deck is built with `default`",
                    t.value
                ),
            )
            .at_loc(&t.loc)
            .help(help),
        );
        return Some("default".into());
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
