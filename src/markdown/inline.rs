//! Build-time rendering of code, math and emoji, so the deck needs no JavaScript for them.

use std::sync::OnceLock;

use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxSet};
use syntect::util::LinesWithEndings;

use super::html::escape;

/// bat's syntax collection (through two-face): Dockerfile, TOML, shell, SQL... on top of
/// syntect's defaults. Loaded on first use: decks without code never pay for it.
fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(two_face::syntax::extra_newlines)
}

/// `<pre><code>` for a fenced code block; highlighted when the language is known.
pub fn code_block(lang: &str, code: &str) -> String {
    let lang = lang.split([' ', ',', '{']).next().unwrap_or("").trim();
    let mut out = String::with_capacity(code.len() * 2);
    if lang.is_empty() {
        out.push_str("<pre><code>");
        out.push_str(&escape(code));
        out.push_str("</code></pre>\n");
        return out;
    }
    let class = escape(lang);
    out.push_str(&format!(
        "<pre class=\"language-{class}\"><code class=\"language-{class} hljs\">"
    ));
    match highlight(lang, code) {
        Some(html) => out.push_str(&html),
        None => out.push_str(&escape(code)),
    }
    out.push_str("</code></pre>\n");
    out
}

/// Highlighted at build time with syntect's grammars, written with highlight.js's class names
/// (`hljs-keyword`, `hljs-string`, `hljs-title function_`...), which Marp's themes and users'
/// Marp CSS colour.
fn highlight(lang: &str, code: &str) -> Option<String> {
    let set = syntaxes();
    let syntax = set
        .find_syntax_by_token(lang)
        .or_else(|| set.find_syntax_by_token(&lang.to_ascii_lowercase()))?;
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut out = String::with_capacity(code.len() * 2);
    // The class of the text being written, and that text.
    let mut run: (Option<&'static str>, String) = (None, String::new());
    for line in LinesWithEndings::from(code) {
        let ops = state.parse_line(line, set).ok()?;
        let mut at = 0;
        for (i, op) in ops {
            if i > at {
                push_run(&mut out, &mut run, hljs_class(&stack), &line[at..i]);
                at = i;
            }
            stack.apply(&op).ok()?;
        }
        if at < line.len() {
            push_run(&mut out, &mut run, hljs_class(&stack), &line[at..]);
        }
    }
    flush_run(&mut out, &mut run);
    Some(out)
}

fn push_run(
    out: &mut String,
    run: &mut (Option<&'static str>, String),
    class: Option<&'static str>,
    text: &str,
) {
    // Spaces and line ends belong to no token: they do not split a run of one class.
    let class = if text.trim().is_empty() { run.0 } else { class };
    if class != run.0 {
        flush_run(out, run);
        run.0 = class;
    }
    run.1.push_str(text);
}

fn flush_run(out: &mut String, run: &mut (Option<&'static str>, String)) {
    if run.1.is_empty() {
        return;
    }
    // A run never carries its trailing line end into a span.
    let text = std::mem::take(&mut run.1);
    match run.0 {
        Some(class) => {
            let body = text.trim_end_matches('\n');
            out.push_str(&format!("<span class=\"{class}\">{}</span>", escape(body)));
            out.push_str(&text[body.len()..]);
        }
        None => out.push_str(&escape(&text)),
    }
}

/// TextMate scope prefixes and the highlight.js class a token under them gets; the innermost
/// scope that matches wins.
const HLJS: &[(&str, &str)] = &[
    ("comment.line.shebang", "hljs-meta"),
    ("comment", "hljs-comment"),
    ("punctuation.definition.comment", "hljs-comment"),
    ("string.regexp", "hljs-regexp"),
    ("string.unquoted.plain", "hljs-string"),
    ("string", "hljs-string"),
    ("constant.numeric", "hljs-number"),
    ("constant.language", "hljs-literal"),
    ("constant.character.escape", "hljs-char escape_"),
    ("keyword.operator.word", "hljs-keyword"),
    ("keyword.operator", "hljs-operator"),
    ("keyword.other.directive", "hljs-meta"),
    ("meta.preprocessor", "hljs-meta"),
    ("keyword", "hljs-keyword"),
    ("storage.type.primitive", "hljs-type"),
    ("storage.type.numeric", "hljs-type"),
    ("storage", "hljs-keyword"),
    ("support.function.builtin", "hljs-built_in"),
    ("support.function", "hljs-built_in"),
    ("support.type", "hljs-type"),
    ("support.class", "hljs-title class_"),
    ("support.constant", "hljs-built_in"),
    ("entity.name.function", "hljs-title function_"),
    ("variable.function", "hljs-title function_ invoke__"),
    ("entity.name.class", "hljs-title class_"),
    ("entity.name.struct", "hljs-title class_"),
    ("entity.name.enum", "hljs-title class_"),
    ("entity.name.type", "hljs-title class_"),
    (
        "entity.other.inherited-class",
        "hljs-title class_ inherited__",
    ),
    ("entity.name.tag.yaml", "hljs-attr"),
    ("entity.name.tag", "hljs-name"),
    ("entity.other.attribute-name", "hljs-attr"),
    ("meta.mapping.key", "hljs-attr"),
    ("entity.name.section", "hljs-section"),
    ("markup.heading", "hljs-section"),
    ("markup.inserted", "hljs-addition"),
    ("markup.deleted", "hljs-deletion"),
    ("markup.bold", "hljs-strong"),
    ("markup.italic", "hljs-emphasis"),
    ("variable.parameter", "hljs-params"),
    ("variable.language", "hljs-variable language_"),
    ("variable.other.readwrite.shell", "hljs-variable"),
    ("variable.other.normal.shell", "hljs-variable"),
    ("variable.other.constant", "hljs-variable constant_"),
    ("constant.other", "hljs-symbol"),
];

fn hljs_class(stack: &ScopeStack) -> Option<&'static str> {
    for scope in stack.as_slice().iter().rev() {
        let name = scope_name(*scope);
        if let Some((_, class)) = HLJS
            .iter()
            .find(|(prefix, _)| name == *prefix || name.starts_with(&format!("{prefix}.")))
        {
            return Some(class);
        }
    }
    None
}

fn scope_name(scope: Scope) -> String {
    scope.build_string()
}

/// TeX to MathML. Errors come back as text for a warning; the caller shows the TeX instead.
pub struct Math {
    converter: Option<math_core::LatexToMathML>,
}

impl Default for Math {
    fn default() -> Self {
        Self::new()
    }
}

impl Math {
    pub fn new() -> Self {
        Math { converter: None }
    }

    pub fn render(&mut self, tex: &str, display: bool) -> Result<String, String> {
        if self.converter.is_none() {
            let conv = math_core::LatexToMathML::new(math_core::MathCoreConfig::default())
                .map_err(|e| format!("{e:?}"))?;
            self.converter = Some(conv);
        }
        let conv = self.converter.as_ref().ok_or_else(String::new)?;
        let mode = if display {
            math_core::MathDisplay::Block
        } else {
            math_core::MathDisplay::Inline
        };
        conv.convert_with_local_state(tex, mode)
            .map(|r| r.mathml)
            .map_err(|e| e.to_string())
    }
}

/// Split text into pieces, each flagged when it is a URL with a scheme (`https://...`).
pub fn autolinks(text: &str) -> Vec<(&str, bool)> {
    if !text.contains(':') {
        return vec![(text, false)];
    }
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    finder
        .spans(text)
        .map(|span| (span.as_str(), span.kind().is_some()))
        .collect()
}

/// Replace `:shortcode:` emoji (GitHub's names, as Marp does) in a run of text.
pub fn emoji(text: &str) -> Option<String> {
    if !text.contains(':') {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut i = 0;
    let mut changed = false;
    while let Some(off) = text[i..].find(':') {
        let start = i + off;
        let Some(len) = text[start + 1..].find(':') else {
            break;
        };
        let name = &text[start + 1..start + 1 + len];
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-'));
        match emojis::get_by_shortcode(name).filter(|_| valid) {
            Some(e) => {
                out.push_str(&text[last..start]);
                out.push_str(e.as_str());
                last = start + len + 2;
                i = last;
                changed = true;
            }
            // The closing colon may open the next shortcode (`a:b :smile:`).
            None => i = start + 1,
        }
    }
    if !changed {
        return None;
    }
    out.push_str(&text[last..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_known_languages_with_classes() {
        let html = code_block("python", "def f():\n    return 1\n");
        assert!(
            html.starts_with(
                "<pre class=\"language-python\"><code class=\"language-python hljs\">"
            )
        );
        // highlight.js's class names, as Marp writes them.
        assert!(
            html.contains("<span class=\"hljs-keyword\">def </span>"),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"hljs-title function_\">f</span>"),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"hljs-number\">1</span>"),
            "{html}"
        );
        let docker = code_block("dockerfile", "FROM python:3.12-slim\n");
        assert!(docker.contains("hljs-keyword"), "{docker}");
    }

    #[test]
    fn unknown_language_is_escaped_plain() {
        assert_eq!(
            code_block("nosuchlang", "<b>"),
            "<pre class=\"language-nosuchlang\"><code class=\"language-nosuchlang hljs\">&lt;b&gt;</code></pre>\n"
        );
        assert_eq!(code_block("", "x"), "<pre><code>x</code></pre>\n");
    }

    #[test]
    fn math_to_mathml() {
        let mut m = Math::new();
        let html = m.render(r"\frac{a}{b}", false).unwrap();
        assert!(
            html.starts_with("<math") && html.contains("<mfrac>"),
            "{html}"
        );
        assert!(m.render(r"\frac{a}{b", true).is_err());
    }

    #[test]
    fn bare_urls_are_found() {
        assert_eq!(
            autolinks("see (https://docs.python.org/3/x.html#opts), then"),
            vec![
                ("see (", false),
                ("https://docs.python.org/3/x.html#opts", true),
                ("), then", false)
            ]
        );
        assert_eq!(autolinks("no link: here"), vec![("no link: here", false)]);
    }

    #[test]
    fn emoji_shortcodes() {
        assert_eq!(
            emoji("hi :smile: and :rocket:").as_deref(),
            Some("hi 😄 and 🚀")
        );
        assert_eq!(emoji("time 10:30:45"), None);
        assert_eq!(emoji("a:b :smile:").as_deref(), Some("a:b 😄"));
        assert_eq!(emoji("no colon"), None);
    }
}
