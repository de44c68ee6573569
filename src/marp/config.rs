//! marp-cli's configuration file: where marp-cli 4.5 finds it and what its keys mean.
//!
//! marp-cli asks cosmiconfig 9 without a stop folder, so only the working folder is searched
//! (not its parents), in a fixed order; the first file with content wins. Every path in the file is
//! relative to the file's own folder. Keys deck cannot honour are said so at their line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::doc::Doc;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::settings::ThemeChoice;

/// Where marp-cli looks for its configuration, in the order it looks (cosmiconfig 9's places for
/// the module name `marp`). `package.json` counts only with a `marp` key.
pub const SEARCH_PLACES: &[&str] = &[
    "package.json",
    ".marprc",
    ".marprc.json",
    ".marprc.yaml",
    ".marprc.yml",
    ".marprc.js",
    ".marprc.ts",
    ".marprc.cjs",
    ".marprc.mjs",
    ".config/marprc",
    ".config/marprc.json",
    ".config/marprc.yaml",
    ".config/marprc.yml",
    ".config/marprc.js",
    ".config/marprc.ts",
    ".config/marprc.cjs",
    ".config/marprc.mjs",
    "marp.config.js",
    "marp.config.ts",
    "marp.config.cjs",
    "marp.config.mjs",
];

/// A configuration file is read only up to this size.
const MAX_CONFIG: u64 = 4 << 20;

/// The configuration file marp-cli would use in `dir`: the first search place that exists and
/// is not empty (a `package.json` only with a non-null `marp` key).
pub fn find(dir: &Path) -> Option<PathBuf> {
    SEARCH_PLACES.iter().map(|p| dir.join(p)).find(|path| {
        let Ok(meta) = std::fs::metadata(path) else {
            return false;
        };
        if !meta.is_file() || meta.len() > MAX_CONFIG {
            return meta.is_file();
        }
        let Ok(text) = std::fs::read_to_string(path) else {
            return true;
        };
        if path.ends_with("package.json") {
            return serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v.get("marp").cloned())
                .is_some_and(|m| !m.is_null());
        }
        !text.trim().is_empty()
    })
}

/// `html`: marp-cli's switch for raw HTML in Markdown.
#[derive(Debug, Clone, PartialEq)]
pub enum HtmlSetting {
    /// `true` (every tag kept) or `false` (every tag escaped, the allowlist too).
    All(bool),
    /// An allowlist: tag name → the attributes it keeps.
    Allow(BTreeMap<String, Vec<String>>),
}

/// `pdfOutlines`: `true`, or which outlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Outlines {
    pub pages: bool,
    pub headings: bool,
}

/// marp-cli's `options` (Marp Core's constructor options) that change what deck draws.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EngineOptions {
    pub heading_divider: Option<Vec<u8>>,
    pub loose_yaml: Option<bool>,
    /// `options.markdown.breaks`: a single newline in a paragraph is a line break.
    pub breaks: Option<bool>,
    /// `options.markdown.html`.
    pub html: Option<bool>,
    /// `options.markdown.typographer`: smart quotes and dashes.
    pub typographer: Option<bool>,
    /// `options.math`: `false` turns math off (`katex` and `mathjax` both draw MathML in deck).
    pub math: Option<bool>,
    pub emoji_shortcode: Option<bool>,
    /// `options.slug`: `false` leaves headings without ids.
    pub slug: Option<bool>,
    /// `options.lang` (beats the top-level `lang`, as in marp-cli).
    pub lang: Option<String>,
}

/// A marp-cli configuration file, read.
#[derive(Debug, Clone, Default)]
pub struct MarpConfig {
    pub path: PathBuf,
    pub theme_set: Option<Vec<PathBuf>>,
    pub theme: Option<ThemeChoice>,
    pub html: Option<HtmlSetting>,
    pub input_dir: Option<PathBuf>,
    /// `output`: a path, `-` (stdout), or `Some(None)` for `false` (write nothing).
    pub output: Option<Option<String>>,
    pub lang: Option<String>,
    pub pdf: Option<bool>,
    pub pptx: Option<bool>,
    pub notes: Option<bool>,
    pub image: Option<String>,
    pub images: Option<String>,
    pub image_scale: Option<f64>,
    pub jpeg_quality: Option<f64>,
    pub pdf_notes: Option<bool>,
    pub pdf_outlines: Option<Outlines>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub author: Option<String>,
    pub keywords: Option<Vec<String>>,
    pub url: Option<String>,
    pub og_image: Option<String>,
    pub bespoke_osc: Option<bool>,
    pub bespoke_progress: Option<bool>,
    pub bespoke_transition: Option<bool>,
    pub template: Option<String>,
    pub browser: Option<Vec<String>>,
    pub browser_protocol: Option<String>,
    pub browser_timeout: Option<f64>,
    pub watch: Option<bool>,
    pub server: Option<bool>,
    pub preview: Option<bool>,
    pub options: EngineOptions,
}

/// The top-level keys of marp-cli's configuration (its `IMarpCLIConfig`).
const KEYS: &[&str] = &[
    "allowLocalFiles",
    "author",
    "baseUrl",
    "bespoke",
    "browser",
    "browserPath",
    "browserProtocol",
    "browserTimeout",
    "description",
    "engine",
    "html",
    "image",
    "images",
    "imageScale",
    "inputDir",
    "jpegQuality",
    "keywords",
    "lang",
    "notes",
    "ogImage",
    "options",
    "output",
    "parallel",
    "pdf",
    "pdfNotes",
    "pdfOutlines",
    "pptx",
    "pptxEditable",
    "preview",
    "server",
    "template",
    "theme",
    "themeSet",
    "title",
    "url",
    "watch",
];

/// Marp Core's and Marpit's constructor options.
const OPTION_KEYS: &[&str] = &[
    "anchor",
    "container",
    "cssContainerQuery",
    "cssNesting",
    "emoji",
    "headingDivider",
    "html",
    "inlineSVG",
    "inlineStyle",
    "lang",
    "looseYAML",
    "markdown",
    "math",
    "minifyCSS",
    "printable",
    "script",
    "slideContainer",
    "slug",
];

impl MarpConfig {
    /// Read and check the configuration file at `path`. Errors (a broken file, a wrong type)
    /// and warnings (a key deck cannot honour) go to `diags`; `None` when the file cannot be
    /// read at all.
    pub fn load(path: &Path, diags: &mut Diagnostics) -> Option<MarpConfig> {
        let text = match read(path) {
            Ok(t) => t,
            Err(message) => {
                diags.push(
                    Diagnostic::error(path, message)
                        .help("give a readable marp-cli config (-c FILE), or leave it out with --no-config-file"),
                );
                return None;
            }
        };
        let doc = match Doc::read(path, text) {
            Ok(doc) => doc,
            Err(d) => {
                diags.push(d);
                return None;
            }
        };
        Some(Self::from_doc(&doc, diags))
    }

    /// The typed configuration of a read file.
    pub fn from_doc(doc: &Doc, diags: &mut Diagnostics) -> MarpConfig {
        let dir = doc.path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut r = Reader { doc, diags };
        r.computed();
        let mut c = MarpConfig {
            path: doc.path.clone(),
            ..MarpConfig::default()
        };
        let Some(map) = doc.value.as_object() else {
            if !doc.value.is_null() {
                r.error(
                    "",
                    "the configuration is not an object of `key: value` settings",
                    "write settings such as `themeSet: ./themes` (see marp-cli's README)",
                );
            }
            return c;
        };
        for key in map.keys() {
            if !KEYS.contains(&key.as_str()) {
                r.unknown(key, key, KEYS, "marp-cli ignores it too");
            }
        }
        let rel = |p: String| -> PathBuf { dir.join(p) };
        c.theme_set = r.strings("themeSet").map(|v| {
            v.into_iter()
                .filter_map(|p| r.inside("themeSet", p))
                .map(rel)
                .collect()
        });
        // A theme by name, or a CSS file beside the config (marp-cli tries the file first).
        c.theme = r.string("theme").map(|t| {
            let file = dir.join(&t);
            if file.is_file() {
                ThemeChoice::File(file)
            } else {
                ThemeChoice::Name(t)
            }
        });
        c.html = r.html("html");
        // Accepted (deck always inlines local images inside the project); its type is checked.
        r.bool("allowLocalFiles");
        // A stranger's config names where deck reads decks and writes pages: inside its own
        // folder only (the command line may name any folder).
        c.input_dir = r
            .string("inputDir")
            .and_then(|p| r.inside("inputDir", p))
            .map(rel);
        c.output = match map.get("output") {
            Some(Value::Bool(false)) => Some(None),
            _ => r.string("output").and_then(|o| {
                if o == "-" {
                    Some(Some(o))
                } else {
                    r.inside("output", o)
                        .map(|o| Some(dir.join(o).display().to_string()))
                }
            }),
        };
        c.lang = r.string("lang");
        c.pdf = r.bool("pdf");
        c.pptx = r.bool("pptx");
        c.notes = r.bool("notes");
        c.image = r.image_kind("image");
        c.images = r.image_kind("images");
        c.image_scale = r.number("imageScale");
        c.jpeg_quality = r.number("jpegQuality");
        c.pdf_notes = r.bool("pdfNotes");
        c.pdf_outlines = match map.get("pdfOutlines") {
            Some(Value::Bool(true)) => Some(Outlines {
                pages: true,
                headings: true,
            }),
            Some(Value::Object(o)) => {
                let flag = |k: &str| o.get(k).and_then(Value::as_bool).unwrap_or(false);
                Some(Outlines {
                    pages: flag("pages"),
                    headings: flag("headings"),
                })
            }
            _ => {
                r.bool("pdfOutlines");
                None
            }
        };
        c.title = r.string("title");
        c.description = r.string("description");
        c.author = r.string("author");
        c.keywords = r.strings("keywords").map(|k| {
            k.iter()
                .flat_map(|s| s.split(','))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        });
        c.url = r.string("url");
        c.og_image = r.string("ogImage");
        if let Some(b) = map.get("bespoke") {
            match b.as_object() {
                Some(o) => {
                    for k in o.keys() {
                        if !["osc", "progress", "transition"].contains(&k.as_str()) {
                            r.unknown(
                                &format!("bespoke.{k}"),
                                k,
                                &["osc", "progress", "transition"],
                                "marp-cli ignores it too",
                            );
                        }
                    }
                    c.bespoke_osc = r.bool("bespoke.osc");
                    c.bespoke_progress = r.bool("bespoke.progress");
                    c.bespoke_transition = r.bool("bespoke.transition");
                }
                None => r.error(
                    "bespoke",
                    "`bespoke` must be an object",
                    "e.g. `bespoke: { progress: true }`",
                ),
            }
        }
        c.template = r.string("template");
        c.browser = r.strings("browser");
        // The program deck starts is the user's choice, never a project's.
        if r.string("browserPath").is_some() {
            r.warn(
                "browserPath",
                "`browserPath` is not used: a project's config does not choose the program deck runs",
                "give --browser-path on the command line, or set CHROME_PATH",
            );
        }
        c.browser_protocol = r.string("browserProtocol");
        c.browser_timeout = r.number("browserTimeout");
        c.watch = r.bool("watch");
        c.server = r.bool("server");
        c.preview = r.bool("preview");
        r.number_or_bool("parallel");
        // marp-cli's API-only setting: accepted, its type checked.
        r.string("baseUrl");
        if map.contains_key("engine") && !doc.unreadable.iter().any(|(k, _, _)| k == "engine") {
            r.engine();
        }
        if map.contains_key("pptxEditable") && r.bool("pptxEditable") == Some(true) {
            r.warn(
                "pptxEditable",
                "`pptxEditable` is not available in deck: deck writes PPTX as one picture per slide, with the notes",
                "drop `pptxEditable`; `deck build --pptx` makes the image PPTX",
            );
        }
        if let Some(options) = map.get("options") {
            c.options = r.options(options);
        }
        c
    }
}

fn read(path: &Path) -> Result<String, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read the marp-cli config: {e}"))?;
    if !meta.is_file() {
        return Err("the marp-cli config is not a file".into());
    }
    if meta.len() > MAX_CONFIG {
        return Err(format!(
            "the marp-cli config is {} bytes, more than a config can be (4 MiB)",
            meta.len()
        ));
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read the marp-cli config: {e}"))
}

/// Typed reads of a [`Doc`]'s keys, each problem said at its key.
struct Reader<'a> {
    doc: &'a Doc,
    diags: &'a mut Diagnostics,
}

impl Reader<'_> {
    fn get(&self, key: &str) -> Option<&Value> {
        key.split('.')
            .try_fold(&self.doc.value, |v, k| v.get(k))
            .filter(|v| !v.is_null())
    }

    fn error(&mut self, key: &str, message: impl Into<String>, help: impl Into<String>) {
        let d = Diagnostic::error(&self.doc.path, message).help(help);
        self.diags.push(self.doc.at(d, key));
    }

    fn warn(&mut self, key: &str, message: impl Into<String>, help: impl Into<String>) {
        let d = Diagnostic::warning(&self.doc.path, message).help(help);
        self.diags.push(self.doc.at(d, key));
    }

    fn unknown(&mut self, key: &str, name: &str, known: &[&str], why: &str) {
        let mut help = format!("{why}; the keys are: {}", known.join(", "));
        if let Some(s) = crate::template::closest(name, known.iter().copied()) {
            help = format!("did you mean `{s}`? {help}");
        }
        self.warn(key, format!("unknown marp-cli setting `{key}`"), help);
    }

    /// Keys a JavaScript config computes: said at their line, with the `.marprc.yml` form.
    fn computed(&mut self) {
        for (key, span, why) in &self.doc.unreadable {
            let (message, help) = if key == "engine" || key.starts_with("engine.") {
                (
                    format!("`engine` is {why}: deck does not run a project's JavaScript, so marp-cli engine plugins are not used"),
                    "deck builds the deck with Marp Core's syntax; what a markdown-it plugin adds is shown as written".to_string(),
                )
            } else {
                (
                    format!(
                        "`{key}` is {why}: deck reads JavaScript configs without running them, so this setting is left out"
                    ),
                    format!(
                        "write its value as a literal here, or move the settings to .marprc.yml beside it, e.g.\n  {}",
                        yaml_example(key)
                    ),
                )
            };
            let d = Diagnostic::warning(&self.doc.path, message)
                .at_span(&self.doc.text, span.clone())
                .help(help);
            self.diags.push(d);
        }
    }

    /// `path` if it stays inside the config's folder (relative, no `..` above it); otherwise an
    /// error at `key`.
    fn inside(&mut self, key: &str, path: String) -> Option<String> {
        let p = Path::new(&path);
        // A config under `.config/` belongs to the folder holding `.config`.
        let under_dot_config = self
            .doc
            .path
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|n| n == ".config");
        let mut depth = i32::from(under_dot_config);
        let escapes = p.is_absolute()
            || p.components().any(|c| {
                match c {
                    std::path::Component::ParentDir => depth -= 1,
                    std::path::Component::Normal(_) => depth += 1,
                    _ => {}
                }
                depth < 0
            });
        if escapes {
            self.error(
                key,
                format!("`{key}: {path}` is outside the project (the config's folder)"),
                format!("deck reads and writes only inside the project; give a folder outside it on the command line instead (--{})", if key == "output" { "output" } else { "input-dir" }),
            );
            return None;
        }
        Some(path)
    }

    fn wrong(&mut self, key: &str, what: &str, example: &str) {
        let got = match self.get(key) {
            Some(Value::String(s)) => format!("string {s:?}"),
            Some(Value::Bool(b)) => format!("{b}"),
            Some(Value::Number(n)) => format!("number {n}"),
            Some(Value::Array(_)) => "a list".into(),
            Some(Value::Object(_)) => "an object".into(),
            _ => "nothing".into(),
        };
        self.error(
            key,
            format!("`{key}` must be {what}, not {got}"),
            format!("e.g. `{example}`"),
        );
    }

    fn string(&mut self, key: &str) -> Option<String> {
        match self.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => {
                self.wrong(key, "a string", &format!("{}: text", leaf(key)));
                None
            }
        }
    }

    fn bool(&mut self, key: &str) -> Option<bool> {
        match self.get(key)? {
            Value::Bool(b) => Some(*b),
            _ => {
                self.wrong(key, "true or false", &format!("{}: true", leaf(key)));
                None
            }
        }
    }

    fn number(&mut self, key: &str) -> Option<f64> {
        match self.get(key)? {
            Value::Number(n) => n.as_f64(),
            _ => {
                self.wrong(key, "a number", &format!("{}: 2", leaf(key)));
                None
            }
        }
    }

    fn number_or_bool(&mut self, key: &str) {
        if let Some(v) = self.get(key)
            && !v.is_number()
            && !v.is_boolean()
        {
            self.wrong(key, "a number or true/false", &format!("{}: 5", leaf(key)));
        }
    }

    /// A string, or a list of strings.
    fn strings(&mut self, key: &str) -> Option<Vec<String>> {
        match self.get(key)? {
            Value::String(s) => Some(vec![s.clone()]),
            Value::Array(items) if items.iter().all(Value::is_string) => Some(
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
            ),
            _ => {
                self.wrong(
                    key,
                    "a string or a list of strings",
                    &format!("{}: [a, b]", leaf(key)),
                );
                None
            }
        }
    }

    fn image_kind(&mut self, key: &str) -> Option<String> {
        let v = self.string(key)?.to_ascii_lowercase();
        match v.as_str() {
            "png" => Some(v),
            "jpeg" | "jpg" => Some("jpeg".into()),
            _ => {
                self.error(
                    key,
                    format!("`{key}` must be png or jpeg, not {v:?}"),
                    format!("e.g. `{key}: png`"),
                );
                None
            }
        }
    }

    fn html(&mut self, key: &str) -> Option<HtmlSetting> {
        match self.get(key)? {
            Value::Bool(b) => Some(HtmlSetting::All(*b)),
            Value::Object(o) => {
                let mut allow = BTreeMap::new();
                for (tag, attrs) in o {
                    let names: Vec<String> = match attrs {
                        Value::Array(a) => a
                            .iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect(),
                        Value::Object(a) => a.keys().cloned().collect(),
                        _ => Vec::new(),
                    };
                    allow.insert(tag.to_ascii_lowercase(), names);
                }
                Some(HtmlSetting::Allow(allow))
            }
            _ => {
                self.wrong(
                    key,
                    "true, false or an allowlist of tags",
                    "html: { b: [], a: [href] }",
                );
                None
            }
        }
    }

    fn engine(&mut self) {
        self.warn(
            "engine",
            "`engine` names a JavaScript engine for marp-cli: deck does not run a project's JavaScript, so it is not used",
            "deck builds the deck with Marp Core's syntax; what an engine or markdown-it plugin adds is shown as written",
        );
    }

    fn options(&mut self, options: &Value) -> EngineOptions {
        let mut o = EngineOptions::default();
        let Some(map) = options.as_object() else {
            self.wrong(
                "options",
                "an object of Marp Core options",
                "options: { headingDivider: 2 }",
            );
            return o;
        };
        for key in map.keys() {
            let full = format!("options.{key}");
            match key.as_str() {
                "html" => self.warn(
                    &full,
                    "`options.html` has no effect in marp-cli (its top-level `html` wins), so deck ignores it too",
                    "use the top-level `html: true`, or `options.markdown.html`",
                ),
                "breaks" => self.warn(
                    &full,
                    "`options.breaks` has no effect in marp-cli, so deck ignores it too",
                    "line breaks are a markdown-it option: `options: { markdown: { breaks: false } }`",
                ),
                k if OPTION_KEYS.contains(&k) => {}
                _ => self.unknown(&full, key, OPTION_KEYS, "Marp Core has no such option"),
            }
        }
        if let Some(v) = self.get("options.headingDivider") {
            let levels = match v {
                Value::Number(n) => n.as_u64().map(|n| vec![n]),
                Value::Bool(false) => Some(Vec::new()),
                Value::Array(a) => a.iter().map(Value::as_u64).collect(),
                _ => None,
            };
            match levels {
                Some(l) if l.iter().all(|n| (1..=6).contains(n)) => {
                    o.heading_divider = Some(l.into_iter().map(|n| n as u8).collect());
                }
                _ => self.error(
                    "options.headingDivider",
                    "`options.headingDivider` must be a heading level from 1 to 6 or a list of levels",
                    "e.g. `headingDivider: 2` or `headingDivider: [1, 2]`",
                ),
            }
        }
        o.loose_yaml = self.bool("options.looseYAML");
        if let Some(m) = self.get("options.markdown") {
            if m.is_object() {
                o.breaks = self.bool("options.markdown.breaks");
                o.html = self.bool("options.markdown.html");
                o.typographer = self.bool("options.markdown.typographer");
            } else {
                self.wrong(
                    "options.markdown",
                    "an object of markdown-it options",
                    "markdown: { breaks: false }",
                );
            }
        }
        o.math = match self.get("options.math") {
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(s)) if ["katex", "mathjax"].contains(&s.as_str()) => Some(true),
            Some(Value::Object(_)) => Some(true),
            Some(_) => {
                self.wrong(
                    "options.math",
                    "true, false, \"katex\" or \"mathjax\"",
                    "math: katex",
                );
                None
            }
            None => None,
        };
        match self.get("options.emoji") {
            Some(Value::Object(_)) => {
                // `false` keeps `:smile:` as text; `true` or `"twemoji"` draw it.
                o.emoji_shortcode = match self.get("options.emoji.shortcode") {
                    Some(Value::Bool(b)) => Some(*b),
                    Some(Value::String(_)) => Some(true),
                    _ => None,
                };
            }
            Some(_) => self.wrong("options.emoji", "an object", "emoji: { shortcode: false }"),
            None => {}
        }
        o.slug = match self.get("options.slug") {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        };
        o.lang = self.string("options.lang");
        o
    }
}

fn leaf(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}

/// A `.marprc.yml` line for a key, to show how a computed setting is written as data.
fn yaml_example(key: &str) -> String {
    let example = match leaf(key) {
        "themeSet" => "themeSet: ./themes",
        "theme" => "theme: my-theme",
        "inputDir" => "inputDir: ./slides",
        "output" => "output: ./public",
        "title" => "title: My talk",
        "description" => "description: What the talk is about",
        "author" => "author: Jane Doe",
        "url" => "url: https://example.org/talk/",
        "ogImage" => "ogImage: https://example.org/talk/og.png",
        "lang" => "lang: en",
        "html" => "html: true",
        "allowLocalFiles" => "allowLocalFiles: true",
        "headingDivider" => "options:\n    headingDivider: 2",
        other => return format!("{other}: <value>"),
    };
    example.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(name: &str, text: &str) -> Doc {
        Doc::read(Path::new(name), text.to_string()).unwrap()
    }

    #[test]
    fn finds_the_first_search_place_with_content() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("marp.config.js"), "module.exports = { title: 'js' }").unwrap();
        assert_eq!(find(d), Some(d.join("marp.config.js")));
        std::fs::write(d.join(".marprc.yml"), "").unwrap();
        assert_eq!(
            find(d),
            Some(d.join("marp.config.js")),
            "an empty file is skipped"
        );
        std::fs::write(d.join(".marprc.yml"), "title: yml\n").unwrap();
        assert_eq!(find(d), Some(d.join(".marprc.yml")));
        std::fs::write(d.join("package.json"), r#"{"name": "talk"}"#).unwrap();
        assert_eq!(
            find(d),
            Some(d.join(".marprc.yml")),
            "package.json without `marp`"
        );
        std::fs::write(d.join("package.json"), r#"{"name": "talk", "marp": {}}"#).unwrap();
        assert_eq!(find(d), Some(d.join("package.json")));
    }

    #[test]
    fn reads_every_key_with_paths_from_the_files_folder() {
        let text = "themeSet: ./themes\ntheme: corp\nhtml: true\ninputDir: slides\noutput: public\nlang: fr\ntitle: T\nkeywords: a, b,,a\nbespoke:\n  progress: true\noptions:\n  headingDivider: [1, 2]\n  looseYAML: false\n  markdown:\n    breaks: false\n  math: katex\n  emoji:\n    shortcode: false\n";
        let mut diags = Diagnostics::default();
        let c = MarpConfig::from_doc(&doc("proj/.marprc.yml", text), &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(c.theme_set, Some(vec![PathBuf::from("proj/./themes")]));
        assert_eq!(c.theme, Some(ThemeChoice::Name("corp".into())));
        assert_eq!(c.html, Some(HtmlSetting::All(true)));
        assert_eq!(c.input_dir, Some(PathBuf::from("proj/slides")));
        assert_eq!(c.output, Some(Some("proj/public".into())));
        assert_eq!(c.keywords, Some(vec!["a".into(), "b".into(), "a".into()]));
        assert_eq!(c.bespoke_progress, Some(true));
        assert_eq!(c.options.heading_divider, Some(vec![1, 2]));
        assert_eq!(c.options.loose_yaml, Some(false));
        assert_eq!(c.options.breaks, Some(false));
        assert_eq!(c.options.math, Some(true));
        assert_eq!(c.options.emoji_shortcode, Some(false));
    }

    #[test]
    fn wrong_and_unknown_keys_are_said_at_their_line() {
        let text = "{\n  \"themeSett\": \"./themes\",\n  \"html\": \"yes\",\n  \"options\": { \"breaks\": false }\n}\n";
        let mut diags = Diagnostics::default();
        MarpConfig::from_doc(&doc(".marprc.json", text), &mut diags);
        let all: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
        let text = all.join("\n");
        assert!(
            text.contains("unknown marp-cli setting `themeSett`"),
            "{text}"
        );
        assert!(text.contains("did you mean `themeSet`?"), "{text}");
        assert!(text.contains(".marprc.json:2:3"), "{text}");
        assert!(
            text.contains("`html` must be true, false or an allowlist of tags, not string \"yes\""),
            "{text}"
        );
        assert!(text.contains(".marprc.json:3:3"), "{text}");
        assert!(text.contains("`options.breaks` has no effect"), "{text}");
    }

    #[test]
    fn a_config_reads_and_writes_only_inside_its_folder_and_runs_no_program() {
        let text = "inputDir: ../../home\noutput: /tmp/x\nbrowserPath: ./evil.sh\n";
        let mut diags = Diagnostics::default();
        let c = MarpConfig::from_doc(&doc("p/.marprc.yml", text), &mut diags);
        assert_eq!((c.input_dir, c.output), (None, None));
        let all: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
        let text = all.join("\n");
        assert!(
            text.contains("`inputDir: ../../home` is outside the project"),
            "{text}"
        );
        assert!(
            text.contains("`output: /tmp/x` is outside the project"),
            "{text}"
        );
        assert!(text.contains("`browserPath` is not used"), "{text}");
        assert_eq!(diags.error_count(), 2);
        let mut diags = Diagnostics::default();
        let c = MarpConfig::from_doc(
            &doc(
                "p/.marprc.yml",
                "output: public/../site\ninputDir: ./slides\n",
            ),
            &mut diags,
        );
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(c.output, Some(Some("p/public/../site".into())));
    }

    #[test]
    fn package_json_reads_its_marp_key() {
        let text = "{\n  \"name\": \"talk\",\n  \"marp\": {\n    \"themeSet\": \"./themes\",\n    \"html\": 3\n  }\n}\n";
        let mut diags = Diagnostics::default();
        let c = MarpConfig::from_doc(&doc("package.json", text), &mut diags);
        assert_eq!(c.theme_set, Some(vec![PathBuf::from("./themes")]));
        let d = diags.iter().next().unwrap();
        assert_eq!(d.pos.map(|p| p.line), Some(5), "{d}");
    }

    #[test]
    fn computed_keys_of_a_js_config_are_named_with_the_yaml_to_write() {
        let text = "module.exports = {\n  themeSet: './themes',\n  title: require('./package.json').name,\n  engine: ({ marp }) => marp.use(require('x')),\n}\n";
        let mut diags = Diagnostics::default();
        let c = MarpConfig::from_doc(&doc("marp.config.js", text), &mut diags);
        assert_eq!(c.theme_set, Some(vec![PathBuf::from("./themes")]));
        assert_eq!(c.title, None);
        let all: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
        let text = all.join("\n");
        assert!(text.contains("marp.config.js:3:"), "{text}");
        assert!(text.contains("`title` is"), "{text}");
        assert!(text.contains("title: My talk"), "{text}");
        assert!(text.contains("marp.config.js:4:"), "{text}");
        assert!(text.contains("engine plugins are not used"), "{text}");
        assert_eq!(diags.error_count(), 0);
    }
}
