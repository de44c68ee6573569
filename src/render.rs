//! Deck model + theme to one self-contained HTML page, through a minijinja template.
//!
//! The HTML contract follows Marp so existing Marp CSS keeps working: one `<section>` per slide,
//! carrying the `class` directive's classes, `data-marpit-pagination` for the page number, and
//! `<header>`/`<footer>` inside the section. All CSS is scoped to the slides (see [`crate::css`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::confine::{MAX_TEXT, Refusal, Sandbox};
use crate::css::{self, SLIDE_ROOT};
use crate::deck::{Deck, Slide};
use crate::diagnostics::{Diagnostic, Diagnostics, REFUSED};
use crate::markdown::html::escape;
use crate::settings::ViewerSettings;

pub const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    ("deck.html", include_str!("../templates/deck.html")),
    ("viewer.css", include_str!("../templates/viewer.css")),
    ("viewer.js", include_str!("../templates/viewer.js")),
    ("index.html", include_str!("../templates/index.html")),
];

/// Templates: built-ins, each replaceable by a file of the same name in the project's templates/.
pub struct Templates {
    files: BTreeMap<String, (String, Option<PathBuf>)>,
}

impl Templates {
    /// The built-in templates, each replaced by the file of the same name in `dir` when there
    /// is one deck may read (a refused one is reported and the built-in is used).
    pub fn load(dir: &Path, sandbox: &Sandbox, diags: &mut Diagnostics) -> Self {
        let files = BUILTIN_TEMPLATES
            .iter()
            .map(|(name, text)| {
                let own = dir.join(name);
                match sandbox.read_text(&own, MAX_TEXT) {
                    Ok(t) => (name.to_string(), (t, Some(own))),
                    Err(Refusal::Missing) => (name.to_string(), (text.to_string(), None)),
                    Err(why) => {
                        diags.push(
                            Diagnostic::warning(&own, format!("template not read: {why}"))
                                .help(why.help())
                                .code(REFUSED),
                        );
                        (name.to_string(), (text.to_string(), None))
                    }
                }
            })
            .collect();
        Templates { files }
    }

    /// Only the built-in templates.
    pub fn builtin() -> Self {
        Self::load(
            Path::new("/nonexistent"),
            &Sandbox::new(Path::new("/nonexistent"), &[]),
            &mut Diagnostics::default(),
        )
    }

    fn text(&self, name: &str) -> &str {
        self.files.get(name).map_or("", |(t, _)| t.as_str())
    }

    fn path(&self, name: &str) -> PathBuf {
        self.files
            .get(name)
            .and_then(|(_, p)| p.clone())
            .unwrap_or_else(|| PathBuf::from(format!("<builtin template {name}>")))
    }
}

#[derive(Serialize)]
struct PageSlide {
    number: usize,
    label: String,
    attrs: String,
    header: Option<String>,
    footer: Option<String>,
    backgrounds: String,
    html: String,
    notes: String,
}

/// What the page needs besides the deck and its theme.
#[derive(Debug, Clone, Default)]
pub struct PageOptions<'a> {
    /// The page's absolute address (`--base-url`, or marp-cli's `url`), for `rel=canonical`
    /// and Open Graph.
    pub canonical: Option<&'a str>,
    pub viewer: ViewerSettings,
    /// The theme's `@auto-scaling`: `true`, or the features it names; empty when off.
    pub auto_scaling: String,
}

#[derive(Serialize)]
struct Page<'a> {
    title: String,
    lang: &'a str,
    description: Option<&'a str>,
    author: Option<&'a str>,
    /// Joined with `,` (marp-cli writes the tag for two keywords or more).
    keywords: Option<String>,
    image: Option<&'a str>,
    /// What the viewer plays: `data-deck-*` attributes of `<html>`.
    auto_scaling: &'a str,
    osc: bool,
    progress: bool,
    transitions: bool,
    generator: String,
    width: u32,
    height: u32,
    theme: &'a str,
    viewer_css: &'a str,
    viewer_js: &'a str,
    slide_css: String,
    slides: Vec<PageSlide>,
    /// The page's absolute address (with `--base-url`), for `rel=canonical` and Open Graph.
    canonical: Option<&'a str>,
}

/// Render a deck with its theme's CSS. Template errors name the template file and line.
pub fn render(
    deck: &Deck,
    theme: &str,
    theme_css: &str,
    templates: &Templates,
    page: &PageOptions<'_>,
) -> Result<String, Diagnostic> {
    let size = deck.globals.size;
    // Stylesheet imports go first (browsers ignore an `@import` after a rule); a deck's
    // `@import "theme"` does nothing, as in Marp (themes are the `theme` directive's job).
    let mut blocks: Vec<String> = std::iter::once(theme_css.to_string())
        .chain(deck.css.iter().cloned())
        .chain(
            deck.slides
                .iter()
                .flat_map(|s| s.scoped_css.iter().cloned()),
        )
        .collect();
    let imports: Vec<String> = css::hoist_imports(&mut blocks)
        .into_iter()
        .filter(|i| matches!(css::import_of(i), Some(css::Import::Sheet(_))))
        .collect();
    let mut blocks = blocks.into_iter();
    let mut slide_css = imports.join("\n");
    slide_css.push('\n');
    slide_css.push_str(&css::scope(&blocks.next().unwrap_or_default(), "section"));
    for _ in &deck.css {
        slide_css.push('\n');
        slide_css.push_str(&css::scope(&blocks.next().unwrap_or_default(), "section"));
    }
    for slide in &deck.slides {
        for _ in &slide.scoped_css {
            slide_css.push('\n');
            let sel = format!("section[data-deck-scope=\"{}\"]", slide.number);
            slide_css.push_str(&css::scope(&blocks.next().unwrap_or_default(), &sel));
        }
    }
    // The size directive wins over any width or height a theme or style sets.
    let _ = write!(
        slide_css,
        "\n{SLIDE_ROOT}section {{ width: {}px !important; height: {}px !important; }}\n",
        size.width, size.height
    );
    // Fonts the theme asks for first and the machine has: the glyphs the deck uses, embedded.
    let mut all_css = theme_css.to_string();
    for block in &deck.css {
        all_css.push_str(block);
    }
    slide_css.push('\n');
    slide_css.push_str(&crate::fonts::embedded_faces(&all_css, &deck_text(deck)));
    let slide_css = slide_css.replace("</style", "<\\/style");

    let title = deck_title(deck);
    let slides = deck
        .slides
        .iter()
        .map(|s| page_slide(deck, s, theme))
        .collect();
    let keywords = deck
        .globals
        .keywords
        .as_ref()
        .map(|k| {
            let mut seen = Vec::new();
            for w in k {
                if !seen.contains(w) {
                    seen.push(w.clone());
                }
            }
            seen
        })
        .filter(|k| k.len() > 1)
        .map(|k| k.join(","));
    let canonical = page.canonical;
    let viewer = page.viewer;
    let page = Page {
        title,
        lang: deck.globals.lang.as_deref().unwrap_or("en"),
        description: deck.globals.description.as_deref(),
        author: deck.globals.author.as_deref(),
        keywords,
        image: deck.globals.image.as_deref(),
        auto_scaling: &page.auto_scaling,
        osc: viewer.osc,
        progress: viewer.progress,
        transitions: viewer.transition,
        generator: format!("deck {}", env!("CARGO_PKG_VERSION")),
        width: size.width,
        height: size.height,
        theme,
        viewer_css: templates.text("viewer.css"),
        viewer_js: templates.text("viewer.js"),
        slide_css,
        slides,
        canonical,
    };

    let mut env = environment();
    let text = templates.text("deck.html");
    env.add_template("deck.html", text)
        .and_then(|_| {
            env.get_template("deck.html")?
                .render(minijinja::value::Serde(&page))
        })
        .map_err(|e| template_error(&e, &templates.path("deck.html"), text))
}

/// The templates' environment: undefined values are errors, and `path` escapes a URL or path for
/// HTML but keeps its slashes (`data/runs.csv`, not `data&#x2f;runs.csv`).
fn environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.add_filter("path", |s: String| {
        minijinja::value::Value::from_safe_string(escape(&s))
    });
    env
}

/// The text a deck shows (slides, headers, footers), markup taken out: the characters whose
/// glyphs are embedded.
fn deck_text(deck: &Deck) -> String {
    let mut text = String::new();
    for s in &deck.slides {
        let d = &s.directives;
        for html in [Some(&s.html), d.header.as_ref(), d.footer.as_ref()]
            .into_iter()
            .flatten()
        {
            let mut in_tag = false;
            for c in html.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' if in_tag => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
        }
        if let Some(p) = s.page {
            text.push_str(&p.to_string());
        }
    }
    // Page numbers and the characters entities stand for.
    text.push_str("0123456789&<>\"'");
    text
}

/// A deck's title: its `title` directive, else its first heading, else its file name.
pub fn deck_title(deck: &Deck) -> String {
    deck.globals
        .title
        .clone()
        .or_else(|| deck.slides.iter().find_map(|s| s.heading.clone()))
        .or_else(|| {
            deck.path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "deck".into())
}

/// One deck in the site index.
#[derive(Debug, Clone, Serialize)]
pub struct IndexEntry {
    pub href: String,
    pub title: String,
    pub date: Option<String>,
    pub author: Option<String>,
    pub description: Option<String>,
    pub slides: usize,
    pub width: u32,
    pub height: u32,
    /// Data files the deck's figures read, as linked from the index (`data/runs.csv`).
    pub data: Vec<String>,
}

/// The site's `index.html`, from the `index.html` template.
pub fn render_index(
    templates: &Templates,
    title: &str,
    decks: &[IndexEntry],
    canonical: Option<&str>,
) -> Result<String, Diagnostic> {
    let mut env = environment();
    let text = templates.text("index.html");
    let ctx = minijinja::context! {
        title => title,
        decks => minijinja::value::Value::from(minijinja::value::Serde(decks)),
        canonical => canonical,
        generator => format!("deck {}", env!("CARGO_PKG_VERSION")),
    };
    env.add_template("index.html", text)
        .and_then(|_| env.get_template("index.html")?.render(ctx))
        .map_err(|e| template_error(&e, &templates.path("index.html"), text))
}

fn template_error(e: &minijinja::Error, path: &Path, text: &str) -> Diagnostic {
    let detail = e
        .detail()
        .map_or_else(|| e.kind().to_string(), str::to_string);
    let mut d = Diagnostic::error(path, format!("template error: {detail}"))
        .help("fix the template, or delete it to use deck's built-in one");
    if let Some(line) = e.line() {
        d = d.at(text, crate::diagnostics::Pos::new(line, 1), 1);
    }
    d
}

fn page_slide(deck: &Deck, s: &Slide, theme: &str) -> PageSlide {
    let d = &s.directives;
    let lang = deck.globals.lang.as_deref().unwrap_or("en");
    let mut attrs = format!(
        "id=\"{}\" data-theme=\"{}\" lang=\"{}\"",
        s.number,
        escape(theme),
        escape(lang)
    );
    if let Some(class) = &d.class {
        let _ = write!(attrs, " class=\"{}\"", escape(class));
    }
    // Every directive in effect, as Marp writes it: `data-NAME` and `--NAME` (users' CSS keys on
    // them); the theme only when the deck names one that exists; `size` as `data-size` only.
    let own_theme = deck
        .globals
        .theme
        .as_ref()
        .filter(|t| t.value == theme)
        .map(|t| ("theme".to_string(), t.value.clone()));
    let directives: Vec<&(String, String)> = own_theme
        .iter()
        .chain(&deck.globals.attrs)
        .chain(&d.attrs)
        .collect();
    let mut style = String::new();
    for (name, value) in &directives {
        // `data-theme` is always there: the theme the slide is drawn with.
        if name != "theme" {
            let _ = write!(attrs, " data-{name}=\"{}\"", escape(value));
        }
        // As Marpit writes it: the value as it is (the style attribute is escaped below).
        let _ = write!(style, "--{name}:{value};");
    }
    if let Some(t) = &d.transition {
        let _ = write!(attrs, " data-transition=\"{}\"", escape(t));
    }
    if let Some(t) = &s.transition_back {
        let _ = write!(attrs, " data-transition-back=\"{}\"", escape(t));
    }
    if let Some(size) = &deck.globals.size_name {
        let _ = write!(attrs, " data-size=\"{}\"", escape(size));
    }
    if let Some(page) = s.page {
        let _ = write!(
            attrs,
            " data-marpit-pagination=\"{page}\" data-marpit-pagination-total=\"{}\"",
            deck.page_total
        );
    }
    if s.fragments > 0 {
        let _ = write!(attrs, " data-marpit-fragments=\"{}\"", s.fragments);
    }
    if !s.scoped_css.is_empty() {
        let _ = write!(attrs, " data-deck-scope=\"{}\"", s.number);
    }
    // What Marpit's directives set on the section: a background colour removes the theme's
    // background image; a background image is centred and covers, unless the position, repeat
    // and size directives say otherwise (which apply only with an image).
    if let Some(c) = &d.color {
        let _ = write!(style, "color:{c};");
    }
    if let Some(c) = &d.background_color {
        let _ = write!(style, "background-color:{c};background-image:none;");
    }
    if let Some(img) = &d.background_image {
        let or = |v: &Option<String>, default: &str| v.clone().unwrap_or_else(|| default.into());
        let _ = write!(
            style,
            "background-image:{img};background-position:{};background-repeat:{};background-size:{};",
            or(&d.background_position, "center"),
            or(&d.background_repeat, "no-repeat"),
            or(&d.background_size, "cover")
        );
    }
    let mut backgrounds = String::new();
    if !s.backgrounds.is_empty() {
        let mut layer_style = String::new();
        if let Some(split) = &s.split {
            let px = (f64::from(deck.globals.size.width) * split.percent / 100.0).round();
            let side = split.side.as_str();
            let _ = write!(
                style,
                "border-{side}:{px}px solid transparent;--deck-split:{px}px;"
            );
            let _ = write!(layer_style, "{side}:-{px}px;width:{px}px;");
            let _ = write!(attrs, " data-deck-split=\"{side}\"");
        }
        let direction = if s.backgrounds_vertical {
            "vertical"
        } else {
            "horizontal"
        };
        let _ = write!(
            backgrounds,
            "<div class=\"deck-bg\" data-direction=\"{direction}\""
        );
        if !layer_style.is_empty() {
            let _ = write!(backgrounds, " style=\"{layer_style}\"");
        }
        backgrounds.push('>');
        for bg in &s.backgrounds {
            let mut fig = format!(
                "background-image:url(&quot;{}&quot;);background-size:{};",
                escape(&bg.url),
                escape(&bg.size)
            );
            if let Some(f) = &bg.filter {
                let _ = write!(fig, "filter:{};", escape(f));
            }
            let _ = write!(backgrounds, "<figure style=\"{fig}\">");
            if !bg.alt.is_empty() {
                let _ = write!(backgrounds, "<figcaption>{}</figcaption>", escape(&bg.alt));
            }
            backgrounds.push_str("</figure>");
        }
        backgrounds.push_str("</div>");
    }
    if !style.is_empty() {
        let _ = write!(attrs, " style=\"{}\"", escape(&style));
    }
    let label = match &s.heading {
        Some(h) => format!("Slide {}: {h}", s.number),
        None => format!("Slide {}", s.number),
    };
    let notes = s
        .notes
        .iter()
        .map(|n| crate::markdown::notes_html(n))
        .collect::<Vec<_>>()
        .join("\n");
    PageSlide {
        number: s.number,
        label,
        attrs,
        header: d.header.clone(),
        footer: d.footer.clone(),
        backgrounds,
        html: s.html.clone(),
        notes,
    }
}
