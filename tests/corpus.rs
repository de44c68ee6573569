//! Differential tests over the corpus of Marp decks in `tests/corpus/marp/` (decks written for
//! these tests: one per Marp behaviour, long realistic talks, and talks full of GitHub Actions,
//! Helm, Go, Jinja, Vue, Handlebars, Liquid and shell snippets in code).
//!
//! The property here: a deck that uses no data features builds to exactly the HTML it gives with
//! templating turned off, with no error and no template warning. Template syntax inside code is
//! never read as a template.

mod common;

use std::path::{Path, PathBuf};

use common::project::Project;

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/marp");
    let mut decks: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .filter(|p| p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    decks.sort();
    decks
}

/// A copy of the corpus folder (decks and images) to build in.
fn copy_corpus() -> Project {
    let mut p = Project::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/marp");
    for entry in walk(&dir) {
        let rel = entry
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        p = p.file(&rel, std::fs::read(&entry).unwrap());
    }
    p
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
        let path = e.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn the_corpus_is_large_enough() {
    let n = corpus().len();
    assert!(
        n >= 40,
        "the corpus has {n} decks; it should have at least 40"
    );
}

#[test]
fn templating_on_and_off_give_the_same_html() {
    let p = copy_corpus();
    let mut failures = Vec::new();
    for deck in corpus() {
        let name = deck.file_name().unwrap().to_string_lossy().into_owned();
        let html = name.contains("-html");
        let mut args_on = vec!["build", name.as_str(), "-o", "on"];
        let mut args_off = vec!["build", name.as_str(), "-o", "off", "--no-templates"];
        if html {
            args_on.push("--html");
            args_off.push("--html");
        }
        let on = p.deck(&args_on);
        let off = p.deck(&args_off);
        let out = name.replace(".md", ".html");
        let stderr = on.stderr();
        if !on.0.status.success() || !off.0.status.success() {
            failures.push(format!("{name}: did not build:\n{stderr}{}", off.stderr()));
            continue;
        }
        if template_diagnostics(&stderr) {
            failures.push(format!(
                "{name}: template diagnostics on a plain Marp deck:\n{stderr}"
            ));
        }
        let a = std::fs::read(p.path(&format!("on/{out}"))).unwrap();
        let b = std::fs::read(p.path(&format!("off/{out}"))).unwrap();
        if a != b {
            failures.push(format!(
                "{name}: the HTML differs with templating on and off"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Whether `deck build`'s output has a diagnostic of the template stage.
fn template_diagnostics(stderr: &str) -> bool {
    const STAGE: &[&str] = &[
        "template",
        "undefined variable",
        "without a closing",
        "unknown filter",
        "unknown function",
        "is never closed",
        "closes nothing",
    ];
    stderr
        .lines()
        .filter(|l| l.starts_with("error:") || l.starts_with("warning:"))
        .any(|l| STAGE.iter().any(|s| l.contains(s)))
}

#[test]
fn template_syntax_in_code_is_shown_verbatim() {
    let p = copy_corpus();
    // Every fenced block and inline code span that holds template syntax must reach the page
    // with that syntax (HTML-escaped, highlighted into spans: compare the text content).
    for deck in corpus() {
        let name = deck.file_name().unwrap().to_string_lossy().into_owned();
        let source = std::fs::read_to_string(&deck).unwrap();
        if !(source.contains("{{") || source.contains("{%") || source.contains("{#")) {
            continue;
        }
        let mut args = vec!["build", name.as_str(), "-o", "out"];
        if name.contains("-html") {
            args.push("--html");
        }
        p.deck(&args).ok();
        let html = p.read(&format!("out/{}", name.replace(".md", ".html")));
        let text = text_of(&html);
        for snippet in template_snippets(&source) {
            assert!(
                text.contains(&snippet),
                "{name}: `{snippet}` is missing from the built page"
            );
        }
    }
}

/// `{{ ... }}`, `{% ... %}` and `{# ... #}` written inside code in a deck (one line each).
fn template_snippets(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in source.lines() {
        for open in ["{{", "{%", "{#"] {
            let close = match open {
                "{{" => "}}",
                "{%" => "%}",
                _ => "#}",
            };
            let mut rest = line;
            while let Some(a) = rest.find(open) {
                let Some(b) = rest[a..].find(close) else {
                    break;
                };
                out.push(rest[a..a + b + 2].to_string());
                rest = &rest[a + b + 2..];
            }
        }
    }
    out
}

/// The text of an HTML page: tags taken out, the common entities decoded.
fn text_of(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}
