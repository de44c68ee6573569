//! The deck's source cut into what the template engine sees: text, tags, and literal regions it
//! must never see (code and math, and template openers that are not closed).
//!
//! The scanner follows minijinja's lexer where it matters (string literals and bracket nesting
//! inside a tag, `-`/`+` whitespace control, raw blocks), pairs block tags so that an unclosed
//! `{% for %}` is reported at its own line, and notes what each statement defines (for "did
//! you mean" on undefined names).

use std::ops::Range;

use super::map::is_reserved;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagKind {
    /// `{{ ... }}`
    Expr,
    /// `{% ... %}`
    Stmt,
    /// `{# ... #}`
    Comment,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    pub range: Range<usize>,
    pub kind: TagKind,
    /// `{%-`: the whitespace before the tag is removed.
    pub trim_before: bool,
    /// The statement's keyword (`for`, `endif`, ...), empty for expressions and comments.
    pub word: String,
    /// For a block opener, the index of its closing piece (and the reverse).
    pub pair: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Text(Range<usize>),
    /// Passed through untouched: code, math, an opener without its closer.
    Literal(Range<usize>),
    Tag(Tag),
}

impl Piece {
    pub fn range(&self) -> Range<usize> {
        match self {
            Piece::Text(r) | Piece::Literal(r) => r.clone(),
            Piece::Tag(t) => t.range.clone(),
        }
    }
}

/// Something the scanner finds wrong, at a byte range of the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub range: Range<usize>,
    pub error: bool,
    pub message: String,
    pub help: String,
}

#[derive(Debug, Default)]
pub struct Scan {
    pub pieces: Vec<Piece>,
    pub problems: Vec<Problem>,
    /// Pieces (tags) that must be passed through as text: the unpaired block tags reported in
    /// `problems`.
    pub broken: Vec<usize>,
    /// Names the template defines (`set`, `for`, `macro`, `import`), for "did you mean".
    pub names: Vec<String>,
}

impl Scan {
    pub fn has_tags(&self) -> bool {
        self.pieces.iter().any(|p| matches!(p, Piece::Tag(_)))
    }
}

/// Blocks that need an `end` tag.
const BLOCKS: &[&str] = &[
    "for",
    "if",
    "macro",
    "call",
    "filter",
    "set",
    "with",
    "autoescape",
    "block",
];

/// Cut `source` into pieces. `literal` are byte ranges that are never template syntax (code and
/// math), sorted by start.
pub fn scan(source: &str, literal: &[Range<usize>]) -> Scan {
    let mut out = Scan::default();
    let bytes = source.as_bytes();
    let mut regions = literal.iter().peekable();
    let mut text_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Literal regions that start inside a tag already passed belong to the tag.
        while regions.peek().is_some_and(|r| r.start < i) {
            regions.next();
        }
        let next_region = regions.peek().map(|r| r.start);
        let next_tag = find_opener(source, i);
        match (next_region, next_tag) {
            (Some(r), t) if t.is_none_or(|t| r <= t) => {
                let region = regions.next().cloned().unwrap_or(r..r);
                push_text(&mut out, text_start, region.start);
                out.pieces.push(Piece::Literal(region.clone()));
                i = region.end.max(i + 1);
                text_start = i;
            }
            (_, Some(t)) => match lex_tag(source, t) {
                Some(tag) => {
                    push_text(&mut out, text_start, t);
                    i = tag.range.end;
                    let is_raw = tag.kind == TagKind::Stmt && tag.word == "raw";
                    out.pieces.push(Piece::Tag(tag));
                    if is_raw {
                        i = raw_body(source, i, &mut out);
                    }
                    text_start = i;
                }
                None => {
                    // An opener that is never closed stays as it is written.
                    push_text(&mut out, text_start, t);
                    let (open, close) = match &source[t..t + 2] {
                        "{#" => ("{#", "#}"),
                        "{%" => ("{%", "%}"),
                        _ => ("{{", "}}"),
                    };
                    out.pieces.push(Piece::Literal(t..t + 2));
                    out.problems.push(Problem {
                        range: t..t + 2,
                        error: false,
                        message: format!("`{open}` without a closing `{close}`: kept as text"),
                        help: format!(
                            "outside code, `{open}` starts a template tag; to show it as text, put it in `code` or write {{% raw %}}{open}{{% endraw %}}"
                        ),
                    });
                    i = t + 2;
                    text_start = i;
                }
            },
            (None, None) => break,
            // Unreachable: a region was found, handled by the first arm.
            (Some(_), None) => break,
        }
    }
    push_text(&mut out, text_start, source.len());
    // Characters deck uses as markers are passed through as literals.
    split_reserved(source, &mut out.pieces);
    pair_blocks(source, &mut out);
    swallowing_comments(source, &mut out);
    out
}

fn push_text(out: &mut Scan, start: usize, end: usize) {
    if end > start {
        out.pieces.push(Piece::Text(start..end));
    }
}

/// The next `{{`, `{%` or `{#` at or after `from`.
fn find_opener(source: &str, from: usize) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut i = from;
    while let Some(off) = bytes.get(i..)?.iter().position(|b| *b == b'{') {
        let at = i + off;
        if matches!(bytes.get(at + 1), Some(b'{' | b'%' | b'#')) {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// The tag starting at `at`, or `None` if it is never closed.
fn lex_tag(source: &str, at: usize) -> Option<Tag> {
    let bytes = source.as_bytes();
    let kind = match bytes[at + 1] {
        b'{' => TagKind::Expr,
        b'%' => TagKind::Stmt,
        _ => TagKind::Comment,
    };
    let trim_before = bytes.get(at + 2) == Some(&b'-');
    if kind == TagKind::Comment {
        let end = source[at + 2..].find("#}")? + at + 4;
        return Some(Tag {
            range: at..end,
            kind,
            trim_before,
            word: String::new(),
            pair: None,
        });
    }
    let close = if kind == TagKind::Expr { b'}' } else { b'%' };
    let mut i = at + 2;
    if matches!(bytes.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let body_start = i;
    let mut balance = 0i32;
    while i < bytes.len() {
        let b = bytes[i];
        if balance == 0 {
            let mut j = i;
            if matches!(b, b'-' | b'+') {
                j += 1;
            }
            if bytes.get(j) == Some(&close) && bytes.get(j + 1) == Some(&b'}') {
                let word = if kind == TagKind::Stmt {
                    first_word(&source[body_start..i]).to_string()
                } else {
                    String::new()
                };
                return Some(Tag {
                    range: at..j + 2,
                    kind,
                    trim_before,
                    word,
                    pair: None,
                });
            }
        }
        match b {
            b'"' | b'\'' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if i >= bytes.len() {
                    break;
                }
            }
            b'(' | b'[' | b'{' => balance += 1,
            b')' | b']' | b'}' => balance -= 1,
            _ => {}
        }
        i += 1;
    }
    // Unbalanced brackets or an open string: the tag ends at the first closing delimiter
    // anyway, and the engine reports what is wrong inside it.
    let end = source[body_start..].find(if close == b'}' { "}}" } else { "%}" })? + body_start + 2;
    Some(Tag {
        range: at..end,
        kind,
        trim_before,
        word: if kind == TagKind::Stmt {
            first_word(&source[body_start..end - 2]).to_string()
        } else {
            String::new()
        },
        pair: None,
    })
}

fn first_word(body: &str) -> &str {
    let body = body.trim_start();
    let end = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(body.len());
    &body[..end]
}

/// After `{% raw %}`: the body up to `{% endraw %}` is text, never tags. Returns where scanning
/// goes on.
fn raw_body(source: &str, from: usize, out: &mut Scan) -> usize {
    let mut i = from;
    while let Some(t) = find_opener(source, i) {
        if source.as_bytes()[t + 1] == b'%'
            && let Some(tag) = lex_tag(source, t)
            && tag.word == "endraw"
        {
            push_text(out, from, t);
            let end = tag.range.end;
            out.pieces.push(Piece::Tag(tag));
            return end;
        }
        i = t + 2;
    }
    // Never closed: the raw tag is reported by the pairing; the rest is scanned as usual.
    from
}

/// Cut reserved marker characters out of text pieces as one-character literals.
fn split_reserved(source: &str, pieces: &mut Vec<Piece>) {
    if !source.chars().any(is_reserved) {
        return;
    }
    let mut out = Vec::with_capacity(pieces.len());
    for piece in pieces.drain(..) {
        let Piece::Text(r) = piece else {
            out.push(piece);
            continue;
        };
        let mut start = r.start;
        for (off, c) in source[r.clone()].char_indices() {
            if is_reserved(c) {
                let at = r.start + off;
                if at > start {
                    out.push(Piece::Text(start..at));
                }
                out.push(Piece::Literal(at..at + c.len_utf8()));
                start = at + c.len_utf8();
            }
        }
        if r.end > start {
            out.push(Piece::Text(start..r.end));
        }
    }
    *pieces = out;
}

/// Whether a `set` tag is the block form (`{% set x %}...{% endset %}`): no `=` outside strings.
fn is_block_set(body: &str) -> bool {
    let mut quote = None;
    for c in body.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '=' => return false,
            None => {}
        }
    }
    true
}

/// The text between a statement's delimiters.
pub fn stmt_body(source: &str, tag: &Tag) -> String {
    let inner = &source[tag.range.start + 2..tag.range.end - 2];
    inner
        .trim_start_matches(['-', '+'])
        .trim_end_matches(['-', '+'])
        .trim()
        .to_string()
}

/// Does this statement open a block (that needs its `end...` tag)?
pub fn opens_block(source: &str, tag: &Tag) -> bool {
    tag.kind == TagKind::Stmt
        && (BLOCKS.contains(&tag.word.as_str()) || tag.word == "raw")
        && (tag.word != "set" || is_block_set(&stmt_body(source, tag)))
}

fn pair_blocks(source: &str, out: &mut Scan) {
    let mut stack: Vec<usize> = Vec::new();
    for i in 0..out.pieces.len() {
        let Piece::Tag(tag) = &out.pieces[i] else {
            continue;
        };
        if tag.kind != TagKind::Stmt {
            continue;
        }
        let body = stmt_body(source, tag);
        collect_names(&body, &tag.word, &mut out.names);
        if opens_block(source, tag) {
            stack.push(i);
            continue;
        }
        let Some(opened) = tag.word.strip_prefix("end") else {
            continue;
        };
        let word_of = |p: &Piece| match p {
            Piece::Tag(t) => t.word.clone(),
            _ => String::new(),
        };
        match stack
            .iter()
            .rposition(|&o| word_of(&out.pieces[o]) == opened)
        {
            Some(depth) => {
                // Blocks opened inside this one and never closed.
                for o in stack.drain(depth + 1..).collect::<Vec<_>>() {
                    unclosed(source, out, o);
                }
                let o = stack.pop().unwrap_or(i);
                if let Piece::Tag(t) = &mut out.pieces[o] {
                    t.pair = Some(i);
                }
                if let Piece::Tag(t) = &mut out.pieces[i] {
                    t.pair = Some(o);
                }
            }
            None => {
                let range = tag.range.clone();
                let word = tag.word.clone();
                let help = if BLOCKS.contains(&opened) || opened == "raw" {
                    format!("remove it, or add the `{{% {opened} ... %}}` it closes above it")
                } else {
                    "remove it".to_string()
                };
                out.problems.push(Problem {
                    range,
                    error: true,
                    message: format!(
                        "`{{% {word} %}}` closes nothing: no `{{% {opened} %}}` is open here"
                    ),
                    help,
                });
                out.broken.push(i);
            }
        }
    }
    for o in stack {
        unclosed(source, out, o);
    }
}

fn unclosed(source: &str, out: &mut Scan, at: usize) {
    let Piece::Tag(tag) = &out.pieces[at] else {
        return;
    };
    let word = tag.word.clone();
    let what = match word.as_str() {
        "for" => "the repeated part ends",
        "if" => "the conditional part ends",
        "macro" => "the macro's body ends",
        "raw" => "the literal text ends",
        _ => "the block ends",
    };
    let _ = source;
    out.problems.push(Problem {
        range: tag.range.clone(),
        error: true,
        message: format!("`{{% {word} %}}` is never closed"),
        help: format!("add `{{% end{word} %}}` where {what}"),
    });
    out.broken.push(at);
}

/// Names a statement defines: `set a, b = ...`, `for x, y in ...`, `macro m(...)`,
/// `import ... as n`, `from ... import a as b`.
fn collect_names(body: &str, word: &str, names: &mut Vec<String>) {
    let rest = body.strip_prefix(word).unwrap_or(body);
    let idents = |s: &str| -> Vec<String> {
        s.split(',')
            .map(|p| p.trim().trim_matches(['(', ')']).trim().to_string())
            .filter(|p| {
                !p.is_empty()
                    && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !p.starts_with(|c: char| c.is_ascii_digit())
            })
            .collect()
    };
    let found = match word {
        "set" => {
            let lhs = rest.split(['=', '|']).next().unwrap_or("");
            idents(lhs)
        }
        "for" => {
            let lhs = rest.split(" in ").next().unwrap_or("");
            idents(lhs)
        }
        "macro" => idents(rest.split('(').next().unwrap_or("")),
        "import" | "from" => rest
            .split(" as ")
            .skip(1)
            .flat_map(|s| idents(s.split(',').next().unwrap_or("")))
            .collect(),
        _ => Vec::new(),
    };
    for n in found {
        if !names.contains(&n) {
            names.push(n);
        }
    }
}

/// A `{# ... #}` comment is a deliberate tool, but one that runs over slide breaks usually is
/// not (a `{#` written as text, closed by a `#}` far below): it would hide slides silently.
fn swallowing_comments(source: &str, out: &mut Scan) {
    for piece in &out.pieces {
        let Piece::Tag(tag) = piece else { continue };
        if tag.kind != TagKind::Comment {
            continue;
        }
        let body = &source[tag.range.clone()];
        let breaks = body.lines().skip(1).filter(|l| is_slide_break(l)).count();
        if breaks == 0 {
            continue;
        }
        let first = source[..tag.range.start].matches('\n').count() + 1;
        let last = first + body.matches('\n').count();
        out.problems.push(Problem {
            range: tag.range.start..tag.range.start + 2,
            error: false,
            message: format!(
                "this template comment runs to line {last} and hides {breaks} slide break{}: lines {first}-{last} are left out of the deck",
                if breaks == 1 { "" } else { "s" }
            ),
            help: "if `{#` is meant as text, put it in `code` or write {% raw %}{#{% endraw %}; to leave slides out on purpose, use {% if false %}...{% endif %}".into(),
        });
    }
}

/// A line that ends a slide in Marp: a thematic break (`---`, `***`, `___`, spaced or not).
pub fn is_slide_break(line: &str) -> bool {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return false;
    }
    let t = line.trim();
    let Some(c) = t.chars().next() else {
        return false;
    };
    matches!(c, '-' | '*' | '_')
        && t.chars().filter(|x| *x == c).count() >= 3
        && t.chars().all(|x| x == c || x == ' ' || x == '\t')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str, literal: &[Range<usize>]) -> Vec<String> {
        scan(source, literal)
            .pieces
            .iter()
            .map(|p| match p {
                Piece::Text(r) => format!("T:{}", &source[r.clone()]),
                Piece::Literal(r) => format!("L:{}", &source[r.clone()]),
                Piece::Tag(t) => format!("G:{}", &source[t.range.clone()]),
            })
            .collect()
    }

    #[test]
    fn tags_strings_and_brackets() {
        let s = "a {{ x }} b {% if y %}c{% endif %} {{ {'k': {'j': 1}} }} {{ \"}}\" }}";
        assert_eq!(
            kinds(s, &[]),
            [
                "T:a ",
                "G:{{ x }}",
                "T: b ",
                "G:{% if y %}",
                "T:c",
                "G:{% endif %}",
                "T: ",
                "G:{{ {'k': {'j': 1}} }}",
                "T: ",
                "G:{{ \"}}\" }}",
            ]
        );
    }

    #[test]
    fn literal_regions_win_when_they_start_first() {
        let s = "`{{ x }}` and {{ sql(\"SELECT `a` FROM t\") }}";
        let code = [0..9, 22..25];
        assert_eq!(
            kinds(s, &code),
            [
                "L:`{{ x }}`",
                "T: and ",
                "G:{{ sql(\"SELECT `a` FROM t\") }}"
            ]
        );
    }

    #[test]
    fn unclosed_openers_stay_text_with_a_warning() {
        let s = "# Title {#intro}\nmore";
        let scan = scan(s, &[]);
        assert!(scan.pieces.contains(&Piece::Literal(8..10)));
        assert_eq!(scan.problems.len(), 1);
        assert!(!scan.problems[0].error);
        assert!(!scan.has_tags());
    }

    #[test]
    fn raw_bodies_are_text() {
        let s = "{% raw %}{{ x }}{% endraw %}";
        assert_eq!(
            kinds(s, &[]),
            ["G:{% raw %}", "T:{{ x }}", "G:{% endraw %}"]
        );
    }

    #[test]
    fn blocks_pair_and_unpaired_ones_are_reported() {
        let s = "{% for r in rows %}{% if r %}x{% endif %}{% endfor %}";
        let sc = scan(s, &[]);
        assert!(sc.problems.is_empty(), "{:?}", sc.problems);
        assert_eq!(sc.names, ["r"]);
        let sc = scan("{% for r in rows %}\nx\n{% endif %}", &[]);
        let msgs: Vec<&str> = sc.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "`{% endif %}` closes nothing: no `{% if %}` is open here",
                "`{% for %}` is never closed"
            ]
        );
        // `set` with `=` is not a block; without, it is.
        let sc = scan("{% set a = 1 %}{% set b %}x{% endset %}", &[]);
        assert!(sc.problems.is_empty());
        assert_eq!(sc.names, ["a", "b"]);
    }

    #[test]
    fn comments_over_slide_breaks_are_reported() {
        let s = "echo ${#files[@]}\n\n---\n\n# Two\n\n---\n\nlast #} here";
        let sc = scan(s, &[]);
        assert_eq!(sc.problems.len(), 1);
        assert!(
            sc.problems[0].message.contains("hides 2 slide breaks"),
            "{:?}",
            sc.problems
        );
        assert!(is_slide_break("---") && is_slide_break("* * *") && !is_slide_break("--"));
    }
}
