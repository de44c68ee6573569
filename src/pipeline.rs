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
use crate::settings::{DeckSettings, HtmlPolicy};
use crate::template::{self, Expansion};
use crate::themes::Themes;

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Markdown files, folders of them (every Markdown file under each, as `marp DIR`), or one
    /// deck project folder (with deck.toml); the current folder when empty.
    pub paths: Vec<PathBuf>,
    /// Every Markdown file under this folder, each written at the same place under the output
    /// folder (marp-cli's `-I`).
    pub input_dir: Option<PathBuf>,
    /// Where the pages go.
    pub output: Output,
    /// The project's root (what decks may read) when it is not the decks' own folder: a
    /// marp-cli config's folder, or the input folder.
    pub root: Option<PathBuf>,
    /// Leave template syntax as text in every deck (as deck.toml's `templates = false`).
    pub no_templates: bool,
    /// Folders outside the project that decks may read (`--allow-outside`).
    pub allow_outside: Vec<PathBuf>,
    /// Download remote images (once, into the cache) and inline them.
    pub embed_remote: bool,
    /// Where `dist/` is published (`https://example.org/talks/`): pages get their absolute
    /// address (canonical, Open Graph) and `provenance.json` the data files' addresses.
    pub base_url: Option<String>,
    /// What a marp-cli config or command line sets for every deck (themes, Markdown options,
    /// metadata, the viewer's options).
    pub settings: DeckSettings,
}

impl BuildOptions {
    /// Options for one project folder or Markdown file (`None`: the current folder).
    pub fn at(path: Option<PathBuf>) -> BuildOptions {
        BuildOptions {
            paths: path.into_iter().collect(),
            ..BuildOptions::default()
        }
    }
}

/// Where a build writes its pages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Output {
    /// A project's `output` folder (deck.toml, default `dist/`), or beside each Markdown file.
    #[default]
    Default,
    /// Into this folder: `talk.html`, or under an input folder the same layout.
    Folder(PathBuf),
    /// This file (one deck only), as `marp talk.md -o talk.html`.
    File(PathBuf),
    /// Standard output (`-o -`).
    Stdout,
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
    /// Each slide's speaker notes as written (for `--notes`, PDF notes and PPTX).
    pub notes: Vec<Vec<String>>,
    pub keywords: Option<Vec<String>>,
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
    /// The pages went to standard output (`-o -`).
    pub stdout: bool,
    /// Files the decks read besides their sources (images, data, template inputs).
    pub read: Vec<PathBuf>,
    /// Failed measurements in the datasets the decks read: (dataset, what failed).
    pub failed_runs: Vec<(String, crate::results::data::Failed)>,
    /// When only some decks of a project were built: every deck of the project, as figures name
    /// them (`provenance.json` keeps the others' figures).
    pub site_decks: Option<Vec<String>>,
}

impl BuildReport {
    /// The decks built or not (their Markdown files).
    pub fn sources(&self) -> impl Iterator<Item = PathBuf> + '_ {
        self.decks
            .iter()
            .map(|d| d.source.clone())
            .chain(self.failed.iter().cloned())
    }
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
        let project = Project::open(opts, diags)?;
        let sandbox = sandbox_for(&project, opts);
        let themes = Themes::load(&project.theme_sources(), &sandbox, diags);
        // A Marp project's page is deck's: a `templates/` folder there is someone else's (a
        // site generator's), not deck's.
        let templates = match project.config_path {
            Some(_) => Templates::load(&project.templates_dir(), &sandbox, diags),
            None => Templates::builtin(),
        };
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
        let themes = Themes::load(&self.project.theme_sources(), &self.sandbox, diags);
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
        self.results.deck = self.project.deck_name(source);
        let html = self.project.html_policy();
        let remote = self
            .opts
            .embed_remote
            .then(|| self.project.root.join(CACHE_DIR).join("remote"));
        let templates = !self.opts.no_templates && self.project.config.templates;
        let (deck, files) = parse_source(
            source,
            &self.sandbox,
            &Parse {
                html,
                templates,
                project_templates: self.project.config_path.is_some(),
                settings: &self.project.settings.markdown,
            },
            remote.as_deref(),
            Some(&mut self.results),
            &mut out.diagnostics,
        );
        out.files = files;
        out.figures = std::mem::take(&mut self.results.records);
        let Some(mut deck) = deck else {
            return out;
        };
        apply_settings(
            &mut deck,
            &self.project.settings,
            &self.themes,
            &mut out.diagnostics,
        );
        let built = self.render_model(source, &mut deck, &mut out.diagnostics);
        if !out.diagnostics.has_errors() {
            out.deck = built;
        }
        out
    }

    fn render_model(
        &self,
        source: &Path,
        deck: &mut Deck,
        diags: &mut Diagnostics,
    ) -> Option<BuiltDeck> {
        let theme_name = theme_for(deck, &self.project, &self.themes, source, diags)?;
        let theme_css = self.themes.css(&theme_name, diags).unwrap_or_default();
        warn_remote_imports(source, &theme_css, &deck.css, diags);
        // `size:` names one of the theme's `@size`s (16:9 and 4:3 unless the theme says otherwise).
        if let Some(name) = deck.globals.size_name.clone() {
            match self.themes.size(&theme_name, &name) {
                Some(size) => deck.globals.size = size,
                None => {
                    let known = self.themes.sizes(&theme_name);
                    let mut d = Diagnostic::warning(
                        source,
                        format!("unknown slide size `{name}` for the theme `{theme_name}`; using its default size"),
                    )
                    .help(if known.is_empty() {
                        "the theme defines no sizes: add `/* @size NAME 1280px 720px */` to it".to_string()
                    } else {
                        format!("the theme's sizes: {}", known.join(", "))
                    });
                    if let Some(loc) = &deck.globals.size_loc {
                        d = d.at_loc(loc);
                    }
                    diags.push(d);
                    deck.globals.size_name = None;
                    deck.globals.size = self.themes.default_size(&theme_name);
                }
            }
        } else {
            deck.globals.size = self.themes.default_size(&theme_name);
        }
        let deck = &*deck;
        let canonical = self
            .opts
            .base_url
            .as_ref()
            .map(|base| format!("{base}{}", self.page_name(source)))
            .or_else(|| deck.globals.url.clone());
        let page = render::PageOptions {
            canonical: canonical.as_deref(),
            viewer: self.project.settings.viewer,
            auto_scaling: self.themes.auto_scaling(&theme_name),
        };
        let html = match render::render(deck, &theme_name, &theme_css, &self.templates, &page) {
            Ok(h) => h,
            Err(d) => {
                diags.push(d);
                return None;
            }
        };
        Some(BuiltDeck {
            source: source.to_path_buf(),
            output: self.output_of(source),
            html,
            slides: deck.slides.len(),
            title: render::deck_title(deck),
            description: deck.globals.description.clone(),
            author: deck.globals.author.clone(),
            date: deck.globals.date.clone(),
            width: deck.globals.size.width,
            height: deck.globals.size.height,
            theme: theme_name,
            notes: deck.slides.iter().map(|s| s.notes.clone()).collect(),
            keywords: deck.globals.keywords.clone(),
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
            files,
        } = session.render_deck(&source);
        report.read.extend(files);
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
    report.site_decks = session
        .project
        .site_decks
        .as_ref()
        .map(|all| all.iter().map(|d| session.project.deck_name(d)).collect());
    let mut diags = Diagnostics::default();
    report.index = site_index(&session, &report, &mut diags);
    report.diagnostics.extend(diags);
    report
}

/// Render and write; returns the report (the caller prints it).
pub fn build(opts: &BuildOptions) -> BuildReport {
    let mut report = render_project(opts);
    if opts.output == Output::Stdout {
        use std::io::Write as _;
        report.stdout = true;
        let mut out = std::io::stdout().lock();
        for deck in &report.decks {
            if let Err(e) = out
                .write_all(deck.html.as_bytes())
                .and_then(|()| out.flush())
            {
                report
                    .diagnostics
                    .push(Diagnostic::error("<stdout>", format!("cannot write: {e}")));
            }
        }
        return report;
    }
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
    // Some of the project's decks: the index of all of them is left as the last full build
    // wrote it.
    if session.project.site_decks.is_some() {
        return None;
    }
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
            href: self.page_name(&deck.source),
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

impl Session {
    /// Where a deck's page is written.
    pub fn output_of(&self, source: &Path) -> PathBuf {
        match &self.opts.output {
            Output::File(p) => p.clone(),
            Output::Folder(dir) => dir.join(self.page_name(source)),
            Output::Default | Output::Stdout if self.project.config_path.is_some() => {
                self.out_dir.join(self.page_name(source))
            }
            Output::Default | Output::Stdout => source.with_extension("html"),
        }
    }

    /// A deck's page name, as `deck serve` serves it and an output folder holds it: its file
    /// name with `.html`, or under an input folder its path there (`sub/talk.html`).
    pub fn page_name(&self, source: &Path) -> String {
        if let Some(dir) = &self.project.input_dir
            && let Ok(rel) = source.strip_prefix(dir)
        {
            let rel = rel.with_extension("html");
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            return parts.join("/");
        }
        output_name(source)
    }
}

/// Settings from outside the deck (marp-cli's `--title`, `--theme`, a config's `lang`...): the
/// overrides win over the deck's own directives, the defaults fill what it leaves unset.
fn apply_settings(
    deck: &mut Deck,
    settings: &crate::settings::DeckSettings,
    themes: &Themes,
    diags: &mut Diagnostics,
) {
    use crate::settings::ThemeChoice;
    let g = &mut deck.globals;
    let o = &settings.overrides;
    let theme = match &settings.theme {
        Some(ThemeChoice::File(path)) => themes.file_theme(path).map(str::to_string),
        Some(ThemeChoice::Name(name)) if themes.get(name).is_some() => Some(name.clone()),
        Some(ThemeChoice::Name(name)) => {
            let mut help = format!(
                "known themes: {}",
                themes.names().collect::<Vec<_>>().join(", ")
            );
            if let Some(s) = crate::template::closest(name, themes.names()) {
                help = format!("did you mean `{s}`? {help}");
            }
            diags.push(
                Diagnostic::warning(
                    &deck.path,
                    format!("the theme `{name}` given to --theme (or the config's `theme`) is not known; ignored, as marp-cli ignores it"),
                )
                .help(help),
            );
            None
        }
        None => None,
    };
    if let Some(name) = theme {
        let loc = g.theme.as_ref().map(|t| t.loc.clone()).unwrap_or_default();
        g.theme = Some(crate::deck::Located { value: name, loc });
    }
    let set = |field: &mut Option<String>, value: &Option<String>| {
        if value.is_some() {
            field.clone_from(value);
        }
    };
    set(&mut g.title, &o.title);
    set(&mut g.description, &o.description);
    set(&mut g.author, &o.author);
    set(&mut g.url, &o.url);
    set(&mut g.image, &o.image);
    if o.keywords.is_some() {
        g.keywords.clone_from(&o.keywords);
    }
    if g.lang.is_none() {
        g.lang.clone_from(&settings.lang);
    }
}

/// A stylesheet `@import`ed from the web (a font service...) is kept, as Marp keeps it, but the
/// deck then needs the network: said once per address.
fn warn_remote_imports(
    source: &Path,
    theme_css: &str,
    deck_css: &[String],
    diags: &mut Diagnostics,
) {
    let mut seen = BTreeSet::new();
    for css in std::iter::once(theme_css).chain(deck_css.iter().map(String::as_str)) {
        for r in crate::css::top_level_statements(css) {
            let Some(import) = crate::css::import_of(&css[r]) else {
                continue;
            };
            let crate::css::Import::Sheet(target) = import else {
                continue;
            };
            if import.is_remote() && seen.insert(target.to_string()) {
                diags.push(
                    Diagnostic::warning(source, format!("the theme or a <style> imports {target}: offline (a conference's Wi-Fi, file://) it does not load"))
                        .help("the deck still builds and shows the installed fallback fonts; to be safe offline, copy the stylesheet and its font files into the project and @import or @font-face them from there"),
                );
            }
        }
    }
}

/// `provenance.json` lists every figure with its inputs; the data files go to `data/` beside it,
/// so attendees can download what the deck was computed from.
fn write_provenance(report: &BuildReport) -> anyhow::Result<()> {
    let path = report.out_dir.join("provenance.json");
    let mut figures: Vec<serde_json::Value> = report
        .figures
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<_, _>>()?;
    let mut data: Vec<String> = report.data_files.clone();
    if let Some(all) = &report.site_decks {
        // Some decks of the project: the other decks' figures and data stay listed as the last
        // build wrote them, in the project's deck order (what a full build writes).
        let built: BTreeSet<String> = report
            .sources()
            .map(|d| {
                d.strip_prefix(&report.root)
                    .unwrap_or(&d)
                    .display()
                    .to_string()
            })
            .collect();
        let old: serde_json::Value = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let deck_of = |f: &serde_json::Value| f["deck"].as_str().unwrap_or_default().to_string();
        if let Some(old) = old["figures"].as_array() {
            figures.extend(
                old.iter()
                    .filter(|f| {
                        let d = deck_of(f);
                        !built.contains(&d) && all.contains(&d)
                    })
                    .cloned(),
            );
        }
        figures.sort_by_key(|f| all.iter().position(|d| *d == deck_of(f)));
        data.extend(figures.iter().flat_map(|f| {
            let file = f["kind"] != "file";
            f["inputs"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(move |_| file)
                .filter_map(|i| i["path"].as_str().map(str::to_string))
        }));
        data.sort();
        data.dedup();
    }
    let mut doc = serde_json::json!({
        "generator": format!("deck {}", env!("CARGO_PKG_VERSION")),
        "figures": figures,
    });
    if let Some(base) = &report.base_url {
        doc["data"] = data
            .iter()
            .map(
                |rel| serde_json::json!({ "path": rel, "url": format!("{base}{}", data_url(rel)) }),
            )
            .collect();
    }
    let json = serde_json::to_vec_pretty(&doc)?;
    crate::output::write_atomic(&path, &json)?;
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

/// The folder a build writes into (pages, `provenance.json`, the data files).
fn output_dir(project: &Project, opts: &BuildOptions) -> PathBuf {
    match (&opts.output, &project.config_path) {
        (Output::Folder(o), _) => o.clone(),
        (Output::File(f), _) => f.parent().map(Path::to_path_buf).unwrap_or_default(),
        (_, Some(_)) => project.root.join(&project.config.output),
        (_, None) => project.root.clone(),
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
    let parse = Parse {
        html: if html {
            HtmlPolicy::All
        } else {
            HtmlPolicy::Allowlist
        },
        templates: true,
        project_templates: true,
        settings: &crate::settings::MarkdownSettings::default(),
    };
    parse_source(source, &sandbox, &parse, None, results, diags).0
}

/// How a deck's text is read.
struct Parse<'a> {
    html: HtmlPolicy,
    /// Template syntax may be expanded (not `--no-templates`, not `templates = false`).
    templates: bool,
    /// Every deck's templates are deck's (a deck.toml project); otherwise only a deck that uses
    /// deck's data features has templates, and the others are Marp's, shown as written.
    project_templates: bool,
    settings: &'a crate::settings::MarkdownSettings,
}

/// [`parse_file`], also returning the local files the deck read (images).
fn parse_source(
    source: &Path,
    sandbox: &Sandbox,
    parse: &Parse<'_>,
    remote_cache: Option<&Path>,
    mut results: Option<&mut Results>,
    diags: &mut Diagnostics,
) -> (Option<Deck>, Vec<PathBuf>) {
    // A deck is read as every file is: inside the project (a link out of it is refused).
    let text = match sandbox.read(source, crate::confine::MAX_TEXT) {
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
        Err(why) => {
            let mut d = Diagnostic::error(source, format!("deck not read: {why}")).help(why.help());
            if why.is_confinement() {
                d = d.code(crate::diagnostics::REFUSED);
            }
            diags.push(d);
            return (None, Vec::new());
        }
    };
    let mut read = Vec::new();
    let mut expansion = None;
    if let Some(r) = results.as_deref_mut()
        && parse.templates
        && (parse.project_templates && template::uses_templates(&text)
            || template::uses_deck_features(&text))
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
        html: parse.html.clone(),
        settings: parse.settings,
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
    for (dataset, column, unit) in engine.unit_problems() {
        diags.push(
            doc.error(
                &["datasets", &dataset, "units", &column],
                format!("unknown unit `{unit}` for `{column}` of the dataset `{dataset}`"),
            )
            .help(format!(
                "units deck knows: {}",
                crate::results::units::symbols().join(", ")
            )),
        );
    }
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
        .chain(project.deck_folders.iter().cloned())
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
