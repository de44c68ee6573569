//! Theme registry, read as Marp reads theme CSS: the built-in themes compiled into the binary,
//! then a deck project's `themes/*.css` and marp-cli's theme set (files, folders searched for
//! `*.css`, globs), each naming itself with `/* @theme name */`; a later theme of the same name
//! replaces an earlier one (a built-in included). A CSS file given to `--theme` gets a name of
//! its own.
//!
//! What Marpit does with a theme, deck does: `@import "name"` and `@import-theme "name"` pull a
//! registered theme in (before the importing theme's own rules, `@import-theme` first), in any
//! chain; an import cycle is an error; `@import url(...)` of a stylesheet is kept (the page moves
//! it to the top); metadata comments (`@theme`, `@size`, `@auto-scaling`) are read from every
//! comment, and `@size` and `@auto-scaling` are inherited from the themes imported first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::assets::FileAssets;
use crate::confine::{MAX_TEXT, Sandbox};
use crate::deck::SlideSize;
use crate::diagnostics::{Diagnostic, Diagnostics, REFUSED};

pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../themes/default.css")),
    ("gaia", include_str!("../themes/gaia.css")),
    ("uncover", include_str!("../themes/uncover.css")),
    ("data", include_str!("../themes/data.css")),
];

/// Where a project's themes come from.
#[derive(Debug, Clone, Default)]
pub struct ThemeSources {
    /// A deck project's `themes/` folder: a file without `@theme` is registered under its file
    /// name (with a warning), as deck has always done.
    pub project_dir: Option<PathBuf>,
    /// marp-cli's theme set, in order: files (whatever their extension), folders (every `*.css`
    /// under them) and glob patterns. A file without `@theme` is not registered, as in Marp.
    pub theme_set: Vec<PathBuf>,
    /// marp-cli's `--theme FILE`: registered under a name of its own, whatever it says.
    pub file: Option<PathBuf>,
}

/// An `@import` of another theme.
#[derive(Debug, Clone, PartialEq)]
struct Import {
    name: String,
    /// Written with Marpit's `@import-theme`.
    theme_form: bool,
    /// It counts for inherited metadata: an `@import-theme`, or an `@import` before every rule.
    inherits: bool,
    /// Byte offset in the theme's CSS as written, for messages.
    at: usize,
}

#[derive(Debug, Clone)]
pub struct Theme {
    pub name: String,
    /// Its own CSS: local `url()`s inlined, theme imports taken out (see `imports`).
    pub css: String,
    /// The CSS as written, for messages.
    source: String,
    imports: Vec<Import>,
    /// `@size name W H` (or `@size name false`) lines, in order.
    sizes: Vec<(String, Option<(String, String)>)>,
    auto_scaling: Option<String>,
    /// Width and height of its `section` (or `:root`) rules.
    declared: (Option<String>, Option<String>),
    /// The file it came from; `None` for a built-in theme.
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct Themes {
    themes: BTreeMap<String, Theme>,
    /// The `--theme FILE` theme: its file and the name it was registered under.
    file_theme: Option<(PathBuf, String)>,
}

impl Themes {
    pub fn builtin() -> Self {
        let mut themes = Themes {
            themes: BTreeMap::new(),
            file_theme: None,
        };
        for (name, css) in BUILTIN {
            let theme = Theme::read(name, css, css.to_string(), None);
            themes.themes.insert(name.to_string(), theme);
        }
        themes
    }

    /// Built-ins, then the project's themes in order; a file deck may not read (outside the
    /// project, too large) is left out with a warning.
    pub fn load(sources: &ThemeSources, sandbox: &Sandbox, diags: &mut Diagnostics) -> Self {
        let mut themes = Self::builtin();
        if let Some(dir) = &sources.project_dir
            && let Ok(entries) = std::fs::read_dir(dir)
        {
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "css"))
                .collect();
            files.sort();
            for path in files {
                themes.add_file(&path, Naming::ByFileName, sandbox, diags);
            }
        }
        for path in theme_set_files(&sources.theme_set, sandbox, diags) {
            themes.add_file(&path, Naming::Marp, sandbox, diags);
        }
        if let Some(path) = &sources.file {
            themes.add_file(path, Naming::Own, sandbox, diags);
        }
        themes
    }

    fn add_file(
        &mut self,
        path: &Path,
        naming: Naming,
        sandbox: &Sandbox,
        diags: &mut Diagnostics,
    ) {
        let text = match sandbox.read_text(path, MAX_TEXT) {
            Ok(t) => t,
            Err(why) => {
                diags.push(
                    Diagnostic::warning(path, format!("theme not read: {why}"))
                        .help(why.help())
                        .code(REFUSED),
                );
                return;
            }
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = match (naming, meta_value(&text, "theme")) {
            (Naming::Own, _) => {
                // Marp gives it a random name; deck's is stable, so builds stay byte-identical.
                let mut name = format!("{stem}.css");
                while self.themes.contains_key(&name) {
                    name.insert(0, '_');
                }
                self.file_theme = Some((path.to_path_buf(), name.clone()));
                name
            }
            (_, Some(n)) => n,
            (Naming::ByFileName, None) => {
                diags.push(
                    Diagnostic::warning(
                        path,
                        format!(
                            "theme file has no `/* @theme name */` comment; registered as `{stem}`"
                        ),
                    )
                    .help(format!("start the file with /* @theme {stem} */")),
                );
                stem
            }
            (Naming::Marp, None) => {
                diags.push(
                    Diagnostic::warning(path, "theme not registered: it has no `/* @theme name */` comment, which Marp requires")
                        .help(format!(
                            "start the file with /* @theme {stem} */ (or give it to --theme, which needs no name)"
                        )),
                );
                return;
            }
        };
        let inlined = inline_urls(path, &text, sandbox, diags);
        let theme = Theme::read(&name, &inlined, text, Some(path.to_path_buf()));
        self.themes.insert(name, theme);
    }

    pub fn get(&self, name: &str) -> Option<&Theme> {
        self.themes.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.themes.keys().map(String::as_str)
    }

    /// The name the `--theme FILE` theme was registered under.
    pub fn file_theme(&self, path: &Path) -> Option<&str> {
        self.file_theme
            .as_ref()
            .filter(|(p, _)| p == path)
            .map(|(_, n)| n.as_str())
    }

    /// The themes whose CSS (with its `@import`s expanded) or metadata differs between `self`
    /// and `other`, or that only one of them has: a change to an imported theme changes its
    /// importers too.
    pub fn changed(&self, other: &Themes) -> BTreeSet<String> {
        let mut quiet = Diagnostics::default();
        let mut names: BTreeSet<String> = self.themes.keys().cloned().collect();
        names.extend(other.themes.keys().cloned());
        names
            .into_iter()
            .filter(|n| {
                self.css(n, &mut quiet) != other.css(n, &mut quiet)
                    || self.size_table(n) != other.size_table(n)
                    || self.auto_scaling(n) != other.auto_scaling(n)
            })
            .collect()
    }

    /// The theme's CSS with its imports of registered themes expanded (they come first,
    /// `@import-theme`s before `@import`s, as Marpit orders them). An import cycle is an error.
    pub fn css(&self, name: &str, diags: &mut Diagnostics) -> Option<String> {
        let mut stack = Vec::new();
        let mut done = BTreeSet::new();
        let mut out = String::new();
        self.expand(name, &mut stack, &mut done, &mut out, diags)?;
        Some(out)
    }

    /// Append `name`'s CSS to `out`, its imports first. A theme imported again (a diamond:
    /// two themes importing the same one) is written once: Marpit writes it each time, with the
    /// same effect, but repeats can grow the CSS exponentially.
    fn expand(
        &self,
        name: &str,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        out: &mut String,
        diags: &mut Diagnostics,
    ) -> Option<()> {
        let theme = self.get(name)?;
        if !done.insert(name.to_string()) {
            return Some(());
        }
        stack.push(name.to_string());
        let ordered = theme
            .imports
            .iter()
            .filter(|i| i.theme_form)
            .chain(theme.imports.iter().filter(|i| !i.theme_form));
        for import in ordered {
            if stack.contains(&import.name) {
                let chain = stack.join(" → ");
                diags.push(
                    Diagnostic::error(
                        theme.file(),
                        format!("circular theme import: {chain} → {}", import.name),
                    )
                    .at_span(&theme.source, import.at..import.at + 7)
                    .help("Marp stops on such a cycle too: remove one of the imports"),
                );
                continue;
            }
            if self.expand(&import.name, stack, done, out, diags).is_none() {
                let known = self.names().collect::<Vec<_>>().join(", ");
                diags.push(
                    Diagnostic::warning(
                        theme.file(),
                        format!(
                            "`@import \"{}\"` names no known theme; ignored",
                            import.name
                        ),
                    )
                    .at_span(&theme.source, import.at..import.at + 7)
                    .help(format!("known themes: {known}")),
                );
            }
            out.push('\n');
        }
        out.push_str(&theme.css);
        stack.pop();
        Some(())
    }

    /// The themes whose metadata a theme inherits, itself last: those it imports first (or with
    /// `@import-theme`), depth-first.
    fn lineage<'a>(&'a self, name: &str, seen: &mut Vec<String>, out: &mut Vec<&'a Theme>) {
        let Some(theme) = self.get(name) else {
            return;
        };
        if seen.iter().any(|s| s == name) {
            return;
        }
        seen.push(name.to_string());
        for import in theme.imports.iter().filter(|i| i.inherits) {
            self.lineage(&import.name, seen, out);
        }
        out.push(theme);
    }

    fn lineage_of(&self, name: &str) -> Vec<&Theme> {
        let mut out = Vec::new();
        self.lineage(name, &mut Vec::new(), &mut out);
        out
    }

    /// The theme's `@size`s, inherited ones first, in order of definition.
    fn size_table(&self, name: &str) -> Vec<(String, (String, String))> {
        let mut table: Vec<(String, (String, String))> = Vec::new();
        for theme in self.lineage_of(name) {
            for (size, value) in &theme.sizes {
                table.retain(|(n, _)| n != size);
                if let Some(v) = value {
                    table.push((size.clone(), v.clone()));
                }
            }
        }
        table
    }

    /// The slide size `size: NAME` gives with this theme.
    pub fn size(&self, theme: &str, name: &str) -> Option<SlideSize> {
        let (_, (w, h)) = self
            .size_table(theme)
            .into_iter()
            .find(|(n, _)| n == name)?;
        Some(SlideSize {
            width: SlideSize::css_pixels(&w)?,
            height: SlideSize::css_pixels(&h)?,
        })
    }

    /// The names of the theme's sizes.
    pub fn sizes(&self, theme: &str) -> Vec<String> {
        self.size_table(theme).into_iter().map(|(n, _)| n).collect()
    }

    /// The slide size without a `size` directive: the width and height of the theme's
    /// `section` (or `:root`) rules, else of the themes it imports first, else 1280x720.
    pub fn default_size(&self, theme: &str) -> SlideSize {
        let lineage = self.lineage_of(theme);
        let find = |pick: fn(&Theme) -> &Option<String>| {
            lineage
                .iter()
                .rev()
                .find_map(|t| pick(t).as_deref().and_then(SlideSize::css_pixels))
        };
        SlideSize {
            width: find(|t| &t.declared.0).unwrap_or(SlideSize::WIDE.width),
            height: find(|t| &t.declared.1).unwrap_or(SlideSize::WIDE.height),
        }
    }

    /// The theme's `@auto-scaling` (its own, else the first an imported theme gives): `true`,
    /// or the features it names (`fittingHeader`, `code`, `math`); empty when off.
    pub fn auto_scaling(&self, theme: &str) -> String {
        self.lineage_of(theme)
            .iter()
            .rev()
            .find_map(|t| t.auto_scaling.clone())
            .unwrap_or_default()
    }
}

/// How a theme file without `@theme` is named.
#[derive(Debug, Clone, Copy)]
enum Naming {
    ByFileName,
    Marp,
    Own,
}

impl Theme {
    /// `css` is the text as deck uses it (local `url()`s inlined), `source` as written.
    fn read(name: &str, css: &str, source: String, path: Option<PathBuf>) -> Theme {
        let mut own = String::with_capacity(css.len());
        let mut imports = Vec::new();
        let mut last = 0;
        let mut before_rules = true;
        // Where each import was written: inlining `url()`s changes offsets, not statements.
        let mut written = crate::css::top_level_statements(&source)
            .into_iter()
            .filter(|r| source[r.clone()].starts_with("@import"))
            .map(|r| r.start);
        for statement in crate::css::top_level_statements(css) {
            let text = &css[statement.clone()];
            let trimmed = text.trim_start();
            let import = crate::css::import_of(trimmed);
            let at = if import.is_some() {
                written.next().unwrap_or(0)
            } else {
                0
            };
            match import {
                Some(crate::css::Import::Theme { name, theme_form }) => {
                    own.push_str(&css[last..statement.start]);
                    imports.push(Import {
                        name: name.to_string(),
                        theme_form,
                        inherits: theme_form || before_rules,
                        at,
                    });
                    last = statement.end;
                }
                Some(crate::css::Import::Sheet(_)) => {}
                None if trimmed.starts_with("@charset") => {}
                None => before_rules = false,
            }
        }
        own.push_str(&css[last..]);
        Theme {
            name: name.to_string(),
            declared: crate::css::declared_size(&own),
            sizes: meta_values(&source, "size")
                .iter()
                .filter_map(|line| {
                    let words: Vec<&str> = line.split_whitespace().collect();
                    match words.as_slice() {
                        [n, w, h] => Some((n.to_string(), Some((w.to_string(), h.to_string())))),
                        [n, "false"] => Some((n.to_string(), None)),
                        _ => None,
                    }
                })
                .collect(),
            auto_scaling: meta_value(&source, "auto-scaling"),
            css: own,
            source,
            imports,
            path,
        }
    }

    fn file(&self) -> PathBuf {
        self.path
            .clone()
            .unwrap_or_else(|| PathBuf::from(format!("<builtin {}>", self.name)))
    }
}

/// The files of a theme set, in marp-cli's order: each entry as given (a file whatever its
/// extension, a folder's `*.css` with its own files before its subfolders', a glob's matches).
fn theme_set_files(
    entries: &[PathBuf],
    sandbox: &Sandbox,
    diags: &mut Diagnostics,
) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in entries {
        let text = entry.to_string_lossy();
        // A folder outside the project (or a link out of it) is not even listed.
        let listed = entry.exists() || text.contains(['*', '?', '[']);
        if listed && !sandbox.may_hold(entry) {
            diags.push(
                Diagnostic::warning(entry, "theme set entry not read: it is outside the project")
                    .help("deck reads only files inside the project: copy the themes in, or allow a folder you trust with --allow-outside PATH")
                    .code(REFUSED),
            );
            continue;
        }
        if entry.is_file() {
            files.push(entry.clone());
        } else if entry.is_dir() {
            files.extend(crate::marp::css_files(entry));
        } else if text.contains(['*', '?', '[']) {
            match crate::marp::glob_files(&text) {
                Ok(found) => files.extend(found),
                Err(e) => diags.push(Diagnostic::warning(
                    entry,
                    format!("bad theme-set pattern: {e}"),
                )),
            }
        } else {
            diags.push(
                Diagnostic::warning(entry, "theme set: no such file or folder")
                    .help("give theme CSS files or folders that hold them, relative to where deck runs (or to the config file)"),
            );
        }
    }
    let mut seen = BTreeSet::new();
    files.retain(|f| seen.insert(f.clone()));
    files
}

/// A theme file's `url(...)`s of local files, relative to its folder, inlined (images and
/// fonts) through the sandbox; what may not be read becomes an empty URL, with a warning.
/// Stylesheet imports (`@import url(...)`) are left as written.
fn inline_urls(path: &Path, css: &str, sandbox: &Sandbox, diags: &mut Diagnostics) -> String {
    use crate::markdown::AssetResolver;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut assets = FileAssets::new(base, sandbox.clone());
    let imports: Vec<std::ops::Range<usize>> = crate::css::top_level_statements(css)
        .into_iter()
        .filter(|r| css[r.clone()].trim_start().starts_with("@import"))
        .collect();
    crate::css::rewrite_urls(css, |url, at| {
        if imports.iter().any(|r| r.contains(&at)) {
            return url.to_string();
        }
        let r = assets.resolve(url);
        if let Some((message, help)) = r.warning {
            let mut d = Diagnostic::warning(path, message)
                .at_span(css, at..at + url.len())
                .help(help);
            if r.refused {
                d = d.code(REFUSED);
            }
            diags.push(d);
        }
        r.url
    })
}

/// The values of a metadata key in a theme's comments (`/* @size 4K 3840px 2160px */`), as
/// Marpit reads them: from every comment, one per line (`*`, `!` and spaces before the `@` are
/// skipped), in order.
fn meta_values(css: &str, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        let after = &rest[start + 2..];
        let end = after.find("*/").unwrap_or(after.len());
        for line in after[..end].lines() {
            let line = line.trim_start_matches(|c: char| c == '*' || c == '!' || c.is_whitespace());
            if let Some(value) = line
                .strip_prefix('@')
                .and_then(|l| l.strip_prefix(key))
                .filter(|v| v.starts_with(char::is_whitespace))
            {
                let value = value.trim_start();
                if !value.is_empty() {
                    out.push(value.trim_end_matches(['\r']).to_string());
                }
            }
        }
        rest = &after[(end + 2).min(after.len())..];
    }
    out
}

/// The last value of a metadata key.
fn meta_value(css: &str, key: &str) -> Option<String> {
    meta_values(css, key)
        .pop()
        .map(|v| v.trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, Themes, Diagnostics) {
        let dir = tempfile::tempdir().unwrap();
        for (name, css) in files {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, css).unwrap();
        }
        let mut diags = Diagnostics::default();
        let sources = ThemeSources {
            theme_set: vec![dir.path().to_path_buf()],
            ..ThemeSources::default()
        };
        let themes = Themes::load(&sources, &Sandbox::new(dir.path(), &[]), &mut diags);
        (dir, themes, diags)
    }

    #[test]
    fn builtins_are_registered_and_named() {
        let t = Themes::builtin();
        assert_eq!(
            t.names().collect::<Vec<_>>(),
            vec!["data", "default", "gaia", "uncover"]
        );
        for (name, css) in BUILTIN {
            assert_eq!(meta_value(css, "theme").as_deref(), Some(*name));
        }
        for name in ["default", "gaia", "uncover"] {
            assert_eq!(t.sizes(name), ["16:9", "4:3"], "{name}");
            assert_eq!(t.auto_scaling(name), "true", "{name}");
        }
    }

    #[test]
    fn imports_come_first_import_theme_before_import() {
        let (_d, themes, diags) = project(&[
            ("base.css", "/* @theme base */\nh1 { color: red }\n"),
            ("extra.css", "/* @theme extra */\nh2 { color: blue }\n"),
            (
                "corp.css",
                "/* @theme corp */\nsection { x: 1 }\n@import 'base';\n@import-theme \"extra\";\nh3 { y: 2 }\n",
            ),
        ]);
        assert!(diags.is_empty(), "{diags:?}");
        let mut diags = Diagnostics::default();
        let css = themes.css("corp", &mut diags).unwrap();
        let at = |s: &str| css.find(s).unwrap_or_else(|| panic!("{s} in {css}"));
        assert!(at("h2 { color: blue }") < at("h1 { color: red }"));
        assert!(at("h1 { color: red }") < at("section { x: 1 }"));
        assert!(!css.contains("@import"), "{css}");
    }

    #[test]
    fn sizes_are_inherited_from_leading_imports_and_can_be_removed() {
        let (_d, themes, _) = project(&[(
            "lab.css",
            "/* @theme lab */\n/*\n * @size wide 1600px 900px\n * @size 4:3 false\n * @size a4 210mm 297mm\n */\n@import 'default';\n",
        )]);
        assert_eq!(themes.sizes("lab"), ["16:9", "wide", "a4"]);
        assert_eq!(
            themes.size("lab", "a4"),
            Some(SlideSize {
                width: 794,
                height: 1123
            })
        );
        assert_eq!(themes.size("lab", "4:3"), None);
        assert_eq!(themes.auto_scaling("lab"), "true");
        // An import after a rule brings its CSS, not its metadata.
        let (_d, themes, _) =
            project(&[("late.css", "/* @theme late */\nh1 {}\n@import 'default';\n")]);
        assert!(themes.sizes("late").is_empty());
        assert!(
            themes
                .css("late", &mut Diagnostics::default())
                .unwrap()
                .contains("@theme default")
        );
        assert_eq!(themes.auto_scaling("late"), "");
    }

    #[test]
    fn a_themes_own_section_size_is_its_default() {
        let (_d, themes, _) = project(&[(
            "w.css",
            "/* @theme w */\nsection { width: 10in; height: 5in; }\n",
        )]);
        assert_eq!(
            themes.default_size("w"),
            SlideSize {
                width: 960,
                height: 480
            }
        );
        assert_eq!(themes.default_size("gaia"), SlideSize::WIDE);
    }

    #[test]
    fn cycles_are_errors_and_unknown_imports_warnings() {
        let (_d, themes, _) = project(&[
            ("a.css", "/* @theme a */ @import 'b'; @import 'nope';"),
            ("b.css", "/* @theme b */ @import 'a';"),
        ]);
        let mut diags = Diagnostics::default();
        assert!(themes.css("a", &mut diags).is_some());
        assert_eq!(diags.error_count(), 1, "{diags:?}");
        assert_eq!(diags.warning_count(), 1, "{diags:?}");
        let text = diags
            .iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(text.contains("circular theme import: a → b → a"), "{text}");
    }

    #[test]
    fn a_theme_set_file_without_a_name_is_not_registered_a_later_one_wins() {
        let (_d, themes, diags) = project(&[
            ("noname.css", "h1 { color: red }"),
            ("gaia.css", "/* @theme gaia */\nh1 { color: green }"),
            ("sub/gaia.css", "/* @theme gaia */\nh1 { color: blue }"),
        ]);
        assert_eq!(diags.warning_count(), 1);
        assert!(!themes.names().any(|n| n == "noname"));
        let css = themes.css("gaia", &mut Diagnostics::default()).unwrap();
        assert!(css.contains("blue") && !css.contains("#fff8e1"), "{css}");
    }

    #[test]
    fn a_change_to_an_imported_theme_changes_its_importers() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, css: &str| std::fs::write(dir.path().join(name), css).unwrap();
        write("base.css", "/* @theme base */\nh1 { color: red }\n");
        write("corp.css", "/* @theme corp */\n@import 'base';\n");
        write("other.css", "/* @theme other */\nh1 { color: blue }\n");
        let sandbox = Sandbox::new(dir.path(), &[]);
        let sources = ThemeSources {
            project_dir: Some(dir.path().to_path_buf()),
            ..ThemeSources::default()
        };
        let mut diags = Diagnostics::default();
        let before = Themes::load(&sources, &sandbox, &mut diags);
        write("base.css", "/* @theme base */\nh1 { color: green }\n");
        write("new.css", "/* @theme new */\n");
        let after = Themes::load(&sources, &sandbox, &mut diags);
        let changed: Vec<String> = before.changed(&after).into_iter().collect();
        assert_eq!(changed, ["base", "corp", "new"]);
        assert!(after.changed(&after).is_empty());
    }

    #[test]
    fn metadata_is_read_from_every_comment() {
        let css = "/*! @theme first */\nsection { /* @theme inner */ }\n/**\n * @auto-scaling fittingHeader,code\n */";
        assert_eq!(meta_value(css, "theme").as_deref(), Some("inner"));
        assert_eq!(
            meta_value(css, "auto-scaling").as_deref(),
            Some("fittingHeader,code")
        );
        assert_eq!(meta_value(css, "size"), None);
    }
}
