//! Theme registry: the built-in themes compiled into the binary, then the project's `themes/*.css`
//! (each naming itself with `/* @theme name */`), which may replace a built-in of the same name.
//! `@import "name";` pulls another registered theme in, as in Marp.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::assets::FileAssets;
use crate::confine::{MAX_TEXT, Sandbox};
use crate::diagnostics::{Diagnostic, Diagnostics, REFUSED};

/// A theme file's `url(...)`s of local files, relative to its folder, inlined (images and
/// fonts) through the sandbox; what may not be read becomes an empty URL, with a warning.
fn inline_urls(path: &Path, css: &str, sandbox: &Sandbox, diags: &mut Diagnostics) -> String {
    use crate::markdown::AssetResolver;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut assets = FileAssets::new(base, sandbox.clone());
    crate::css::rewrite_urls(css, |url, at| {
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

pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../themes/default.css")),
    ("gaia", include_str!("../themes/gaia.css")),
    ("uncover", include_str!("../themes/uncover.css")),
    ("data", include_str!("../themes/data.css")),
];

#[derive(Debug, Clone)]
pub struct Theme {
    pub name: String,
    pub css: String,
    /// The file it came from; `None` for a built-in theme.
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct Themes {
    themes: BTreeMap<String, Theme>,
}

impl Themes {
    pub fn builtin() -> Self {
        let themes = BUILTIN
            .iter()
            .map(|(name, css)| {
                (
                    name.to_string(),
                    Theme {
                        name: name.to_string(),
                        css: css.to_string(),
                        path: None,
                    },
                )
            })
            .collect();
        Themes { themes }
    }

    /// Built-ins plus the `.css` files of `dir` (when it exists), in file-name order; a file
    /// deck may not read (a symlink out of the project, too large) is left out with a warning.
    pub fn load(dir: &Path, sandbox: &Sandbox, diags: &mut Diagnostics) -> Self {
        let mut themes = Self::builtin();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return themes;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "css"))
            .collect();
        files.sort();
        for path in files {
            match sandbox.read_text(&path, MAX_TEXT) {
                Ok(css) => {
                    let css = inline_urls(&path, &css, sandbox, diags);
                    themes.add(path, css, diags);
                }
                Err(why) => diags.push(
                    Diagnostic::warning(&path, format!("theme not read: {why}"))
                        .help(why.help())
                        .code(REFUSED),
                ),
            }
        }
        themes
    }

    fn add(&mut self, path: PathBuf, css: String, diags: &mut Diagnostics) {
        let name = match theme_name(&css) {
            Some(n) => n,
            None => {
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                diags.push(
                    Diagnostic::warning(
                        &path,
                        format!(
                            "theme file has no `/* @theme name */` comment; registered as `{stem}`"
                        ),
                    )
                    .help(format!("start the file with /* @theme {stem} */")),
                );
                stem
            }
        };
        self.themes.insert(
            name.clone(),
            Theme {
                name,
                css,
                path: Some(path),
            },
        );
    }

    pub fn get(&self, name: &str) -> Option<&Theme> {
        self.themes.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.themes.keys().map(String::as_str)
    }

    /// The themes whose CSS (with its `@import`s expanded) differs between `self` and `other`,
    /// or that only one of them has: a change to an imported theme changes its importers too.
    pub fn changed(&self, other: &Themes) -> std::collections::BTreeSet<String> {
        let mut quiet = Diagnostics::default();
        let mut names: std::collections::BTreeSet<String> = self.themes.keys().cloned().collect();
        names.extend(other.themes.keys().cloned());
        names
            .into_iter()
            .filter(|n| self.css(n, &mut quiet) != other.css(n, &mut quiet))
            .collect()
    }

    /// The theme's CSS with its `@import`s of other registered themes expanded.
    pub fn css(&self, name: &str, diags: &mut Diagnostics) -> Option<String> {
        let mut seen = Vec::new();
        self.expand(name, &mut seen, diags)
    }

    fn expand(
        &self,
        name: &str,
        seen: &mut Vec<String>,
        diags: &mut Diagnostics,
    ) -> Option<String> {
        let theme = self.get(name)?;
        if seen.iter().any(|s| s == name) {
            return Some(String::new());
        }
        seen.push(name.to_string());
        let mut out = String::with_capacity(theme.css.len());
        let mut last = 0;
        for (start, end, import) in crate::css::imports(&theme.css) {
            out.push_str(&theme.css[last..start]);
            match self.expand(&import, seen, diags) {
                Some(css) => out.push_str(&css),
                None => {
                    let path = theme
                        .path
                        .clone()
                        .unwrap_or_else(|| PathBuf::from(format!("<builtin {name}>")));
                    let line = theme.css[..start].matches('\n').count() + 1;
                    diags.push(
                        Diagnostic::warning(
                            &path,
                            format!("`@import \"{import}\"` names no known theme; ignored"),
                        )
                        .at(
                            &theme.css,
                            crate::diagnostics::Pos::new(line, 1),
                            end - start,
                        )
                        .help(format!(
                            "known themes: {}",
                            self.names().collect::<Vec<_>>().join(", ")
                        )),
                    );
                }
            }
            last = end;
        }
        out.push_str(&theme.css[last..]);
        Some(out)
    }
}

/// The name in a `/* @theme name */` comment.
fn theme_name(css: &str) -> Option<String> {
    let at = css.find("@theme")?;
    let rest = &css[at + 6..];
    let name: String = rest
        .trim_start()
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '*')
        .collect();
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_are_registered_and_named() {
        let t = Themes::builtin();
        assert_eq!(
            t.names().collect::<Vec<_>>(),
            vec!["data", "default", "gaia", "uncover"]
        );
        for (name, css) in BUILTIN {
            assert_eq!(theme_name(css).as_deref(), Some(*name));
        }
    }

    #[test]
    fn project_theme_imports_a_builtin() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("corp.css"),
            "/* @theme corp */\n@import 'gaia';\nh1 { color: red }\n",
        )
        .unwrap();
        let mut diags = Diagnostics::default();
        let themes = Themes::load(dir.path(), &Sandbox::new(dir.path(), &[]), &mut diags);
        assert!(diags.is_empty());
        let css = themes.css("corp", &mut diags).unwrap();
        assert!(css.contains("@theme gaia"));
        assert!(css.contains("h1 { color: red }"));
        assert!(!css.contains("@import"));
    }

    #[test]
    fn a_change_to_an_imported_theme_changes_its_importers() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, css: &str| std::fs::write(dir.path().join(name), css).unwrap();
        write("base.css", "/* @theme base */\nh1 { color: red }\n");
        write("corp.css", "/* @theme corp */\n@import 'base';\n");
        write("other.css", "/* @theme other */\nh1 { color: blue }\n");
        let sandbox = Sandbox::new(dir.path(), &[]);
        let mut diags = Diagnostics::default();
        let before = Themes::load(dir.path(), &sandbox, &mut diags);
        write("base.css", "/* @theme base */\nh1 { color: green }\n");
        write("new.css", "/* @theme new */\n");
        let after = Themes::load(dir.path(), &sandbox, &mut diags);
        let changed: Vec<String> = before.changed(&after).into_iter().collect();
        assert_eq!(changed, ["base", "corp", "new"]);
        assert!(after.changed(&after).is_empty());
    }

    #[test]
    fn import_cycles_and_unknown_imports_end() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.css"),
            "/* @theme a */ @import 'b'; @import 'nope';",
        )
        .unwrap();
        std::fs::write(dir.path().join("b.css"), "/* @theme b */ @import 'a';").unwrap();
        let mut diags = Diagnostics::default();
        let themes = Themes::load(dir.path(), &Sandbox::new(dir.path(), &[]), &mut diags);
        assert!(themes.css("a", &mut diags).is_some());
        assert_eq!(diags.warning_count(), 1);
    }
}
