//! The template stage: the Markdown goes through minijinja before it is parsed, so a deck can
//! compute its numbers (`{{ sql("...") }}`), generate slides (`{% for %}`), and name things
//! (`{% set %}`, macros).
//!
//! The rule, as the README puts it: outside code, `{{ }}`, `{% %}` and `{# #}` are template
//! syntax; code blocks, inline code and math are always shown as written (but for deck's own
//! `chart` and `table` blocks, whose `sql:` may use template variables). So a Marp deck that
//! shows a GitHub Actions workflow, a Helm chart or a Jinja example builds as it is.
//!
//! How: the source is scanned ([`scan`]) into text, tags and literal regions (code and math found
//! by the Markdown parser). minijinja sees the text and the tags; each literal region is replaced
//! by a marker and put back afterwards, as are markers saying where each run of text came from and
//! which loop iteration is running ([`map`]). The result is the expanded text and a
//! [`SourceMap`] that lets every later stage report problems at the line and column the user
//! wrote. A template error does not stop the stage: the faulty tag (or block) is passed through
//! as text, the error is reported, and the template is rendered again, so every error of a deck
//! is reported at once.

pub mod functions;
pub mod map;
pub mod scan;

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use minijinja::{Environment, ErrorKind};

use crate::diagnostics::{Diagnostic, Diagnostics, Loc};
use crate::results::data::Engine;
use map::{CALL, END, ITER, LIT, Loop, POS, SourceMap};
use scan::{Piece, Scan, TagKind};

/// Whether a text may use template syntax at all (most decks do not: they skip this stage).
pub fn uses_templates(text: &str) -> bool {
    text.contains("{{") || text.contains("{%") || text.contains("{#")
}

use functions::{FILTERS as DECK_FILTERS, FUNCTIONS as DECK_FUNCTIONS};

/// A help line for an expression whose filter binds before an operator, as minijinja binds it:
/// `{{ (a/b - 1) * 100 | num(0) }}` formats `100` (to text) and then multiplies; the fix is
/// the whole expression in parentheses before the filter.
/// An operator given `none` (minijinja: "unsupported types none and number").
fn missing_operand(detail: &str) -> bool {
    detail.contains("unsupported types")
        && (detail.contains("types none ") || detail.ends_with(" none"))
}

/// Arithmetic on a missing value, when queries gave NULL cells: which query and column.
fn from_a_null(detail: &str, nulls: &[(String, String, usize)]) -> (String, String) {
    let (query, column, row) = &nulls[0];
    let more = match nulls.len() {
        1 => String::new(),
        n => format!(" ({} other NULL columns too)", n - 1),
    };
    (
        format!(
            "template: {detail}: a missing value (none); column `{column}` of `{query}` is NULL in row {row}{more}"
        ),
        format!(
            "skip it with `{{% if row.{column} is not none %}}`, or give it a value in the query: `COALESCE({column}, 0)`"
        ),
    )
}

fn filter_precedence(tag: &str) -> Option<String> {
    let inner = tag.strip_prefix("{{")?.strip_suffix("}}")?;
    let inner = inner.trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace());
    // The first `|` outside brackets and strings, and an operator before it at the same level.
    let (mut depth, mut quote, mut operator, mut bar) = (0i32, None, false, None);
    for (i, c) in inner.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, '*' | '/' | '+' | '-' | '%' | '~') if depth == 0 && i > 0 => operator = true,
            (None, '|') if depth == 0 => {
                bar = Some(i);
                break;
            }
            _ => {}
        }
    }
    let bar = bar.filter(|_| operator)?;
    let (lhs, filter) = (inner[..bar].trim(), inner[bar + 1..].trim());
    Some(format!(
        "a filter applies to the value just before it, before the operators around it: here to `{}`, not to the whole expression; write {{{{ ({lhs}) | {filter} }}}}",
        lhs.rsplit(['*', '/', '+', '-', '%', '~'])
            .next()
            .unwrap_or(lhs)
            .trim()
    ))
}

/// Whether a deck uses deck's data features: a tag that calls `sql()`, `rows()`, `json()`,
/// `sha256()` or `compare()` or applies one of deck's number filters, or a ```` ```chart ```` or
/// ```` ```table ```` block. A deck that uses none is a Marp deck: its `{{ }}` and `{% %}` are
/// text, as marp-cli shows them (`<!-- _footer: "Page {{ paginate }}" -->`).
pub fn uses_deck_features(source: &str) -> bool {
    if !uses_templates(source) {
        return false;
    }
    let literal = crate::markdown::literal_regions(source);
    if crate::markdown::has_figure_blocks(source) {
        return true;
    }
    let scan = scan::scan(source, &literal);
    scan.pieces.iter().any(|p| match p {
        scan::Piece::Tag(t) if t.kind != scan::TagKind::Comment => {
            names_deck_feature(&source[t.range.clone()])
        }
        _ => false,
    })
}

/// A tag's text calls one of deck's functions (`sql(`) or filters (`| num`).
fn names_deck_feature(tag: &str) -> bool {
    let bytes = tag.as_bytes();
    let word_at = |i: usize, w: &str| -> bool {
        tag[i..].starts_with(w)
            && (i == 0
                || !(bytes[i - 1].is_ascii_alphanumeric()
                    || bytes[i - 1] == b'_'
                    || bytes[i - 1] == b'.'))
            && tag[i + w.len()..]
                .chars()
                .next()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
    };
    for (i, _) in tag.char_indices() {
        for f in DECK_FUNCTIONS {
            if word_at(i, f) && tag[i + f.len()..].trim_start().starts_with('(') {
                return true;
            }
        }
        if bytes[i] == b'|' {
            let rest = tag[i + 1..].trim_start();
            let at = tag.len() - rest.len();
            if DECK_FILTERS.iter().any(|f| word_at(at, f)) {
                return true;
            }
        }
    }
    false
}

/// The expanded Markdown, where it came from, and what the templates read.
#[derive(Debug, Default)]
pub struct Expansion {
    pub text: String,
    /// `None` when the text is the source unchanged.
    pub map: Option<SourceMap>,
    /// Template problems, positioned in the source as written.
    pub diagnostics: Diagnostics,
    /// Project files read by `json()` and `sha256()`.
    pub files: Vec<PathBuf>,
    /// The queries of `sql()` calls, in the order first run, each once.
    pub queries: Vec<String>,
}

/// At most this many template errors are reported per deck.
const MAX_ERRORS: usize = 50;

/// Expand the templates of `source` (the file at `path`).
pub fn expand(path: &Path, source: &str, engine: &Arc<Mutex<Engine>>) -> Expansion {
    let literal = crate::markdown::literal_regions(source);
    let scan = scan::scan(source, &literal);
    let mut out = Expansion::default();
    for p in &scan.problems {
        let d = if p.error {
            Diagnostic::error(path, &p.message)
        } else {
            Diagnostic::warning(path, &p.message)
        };
        out.diagnostics
            .push(d.at_span(source, p.range.clone()).help(&p.help));
    }
    if !scan.has_tags() {
        out.text = source.to_string();
        return out;
    }

    let calls: functions::Shared = Arc::default();
    let mut env = Environment::new();
    env.set_debug(true);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    functions::register(&mut env, engine, &calls);

    let mut renderer = Renderer {
        path,
        source,
        scan: &scan,
        neutralized: scan.broken.iter().copied().collect(),
        poisoned: Vec::new(),
    };
    for &b in &scan.broken {
        renderer.poison(b);
    }
    let name = path.display().to_string();
    let mut errors = 0;
    let (text, mut map) = loop {
        let built = renderer.build();
        {
            let mut c = calls
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            c.source = source.to_string();
            c.literals.clone_from(&built.literals);
            c.restart();
        }
        // Written as it is produced: on an error, what came out so far tells where it stopped,
        // and a function sees where the value it gives will appear.
        let mut written: Vec<u8> = Vec::new();
        let counter = calls
            .lock()
            .map(|c| Arc::clone(&c.written))
            .unwrap_or_default();
        let result = env
            .template_from_named_str(&name, &built.tsrc)
            .and_then(|t| {
                let sink = functions::Sink {
                    buf: &mut written,
                    written: counter,
                };
                t.render_captured_to(minijinja::context! {}, sink)
                    .map(|_| ())
            });
        let output = String::from_utf8_lossy(&written).into_owned();
        let err = match result {
            Ok(()) => {
                let warnings = calls
                    .lock()
                    .map(|mut c| std::mem::take(&mut c.warnings))
                    .unwrap_or_default();
                let output = mark_warnings(output, warnings.len(), |i| warnings[i].0);
                let (text, mut map) = map::unmark(&output, source, &built.literals);
                map.set_loops(built.loops);
                renderer.call_notes(&map, &warnings, &calls, &mut out.diagnostics);
                break (text, map);
            }
            Err(e) => e,
        };
        let failure = calls.lock().ok().and_then(|mut c| {
            let failure = c.failure.take();
            // Rows where a filter or an operator wanted one value.
            let detail = err.detail().unwrap_or("");
            match c.last_rows.and_then(|i| c.rows.get(i)) {
                Some(r) if failure.is_none() && detail.contains("sequence") => {
                    let (m, h) = rows_where_one_value(r, "expected");
                    Some((format!("{m} ({detail})"), h))
                }
                _ if failure.is_none() && missing_operand(detail) && !c.nulls.is_empty() => {
                    Some(from_a_null(detail, &c.nulls))
                }
                _ => failure,
            }
        });
        // Where the partial output stopped tells which loop iteration failed.
        let (_, partial) = map::unmark(&output, source, &built.literals);
        let mut partial = partial;
        partial.set_loops(built.loops.clone());
        let at = err
            .range()
            .map(|r| built.source_offset(r.start)..built.source_offset(r.end.max(r.start + 1)));
        let piece = at.as_ref().and_then(|r| renderer.tag_at(r.start));
        // An error past the end of its tag (the engine read on) is shown at the tag.
        let at = match (piece, at) {
            (Some(p), Some(r)) if !scan.pieces[p].range().contains(&r.start) => {
                Some(scan.pieces[p].range())
            }
            (_, at) => at,
        };
        let report = renderer.describe(&err, failure, piece, at.clone());
        let silent = report.is_none();
        if let Some(mut d) = report {
            let src = at.as_ref().map_or(0, |r| r.start);
            for note in partial.iteration_notes(output.len(), src) {
                d = d.note(note);
            }
            out.diagnostics.push(d);
            errors += usize::from(!silent);
        }
        match piece {
            Some(p) if errors < MAX_ERRORS => renderer.neutralize(p),
            _ => {
                // Nowhere to continue from: every tag is passed through as text.
                let all: Vec<usize> = (0..scan.pieces.len()).collect();
                for p in all {
                    renderer.neutralize(p);
                }
                if errors >= MAX_ERRORS {
                    out.diagnostics.push(Diagnostic::error(
                        path,
                        format!("more than {MAX_ERRORS} template errors; the rest are not shown"),
                    ));
                }
                let built = renderer.build();
                let (text, map) = literal_text(source, &built.literals);
                break (text, map);
            }
        }
    };
    map.set_neutralized(renderer.neutralized_ranges());
    let mut c = calls
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut files = std::mem::take(&mut c.files);
    files.sort();
    files.dedup();
    out.files = files;
    out.queries = std::mem::take(&mut c.queries);
    out.text = text;
    out.map = Some(map);
    out
}

/// Put a `CALL` marker for each warning where the output stood when its call ran (the value
/// the warning is about follows it), numbered from [`WARNING_BASE`].
fn mark_warnings(mut output: String, count: usize, at: impl Fn(usize) -> usize) -> String {
    let mut order: Vec<usize> = (0..count).collect();
    // From the end, so earlier offsets stay right.
    order.sort_by_key(|&i| std::cmp::Reverse((at(i), i)));
    for i in order {
        let mut pos = at(i).min(output.len());
        while !output.is_char_boundary(pos) {
            pos -= 1;
        }
        output.insert_str(pos, &format!("{CALL}{}{END}", WARNING_BASE + i));
    }
    output
}

/// `CALL` indexes from here on are warnings; below, multi-row results.
const WARNING_BASE: usize = usize::MAX / 2;

/// Where `sql` stands in `{% for x in sql(...) %}` (the loop's iterable is a query), if it does.
fn loop_over_sql(tag: &str) -> Option<usize> {
    let is_space = |b: Option<&u8>| b.is_some_and(u8::is_ascii_whitespace);
    let bytes = tag.as_bytes();
    // The first ` in ` separates the loop's target from its iterable.
    let (at, _) = tag
        .match_indices("in")
        .find(|(i, _)| is_space(bytes.get(i.wrapping_sub(1))) && is_space(bytes.get(i + 2)))?;
    let rest = tag[at + 2..].trim_start();
    let start = tag.len() - rest.len();
    rest.strip_prefix("sql")?
        .trim_start()
        .starts_with('(')
        .then_some(start)
}

/// A query's rows printed where one value belongs.
fn rows_shown(path: &Path, r: &functions::RowsGiven) -> Diagnostic {
    let (message, help) = rows_where_one_value(r, "shown");
    Diagnostic::error(path, message)
        .help(help)
        .note(format!("the query: {}", r.query.trim()))
}

/// The message and help for rows where one value was expected (`shown`, `expected`).
fn rows_where_one_value(r: &functions::RowsGiven, verb: &str) -> (String, String) {
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let message = if r.rows == 0 {
        format!("sql() gave no rows here, where one value is {verb}")
    } else {
        format!(
            "sql() gave {} × {} ({}) here, where one value is {verb}",
            plural(r.rows, "row"),
            plural(r.columns.len(), "column"),
            r.columns.join(", ")
        )
    };
    let first = r.columns.first().map_or("value", String::as_str);
    let fields: Vec<String> = r
        .columns
        .iter()
        .map(|c| format!("{{{{ row.{c} }}}}"))
        .collect();
    let help = format!(
        "for one value, select one row and one column (an aggregate, or WHERE ... LIMIT 1) or pick one: `{{{{ sql(q)[0].{first} }}}}`; to show every row, loop: `{{% for row in sql(q) %}}{} {{% endfor %}}`",
        fields.join(" ")
    );
    (message, help)
}

/// When nothing can be rendered: the source as written (every tag a literal).
fn literal_text(source: &str, _literals: &[Range<usize>]) -> (String, SourceMap) {
    let marked = format!("{POS}0,{}{END}{source}", source.len());
    map::unmark(&marked, source, &[])
}

/// The template minijinja compiles, and how to get back from it to the source.
struct Built {
    tsrc: String,
    /// (offset in `tsrc`, offset in the source) at the start of each copied stretch.
    back: Vec<(usize, usize)>,
    literals: Vec<Range<usize>>,
    loops: Vec<Loop>,
}

impl Built {
    fn source_offset(&self, t: usize) -> usize {
        let i = self.back.partition_point(|(o, _)| *o <= t);
        match i.checked_sub(1).map(|i| self.back[i]) {
            Some((o, s)) => s + (t - o),
            None => t,
        }
    }
}

struct Renderer<'a> {
    path: &'a Path,
    source: &'a str,
    scan: &'a Scan,
    /// Pieces passed through as text because of an error.
    neutralized: BTreeSet<usize>,
    /// Names whose definition was taken out: their "undefined" errors are consequences.
    poisoned: Vec<String>,
}

/// Statements whose body is a value, not output: no markers inside.
const VALUE_BLOCKS: &[&str] = &["macro", "call", "filter", "set"];

impl Renderer<'_> {
    fn build(&self) -> Built {
        let src = self.source;
        let mut b = Built {
            tsrc: String::with_capacity(src.len() + src.len() / 8),
            back: Vec::new(),
            literals: Vec::new(),
            loops: Vec::new(),
        };
        // Open value blocks: markers would end up inside values.
        let mut quiet = 0usize;
        let mut pending_iter: Option<usize> = None;
        for (i, piece) in self.scan.pieces.iter().enumerate() {
            if self.neutralized.contains(&i) {
                push_literal(&mut b, piece.range());
                continue;
            }
            match piece {
                Piece::Text(r) => push_text(&mut b, src, r.clone(), quiet == 0, &mut pending_iter),
                Piece::Literal(r) => push_literal(&mut b, r.clone()),
                Piece::Tag(tag) => {
                    if let Some(id) = pending_iter.take() {
                        iter_marker(&mut b, id, tag.trim_before);
                    }
                    if quiet == 0 {
                        // What the tag writes comes from the tag (whatever text came before:
                        // even none, or only whitespace, which has no marker of its own).
                        let open = if tag.trim_before { "{{-" } else { "{{" };
                        let at = tag.range.start;
                        b.tsrc
                            .push_str(&format!("{open} \"{POS}{at},{at}{END}\" }}}}"));
                    }
                    b.back.push((b.tsrc.len(), tag.range.start));
                    let text = &src[tag.range.clone()];
                    match (tag.word == "for").then(|| loop_over_sql(text)).flatten() {
                        // A loop over a query loops over its rows, even a single value's.
                        Some(at) => {
                            b.tsrc.push_str(&text[..at]);
                            b.tsrc.push_str("rows");
                            b.back.push((b.tsrc.len(), tag.range.start + at + 3));
                            b.tsrc.push_str(&text[at + 3..]);
                        }
                        None => b.tsrc.push_str(text),
                    }
                    if tag.kind != TagKind::Stmt {
                        continue;
                    }
                    if VALUE_BLOCKS.contains(&tag.word.as_str()) && scan::opens_block(src, tag) {
                        quiet += 1;
                    } else if let Some(w) = tag.word.strip_prefix("end")
                        && VALUE_BLOCKS.contains(&w)
                    {
                        quiet = quiet.saturating_sub(1);
                    } else if tag.word == "for" && quiet == 0 {
                        let body_end = tag
                            .pair
                            .map_or(src.len(), |p| self.scan.pieces[p].range().start);
                        pending_iter = Some(b.loops.len());
                        b.loops.push(Loop {
                            tag: tag.range.clone(),
                            body: tag.range.end..body_end,
                            line: src[..tag.range.start].matches('\n').count() + 1,
                        });
                    }
                }
            }
        }
        b
    }

    /// The tag piece holding source offset `at` (not yet passed through).
    fn tag_at(&self, at: usize) -> Option<usize> {
        let pieces = &self.scan.pieces;
        let i = pieces
            .partition_point(|p| p.range().start <= at)
            .checked_sub(1)?;
        let hit = matches!(pieces[i], Piece::Tag(_))
            && pieces[i].range().contains(&at)
            && !self.neutralized.contains(&i);
        hit.then_some(i)
    }

    /// Pass a tag through as text; a block opener or closer takes its whole block with it.
    /// The notes of function calls where their values show: a warning, or an error for rows
    /// printed where one value belongs.
    fn call_notes(
        &self,
        map: &SourceMap,
        warnings: &[(usize, String, String)],
        calls: &functions::Shared,
        diagnostics: &mut Diagnostics,
    ) {
        let rows = calls.lock().map(|c| c.rows.clone()).unwrap_or_default();
        let mut seen = BTreeSet::new();
        for &(out, index) in &map.calls {
            let src = map.source_offset(out);
            let at = self
                .tag_at(src)
                .map_or(src..(src + 1).min(self.source.len()), |p| {
                    self.scan.pieces[p].range()
                });
            debug_assert!(self.tag_at(src).is_some(), "a call's note maps to its tag");
            let d = if let Some(w) = index.checked_sub(WARNING_BASE) {
                let Some((_, message, help)) = warnings.get(w) else {
                    continue;
                };
                Diagnostic::warning(self.path, message.clone()).help(help.clone())
            } else {
                let Some(r) = rows.get(index) else { continue };
                rows_shown(self.path, r)
            };
            if !seen.insert((at.start, d.message.clone())) {
                continue;
            }
            let mut d = d.at_span(self.source, at);
            for note in map.iteration_notes(out, src) {
                d = d.note(note);
            }
            diagnostics.push(d);
        }
    }

    fn neutralize(&mut self, i: usize) {
        self.poison(i);
        let pair = match &self.scan.pieces[i] {
            Piece::Tag(t) => t.pair,
            _ => None,
        };
        let (a, z) = match pair {
            Some(p) => (i.min(p), i.max(p)),
            None => (i, i),
        };
        for j in a..=z {
            self.neutralized.insert(j);
        }
    }

    fn poison(&mut self, i: usize) {
        if let Piece::Tag(t) = &self.scan.pieces[i]
            && t.kind == TagKind::Stmt
        {
            let body = scan::stmt_body(self.source, t);
            let rest = body.strip_prefix(t.word.as_str()).unwrap_or(&body);
            let lhs = match t.word.as_str() {
                "set" => rest.split(['=', '|']).next().unwrap_or(""),
                "for" => rest.split(" in ").next().unwrap_or(""),
                "macro" => rest.split('(').next().unwrap_or(""),
                _ => "",
            };
            self.poisoned.extend(
                lhs.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty()),
            );
        }
    }

    fn neutralized_ranges(&self) -> Vec<Range<usize>> {
        self.neutralized
            .iter()
            .map(|&i| self.scan.pieces[i].range())
            .collect()
    }

    /// The diagnostic for a rendering error; `None` when it only follows from an error already
    /// reported (a name whose definition was taken out).
    fn describe(
        &self,
        err: &minijinja::Error,
        failure: Option<(String, String)>,
        piece: Option<usize>,
        at: Option<Range<usize>>,
    ) -> Option<Diagnostic> {
        let detail = err.detail().unwrap_or("").to_string();
        // Any error over a name whose definition failed follows from that failure.
        if let Some(n) = undefined_name(&detail)
            && self.poisoned.contains(&n)
        {
            return None;
        }
        let (message, help) = match err.kind() {
            ErrorKind::UndefinedError => {
                let name = undefined_name(&detail);
                if let Some(n) = &name
                    && self.poisoned.iter().any(|p| p == n)
                {
                    return None;
                }
                self.undefined(name.as_deref(), &detail)
            }
            ErrorKind::SyntaxError => syntax_help(&detail),
            ErrorKind::UnknownFilter => {
                let name = unknown_name(&detail);
                let mut help = format!(
                    "deck's filters: {}; and minijinja's built-ins (round, abs, length, join, upper, ...)",
                    functions::FILTERS.join(", ")
                );
                if let Some(s) = closest(&name, functions::FILTERS.iter().copied()) {
                    help = format!("did you mean `{s}`? {help}");
                }
                (format!("unknown filter `{name}`"), help)
            }
            ErrorKind::UnknownFunction => {
                let name = unknown_name(&detail);
                let mut help = format!(
                    "deck's functions: sql(\"SELECT ...\"), json(\"file.json\"), sha256(\"file\"); and minijinja's (range, dict, ...){}",
                    self.defined_list()
                );
                let known = functions::FUNCTIONS
                    .iter()
                    .copied()
                    .chain(self.scan.names.iter().map(String::as_str));
                if let Some(s) = closest(&name, known) {
                    help = format!("did you mean `{s}`? {help}");
                }
                (format!("unknown function `{name}`"), help)
            }
            _ => match failure {
                Some((m, h)) => (m, h),
                None => {
                    let tag = piece.map(|i| &self.source[self.scan.pieces[i].range()]);
                    let help = tag.and_then(filter_precedence).unwrap_or_else(|| {
                        "check the values this expression uses (their type and whether they exist)"
                            .into()
                    });
                    (
                        format!(
                            "template: {}",
                            if detail.is_empty() {
                                err.kind().to_string()
                            } else {
                                detail.clone()
                            }
                        ),
                        help,
                    )
                }
            },
        };
        let mut d = Diagnostic::error(self.path, message).help(help);
        let span = match (piece, at) {
            // Point at the faulty expression inside its tag.
            (Some(_), Some(r)) => Some(r),
            (None, Some(r)) => Some(r),
            _ => None,
        };
        match span {
            Some(r) => d = d.at_span(self.source, r),
            None => {
                if let Some(line) = err.line() {
                    let off = line_offset(self.source, line);
                    d = d.at_loc(&Loc::of(self.source, off..off + 1));
                }
            }
        }
        Some(d)
    }

    fn undefined(&self, name: Option<&str>, detail: &str) -> (String, String) {
        let Some(name) = name else {
            return (
                format!(
                    "template: {}",
                    if detail.is_empty() {
                        "undefined value"
                    } else {
                        detail
                    }
                ),
                format!(
                    "define it with {{% set ... %}} first{}",
                    self.defined_list()
                ),
            );
        };
        let expr = backticked(detail).unwrap_or_else(|| name.to_string());
        let message = if expr == name {
            format!("undefined variable `{name}`")
        } else {
            format!("`{expr}` is undefined")
        };
        let mut help = if expr == name {
            format!("`{name}` is not set here{}", self.defined_list())
        } else {
            format!(
                "`{name}` has no such field here (a query's rows have its column names as fields){}",
                self.defined_list()
            )
        };
        let known = self
            .scan
            .names
            .iter()
            .map(String::as_str)
            .chain(functions::FUNCTIONS.iter().copied());
        if expr == name
            && let Some(s) = closest(name, known)
        {
            help = format!("did you mean `{s}`? {help}");
        }
        help.push_str(&format!(
            "; to show `{{{{ {expr} }}}}` as text, put it in `code`"
        ));
        (message, help)
    }

    fn defined_list(&self) -> String {
        if self.scan.names.is_empty() {
            "; this deck defines no variables".into()
        } else {
            format!("; defined in this deck: {}", self.scan.names.join(", "))
        }
    }
}

fn push_text(
    b: &mut Built,
    src: &str,
    r: Range<usize>,
    markers: bool,
    pending_iter: &mut Option<usize>,
) {
    let text = &src[r.clone()];
    let mut copied = 0;
    let mut at_run_start = true;
    for (off, c) in text.char_indices() {
        if c == '\n' {
            at_run_start = true;
            continue;
        }
        if !at_run_start || c.is_whitespace() {
            continue;
        }
        at_run_start = false;
        // Copy what came before, then mark where this run starts.
        b.back.push((b.tsrc.len(), r.start + copied));
        b.tsrc.push_str(&text[copied..off]);
        copied = off;
        if let Some(id) = pending_iter.take() {
            iter_marker(b, id, false);
        }
        if markers {
            b.tsrc.push(POS);
            b.tsrc.push_str(&format!("{},{}", r.start + off, r.end));
            b.tsrc.push(END);
        }
    }
    b.back.push((b.tsrc.len(), r.start + copied));
    b.tsrc.push_str(&text[copied..]);
}

fn push_literal(b: &mut Built, r: Range<usize>) {
    b.back.push((b.tsrc.len(), r.start));
    b.tsrc.push(LIT);
    b.tsrc.push_str(&b.literals.len().to_string());
    b.tsrc.push(END);
    b.literals.push(r);
}

/// An expression that writes "iteration n of loop id" into the output.
fn iter_marker(b: &mut Built, id: usize, trim_before: bool) {
    let open = if trim_before { "{{-" } else { "{{" };
    b.tsrc.push_str(&format!(
        "{open} \"{ITER}{id},\" ~ loop.index ~ \"{END}\" }}}}"
    ));
}

/// The root name of "`x.y` is undefined".
fn undefined_name(detail: &str) -> Option<String> {
    let expr = backticked(detail)?;
    let root: String = expr
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!root.is_empty()).then_some(root)
}

/// The name in minijinja's "filter x is unknown".
fn unknown_name(detail: &str) -> String {
    let d = detail.strip_suffix(" is unknown").unwrap_or(detail);
    d.rsplit(' ')
        .next()
        .unwrap_or("")
        .trim_matches('`')
        .to_string()
}

/// The first `...` in a text.
fn backticked(s: &str) -> Option<String> {
    let a = s.find('`')?;
    let b = s[a + 1..].find('`')? + a + 1;
    Some(s[a + 1..b].to_string())
}

fn syntax_help(detail: &str) -> (String, String) {
    let message = format!("template syntax: {detail}");
    let help = if detail.contains("unknown statement") {
        "deck's templates know for, if, set, macro, call, filter, with, raw and include-free Jinja; to show `{% ... %}` as text, put it in `code` or {% raw %}...{% endraw %}".to_string()
    } else {
        "fix the tag; to show it as text, put it in `code` or write it between {% raw %} and {% endraw %}".to_string()
    };
    (message, help)
}

fn line_offset(source: &str, line: usize) -> usize {
    source
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum()
}

/// The candidate closest to `name` (for "did you mean"), when close enough.
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    candidates
        .filter(|c| *c != name)
        .map(|c| {
            (
                crate::markdown::directives::edit_distance(&lower, &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(d, c)| *d <= 2.max(c.len() / 3) && *d < c.len().max(name.len()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests;
