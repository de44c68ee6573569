//! Scoping CSS to the slides, the way Marpit does with PostCSS.
//!
//! Theme and deck CSS is written against `section` (one slide). In the page, every selector is
//! prefixed so it applies to slides only and never to the viewer around them; `<style scoped>` CSS is
//! narrowed further to one slide. Only rule structure is needed (selector lists, at-rule blocks), so
//! this is a small hand-written pass rather than a full CSS parser.

/// Where the slides live in the page.
pub const SLIDE_ROOT: &str = "div.marpit > div.deck-slide > ";

/// Rewrite `css` so that `section` means `section_sel` under [`SLIDE_ROOT`].
///
/// `:root` and `:scope` also mean the slide itself, as in Marp themes.
pub fn scope(css: &str, section_sel: &str) -> String {
    let mut out = String::with_capacity(css.len() + css.len() / 4);
    scope_block(css, section_sel, &mut out);
    out
}

fn scope_block(css: &str, section_sel: &str, out: &mut String) {
    let mut i = 0;
    while i < css.len() {
        // Copy whitespace and comments between rules as they are.
        let skip = skip_trivia(&css[i..]);
        out.push_str(&css[i..i + skip]);
        i += skip;
        if i >= css.len() {
            break;
        }
        let Some(stop) = find_top_level(&css[i..], &['{', ';', '}']) else {
            out.push_str(&css[i..]);
            break;
        };
        let prelude = &css[i..i + stop];
        let delim = css.as_bytes()[i + stop];
        if delim != b'{' {
            // A statement (`@import x;`, `@charset`) or a stray brace: keep it.
            out.push_str(&css[i..=i + stop]);
            i += stop + 1;
            continue;
        }
        let body_start = i + stop + 1;
        let body_len = matching_brace(&css[body_start..]).unwrap_or(css.len() - body_start);
        let body = &css[body_start..body_start + body_len];
        let trimmed = prelude.trim();
        if let Some(at) = trimmed.strip_prefix('@') {
            let name = at
                .split(|c: char| !c.is_alphanumeric() && c != '-')
                .next()
                .unwrap_or("");
            out.push_str(prelude);
            out.push('{');
            if matches!(
                name,
                "media" | "supports" | "container" | "layer" | "document" | "scope"
            ) {
                scope_block(body, section_sel, out);
            } else {
                out.push_str(body);
            }
        } else {
            let selectors: Vec<String> = split_top_level(trimmed, ',')
                .into_iter()
                .map(|s| scope_selector(s.trim(), section_sel))
                .collect();
            out.push_str(&selectors.join(", "));
            out.push_str(" {");
            out.push_str(body);
        }
        out.push('}');
        i = (body_start + body_len + 1).min(css.len());
    }
}

fn scope_selector(sel: &str, section_sel: &str) -> String {
    for root in ["section", ":root", ":scope", "html", "body"] {
        if let Some(rest) = sel.strip_prefix(root) {
            let ends_name = rest.is_empty()
                || rest.starts_with(['.', '#', '[', ':', '>', '+', '~', ' ', '\t', '\n', '*']);
            if ends_name {
                // `:root` weighs one class more than `section`, as Marpit makes it (so a deck's
                // `:root { --color-background: ... }` beats a theme's `section { ... }`).
                // In `<style scoped>` Marpit makes `:root` a descendant selector, which matches
                // nothing: so does deck.
                if root == ":root" && section_sel != "section" {
                    return format!("{SLIDE_ROOT}{section_sel} {sel}");
                }
                let weight = if root == ":root" {
                    ":not([\\20 root])"
                } else {
                    ""
                };
                // `html`/`body` rules in Marp decks are meant for the slide too.
                return format!("{SLIDE_ROOT}{section_sel}{weight}{rest}");
            }
        }
    }
    format!("{SLIDE_ROOT}{section_sel} {sel}")
}

/// Length of whitespace and `/* */` comments at the start of `s`.
fn skip_trivia(s: &str) -> usize {
    let mut i = 0;
    loop {
        let rest = &s[i..];
        let ws = rest.len() - rest.trim_start().len();
        i += ws;
        if s[i..].starts_with("/*") {
            i += s[i + 2..].find("*/").map_or(s.len() - i, |e| e + 4);
        } else if ws == 0 {
            return i;
        }
    }
}

/// Byte index of the first of `stops` outside strings, comments, parentheses and brackets.
fn find_top_level(s: &str, stops: &[char]) -> Option<usize> {
    let mut depth = 0i32;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' | '\'' => skip_string(&mut chars, c),
            '/' if s[i..].starts_with("/*") => {
                let end = s[i + 2..].find("*/").map_or(s.len(), |e| i + 2 + e + 2);
                while chars.peek().is_some_and(|(j, _)| *j < end) {
                    chars.next();
                }
            }
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            c if depth <= 0 && stops.contains(&c) => return Some(i),
            _ => {}
        }
    }
    None
}

fn skip_string(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>, quote: char) {
    while let Some((_, c)) = chars.next() {
        if c == '\\' {
            chars.next();
        } else if c == quote {
            break;
        }
    }
}

/// Index of the `}` closing a block whose `{` was just before `s`.
fn matching_brace(s: &str) -> Option<usize> {
    let mut depth = 0i32;
    let mut i = 0;
    while let Some(off) = find_top_level(&s[i..], &['{', '}']) {
        let at = i + off;
        if s.as_bytes()[at] == b'{' {
            depth += 1;
        } else if depth == 0 {
            return Some(at);
        } else {
            depth -= 1;
        }
        i = at + 1;
    }
    None
}

fn split_top_level(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut i = 0;
    while let Some(off) = find_top_level(&s[i..], &[sep]) {
        parts.push(&s[i..i + off]);
        i += off + 1;
    }
    parts.push(&s[i..]);
    parts
}

/// The byte ranges of `css`'s top-level statements (`@import ...;`) and rules (`sel { ... }`,
/// `@media ... { ... }`), comments and whitespace between them left out.
pub fn top_level_statements(css: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < css.len() {
        i += skip_trivia(&css[i..]);
        if i >= css.len() {
            break;
        }
        let Some(stop) = find_top_level(&css[i..], &['{', ';', '}']) else {
            out.push(i..css.len());
            break;
        };
        let end = if css.as_bytes()[i + stop] == b'{' {
            let body = i + stop + 1;
            body + matching_brace(&css[body..]).map_or(css.len() - body, |e| e + 1)
        } else {
            i + stop + 1
        };
        let end = end.min(css.len());
        out.push(i..end);
        i = end;
    }
    out
}

/// The `width` and `height` a theme gives its slides: the last values in rules whose selector
/// is exactly `section` or `:root` (`:root` winning, as in Marpit), anywhere in the CSS.
pub fn declared_size(css: &str) -> (Option<String>, Option<String>) {
    let mut section = (None, None);
    let mut root = (None, None);
    collect_sizes(css, &mut section, &mut root);
    (root.0.or(section.0), root.1.or(section.1))
}

type Size = (Option<String>, Option<String>);

fn collect_sizes(css: &str, section: &mut Size, root: &mut Size) {
    for r in top_level_statements(css) {
        let text = &css[r];
        let Some(open) = find_top_level(text, &['{']) else {
            continue;
        };
        let prelude = text[..open].trim();
        let body = text[open + 1..]
            .strip_suffix('}')
            .unwrap_or(&text[open + 1..]);
        if prelude.starts_with('@') {
            if prelude.starts_with("@media") || prelude.starts_with("@supports") {
                collect_sizes(body, section, root);
            }
            continue;
        }
        let target = match prelude {
            "section" => &mut *section,
            ":root" | "section:root" => &mut *root,
            _ => continue,
        };
        for decl in split_top_level(body, ';') {
            let Some((prop, value)) = decl.split_once(':') else {
                continue;
            };
            let value = value
                .trim()
                .trim_end_matches("!important")
                .trim()
                .to_string();
            match prop.trim() {
                "width" => target.0 = Some(value),
                "height" => target.1 = Some(value),
                _ => {}
            }
        }
    }
}

/// What an `@import` statement pulls in, as Marpit reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Import<'a> {
    /// A theme by name: `@import "gaia";`, or `@import-theme "gaia";` (`theme_form`).
    Theme { name: &'a str, theme_form: bool },
    /// A stylesheet by address: `@import url(...)`, or a quoted address (`https://...`, `//...`,
    /// `x.css`).
    Sheet(&'a str),
}

impl Import<'_> {
    /// A stylesheet loaded from the web (it needs the network).
    pub fn is_remote(&self) -> bool {
        matches!(self, Import::Sheet(a) if a.starts_with("https://") || a.starts_with("http://") || a.starts_with("//"))
    }
}

/// The import a top-level statement makes, if it is one.
pub fn import_of(statement: &str) -> Option<Import<'_>> {
    let t = statement.trim_start();
    let (theme_form, rest) = match t.strip_prefix("@import-theme") {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix("@import")?),
    };
    let rest = rest.trim_start();
    if let Some(inner) = rest.strip_prefix("url(") {
        let end = inner.find(')').unwrap_or(inner.len());
        return Some(Import::Sheet(inner[..end].trim().trim_matches(['"', '\''])));
    }
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = &rest[1..];
    let name = &inner[..inner.find(quote)?];
    let address = name.contains("://") || name.starts_with("//") || name.ends_with(".css");
    Some(if address && !theme_form {
        Import::Sheet(name)
    } else {
        Import::Theme { name, theme_form }
    })
}

/// Stylesheet imports (`@import url(...)`, `@import "https://..."`) and `@charset` taken out of
/// CSS blocks, to go first in the page's stylesheet (an `@import` after a rule is ignored by
/// browsers; Marpit moves them up too). Returns the imports, each once, in order.
pub fn hoist_imports(blocks: &mut [String]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for block in blocks.iter_mut() {
        let statements = top_level_statements(block);
        if !statements.iter().any(|r| {
            let t = &block[r.clone()];
            t.starts_with("@import") || t.starts_with("@charset")
        }) {
            continue;
        }
        let mut kept = String::with_capacity(block.len());
        let mut last = 0;
        for r in statements {
            let t = &block[r.clone()];
            if t.starts_with("@import") || t.starts_with("@charset") {
                kept.push_str(&block[last..r.start]);
                last = r.end;
                if t.starts_with("@import") && !found.iter().any(|f| f == t) {
                    found.push(t.to_string());
                }
            }
        }
        kept.push_str(&block[last..]);
        *block = kept;
    }
    found
}

/// Every `url(...)` of a CSS text, rewritten: `resolve(url, offset)` gets the URL as written
/// (quotes taken off) and its byte offset in `css`, and returns the URL to write instead.
pub fn rewrite_urls(css: &str, mut resolve: impl FnMut(&str, usize) -> String) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    let mut base = 0;
    while let Some(i) = rest.find("url(") {
        out.push_str(&rest[..i + 4]);
        let after = &rest[i + 4..];
        let Some(end) = after.find(')') else {
            out.push_str(after);
            return out;
        };
        let raw = after[..end].trim();
        let url = raw.trim_matches(['"', '\'']);
        let at = base + i + 4 + after.find(url).unwrap_or(0);
        let resolved = resolve(url, at);
        out.push('"');
        out.push_str(&resolved.replace('"', "%22"));
        out.push('"');
        out.push(')');
        base += i + 4 + end + 1;
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_rewritten_with_their_offsets() {
        let css = "a { background: url( 'x.png' ) } b { src: url(y.woff2) }";
        let mut seen = Vec::new();
        let out = rewrite_urls(css, |u, at| {
            seen.push((u.to_string(), at));
            format!("data:{u}")
        });
        assert_eq!(
            out,
            "a { background: url(\"data:x.png\") } b { src: url(\"data:y.woff2\") }"
        );
        assert_eq!(&css[seen[0].1..seen[0].1 + 5], "x.png");
        assert_eq!(&css[seen[1].1..seen[1].1 + 7], "y.woff2");
    }

    const R: &str = SLIDE_ROOT;

    #[test]
    fn prefixes_selectors() {
        let out = scope(
            "section.lead h1 { font-size: 100px }\nh2, p > a{x:y}",
            "section",
        );
        assert_eq!(
            out,
            format!(
                "{R}section.lead h1 {{ font-size: 100px }}\n{R}section h2, {R}section p > a {{x:y}}"
            )
        );
    }

    #[test]
    fn root_and_scope_mean_the_slide() {
        assert_eq!(
            scope(":scope h1{a:b}", "section[data-deck-scope=\"2\"]"),
            format!("{R}section[data-deck-scope=\"2\"] h1 {{a:b}}")
        );
        // `sectionx` is not `section`.
        assert_eq!(
            scope("sectionx{}", "section"),
            format!("{R}section sectionx {{}}")
        );
    }

    #[test]
    fn recurses_into_media_and_keeps_keyframes() {
        let css = "@media print { h1 { a: b } }\n@keyframes k { from { x: y } to { x: z } }";
        let out = scope(css, "section");
        assert!(
            out.contains(&format!("@media print {{ {R}section h1 {{ a: b }} }}")),
            "{out}"
        );
        assert!(
            out.contains("@keyframes k { from { x: y } to { x: z } }"),
            "{out}"
        );
    }

    #[test]
    fn survives_strings_comments_and_garbage() {
        let out = scope(
            "/* a, b { */ a[title=\"x,{y\"] { content: \"}\" }",
            "section",
        );
        assert!(
            out.contains(&format!(
                "{R}section a[title=\"x,{{y\"] {{ content: \"}}\" }}"
            )),
            "{out}"
        );
        for bad in [
            "{",
            "}",
            "a {",
            "@media {",
            "/*",
            "a { b { }",
            "\"",
            "@import",
        ] {
            scope(bad, "section");
        }
    }

    #[test]
    fn statements_sizes_and_hoisted_imports() {
        let css = "@import 'gaia';\n/* x */ section { width: 960px; height: 720px }\n@media print { :root { width: 10in } }\n@import url(\"https://f/x.css\");\nh1 { a: b; }";
        let parts: Vec<&str> = top_level_statements(css)
            .into_iter()
            .map(|r| &css[r])
            .collect();
        assert_eq!(parts.len(), 5, "{parts:?}");
        assert_eq!(parts[0], "@import 'gaia';");
        assert_eq!(parts[4], "h1 { a: b; }");
        assert_eq!(
            declared_size(css),
            (Some("10in".into()), Some("720px".into()))
        );
        let mut blocks = vec![
            css.to_string(),
            "@import url(\"https://f/x.css\");\np {}".to_string(),
        ];
        let hoisted = hoist_imports(&mut blocks);
        assert_eq!(
            hoisted,
            ["@import 'gaia';", "@import url(\"https://f/x.css\");"]
        );
        assert!(!blocks[0].contains("@import") && blocks[0].contains("h1 { a: b; }"));
        assert_eq!(blocks[1].trim(), "p {}");
    }

    #[test]
    fn imports_are_themes_or_stylesheets() {
        let theme = |name, theme_form| Some(Import::Theme { name, theme_form });
        assert_eq!(import_of("@import 'gaia';"), theme("gaia", false));
        assert_eq!(import_of("@import-theme \"base\";"), theme("base", true));
        assert_eq!(import_of("@import \"base\" screen;"), theme("base", false));
        assert_eq!(
            import_of("@import url(\"default\");"),
            Some(Import::Sheet("default"))
        );
        assert_eq!(
            import_of("@import \"https://f/x.css\";"),
            Some(Import::Sheet("https://f/x.css"))
        );
        assert!(import_of("@import url(//f/x);").unwrap().is_remote());
        assert_eq!(import_of("h1 { }"), None);
        assert_eq!(import_of("@importx"), None);
    }

    #[test]
    fn root_weighs_a_class_more_than_section() {
        assert_eq!(
            scope(":root{--a:b}", "section"),
            format!("{R}section:not([\\20 root]) {{--a:b}}")
        );
        // Scoped, it matches nothing, as in Marp.
        assert_eq!(
            scope(":root{a:b}", "section[data-deck-scope=\"2\"]"),
            format!("{R}section[data-deck-scope=\"2\"] :root {{a:b}}")
        );
    }
}
