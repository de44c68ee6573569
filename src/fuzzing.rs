//! The bodies of the fuzz targets in `fuzz/`, kept in the library so they cannot rot: the
//! targets are one line each (`deck::fuzzing::TARGET(data)`), and `tests/fuzz.rs` runs every
//! body on its seed corpus (`fuzz/seeds/TARGET/`) and checks that each target calls a body
//! listed in [`TARGETS`]. Each body must never panic, whatever the bytes.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::diagnostics::Diagnostics;
use crate::markdown::{self, FigureRenderer, KeepUrls, ParseOptions};

/// Every fuzz target: its name (the file `fuzz/fuzz_targets/NAME.rs`) and its body.
/// A fuzz target: its name and the function fed the fuzzer's bytes.
pub type Target = (&'static str, fn(&[u8]));

pub const TARGETS: &[Target] = &[
    ("parse_deck", parse_deck),
    ("figure_block", figure_block),
    ("deck_toml", deck_toml),
    ("marp_config", marp_config),
    ("theme_css", theme_css),
];

/// A folder with a small dataset, made once per process, for the bodies that need a project.
fn fixture() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("deck-fuzz-{}", std::process::id()));
        let _ = std::fs::create_dir_all(dir.join("data"));
        let _ = std::fs::write(
            dir.join("data/runs.csv"),
            "variant,workload,wall_s,mem\na,x,1.5,10\na,x,1.7,11\nb,x,2.5,9\nb,y,0.1,3\n",
        );
        let _ = std::fs::create_dir_all(dir.join("dockerfiles/d"));
        let _ = std::fs::write(dir.join("dockerfiles/d/Dockerfile"), "FROM scratch\n");
        dir
    })
}

fn results() -> &'static Mutex<crate::results::Results> {
    static R: OnceLock<Mutex<crate::results::Results>> = OnceLock::new();
    R.get_or_init(|| {
        let root = fixture();
        let datasets = [(
            "runs".to_string(),
            crate::results::data::DatasetSpec::Path("data/runs.csv".into()),
        )]
        .into_iter()
        .collect();
        Mutex::new(crate::results::Results::new(
            root,
            datasets,
            Default::default(),
            None,
            crate::confine::Sandbox::new(root, &[]),
        ))
    })
}

/// Any text as a deck: templates expanded (with a dataset to query), parsed, rendered; and
/// the CSS scoper on the same text (deck styles are user input too).
pub fn parse_deck(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let engine: Arc<Mutex<crate::results::data::Engine>> = {
        let r = results()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(&r.engine)
    };
    let path = Path::new("fuzz.md");
    let expansion = crate::template::expand(path, text, &engine);
    let mut diags = Diagnostics::default();
    let mut resolver = KeepUrls;
    // The first byte picks the HTML policy and the Markdown options, so every combination is
    // fuzzed.
    let flags = data.first().copied().unwrap_or(0);
    let html = match flags & 3 {
        0 => crate::settings::HtmlPolicy::Allowlist,
        1 => crate::settings::HtmlPolicy::All,
        2 => crate::settings::HtmlPolicy::None,
        _ => crate::settings::HtmlPolicy::Custom(
            [("b".to_string(), vec!["class".to_string()])].into(),
        ),
    };
    let settings = crate::settings::MarkdownSettings {
        breaks: flags & 4 == 0,
        loose_yaml: flags & 8 == 0,
        math: flags & 16 == 0,
        typographer: flags & 32 != 0,
        heading_divider: if flags & 64 != 0 {
            vec![1, 2]
        } else {
            Vec::new()
        },
        ..crate::settings::MarkdownSettings::default()
    };
    let opts = ParseOptions {
        html,
        settings: &settings,
        resolver: &mut resolver,
        figures: None,
    };
    let deck = match &expansion.map {
        Some(map) => {
            markdown::parse_mapped(path, &expansion.text, Some((text, map)), opts, &mut diags)
        }
        None => markdown::parse(path, text, opts, &mut diags),
    };
    assert!(!deck.slides.is_empty());
    for d in diags.iter().chain(expansion.diagnostics.iter()) {
        let _ = d.to_string();
    }
    let themes = crate::themes::Themes::builtin();
    let css = themes.css("gaia", &mut diags).unwrap_or_default();
    let templates = crate::render::Templates::builtin();
    crate::render::render(
        &deck,
        "gaia",
        &css,
        &templates,
        &crate::render::PageOptions::default(),
    )
    .expect("built-in template renders");
    let _ = crate::css::scope(text, "section");
}

/// Any text as the body of a ```` ```chart ```` block (first byte odd) or a ```` ```table ````
/// block, drawn against a small dataset.
pub fn figure_block(data: &[u8]) {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let Ok(spec) = std::str::from_utf8(rest) else {
        return;
    };
    let kind = if first & 1 == 1 { "chart" } else { "table" };
    let mut r = results()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match r.figure(kind, spec) {
        Ok(html) => assert!(html.starts_with("<figure")),
        Err(e) => {
            if let Some(span) = e.span {
                assert!(span.start <= span.end && span.end <= spec.len(), "{span:?}");
            }
        }
    }
    r.records.clear();
}

/// Any text as deck.toml: parsed, checked, and its [bench] checked.
pub fn deck_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("deck.toml");
    let Ok(config) = crate::project::Config::parse(path, text) else {
        return;
    };
    let mut diags = Diagnostics::default();
    config.validate(path, text, &mut diags);
    if let Some(bench) = &config.bench {
        let _ = crate::run::config::Bench::from_toml(bench, fixture(), path, text, &mut diags);
    }
    for d in diags.iter() {
        let _ = d.to_string();
    }
}

/// Any text as a marp-cli config, read as each kind of file (YAML, JSON, `package.json`,
/// JavaScript: never run) and checked key by key; every diagnostic rendered.
pub fn marp_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for name in [
        ".marprc.yml",
        ".marprc.json",
        "package.json",
        "marp.config.mjs",
    ] {
        let mut diags = Diagnostics::default();
        match crate::marp::doc::Doc::read(Path::new(name), text.to_string()) {
            Ok(doc) => {
                let _ = crate::marp::config::MarpConfig::from_doc(&doc, &mut diags);
            }
            Err(d) => diags.push(d),
        }
        for d in diags.iter() {
            let _ = d.to_string();
        }
    }
}

/// Any text as a theme's CSS: registered (its name, imports, `@size` and `@auto-scaling`),
/// expanded with the built-ins it may import, sized, scoped to the slides and its stylesheet
/// imports hoisted.
pub fn theme_css(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let dir = fixture().join("themes");
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join(format!("fuzz-{}.css", std::process::id()));
    if std::fs::write(&file, text).is_err() {
        return;
    }
    let mut diags = Diagnostics::default();
    let sources = crate::themes::ThemeSources {
        theme_set: vec![file.clone()],
        file: Some(file.clone()),
        ..Default::default()
    };
    let themes = crate::themes::Themes::load(
        &sources,
        &crate::confine::Sandbox::new(fixture(), &[]),
        &mut diags,
    );
    for name in themes.names().map(str::to_string).collect::<Vec<_>>() {
        let css = themes.css(&name, &mut diags).unwrap_or_default();
        let _ = themes.sizes(&name);
        let _ = themes.default_size(&name);
        let _ = themes.auto_scaling(&name);
        let mut blocks = vec![css.clone()];
        let _ = crate::css::hoist_imports(&mut blocks);
        let _ = crate::css::scope(&css, "section");
    }
    let _ = crate::css::declared_size(text);
    for d in diags.iter() {
        let _ = d.to_string();
    }
}
