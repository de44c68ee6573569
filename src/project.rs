//! The project: `deck.toml`, where the decks are, where output goes.
//!
//! A project is either a folder with a `deck.toml`, or a single Markdown file built on its own (an
//! existing Marp deck needs no project file). Loading is two steps, as in zola: serde parses the
//! typed [`Config`] (unknown keys and wrong types fail with the file, line and column), then
//! [`Config::validate`] checks what types cannot express.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::results::data::DatasetSpec;

use crate::diagnostics::{Diagnostic, Diagnostics, LineIndex};

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
            datasets: BTreeMap::new(),
            colors: BTreeMap::new(),
            bench: None,
        }
    }
}

impl Config {
    /// Parse `deck.toml` text. Errors name the key, the line and the column.
    pub fn parse(path: &Path, text: &str) -> Result<Config, Diagnostic> {
        toml::from_str::<Config>(text).map_err(|e| {
            let mut d = Diagnostic::error(
                path,
                format!("invalid {CONFIG_FILE}: {}", e.message().trim()),
            )
            .help("see the `deck.toml` section of README.md for the keys deck knows");
            if let Some(span) = e.span() {
                let pos = LineIndex::new(text).pos(text, span.start);
                let len = text[span.clone()]
                    .lines()
                    .next()
                    .map_or(1, |l| l.chars().count());
                d = d.at(text, pos, len);
            }
            d
        })
    }

    /// Checks that need more than the types: reported all at once.
    pub fn validate(&self, path: &Path, text: &str, diags: &mut Diagnostics) {
        let locate = |key: &str| -> Diagnostic {
            let base = Diagnostic::error(path, String::new());
            match text.lines().position(|l| l.trim_start().starts_with(key)) {
                Some(i) => base.at(text, crate::diagnostics::Pos::new(i + 1, 1), key.len()),
                None => base,
            }
        };
        let out = self.output.as_os_str();
        if out.is_empty() || self.output == Path::new(".") || self.output.is_absolute() {
            let mut d = locate("output");
            d.message = format!(
                "`output = {:?}` must be a folder inside the project, other than the project root",
                self.output.display().to_string()
            );
            diags.push(d.help("use a relative folder such as \"dist\""));
        }
        if self.decks.is_empty() {
            let mut d = locate("decks");
            d.message = "`decks` is empty: no Markdown file would be built".into();
            diags.push(d.help("list deck files or patterns, e.g. decks = [\"slides/*.md\"]"));
        }
        for pattern in &self.decks {
            if Path::new(pattern).is_absolute() || pattern.split(['/', '\\']).any(|c| c == "..") {
                let mut d = locate("decks");
                d.message = format!("deck pattern {pattern:?} points outside the project");
                diags.push(d.help("deck files must live inside the project folder"));
            }
        }
    }
}

/// A loaded project: its root, its configuration and the deck files to build.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    /// `None` for a single Markdown file built without a project file.
    pub config_path: Option<PathBuf>,
    pub config: Config,
    pub decks: Vec<PathBuf>,
}

impl Project {
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
        let config_path = path.join(CONFIG_FILE);
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
        }
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

fn expand_decks(
    root: &Path,
    config: &Config,
    config_path: &Path,
    text: &str,
    diags: &mut Diagnostics,
) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for pattern in &config.decks {
        let full = root.join(pattern);
        let full = full.to_string_lossy();
        let matches: Vec<PathBuf> = match glob::glob(&full) {
            Ok(paths) => paths
                .filter_map(Result::ok)
                .filter(|p| p.is_file())
                .collect(),
            Err(e) => {
                let line = text
                    .lines()
                    .position(|l| l.contains(pattern.as_str()))
                    .unwrap_or(0);
                diags.push(
                    Diagnostic::error(
                        config_path,
                        format!("bad deck pattern {pattern:?}: {}", e.msg),
                    )
                    .at(text, crate::diagnostics::Pos::new(line + 1, 1), 1),
                );
                continue;
            }
        };
        if matches.is_empty() {
            let line = text.lines().position(|l| l.contains(pattern.as_str()));
            let mut d = Diagnostic::warning(
                config_path,
                format!("deck pattern {pattern:?} matches no file"),
            );
            if let Some(line) = line {
                d = d.at(text, crate::diagnostics::Pos::new(line + 1, 1), 1);
            }
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
        assert!(
            d.message.contains("bool") || d.message.contains("boolean"),
            "{}",
            d.message
        );
        assert_eq!(d.pos.map(|p| p.line), Some(3));
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
