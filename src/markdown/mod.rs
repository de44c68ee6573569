//! Marp-flavoured Markdown to the deck model.
//!
//! One pass of pulldown-cmark over the file, then three steps over its events:
//! 1. read global directives (front matter and comments anywhere: the last one wins);
//! 2. split the events into slides (`---` rulers at top level, and `headingDivider`);
//! 3. per slide, apply local directives with Marp's inheritance, and rewrite the events (images
//!    with keywords, backgrounds, fragments, highlighted code, MathML, emoji, raw HTML) before
//!    pulldown-cmark writes the HTML.

pub mod directives;
pub mod html;
pub mod images;
pub mod inline;
pub mod math;

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd};

use crate::deck::{
    Background, Deck, Globals, Located, Paginate, Slide, SlideDirectives, SlideSize, Split,
};
use crate::diagnostics::{Diagnostic, Diagnostics, LineIndex, Loc, Pos};
use crate::settings::{HtmlPolicy, MarkdownSettings};
use crate::template::map::SourceMap;
use directives::{Entry, Kind, Value};
use html::Segment;

/// What the parser resolves through the caller: image and background URLs.
pub trait AssetResolver {
    /// Turn a URL written in the deck into the URL the output uses (e.g. a data: URL for a local
    /// file). A problem comes back as a warning message and a hint; the URL is then kept as written.
    fn resolve(&mut self, url: &str) -> Resolved;
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub url: String,
    pub warning: Option<(String, String)>,
    /// The file was refused (outside the project, not an image, too large): `deck check` fails.
    pub refused: bool,
}

/// Leaves every URL as written: for tests and tools that only need the structure.
pub struct KeepUrls;

impl AssetResolver for KeepUrls {
    fn resolve(&mut self, url: &str) -> Resolved {
        Resolved {
            url: url.to_string(),
            warning: None,
            refused: false,
        }
    }
}

/// What the parser asks the caller to draw: ```` ```chart ```` and ```` ```table ```` blocks.
pub trait FigureRenderer {
    /// Render the block's spec (YAML) to HTML. Errors carry the range within the spec they are
    /// about, when they can point at one.
    fn figure(&mut self, kind: &str, spec: &str) -> Result<String, FigureError>;

    /// Warnings about the figure just drawn (its data has failed runs...), at its block.
    fn take_warnings(&mut self) -> Vec<FigureError> {
        Vec::new()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FigureError {
    pub message: String,
    pub help: String,
    /// Byte range in the block's spec; `None` points at the block's opening fence.
    pub span: Option<Range<usize>>,
}

pub struct ParseOptions<'r> {
    /// What raw HTML is kept (`--html` keeps all of it; Marp's allowlist by default).
    pub html: HtmlPolicy,
    /// Marp Core's Markdown options (a marp-cli config's `options`).
    pub settings: &'r MarkdownSettings,
    pub resolver: &'r mut dyn AssetResolver,
    /// Draws `chart` and `table` blocks; without one they stay code blocks.
    pub figures: Option<&'r mut dyn FigureRenderer>,
}

/// Marp Core's markdown-it: tables, strikethrough and math; no footnotes and no task lists
/// (Marp shows `[^1]` and `[ ]` as text, so deck does too).
fn markdown_options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_MATH
}

/// [`markdown_options`] as a project's settings change them: math off, the typographer on.
fn options_for(settings: &MarkdownSettings) -> Options {
    let mut o = markdown_options();
    o.set(Options::ENABLE_MATH, settings.math);
    o.set(Options::ENABLE_SMART_PUNCTUATION, settings.typographer);
    o
}

/// An event with its byte range in the whole file; raw HTML blocks are merged into one item.
#[derive(Debug, Clone)]
enum Item<'a> {
    Ev(Event<'a>, Range<usize>),
    HtmlBlock(String, usize),
}

impl Item<'_> {
    fn into_static(self) -> Item<'static> {
        match self {
            Item::Ev(ev, r) => Item::Ev(ev.into_static(), r),
            Item::HtmlBlock(text, at) => Item::HtmlBlock(text, at),
        }
    }

    fn offset(&self) -> usize {
        match self {
            Item::Ev(_, r) => r.start,
            Item::HtmlBlock(_, o) => *o,
        }
    }
}

/// A directive read from the file, with where its value was written.
#[derive(Debug, Clone)]
struct Directive {
    kind: Kind,
    name: &'static str,
    value: Value,
    span: Range<usize>,
}

/// What an HTML comment turned out to be.
enum Comment {
    Directives(Vec<Directive>),
    Note(String),
    Empty,
}

/// The text being parsed and the file as the user wrote it: the same text, or the template
/// expansion of it with a map back.
struct Ctx<'s, 'r> {
    path: &'s Path,
    /// The text parsed (after templates).
    source: &'s str,
    /// The file as written, where diagnostics point.
    written: &'s str,
    written_lines: LineIndex,
    map: Option<&'s SourceMap>,
    opts: ParseOptions<'r>,
    diags: &'s mut Diagnostics,
    math: inline::Math,
    /// The document's link reference definitions, as written, for headers and footers.
    refs: String,
    /// Heading ids given so far, with how many times each was asked for (Marp's slugs are
    /// unique in the document, slide ids included).
    slugs: std::collections::HashMap<String, usize>,
}

impl Ctx<'_, '_> {
    /// Where a byte range of the parsed text was written.
    fn loc(&self, range: Range<usize>) -> Loc {
        match self.map {
            Some(map) => {
                let (r, notes) = map.locate(range);
                let mut loc = Loc::indexed(self.written, &self.written_lines, r);
                loc.notes = notes;
                loc
            }
            None => Loc::indexed(self.written, &self.written_lines, range),
        }
    }

    fn pos(&self, offset: usize) -> Pos {
        self.loc(offset..offset).pos
    }

    /// Report a problem at a byte range of the parsed text (unless it lies in a part a template
    /// error left as text: it follows from that error).
    fn report(&mut self, d: Diagnostic, range: Range<usize>) {
        if let Some(map) = self.map
            && map.neutralized(map.source_offset(range.start))
        {
            return;
        }
        let d = d.at_loc(&self.loc(range));
        // The same problem at the same place once (a background inherited by many slides).
        if self.diags.iter().any(|o| *o == d) {
            return;
        }
        self.diags.push(d);
    }

    fn warn(&mut self, range: Range<usize>, msg: impl Into<String>, help: impl Into<String>) {
        let d = Diagnostic::warning(self.path, msg).help(help);
        self.report(d, range);
    }

    fn resolve(&mut self, url: &str, offset: usize) -> String {
        let r = self.opts.resolver.resolve(url);
        if let Some((msg, help)) = r.warning {
            let range = self.url_range(url, offset);
            let mut d = Diagnostic::warning(self.path, msg).help(help);
            if r.refused {
                d = d.code(crate::diagnostics::REFUSED);
            }
            self.report(d, range);
        }
        r.url
    }

    /// Where `url` is written at or after `offset` (the image's start), for a precise marker.
    fn url_range(&self, url: &str, offset: usize) -> Range<usize> {
        let at = self
            .source
            .get(offset..)
            .and_then(|s| s.find(url))
            .map_or(offset, |i| offset + i);
        at..at + url.len()
    }

    /// Read an HTML comment's text (starting at byte `offset`) as directives or a note.
    fn comment(&mut self, text: &str, offset: usize) -> Comment {
        if text.trim().is_empty() {
            return Comment::Empty;
        }
        // Marpit reads the comment's text trimmed: the first line loses its indent, the others
        // keep theirs (so a comment indented as a whole is not valid YAML, and not directives).
        let offset = offset + (text.len() - text.trim_start().len());
        let text = text.trim();
        let entries = match directives::parse_yaml(text, self.opts.settings.loose_yaml) {
            Ok(Some(entries)) => entries,
            Ok(None) => return Comment::Note(text.to_string()),
            Err(e) => {
                let first = text.lines().next().unwrap_or("");
                let key = first.split(':').next().unwrap_or("").trim();
                if first.contains(':') && directives::classify(key).is_some() {
                    let at = offset + e.offset.min(text.len());
                    self.warn(
                        at..at,
                        format!(
                            "this comment is not read as directives: its YAML does not parse ({}), so Marp keeps it as a speaker note",
                            e.message
                        ),
                        "write each directive at the start of its line, without indentation",
                    );
                }
                return Comment::Note(text.to_string());
            }
        };
        if entries.is_empty() {
            return Comment::Empty;
        }
        let known: Vec<bool> = entries
            .iter()
            .map(|e| directives::classify(&e.key).is_some())
            .collect();
        if !known.iter().any(|k| *k) {
            let misspelt = entries
                .iter()
                .find_map(|e| directives::suggest(&e.key).map(|h| (e, h)));
            if let Some((e, hint)) = misspelt {
                let msg = format!(
                    "unknown directive `{}`: this comment is kept as a speaker note",
                    e.key
                );
                let range = offset + e.key_span.start..offset + e.key_span.end;
                self.warn(range, msg, format!("did you mean `{hint}`?"));
            }
            return Comment::Note(text.to_string());
        }
        Comment::Directives(self.directives(entries, offset))
    }

    /// Turn YAML entries (written at byte `base` of the text) into directives; unknown keys are
    /// warned about and dropped.
    fn directives(&mut self, entries: Vec<Entry>, base: usize) -> Vec<Directive> {
        let mut out = Vec::new();
        for e in entries {
            let Some((kind, name)) = directives::classify(&e.key) else {
                let help = match directives::suggest(&e.key) {
                    Some(s) => format!("did you mean `{s}`? It is ignored otherwise"),
                    None => {
                        "it is ignored; see `deck help directives` for the directives deck knows"
                            .into()
                    }
                };
                let range = base + e.key_span.start..base + e.key_span.end;
                self.warn(range, format!("unknown directive `{}`", e.key), help);
                continue;
            };
            out.push(Directive {
                kind,
                name,
                value: e.value,
                span: base + e.value_span.start..base + e.value_span.end,
            });
        }
        out
    }
}

/// Parse a whole Markdown file into a deck. Problems go to `diags`; this never fails.
pub fn parse(path: &Path, source: &str, opts: ParseOptions<'_>, diags: &mut Diagnostics) -> Deck {
    parse_mapped(path, source, None, opts, diags)
}

/// [`parse`] a template expansion: `written` is the file as written and `map` leads from
/// `source` back to it, so every problem is reported where the user wrote it.
pub fn parse_mapped(
    path: &Path,
    source: &str,
    written: Option<(&str, &SourceMap)>,
    opts: ParseOptions<'_>,
    diags: &mut Diagnostics,
) -> Deck {
    let (written, map) = match written {
        Some((w, m)) => (w, Some(m)),
        None => (source, None),
    };
    let mut ctx = Ctx {
        path,
        source,
        written,
        written_lines: LineIndex::new(written),
        map,
        opts,
        diags,
        math: inline::Math::new(),
        refs: String::new(),
        slugs: std::collections::HashMap::new(),
    };
    let mut deck = Deck {
        path: path.to_path_buf(),
        ..Deck::default()
    };
    let start = if source.starts_with('\u{feff}') { 3 } else { 0 };

    // Front matter.
    let mut front: Vec<Directive> = Vec::new();
    let body_start = match front_matter(&source[start..]) {
        Some((yaml, body)) => {
            let yaml = start + yaml.start..start + yaml.end;
            match directives::parse_yaml(&source[yaml.clone()], ctx.opts.settings.loose_yaml) {
                Ok(Some(entries)) => front = ctx.directives(entries, yaml.start),
                Ok(None) => {
                    let d = Diagnostic::error(
                        path,
                        "front matter is not a list of `key: value` directives",
                    )
                    .help("write one directive per line, e.g. `theme: gaia`");
                    ctx.report(d, yaml.start..yaml.start + 1);
                }
                Err(e) => {
                    let at = yaml.start + e.offset;
                    let help = crate::yaml::limit_help(&e).unwrap_or_else(|| "fix the YAML; quote values that contain `: ` or start with `[`, `{`, `*` or `&`".into());
                    // With `looseYAML: false` Marp drops such front matter without a word: the
                    // deck builds as Marp builds it, and deck says why.
                    let d = if ctx.opts.settings.loose_yaml {
                        Diagnostic::error(
                            path,
                            format!("broken YAML in front matter: {}", e.message),
                        )
                    } else {
                        Diagnostic::warning(
                            path,
                            format!(
                                "the front matter is not strict YAML ({}) and the config turns looseYAML off: its directives are ignored, as Marp ignores them",
                                e.message
                            ),
                        )
                    };
                    ctx.report(d.help(help), at..at + 1);
                }
            }
            start + body
        }
        None => start,
    };

    let (items, refs) = collect_items(&source[body_start..], body_start, ctx.opts.settings);
    ctx.refs = refs;

    // 1. Global directives, from front matter and every comment.
    // Keyed by the comment's byte offset in the file.
    let mut comments: BTreeMap<usize, Comment> = BTreeMap::new();
    for item in &items {
        for_each_comment(item, |text, off| {
            let c = ctx.comment(text, off);
            comments.insert(off, c);
        });
    }
    let all_globals = front.iter().chain(comments.values().flat_map(|c| match c {
        Comment::Directives(d) => d.as_slice(),
        _ => &[],
    }));
    deck.globals = globals(&mut ctx, all_globals.filter(|d| d.kind == Kind::Global));
    if let Some(style) = &deck.globals.style {
        deck.css.push(style.clone());
    }

    // 2. Slides.
    let ranges = split_slides(&items, &deck.globals.heading_divider);
    for n in 1..=ranges.len() {
        ctx.slugs.insert(n.to_string(), 0);
    }

    // 3. Each slide.
    // Local directives carried over, with where each was written.
    let mut inherited: BTreeMap<&'static str, (Value, Range<usize>)> = BTreeMap::new();
    for d in front.iter().filter(|d| d.kind == Kind::Local) {
        inherited.insert(d.name, (d.value.clone(), d.span.clone()));
    }
    let front_spots: Vec<Directive> = front
        .iter()
        .filter(|d| d.kind == Kind::Spot)
        .cloned()
        .collect();
    let mut counter = 0usize;
    for (n, range) in ranges.iter().enumerate() {
        let slide_items = &items[range.clone()];
        let mut slide = Slide {
            number: n + 1,
            ..Slide::default()
        };
        slide.pos = match slide_items.first() {
            Some(first) => ctx.pos(first.offset()),
            None => ctx.pos(body_start),
        };
        // Directives written in this slide's comments.
        let mut spots: Vec<Directive> = if n == 0 {
            front_spots.clone()
        } else {
            Vec::new()
        };
        for item in slide_items {
            for_each_comment(item, |_, off| match comments.get(&off) {
                Some(Comment::Directives(ds)) => {
                    for d in ds {
                        match d.kind {
                            Kind::Local => {
                                inherited.insert(d.name, (d.value.clone(), d.span.clone()));
                            }
                            Kind::Spot => spots.push(d.clone()),
                            Kind::Global => {}
                        }
                    }
                }
                Some(Comment::Note(text)) => slide.notes.push(text.clone()),
                _ => {}
            });
        }
        let mut effective: BTreeMap<&'static str, Value> = inherited
            .iter()
            .map(|(k, (v, _))| (*k, v.clone()))
            .collect();
        let mut positions: BTreeMap<&'static str, Range<usize>> = inherited
            .iter()
            .map(|(k, (_, r))| (*k, r.clone()))
            .collect();
        for d in &spots {
            effective.insert(d.name, d.value.clone());
            positions.insert(d.name, d.span.clone());
        }
        let mut body = Body::new(&mut slide);
        body.render(&mut ctx, slide_items);
        let Body { html, deck_css, .. } = body;
        slide.html = html;
        deck.css.extend(deck_css);
        slide.directives = local_directives(&mut ctx, &effective, &positions);
        // Going back from this slide plays the previous slide's transition.
        slide.transition_back = deck
            .slides
            .last()
            .and_then(|prev: &Slide| prev.directives.transition.clone());
        // Marpit's numbering: every slide counts but `hold` and `skip` ones; `true` and `hold`
        // show the number (a first slide held shows 1).
        let paginate = slide.directives.paginate;
        if !matches!(paginate, Paginate::Hold | Paginate::Skip) {
            counter += 1;
        }
        slide.page = matches!(paginate, Paginate::True | Paginate::Hold).then(|| {
            counter = counter.max(1);
            counter
        });
        deck.slides.push(slide);
    }
    deck.page_total = counter;
    deck
}

/// `(yaml range, body start)` relative to `src`, when the file starts with front matter.
fn front_matter(src: &str) -> Option<(Range<usize>, usize)> {
    let first_end = src.find('\n')?;
    if src[..first_end].trim_end() != "---" {
        return None;
    }
    let yaml_start = first_end + 1;
    let mut at = yaml_start;
    for line in src[yaml_start..].split_inclusive('\n') {
        let t = line.trim_end();
        if t == "---" || t == "..." {
            return Some((yaml_start..at, at + line.len()));
        }
        at += line.len();
    }
    None
}

/// Byte ranges of `source` that are code or math, which the template stage leaves as written:
/// code blocks (but deck's own `chart` and `table` blocks, whose `sql:` may use template
/// variables), inline code and math. Front matter is not code.
pub fn literal_regions(source: &str) -> Vec<Range<usize>> {
    let start = if source.starts_with('\u{feff}') { 3 } else { 0 };
    let body = match front_matter(&source[start..]) {
        Some((_, body)) => start + body,
        None => start,
    };
    let blocks = math::blocks(&source[body..]);
    let protected = math::protect(&source[body..], &blocks);
    let text = protected.as_deref().unwrap_or(&source[body..]);
    let mut out: Vec<Range<usize>> = blocks
        .iter()
        .map(|b| b.range.start + body..b.range.end + body)
        .collect();
    let in_block = |at: usize| in_math_block(&blocks, body, at);
    let mut skip_to: Option<usize> = None;
    for (ev, r) in Parser::new_ext(text, markdown_options()).into_offset_iter() {
        let r = r.start + body..r.end + body;
        if in_block(r.start) {
            continue;
        }
        if skip_to.is_some_and(|end| r.start < end) {
            continue;
        }
        skip_to = None;
        match ev {
            Event::Start(Tag::CodeBlock(kind)) => {
                let figure = match &kind {
                    CodeBlockKind::Fenced(lang) => {
                        matches!(lang.split_whitespace().next(), Some("chart" | "table"))
                    }
                    CodeBlockKind::Indented => false,
                };
                if !figure {
                    out.push(r.clone());
                }
                skip_to = Some(r.end);
            }
            Event::Code(_) | Event::InlineMath(_) | Event::DisplayMath(_) => out.push(r),
            _ => {}
        }
    }
    out.sort_by_key(|r| r.start);
    out
}

/// Whether the deck has one of deck's own ```` ```chart ```` or ```` ```table ```` blocks.
pub fn has_figure_blocks(source: &str) -> bool {
    if !source.contains("chart") && !source.contains("table") {
        return false;
    }
    Parser::new_ext(source, markdown_options()).any(|ev| {
        matches!(ev, Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang)))
            if matches!(lang.split_whitespace().next(), Some("chart" | "table")))
    })
}

/// Is byte `at` (of the whole source) inside one of the math blocks of the body at `body`?
fn in_math_block(blocks: &[math::MathBlock], body: usize, at: usize) -> bool {
    blocks
        .iter()
        .any(|b| b.range.contains(&(at.wrapping_sub(body))))
}

/// The body's events, and its link reference definitions as written (headers and footers are
/// rendered with them, as Marp renders them within the document).
fn collect_items<'a>(
    body: &'a str,
    base: usize,
    settings: &MarkdownSettings,
) -> (Vec<Item<'a>>, String) {
    let options = options_for(settings);
    if !settings.math {
        return collect_from(body, body, base, &[], options);
    }
    let blocks = math::blocks(body);
    match math::protect(body, &blocks) {
        None => collect_from(body, body, base, &[], options),
        Some(copy) => {
            let (items, refs) = collect_from(&copy, body, base, &blocks, options);
            (items.into_iter().map(Item::into_static).collect(), refs)
        }
    }
}

/// [`collect_items`] over `text`, which is `body` as written or with its math blocks protected
/// (see [`math::protect`]); the TeX of each block comes from `blocks`.
fn collect_from<'a>(
    text: &'a str,
    body: &str,
    base: usize,
    blocks: &[math::MathBlock],
    options: Options,
) -> (Vec<Item<'a>>, String) {
    let mut parser = Parser::new_ext(text, options).into_offset_iter();
    let mut items = Vec::new();
    let mut block: Option<(String, usize)> = None;
    for (ev, r) in parser.by_ref() {
        let r = r.start + base..r.end + base;
        match ev {
            Event::Start(Tag::HtmlBlock) => block = Some((String::new(), r.start)),
            Event::End(TagEnd::HtmlBlock) => {
                if let Some((text, off)) = block.take() {
                    items.push(Item::HtmlBlock(text, off));
                }
            }
            Event::Html(text) if block.is_some() => {
                if let Some((buf, _)) = block.as_mut() {
                    buf.push_str(&text);
                }
            }
            Event::DisplayMath(_) if !blocks.is_empty() => {
                let block = blocks.iter().find(|b| b.range.contains(&(r.start - base)));
                let ev = match block {
                    Some(b) => Event::DisplayMath(CowStr::from(b.tex.clone())),
                    None => ev,
                };
                items.push(Item::Ev(ev, r));
            }
            ev => items.push(Item::Ev(ev, r)),
        }
    }
    let mut defs: Vec<&Range<usize>> = parser
        .reference_definitions()
        .iter()
        .map(|(_, d)| &d.span)
        .collect();
    defs.sort_by_key(|r| r.start);
    let refs = defs
        .iter()
        .filter_map(|r| body.get((*r).clone()))
        .map(|d| format!("{}\n", d.trim_end()))
        .collect();
    (items, refs)
}

/// Call `f(comment_text, byte_offset_of_text)` for each HTML comment in an item.
fn for_each_comment(item: &Item<'_>, mut f: impl FnMut(&str, usize)) {
    let (text, base): (&str, usize) = match item {
        Item::HtmlBlock(t, o) => (t, *o),
        Item::Ev(Event::InlineHtml(t), r) => (t, r.start),
        _ => return,
    };
    for seg in html::segments(text) {
        if let Segment::Comment(c, off) = seg
            && c.trim() != "fit"
        {
            f(c, base + off);
        }
    }
}

fn globals<'d>(ctx: &mut Ctx<'_, '_>, ds: impl Iterator<Item = &'d Directive>) -> Globals {
    let mut g = Globals {
        heading_divider: ctx.opts.settings.heading_divider.clone(),
        ..Globals::default()
    };
    // Marp's attributes of the global directives: the last value written wins.
    let mut attrs: BTreeMap<&'static str, String> = BTreeMap::new();
    for d in ds {
        let s = d.value.as_str().trim().to_string();
        match d.name {
            "style" if !d.value.as_str().is_empty() => {
                attrs.insert("style", d.value.as_str().to_string());
            }
            "lang" if !s.is_empty() => {
                attrs.insert("lang", s.clone());
            }
            "headingDivider" => match directives::heading_divider_attr(&d.value) {
                Some(v) => {
                    attrs.insert("headingDivider", v);
                }
                None => {
                    attrs.remove("headingDivider");
                }
            },
            _ => {}
        }
        match d.name {
            "theme" => {
                g.theme = Some(Located {
                    value: s,
                    loc: ctx.loc(d.span.clone()),
                })
            }
            "style" => g.style = Some(resolve_css_urls(ctx, d.value.as_str(), d.span.start)),
            "headingDivider" => match directives::heading_divider(&d.value) {
                Some(levels) => g.heading_divider = levels,
                None => ctx.warn(
                    d.span.clone(),
                    "`headingDivider` must be a level from 1 to 6 or a list of levels",
                    "e.g. `headingDivider: 2` or `headingDivider: [1, 3]`",
                ),
            },
            // A name among the theme's `@size`s, resolved when the theme is known (the built-in
            // themes' 16:9 and 4:3 meanwhile).
            "size" if !s.is_empty() => {
                if let Some(size) = SlideSize::from_preset(&s) {
                    g.size = size;
                }
                g.size_name = Some(s);
                g.size_loc = Some(ctx.loc(d.span.clone()));
            }
            "math" => g.math = Some(s),
            "title" => g.title = Some(s),
            "description" => g.description = Some(s),
            "author" => g.author = Some(s),
            "date" => g.date = Some(s),
            "lang" => g.lang = Some(s),
            "url" => g.url = Some(s),
            "image" => g.image = Some(s),
            "keywords" => {
                let words = match &d.value {
                    Value::List(items) => items.clone(),
                    v => v.as_str().split(',').map(str::to_string).collect(),
                };
                g.keywords = Some(
                    words
                        .into_iter()
                        .map(|w| w.trim().to_string())
                        .filter(|w| !w.is_empty())
                        .collect(),
                );
            }
            _ => {}
        }
    }
    g.attrs = attrs
        .into_iter()
        .map(|(k, v)| (directives::kebab(k), v))
        .collect();
    g
}

/// Slide boundaries: item ranges, with the dividing rulers left out.
fn split_slides(items: &[Item<'_>], divider: &[u8]) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    let mut depth = 0i32;
    let mut has_content = false;
    for (i, item) in items.iter().enumerate() {
        match item {
            Item::Ev(Event::Rule, _) if depth == 0 => {
                ranges.push(start..i);
                start = i + 1;
                // Marpit splits before a heading once anything visible came before it in the
                // whole document, a `---` included: `---` then `## Title` gives an empty slide.
                has_content = true;
                continue;
            }
            Item::Ev(Event::Start(Tag::Heading { level, .. }), _) if depth == 0 => {
                if divider.contains(&(*level as u8)) && has_content {
                    ranges.push(start..i);
                    start = i;
                }
                has_content = true;
            }
            Item::HtmlBlock(..) => {}
            _ => has_content = true,
        }
        match item {
            Item::Ev(Event::Start(_), _) => depth += 1,
            Item::Ev(Event::End(_), _) => depth -= 1,
            _ => {}
        }
    }
    ranges.push(start..items.len());
    ranges
}

fn local_directives(
    ctx: &mut Ctx<'_, '_>,
    values: &BTreeMap<&'static str, Value>,
    positions: &BTreeMap<&'static str, Range<usize>>,
) -> SlideDirectives {
    let mut d = SlideDirectives::default();
    // A list (`class: [lead, invert]`) is its items joined with spaces, as Marp joins them.
    let get = |name: &str| {
        values.get(name).map(|v| match v {
            Value::List(items) => items.join(" "),
            v => v.as_str().trim().to_string(),
        })
    };
    let non_empty = |v: Option<String>| v.filter(|s| !s.is_empty());
    if let Some(p) = get("paginate") {
        match directives::paginate(&p) {
            Some(v) => d.paginate = v,
            None => {
                let range = positions.get("paginate").cloned().unwrap_or(0..1);
                ctx.warn(
                    range,
                    format!(
                        "`paginate: {p}` is not a paginate value: the page number is not shown"
                    ),
                    "use true, false, hold or skip",
                );
            }
        }
    }
    // Marp's attributes: every directive with a value, as written (`paginate` normalized).
    d.transition = get("transition").and_then(|t| directives::transition_json(&t));
    for name in values.keys() {
        let value = match *name {
            // marp-cli writes its own attribute for it (`data-transition`, JSON).
            "transition" => None,
            "paginate" => match d.paginate {
                Paginate::True => Some("true".to_string()),
                Paginate::Hold => Some("hold".into()),
                Paginate::Skip => Some("skip".into()),
                Paginate::False => None,
            },
            _ => non_empty(get(name)),
        };
        if let Some(v) = value {
            d.attrs.push((directives::kebab(name), v));
        }
    }
    let at = |name: &str| positions.get(name).map_or(0, |r| r.start);
    d.header = non_empty(get("header")).map(|h| inline_html(ctx, &h, at("header")));
    d.footer = non_empty(get("footer")).map(|f| inline_html(ctx, &f, at("footer")));
    d.class = non_empty(get("class"));
    d.background_color = non_empty(get("backgroundColor"));
    let at = positions.get("backgroundImage").map_or(0, |r| r.start);
    d.background_image = non_empty(get("backgroundImage")).map(|v| resolve_css_urls(ctx, &v, at));
    d.background_position = non_empty(get("backgroundPosition"));
    d.background_repeat = non_empty(get("backgroundRepeat"));
    d.background_size = non_empty(get("backgroundSize"));
    d.color = non_empty(get("color"));
    d
}

/// Resolve (and inline) the local files named in `url(...)` of CSS written at byte `offset`:
/// backgrounds, `style`, `<style>`. A file deck may not read becomes an empty URL.
fn resolve_css_urls(ctx: &mut Ctx<'_, '_>, value: &str, offset: usize) -> String {
    crate::css::rewrite_urls(value, |url, _| ctx.resolve(url, offset))
}

/// Render a header or footer as Marp does: inline Markdown (images with their keywords, read and
/// inlined like the slide's; the document's reference links; line breaks), without the paragraph
/// around it.
fn inline_html(ctx: &mut Ctx<'_, '_>, text: &str, offset: usize) -> String {
    let source = format!("{text}\n\n{}", ctx.refs);
    let policy = ctx.opts.html.clone();
    let settings = ctx.opts.settings;
    let mut out: Vec<Event<'static>> = Vec::new();
    // An image being read: its URL, title and alt text.
    let mut image: Option<(String, String, String)> = None;
    let mut paragraphs = 0;
    for ev in Parser::new_ext(&source, options_for(settings)) {
        if let Some((_, _, alt)) = image.as_mut() {
            match ev {
                Event::End(TagEnd::Image) => {
                    let (url, title, alt) = image.take().unwrap_or_default();
                    let spec = images::parse(&alt);
                    out.push(Event::InlineHtml(
                        image_tag(ctx, &url, &title, &spec, offset).into(),
                    ));
                }
                Event::Text(t) | Event::Code(t) => alt.push_str(&t),
                _ => {}
            }
            continue;
        }
        match ev {
            Event::Start(Tag::Paragraph) => paragraphs += 1,
            Event::End(TagEnd::Paragraph) => {}
            _ if paragraphs > 1 => {}
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => image = Some((dest_url.to_string(), title.to_string(), String::new())),
            Event::Html(h) | Event::InlineHtml(h) if !policy.allows_all() => {
                out.push(Event::InlineHtml(html::sanitize(&h, &policy).into()));
            }
            Event::Text(t) => out.push(text_event(&t, settings)),
            Event::SoftBreak if settings.breaks => out.push(Event::HardBreak),
            ev => out.push(ev.into_static()),
        }
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, out.into_iter());
    html.trim_end().to_string()
}

/// Text as Marp shows it: `:shortcode:` emoji replaced, and emoji drawn as images from the
/// installed colour emoji font (Marp's twemoji, offline); plain text otherwise.
fn text_event(t: &str, settings: &MarkdownSettings) -> Event<'static> {
    let text = if settings.emoji_shortcode {
        inline::emoji(t).unwrap_or_else(|| t.to_string())
    } else {
        t.to_string()
    };
    match crate::emoji::images_in(&text) {
        Some(html) => Event::InlineHtml(html.into()),
        None => Event::Text(text.into()),
    }
}

/// An ordinary (not `bg`) image as an `<img>` tag, its file read and inlined.
fn image_tag(
    ctx: &mut Ctx<'_, '_>,
    url: &str,
    title: &str,
    spec: &images::ImageSpec,
    offset: usize,
) -> String {
    let resolved = ctx.resolve(url, offset);
    image_tag_at(&resolved, title, spec)
}

/// `![bg](red)` and `![](red)` set colours in Marp until Marpit 3 removed the shorthand; Marp now
/// draws them as (broken) images, and so does deck, saying what to write instead.
fn shorthand_gone(ctx: &mut Ctx<'_, '_>, colour: &str, directive: &str, offset: usize) {
    let range = ctx.url_range(colour, offset);
    ctx.warn(
        range,
        format!("`{colour}` is drawn as an image, not a colour: Marp removed the image colour shorthand (Marpit 3)"),
        format!("set the colour with a directive: `<!-- {directive}: \"{colour}\" -->`"),
    );
}

/// An `<img>` for an address already resolved.
fn image_tag_at(resolved: &str, title: &str, spec: &images::ImageSpec) -> String {
    let mut tag = format!(
        "<img src=\"{}\" alt=\"{}\"",
        html::escape(resolved),
        html::escape(&spec.alt)
    );
    if !title.is_empty() {
        tag.push_str(&format!(" title=\"{}\"", html::escape(title)));
    }
    if let Some(style) = spec.inline_style() {
        tag.push_str(&format!(" style=\"{}\"", html::escape(&style)));
    }
    tag.push_str(" />");
    tag
}

/// Render speaker notes (or any loose Markdown) to HTML, raw HTML escaped.
pub fn notes_html(text: &str) -> String {
    let mut out = String::new();
    let events = Parser::new_ext(text, markdown_options()).map(|ev| match ev {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        ev => ev,
    });
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

/// The rewriting of one slide's events into HTML.
struct Body<'s> {
    slide: &'s mut Slide,
    out: Vec<Event<'static>>,
    html: String,
    /// Unscoped `<style>` blocks: they apply to the whole deck.
    deck_css: Vec<String>,
    /// For each open list: is it fragmented?
    lists: Vec<bool>,
    /// For each open list item: was it written as a fragment?
    items: Vec<bool>,
    /// Footnote names in order of first appearance.
    footnotes: Vec<String>,
    /// Depth of open links (no autolinking inside them).
    links: usize,
    /// Open headings: marked `<!-- fit -->`?
    headings: Vec<bool>,
    /// Open paragraphs: left out because they hold only background images?
    skip_paragraphs: Vec<bool>,
}

impl<'s> Body<'s> {
    fn new(slide: &'s mut Slide) -> Self {
        Body {
            slide,
            out: Vec::new(),
            html: String::new(),
            deck_css: Vec::new(),
            footnotes: Vec::new(),
            links: 0,
            headings: Vec::new(),
            lists: Vec::new(),
            items: Vec::new(),
            skip_paragraphs: Vec::new(),
        }
    }

    fn render(&mut self, ctx: &mut Ctx<'_, '_>, items: &[Item<'_>]) {
        let mut i = 0;
        while i < items.len() {
            i = self.item(ctx, items, i);
        }
        let events = std::mem::take(&mut self.out);
        pulldown_cmark::html::push_html(&mut self.html, events.into_iter());
    }

    fn push_html(&mut self, s: String) {
        self.out.push(Event::Html(CowStr::from(s)));
    }

    fn push_inline_html(&mut self, s: String) {
        self.out.push(Event::InlineHtml(CowStr::from(s)));
    }

    /// Handle the item at `i`; returns the index of the next item to handle.
    fn item(&mut self, ctx: &mut Ctx<'_, '_>, items: &[Item<'_>], i: usize) -> usize {
        let (ev, range) = match &items[i] {
            Item::HtmlBlock(text, offset) => {
                self.raw_html(ctx, text, *offset, true);
                return i + 1;
            }
            Item::Ev(ev, r) => (ev, r.clone()),
        };
        match ev {
            Event::InlineHtml(text) => self.raw_html(ctx, text, range.start, false),
            Event::Html(text) => self.raw_html(ctx, text, range.start, true),
            Event::Start(Tag::Paragraph) => {
                let bg_only = bg_only_paragraph(items, i);
                self.skip_paragraphs.push(bg_only);
                if !bg_only {
                    self.out.push(Event::Start(Tag::Paragraph));
                }
            }
            Event::End(TagEnd::Paragraph) => {
                if !self.skip_paragraphs.pop().unwrap_or(false) {
                    self.out.push(Event::End(TagEnd::Paragraph));
                }
            }
            Event::Start(Tag::Heading { level, .. }) => {
                let end = find_end(items, i);
                let inner = &items[i + 1..end];
                let fit = inner.iter().any(|it| {
                    matches!(it, Item::Ev(Event::InlineHtml(t), _) if html::segments(t).iter().any(|s| matches!(s, Segment::Comment(c, _) if c.trim() == "fit")))
                });
                if self.slide.heading.is_none() {
                    self.slide.heading = Some(plain_text(inner)).filter(|t| !t.is_empty());
                }
                self.headings.push(fit);
                // Marp Core's `slug` option: headings get ids links can point at (on unless a
                // config turns it off).
                let id = if ctx.opts.settings.slug {
                    let id = html::escape(&unique_slug(ctx, &slug(&slug_text(inner))));
                    format!(" id=\"{id}\"")
                } else {
                    String::new()
                };
                if fit {
                    self.push_html(format!(
                        "<{level}{id} data-deck-fit=\"\"><span data-deck-fit-content=\"\">"
                    ));
                } else {
                    self.push_html(format!("<{level}{id}>"));
                }
            }
            Event::End(TagEnd::Heading(level)) => {
                let close = if self.headings.pop().unwrap_or(false) {
                    "</span>"
                } else {
                    ""
                };
                self.push_html(format!("{close}</{level}>\n"));
            }
            Event::Start(Tag::List(first)) => {
                let fragmented = is_fragment_marker(ctx.source, range.start);
                self.lists.push(fragmented);
                self.out.push(Event::Start(Tag::List(*first)));
            }
            Event::End(TagEnd::List(ordered)) => {
                self.lists.pop();
                self.out.push(Event::End(TagEnd::List(*ordered)));
            }
            Event::Start(Tag::Item) => {
                let fragment = self.lists.last().copied().unwrap_or(false);
                self.items.push(fragment);
                if fragment {
                    self.slide.fragments += 1;
                    let n = self.slide.fragments;
                    self.push_html(format!("<li data-marpit-fragment=\"{n}\">"));
                } else {
                    self.out.push(Event::Start(Tag::Item));
                }
            }
            Event::End(TagEnd::Item) => {
                if self.items.pop().unwrap_or(false) {
                    self.push_html("</li>\n".into());
                } else {
                    self.out.push(Event::End(TagEnd::Item));
                }
            }
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => {
                let end = find_end(items, i);
                let alt = plain_text(&items[i + 1..end]);
                self.image(ctx, dest_url, title, &alt, range.start);
                return end + 1;
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let end = find_end(items, i);
                // The block's text, and where each piece of it is in the source.
                let mut code = String::new();
                let mut pieces: Vec<(usize, usize)> = Vec::new();
                for it in &items[i + 1..end] {
                    if let Item::Ev(Event::Text(t), r) = it {
                        pieces.push((code.len(), r.start));
                        code.push_str(t);
                    }
                }
                let lang = match kind {
                    CodeBlockKind::Fenced(lang) => lang.as_ref(),
                    CodeBlockKind::Indented => "",
                };
                let figure_kind = lang.split_whitespace().next().unwrap_or("");
                if matches!(figure_kind, "chart" | "table")
                    && let Some(figures) = ctx.opts.figures.as_deref_mut()
                {
                    // A problem's place: its span in the block's spec, else the block's fence.
                    let place = |span: &Option<Range<usize>>| match span {
                        Some(span) => {
                            let to_source = |o: usize| {
                                let k = pieces.partition_point(|p| p.0 <= o).saturating_sub(1);
                                pieces.get(k).map_or(range.start, |&(c, s)| s + (o - c))
                            };
                            let a = to_source(span.start);
                            a..to_source(span.end).max(a)
                        }
                        None => {
                            let fence = ctx.source[range.clone()].lines().next().unwrap_or("");
                            range.start..range.start + fence.trim_end().len()
                        }
                    };
                    match figures.figure(figure_kind, &code) {
                        Ok(html) => {
                            self.push_html(html);
                            for w in figures.take_warnings() {
                                let d = Diagnostic::warning(
                                    ctx.path,
                                    format!("{figure_kind}: {}", w.message),
                                )
                                .help(w.help);
                                ctx.report(d, place(&w.span));
                            }
                        }
                        Err(e) => {
                            let at = place(&e.span);
                            let d = Diagnostic::error(
                                ctx.path,
                                format!("{figure_kind}: {}", e.message),
                            )
                            .help(e.help);
                            ctx.report(d, at);
                        }
                    }
                    return end + 1;
                }
                self.push_html(inline::code_block(lang, &code));
                return end + 1;
            }
            Event::InlineMath(tex) | Event::DisplayMath(tex) => {
                let display = matches!(ev, Event::DisplayMath(_));
                match ctx.math.render(tex, display) {
                    Ok(mathml) => self.push_inline_html(mathml),
                    Err(e) => {
                        ctx.warn(
                            range.clone(),
                            format!("cannot render math: {e}"),
                            "fix the TeX; it is shown as code meanwhile",
                        );
                        self.out.push(Event::Code(CowStr::from(tex.to_string())));
                    }
                }
            }
            // The breaks and spaces between background images: Marp sweeps the paragraph.
            Event::SoftBreak | Event::Text(_) if self.skip_paragraphs.last() == Some(&true) => {}
            Event::Text(t) if self.links > 0 => self.out.push(text_event(t, ctx.opts.settings)),
            // Outside links, bare URLs become links, as with Marp's linkify.
            Event::Text(t) => {
                for (piece, is_url) in inline::autolinks(t) {
                    if is_url {
                        let href = html::escape(piece);
                        self.push_inline_html(format!("<a href=\"{href}\">{href}</a>"));
                    } else {
                        self.out.push(text_event(piece, ctx.opts.settings));
                    }
                }
            }
            Event::Start(Tag::Link { .. }) => {
                self.links += 1;
                self.out.push(ev.clone().into_static());
            }
            Event::End(TagEnd::Link) => {
                self.links = self.links.saturating_sub(1);
                self.out.push(Event::End(TagEnd::Link));
            }
            Event::FootnoteReference(name) => {
                let n = self.footnote(name);
                let id = format!("fn-{}-{n}", self.slide.number);
                self.push_inline_html(format!(
                    "<sup class=\"footnote-reference\"><a href=\"#{id}\">{n}</a></sup>"
                ));
            }
            Event::Start(Tag::FootnoteDefinition(name)) => {
                let n = self.footnote(name);
                let id = format!("fn-{}-{n}", self.slide.number);
                self.push_html(format!(
                    "<div class=\"footnote-definition\" id=\"{id}\"><sup class=\"footnote-definition-label\">{n}</sup>\n"
                ));
            }
            Event::End(TagEnd::FootnoteDefinition) => self.push_html("</div>\n".into()),
            Event::Rule => self.out.push(Event::Rule),
            // Marp Core renders a newline inside a paragraph as a line break (`breaks: true`).
            Event::SoftBreak if ctx.opts.settings.breaks => self.out.push(Event::HardBreak),
            ev => self.out.push(ev.clone().into_static()),
        }
        i + 1
    }

    /// Footnote number in this slide, by first appearance.
    fn footnote(&mut self, name: &str) -> usize {
        match self.footnotes.iter().position(|f| f == name) {
            Some(i) => i + 1,
            None => {
                self.footnotes.push(name.to_string());
                self.footnotes.len()
            }
        }
    }

    fn image(&mut self, ctx: &mut Ctx<'_, '_>, url: &str, title: &str, alt: &str, offset: usize) {
        let spec = images::parse(alt);
        if spec.bg {
            let resolved = if images::is_css_colour(url) {
                // Marpit 3 removed the colour shorthand: the "colour" is an image's address.
                shorthand_gone(ctx, url, "_backgroundColor", offset);
                url.to_string()
            } else {
                ctx.resolve(url, offset)
            };
            if let Some((side, pct)) = spec.split {
                self.slide.split = Some(Split {
                    side,
                    percent: pct.unwrap_or(50.0),
                });
            }
            self.slide.backgrounds_vertical |= spec.vertical;
            self.slide.backgrounds.push(Background {
                url: resolved,
                size: spec.background_size(),
                filter: spec.filter_css(),
                alt: spec.alt,
            });
            return;
        }
        let tag = if images::is_css_colour(url) {
            shorthand_gone(ctx, url, "_color", offset);
            image_tag_at(url, title, &spec)
        } else {
            image_tag(ctx, url, title, &spec, offset)
        };
        self.push_inline_html(tag);
    }

    /// Raw HTML written at byte `offset`.
    fn raw_html(&mut self, ctx: &mut Ctx<'_, '_>, text: &str, offset: usize, block: bool) {
        for seg in html::segments(text) {
            match seg {
                // Comments were read before; they never reach the output.
                Segment::Comment(..) => {}
                Segment::Style {
                    css,
                    scoped,
                    offset: at,
                } => {
                    let css = resolve_css_urls(ctx, css, offset + at);
                    if scoped {
                        self.slide.scoped_css.push(css);
                    } else {
                        self.deck_css.push(css);
                    }
                }
                Segment::Other(other) => {
                    let html = if ctx.opts.html.allows_all() {
                        // A raw `<img>` is read like a Markdown image: confined, and inlined.
                        let at = offset + (other.as_ptr() as usize - text.as_ptr() as usize);
                        html::map_img_src(other, |src, i| ctx.resolve(src, at + i))
                    } else {
                        html::sanitize(other, &ctx.opts.html)
                    };
                    if block {
                        self.push_html(html);
                    } else {
                        self.push_inline_html(html);
                    }
                }
            }
        }
    }
}

/// Index of the `End` matching the `Start` at `i` (or the last item if unbalanced).
fn find_end(items: &[Item<'_>], i: usize) -> usize {
    let mut depth = 0i32;
    for (j, it) in items.iter().enumerate().skip(i) {
        match it {
            Item::Ev(Event::Start(_), _) => depth += 1,
            Item::Ev(Event::End(_), _) => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    items.len().saturating_sub(1).max(i)
}

/// A heading's text as Marp Core slugs it: text, code, inline HTML and image alt text.
fn slug_text(items: &[Item<'_>]) -> String {
    let mut s = String::new();
    for it in items {
        match it {
            Item::Ev(Event::Text(t) | Event::Code(t), _) => s.push_str(t),
            // Comments (`<!-- fit -->`) are hidden tokens for Marp: not part of the slug.
            Item::Ev(Event::InlineHtml(t), _) => {
                for seg in html::segments(t) {
                    if let Segment::Other(o) = seg {
                        s.push_str(o);
                    }
                }
            }
            _ => {}
        }
    }
    s
}

/// GitHub's slug, as Marp Core makes it: lower case, spaces to `-`, punctuation removed,
/// leading dashes removed, then percent-encoded as `encodeURI` does.
pub fn slug(text: &str) -> String {
    const DROP: &str = "][!/'\"#$%&()*+,./:;<=>?@\\^{|}~`。，、；：？！…—·ˉ¨‘’“”々～‖∶＂＇｀｜〃〔〕〈〉《》「」『』．〖〗【】（）［］｛｝";
    let lower = text.trim().to_lowercase();
    let mut dashed = String::with_capacity(lower.len());
    let mut in_space = false;
    for c in lower.chars() {
        if c.is_whitespace() {
            if !in_space {
                dashed.push('-');
            }
            in_space = true;
        } else {
            in_space = false;
            if !DROP.contains(c) {
                dashed.push(c);
            }
        }
    }
    // JavaScript's replace without `g`: only the first match of ^-+ or -+$ goes.
    let trimmed = if dashed.starts_with('-') {
        dashed.trim_start_matches('-').to_string()
    } else if dashed.ends_with('-') {
        dashed.trim_end_matches('-').to_string()
    } else {
        dashed
    };
    let mut out = String::with_capacity(trimmed.len());
    for b in trimmed.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'();/?:@&=+$,#".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The slug, numbered when it was given before (`intro`, `intro-1`, ...).
fn unique_slug(ctx: &mut Ctx<'_, '_>, slug: &str) -> String {
    let index = ctx.slugs.get(slug).map_or(0, |n| n + 1);
    ctx.slugs.insert(slug.to_string(), index);
    if index > 0 {
        format!("{slug}-{index}")
    } else {
        slug.to_string()
    }
}

/// The text of some items without markup (alt text, heading names).
fn plain_text(items: &[Item<'_>]) -> String {
    let mut s = String::new();
    for it in items {
        if let Item::Ev(Event::Text(t) | Event::Code(t) | Event::InlineMath(t), _) = it {
            s.push_str(t);
        } else if let Item::Ev(Event::SoftBreak | Event::HardBreak, _) = it {
            s.push(' ');
        }
    }
    s.trim().to_string()
}

/// A paragraph holding only `bg` images (and spaces): Marp takes it out of the flow.
fn bg_only_paragraph(items: &[Item<'_>], start: usize) -> bool {
    let end = find_end(items, start);
    let mut j = start + 1;
    let mut any = false;
    while j < end {
        match &items[j] {
            Item::Ev(Event::Start(Tag::Image { .. }), _) => {
                let img_end = find_end(items, j);
                if !images::parse(&plain_text(&items[j + 1..img_end])).bg {
                    return false;
                }
                any = true;
                j = img_end + 1;
                continue;
            }
            // A hard break (`\\` or two spaces) is not swept by Marp: the paragraph stays.
            Item::Ev(Event::SoftBreak, _) => {}
            Item::Ev(Event::Text(t), _) if t.trim().is_empty() => {}
            Item::Ev(Event::InlineHtml(t), _)
                if html::segments(t)
                    .iter()
                    .all(|s| matches!(s, Segment::Comment(..))) => {}
            _ => return false,
        }
        j += 1;
    }
    any
}

/// Lists written with `*` or `1)` are fragmented in Marp; `-`, `+` and `1.` are not.
fn is_fragment_marker(source: &str, offset: usize) -> bool {
    let rest = source.get(offset..).unwrap_or("").trim_start();
    if rest.starts_with('*') {
        return true;
    }
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    digits > 0 && rest[digits..].starts_with(')')
}
