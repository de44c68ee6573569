//! The project: `deck.toml`, where the decks are, where output goes.
//!
//! A project is either a folder with a `deck.toml`, or a single Markdown file built on its own (an
//! existing Marp deck needs no project file). Loading is two steps, as in zola: serde parses the
//! typed [`Config`] (unknown keys and wrong types fail with the file, line and column), then
//! [`Config::validate`] checks what types cannot express.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::pipeline::BuildOptions;
use crate::results::data::DatasetSpec;
use crate::settings::{DeckSettings, HtmlPolicy, ThemeChoice};
use crate::themes::ThemeSources;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::toml_doc::TomlDoc;

pub const CONFIG_FILE: &str = "deck.toml";

/// The contents of `deck.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Title of the project (used for the site index; a deck's own `title` directive wins).
    #[serde(default)]
    pub title: Option<String>,
    /// Which Markdown files are decks: paths or glob patterns relative to the project root.
    #[serde(default = "default_decks")]
    pub decks: Vec<String>,
    /// Output folder, relative to the project root.
    #[serde(default = "default_output")]
    pub output: PathBuf,
    /// Theme for decks that do not choose one with the `theme` directive.
    #[serde(default)]
    pub theme: Option<String>,
    /// Allow raw HTML in the Markdown (otherwise it is escaped, but for a small allowlist).
    #[serde(default)]
    pub html: bool,
    /// Expand `{{ }}`, `{% %}` and `{# #}` outside code (true); false treats the Markdown as
    /// plain Marp.
    #[serde(default = "yes")]
    pub templates: bool,
    /// Folders outside the project that decks may read (images, datasets), for trusted decks.
    #[serde(default)]
    pub allow_outside: Vec<PathBuf>,
    /// Theme CSS files and folders besides `themes/` (marp-cli's `themeSet`), relative to the
    /// project.
    #[serde(default)]
    pub theme_set: Vec<PathBuf>,
    /// Size limits of the files a deck reads.
    #[serde(default)]
    pub limits: LimitsToml,
    /// Data files by name, queried with SQL from charts, tables and `{{ sql(...) }}`.
    #[serde(default)]
    pub datasets: BTreeMap<String, DatasetSpec>,
    /// Series name -> colour: the same series keeps its colour in every chart.
    #[serde(default)]
    pub colors: BTreeMap<String, String>,
    /// What `deck run` measures (checked when `deck run` reads it).
    #[serde(default)]
    pub bench: Option<crate::run::config::BenchToml>,
}

fn default_decks() -> Vec<String> {
    vec!["slides/*.md".to_string()]
}

/// `[limits]`: sizes such as "25m" or "2g".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsToml {
    #[serde(default)]
    pub image: Option<toml::Value>,
    #[serde(default)]
    pub dataset: Option<toml::Value>,
}

fn yes() -> bool {
    true
}

fn default_output() -> PathBuf {
    PathBuf::from("dist")
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: None,
            decks: default_decks(),
            output: default_output(),
            theme: None,
            html: false,
            templates: true,
            allow_outside: Vec::new(),
            theme_set: Vec::new(),
            limits: LimitsToml::default(),
            datasets: BTreeMap::new(),
            colors: BTreeMap::new(),
            bench: None,
        }
    }
}

impl Config {
    /// Parse `deck.toml` text. Errors name the key, the line and the column.
    pub fn parse(path: &Path, text: &str) -> Result<Config, Diagnostic> {
        toml::from_str::<Config>(text)
            .map_err(|e| crate::toml_doc::explain(&TomlDoc::new(path, text), &e))
    }

    /// Checks that need more than the types: reported all at once.
    pub fn validate(&self, path: &Path, text: &str, diags: &mut Diagnostics) {
        let doc = TomlDoc::new(path, text);
        let out = self.output.as_os_str();
        if out.is_empty() || self.output == Path::new(".") || self.output.is_absolute() {
            let msg = format!(
                "`output = {:?}` must be a folder inside the project, other than the project root",
                self.output.display().to_string()
            );
            diags.push(
                doc.error(&["output"], msg)
                    .help("use a relative folder such as \"dist\""),
            );
        }
        if self.decks.is_empty() {
            let msg = "`decks` is empty: no Markdown file would be built";
            diags.push(
                doc.error(&["decks"], msg)
                    .help("list deck files or patterns, e.g. decks = [\"slides/*.md\"]"),
            );
        }
        for (key, v) in [
            ("image", &self.limits.image),
            ("dataset", &self.limits.dataset),
        ] {
            if let Some(v) = v
                && crate::run::config::parse_size(v).is_none()
            {
                diags.push(
                    doc.error(
                        &["limits", key],
                        format!("`limits.{key} = {v}` is not a size"),
                    )
                    .help("write a size in quotes: \"25m\", \"2g\""),
                );
            }
        }
        for (i, entry) in self.theme_set.iter().enumerate() {
            if entry.is_absolute()
                || entry
                    .components()
                    .any(|c| c == std::path::Component::ParentDir)
            {
                let msg = format!(
                    "theme set entry {:?} points outside the project",
                    entry.display().to_string()
                );
                diags.push(
                    doc.error(&["theme_set", &i.to_string()], msg)
                        .help("theme files must live inside the project folder, e.g. theme_set = [\"brand/\"]"),
                );
            }
        }
        for (i, pattern) in self.decks.iter().enumerate() {
            if Path::new(pattern).is_absolute() || pattern.split(['/', '\\']).any(|c| c == "..") {
                let msg = format!("deck pattern {pattern:?} points outside the project");
                diags.push(
                    doc.error(&["decks", &i.to_string()], msg)
                        .help("deck files must live inside the project folder"),
                );
            }
        }
    }
}

/// A loaded project: its root, its configuration and the deck files to build.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    /// `None` for Marp Markdown files built without a project file.
    pub config_path: Option<PathBuf>,
    pub config: Config,
    pub decks: Vec<PathBuf>,
    /// marp-cli's input folder: the decks are every Markdown file under it, written at the same
    /// place under the output folder.
    pub input_dir: Option<PathBuf>,
    /// What a marp-cli config or command line sets for every deck.
    pub settings: DeckSettings,
    /// Folders of decks named on the command line that are not under `root`: each is readable
    /// as its own deck's folder.
    pub deck_folders: Vec<PathBuf>,
    /// When the command line names some decks of a deck project (`deck build slides/talk.md`):
    /// every deck of the project, which the site's `index.html` and `provenance.json` still
    /// describe while only the named ones are built.
    pub site_decks: Option<Vec<PathBuf>>,
}

impl Project {
    /// The project a build's options name: a deck project folder (deck.toml), or Marp Markdown
    /// (files, folders of them, an input folder) with the marp-cli settings of the command line.
    pub fn open(opts: &BuildOptions, diags: &mut Diagnostics) -> Option<Project> {
        let deck_project = match opts.paths.as_slice() {
            [] if opts.input_dir.is_none() => Some(PathBuf::from(".")),
            [one] if one.is_dir() && one.join(CONFIG_FILE).is_file() => Some(one.clone()),
            _ => None,
        };
        let named = if deck_project.is_none()
            && opts.input_dir.is_none()
            && opts.settings.config_file.is_none()
        {
            Self::named_decks(&opts.paths, diags)
        } else {
            None
        };
        let mut project = match deck_project {
            _ if named.is_some() => named??,
            Some(dir) if dir.join(CONFIG_FILE).is_file() || opts.settings.config_file.is_none() => {
                Self::load(&dir, diags)?
            }
            _ => Self::marp(opts, diags)?,
        };
        let mut settings = opts.settings.clone();
        if project.config_path.is_some() {
            let mut set: Vec<PathBuf> = project
                .config
                .theme_set
                .iter()
                .map(|p| project.root.join(p))
                .collect();
            set.append(&mut settings.theme_set);
            settings.theme_set = set;
        }
        project.settings = settings;
        Some(project)
    }

    /// Markdown files that are decks of one deck project (the nearest folder above them with a
    /// deck.toml lists them among its decks): that project, building only them, as Quarto
    /// renders one file of a project with the project's settings. `None` for anything else;
    /// `Some(None)` when that project's deck.toml has errors (reported).
    fn named_decks(paths: &[PathBuf], diags: &mut Diagnostics) -> Option<Option<Project>> {
        if paths.is_empty() || !paths.iter().all(|p| p.is_file()) {
            return None;
        }
        let real: Vec<PathBuf> = paths
            .iter()
            .map(|p| p.canonicalize())
            .collect::<Result<_, _>>()
            .ok()?;
        let dir = real[0]
            .ancestors()
            .skip(1)
            .find(|d| d.join(CONFIG_FILE).is_file())?;
        // The project as a short path when it is the current folder or under it.
        let here = std::env::current_dir().ok()?.canonicalize().ok()?;
        let root = match dir.strip_prefix(&here) {
            Ok(rel) if rel.as_os_str().is_empty() => PathBuf::from("."),
            Ok(rel) => rel.to_path_buf(),
            Err(_) => dir.to_path_buf(),
        };
        let Some(mut project) = Self::load(&root, diags) else {
            return Some(None);
        };
        let real_decks: Vec<Option<PathBuf>> = project
            .decks
            .iter()
            .map(|d| d.canonicalize().ok())
            .collect();
        let mut chosen = Vec::new();
        for file in &real {
            // Every file must be one of this project's decks (a stranger's Markdown that happens
            // to lie below someone's deck.toml is not adopted into that project).
            let i = real_decks.iter().position(|d| d.as_ref() == Some(file))?;
            if !chosen.contains(&project.decks[i]) {
                chosen.push(project.decks[i].clone());
            }
        }
        project.site_decks = Some(std::mem::replace(&mut project.decks, chosen));
        Some(Some(project))
    }

    /// Marp Markdown without deck.toml: the files given (a folder stands for every Markdown file
    /// under it), or every one under the input folder.
    fn marp(opts: &BuildOptions, diags: &mut Diagnostics) -> Option<Project> {
        let mut decks: Vec<PathBuf> = Vec::new();
        let before = diags.error_count();
        if let Some(dir) = &opts.input_dir {
            decks = crate::marp::markdown_files(dir);
        }
        for path in &opts.paths {
            let text = path.to_string_lossy();
            if path.is_file() {
                decks.push(path.clone());
            } else if path.is_dir() {
                decks.extend(crate::marp::markdown_files(path));
            } else if text.contains(['*', '?', '[']) {
                // A quoted glob, which marp-cli expands itself.
                decks.extend(crate::marp::glob_files(&text).unwrap_or_default());
            } else {
                diags.push(
                    Diagnostic::error(path, "no such file or folder")
                        .help("give Markdown files, a folder of them (-I DIR keeps its layout), or a deck project folder (with deck.toml)"),
                );
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        decks.retain(|d| seen.insert(tidy(d)));
        if diags.error_count() > before {
            return None;
        }
        if decks.is_empty() {
            let at = opts
                .input_dir
                .clone()
                .or_else(|| opts.paths.first().cloned())
                .unwrap_or_default();
            diags.push(
                Diagnostic::error(at, "no Markdown file to build")
                    .help("marp-cli's decks end in .md, .mdown, .markdown or .markdn; hidden folders and node_modules are skipped"),
            );
            return None;
        }
        let root = opts.root.clone().unwrap_or_else(|| common_folder(&decks));
        // Decks the command line names outside the project (or in another tree than the
        // others): each one's own folder may be read, never what lies between them.
        let real_root = root_path(&root).canonicalize().ok();
        let mut deck_folders: Vec<PathBuf> = Vec::new();
        for d in &decks {
            let dir = root_path(d.parent().unwrap_or(Path::new(""))).to_path_buf();
            let inside = match (&real_root, dir.canonicalize()) {
                (Some(r), Ok(real)) => real.starts_with(r),
                _ => false,
            };
            if !inside && !deck_folders.contains(&dir) {
                deck_folders.push(dir);
            }
        }
        Some(Project {
            root,
            config_path: None,
            config: Config::default(),
            decks,
            input_dir: opts.input_dir.clone(),
            settings: DeckSettings::default(),
            deck_folders,
            site_decks: None,
        })
    }

    /// Where this project's themes come from.
    pub fn theme_sources(&self) -> ThemeSources {
        let mut theme_set = Vec::new();
        if let Some(dir) = &self.input_dir {
            theme_set.push(dir.clone());
        }
        theme_set.extend(self.settings.theme_set.iter().cloned());
        ThemeSources {
            project_dir: self.config_path.as_ref().map(|_| self.themes_dir()),
            theme_set,
            file: match &self.settings.theme {
                Some(ThemeChoice::File(f)) => Some(f.clone()),
                _ => None,
            },
        }
    }

    /// The folders theme CSS is read from, for the watcher: (folder, with its subfolders). A
    /// file's folder, a theme-set folder, a glob's literal start (`themes/` of `themes/**/*.css`).
    pub fn theme_folders(&self) -> Vec<(PathBuf, bool)> {
        let s = self.theme_sources();
        s.project_dir
            .into_iter()
            .chain(s.theme_set)
            .chain(s.file)
            .map(|p| {
                if p.to_string_lossy().contains(['*', '?', '[']) {
                    let literal: PathBuf = p
                        .components()
                        .take_while(|c| !c.as_os_str().to_string_lossy().contains(['*', '?', '[']))
                        .collect();
                    (literal, true)
                } else if p.is_file() {
                    (p.parent().map(Path::to_path_buf).unwrap_or_default(), false)
                } else {
                    (p, true)
                }
            })
            .collect()
    }

    /// What raw HTML the decks keep: the command line's or marp-cli config's setting, else
    /// deck.toml's `html`, else Marp's allowlist.
    pub fn html_policy(&self) -> HtmlPolicy {
        self.settings.html.clone().unwrap_or(if self.config.html {
            HtmlPolicy::All
        } else {
            HtmlPolicy::Allowlist
        })
    }

    /// Load the project at `path`: a folder holding `deck.toml`, or one Markdown file.
    pub fn load(path: &Path, diags: &mut Diagnostics) -> Option<Project> {
        if path.is_file() {
            return Some(Self::single_file(path));
        }
        if !path.exists() {
            diags.push(
                Diagnostic::error(path, "no such file or folder")
                    .help("give a deck project folder (with deck.toml) or a Markdown file"),
            );
            return None;
        }
        // `deck.toml`, not `./deck.toml`, in messages.
        let config_path = if path == Path::new(".") {
            PathBuf::from(CONFIG_FILE)
        } else {
            path.join(CONFIG_FILE)
        };
        let text = match std::fs::read_to_string(&config_path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                diags.push(
                    Diagnostic::error(path, format!("no {CONFIG_FILE} in this folder"))
                        .help("run deck in a deck project, or build a single Marp file: `deck build talk.md`"),
                );
                return None;
            }
            Err(e) => {
                diags.push(Diagnostic::error(&config_path, format!("cannot read: {e}")));
                return None;
            }
        };
        let config = match Config::parse(&config_path, &text) {
            Ok(c) => c,
            Err(d) => {
                diags.push(d);
                return None;
            }
        };
        let before = diags.error_count();
        config.validate(&config_path, &text, diags);
        if diags.error_count() > before {
            return None;
        }
        // The current folder as an empty path keeps paths short in messages: `dist/x.html`.
        let root = if path == Path::new(".") {
            PathBuf::new()
        } else {
            path.to_path_buf()
        };
        let decks = expand_decks(&root, &config, &config_path, &text, diags);
        Some(Project {
            root,
            config_path: Some(config_path),
            config,
            decks,
            input_dir: None,
            settings: DeckSettings::default(),
            deck_folders: Vec::new(),
            site_decks: None,
        })
    }

    fn single_file(file: &Path) -> Project {
        // An empty root (file in the current folder) keeps output paths short: `talk.html`.
        let root = file.parent().map_or_else(PathBuf::new, Path::to_path_buf);
        Project {
            root,
            config_path: None,
            config: Config::default(),
            decks: vec![file.to_path_buf()],
            input_dir: None,
            settings: DeckSettings::default(),
            deck_folders: Vec::new(),
            site_decks: None,
        }
    }

    /// A deck as figures and provenance name it: its path from the project's root.
    pub fn deck_name(&self, source: &Path) -> String {
        source
            .strip_prefix(&self.root)
            .unwrap_or(source)
            .display()
            .to_string()
    }

    /// The folder where the project's own themes live.
    pub fn themes_dir(&self) -> PathBuf {
        self.root.join("themes")
    }

    /// The folder where the project's own templates live.
    pub fn templates_dir(&self) -> PathBuf {
        self.root.join("templates")
    }
}

/// The deepest folder holding every deck (an empty path for the current folder); decks in
/// different trees (an absolute path beside a relative one, nothing shared below `/`) give the
/// first deck's folder: a project never widens to the file system's root.
fn common_folder(decks: &[PathBuf]) -> PathBuf {
    let parent = |p: &PathBuf| p.parent().map(Path::to_path_buf).unwrap_or_default();
    let first = decks.first().map(parent).unwrap_or_default();
    let mut common = first.clone();
    for d in decks.iter().skip(1) {
        let dir = parent(d);
        while !dir.starts_with(&common) {
            if !common.pop() {
                break;
            }
        }
    }
    let shallow = common.is_absolute()
        && common
            .components()
            .filter(|c| matches!(c, std::path::Component::Normal(_)))
            .count()
            < 2;
    let mixed = decks.iter().any(|d| d.is_absolute()) && decks.iter().any(|d| d.is_relative());
    if shallow || mixed || !decks.iter().all(|d| parent(d).starts_with(&common)) {
        return first;
    }
    common
}

/// A project path as the file system takes it (`.` for the empty path).
fn root_path(p: &Path) -> &Path {
    if p.as_os_str().is_empty() {
        Path::new(".")
    } else {
        p
    }
}

/// A path without `.` components and with `dir/..` resolved, as written (`./deck.toml` is
/// `deck.toml`, `slides/../img/a.png` is `img/a.png`): paths compare as the user spells them.
pub fn tidy(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

fn expand_decks(
    root: &Path,
    config: &Config,
    config_path: &Path,
    text: &str,
    diags: &mut Diagnostics,
) -> Vec<PathBuf> {
    let doc = TomlDoc::new(config_path, text);
    let mut found = Vec::new();
    for (i, pattern) in config.decks.iter().enumerate() {
        let at = ["decks".to_string(), i.to_string()];
        let at: Vec<&str> = at.iter().map(String::as_str).collect();
        let full = root.join(pattern);
        let full = full.to_string_lossy();
        let matches: Vec<PathBuf> = match glob::glob(&full) {
            Ok(paths) => paths
                .filter_map(Result::ok)
                .filter(|p| p.is_file())
                .collect(),
            Err(e) => {
                diags.push(doc.error(&at, format!("bad deck pattern {pattern:?}: {}", e.msg)));
                continue;
            }
        };
        if matches.is_empty() {
            let mut d = doc.error(&at, format!("deck pattern {pattern:?} matches no file"));
            d.severity = crate::diagnostics::Severity::Warning;
            diags.push(d);
        }
        for m in matches {
            if !found.contains(&m) {
                found.push(m);
            }
        }
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_config() {
        let text =
            "title = \"T\"\ndecks = [\"a.md\"]\noutput = \"out\"\ntheme = \"gaia\"\nhtml = true\n";
        let c = Config::parse(Path::new("deck.toml"), text).unwrap();
        assert_eq!(c.title.as_deref(), Some("T"));
        assert_eq!(c.decks, vec!["a.md"]);
        assert_eq!(c.output, PathBuf::from("out"));
        assert!(c.html);
    }

    #[test]
    fn unknown_key_names_key_line_and_column() {
        let text = "title = \"T\"\ntheem = \"gaia\"\n";
        let d = Config::parse(Path::new("deck.toml"), text).unwrap_err();
        assert!(d.message.contains("theem"), "{}", d.message);
        assert_eq!(d.pos.map(|p| (p.line, p.col)), Some((2, 1)));
    }

    #[test]
    fn wrong_type_is_located() {
        let text = "title = \"T\"\n\nhtml = \"yes\"\n";
        let d = Config::parse(Path::new("deck.toml"), text).unwrap_err();
        assert_eq!(
            d.message,
            "`html` must be true or false, not string \"yes\""
        );
        assert_eq!(d.pos.map(|p| (p.line, p.col)), Some((3, 8)));
    }

    #[test]
    fn output_must_stay_inside() {
        let text = "output = \".\"\n";
        let c = Config::parse(Path::new("deck.toml"), text).unwrap();
        let mut diags = Diagnostics::default();
        c.validate(Path::new("deck.toml"), text, &mut diags);
        assert_eq!(diags.error_count(), 1);
    }
}
