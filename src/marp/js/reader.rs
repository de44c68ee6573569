//! Reader: the state of reading a tokenized file, token helpers and bindings.

use super::changes::Mutation;
use super::lexer::{Kind, Part, Tok};
use super::syntax::Sp;
use super::values::Val;
use super::{JsError, MAX_DEPTH};
use std::collections::HashMap;

/// What a top-level name is bound to.
#[derive(Debug, Clone)]
pub(super) enum DeclKind {
    /// `name = <tokens start..end>`.
    Expr(usize, usize),
    /// `{ key: name } = <tokens start..end>`.
    Pick(usize, usize, String),
    /// A value known from the declaration itself (an import of `path`, ...).
    Fixed(Val),
    /// Something deck cannot read: the end of "a variable (`x`) ..." and whether it is a function.
    Opaque(String, bool),
    /// `let name;`.
    Undefined,
    /// A fresh empty object (CommonJS's `exports`).
    Empty,
}

/// A top-level binding of a name.
#[derive(Debug, Clone)]
pub(super) struct Decl {
    /// What it is bound to.
    pub(super) kind: DeclKind,
    /// Top-level changes to the object it holds, in file order.
    pub(super) mutations: Vec<Mutation>,
}

/// Where the config is exported.
#[derive(Debug, Clone)]
pub(super) enum Export {
    /// An expression, by token range (`export default`, `exports.default =`, `export =`).
    Expr(usize, usize),
    /// `export { name as default }`, by token index of the name.
    Name(usize),
    /// `module.exports = ...` (the latest binding of `module.exports`).
    Module,
    /// `export { default } from 'spec'`.
    Reexport(String, Sp),
}

/// What a name found at a position is.
pub(super) enum Found {
    /// A binding, by index in `decls`.
    Decl(usize),
    /// A binding made only later in the file.
    Later,
    /// No binding.
    Missing,
}

/// Reads a tokenized file: finds top-level bindings and the export, then evaluates the config.
pub(super) struct Reader<'a> {
    /// The whole file.
    pub(super) text: &'a str,
    /// Its tokens.
    pub(super) toks: Vec<Tok>,
    /// Partner of each opening bracket (see [`match_brackets`](super::lexer::match_brackets)).
    mate: Vec<usize>,
    /// Every binding.
    pub(super) decls: Vec<Decl>,
    /// Bindings of each name made in statement order, with the token they are visible from.
    names: HashMap<String, Vec<(usize, usize)>>,
    /// Hoisted bindings (imports, function declarations).
    hoisted: HashMap<String, usize>,
    /// Where the config is exported.
    pub(super) export: Option<Export>,
    /// Whether `exports.x = ...` or `module.exports.x = ...` was seen.
    pub(super) cjs_touched: bool,
    /// Bindings being evaluated right now (to stop self-references).
    pub(super) active: Vec<usize>,
    /// Current nesting depth.
    pub(super) depth: usize,
    /// Work done so far (bytes of tokens parsed).
    work: usize,
    /// Work allowed.
    budget: usize,
}

impl<'a> Reader<'a> {
    /// A reader of `toks` (from `text`), with `mate` from
    /// [`match_brackets`](super::lexer::match_brackets).
    pub(super) fn new(text: &'a str, toks: Vec<Tok>, mate: Vec<usize>) -> Self {
        let mut names = HashMap::new();
        names.insert("module.exports".to_string(), vec![(0, 0)]);
        Reader {
            text,
            toks,
            mate,
            decls: vec![Decl {
                kind: DeclKind::Empty,
                mutations: Vec::new(),
            }],
            names,
            hoisted: HashMap::new(),
            export: None,
            cjs_touched: false,
            active: Vec::new(),
            depth: 0,
            work: 0,
            budget: text.len().saturating_mul(20).saturating_add(1_000_000),
        }
    }

    // --- token helpers ---

    /// The kind of token `i`.
    pub(super) fn kind(&self, i: usize) -> Option<&Kind> {
        self.toks.get(i).map(|t| &t.kind)
    }

    /// Whether token `i` is the punctuator `p`.
    pub(super) fn p(&self, i: usize, p: &str) -> bool {
        // Compared byte by byte: these strings are one to four bytes long.
        matches!(self.kind(i), Some(Kind::Punct(q))
            if q.len() == p.len() && q.bytes().zip(p.bytes()).all(|(a, b)| a == b))
    }

    /// The text of token `i` if it is an identifier.
    pub(super) fn word(&self, i: usize) -> Option<&'a str> {
        let t = self.toks.get(i)?;
        if t.kind == Kind::Ident {
            self.text.get(t.start..t.end)
        } else {
            None
        }
    }

    /// Whether token `i` is the identifier `w`.
    pub(super) fn is_word(&self, i: usize, w: &str) -> bool {
        self.word(i) == Some(w)
    }

    /// Whether a line break comes before token `i`.
    pub(super) fn nl(&self, i: usize) -> bool {
        self.toks.get(i).is_some_and(|t| t.nl)
    }

    /// The string of token `i` if it is a string literal.
    pub(super) fn str_tok(&self, i: usize) -> Option<&str> {
        match self.kind(i) {
            Some(Kind::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// The span of token `i` (empty at the end of the text past the last token).
    pub(super) fn sp(&self, i: usize) -> Sp {
        match self.toks.get(i) {
            Some(t) => Sp {
                s: t.start,
                e: t.end,
            },
            None => Sp {
                s: self.text.len(),
                e: self.text.len(),
            },
        }
    }

    /// The span from token `a` to just before token `b`.
    pub(super) fn sp_range(&self, a: usize, b: usize) -> Sp {
        let s = self.sp(a).s;
        if b > a {
            Sp {
                s,
                e: self.sp(b - 1).e.max(s),
            }
        } else {
            Sp { s, e: s }
        }
    }

    /// The partner of bracket `i` (or `i` itself if it has none).
    pub(super) fn mate(&self, i: usize) -> usize {
        self.mate.get(i).copied().filter(|&m| m > i).unwrap_or(i)
    }

    /// The index just after the construct starting at token `i` (a whole bracket or template).
    fn end_of(&self, i: usize) -> usize {
        match self.kind(i) {
            Some(Kind::Punct("(" | "[" | "{")) => self.mate(i) + 1,
            Some(Kind::Template(Part::Head, _)) => {
                let mut j = self.mate(i);
                while matches!(self.kind(j), Some(Kind::Template(Part::Middle, _))) {
                    let m = self.mate(j);
                    if m == j {
                        break;
                    }
                    j = m;
                }
                j + 1
            }
            _ => i + 1,
        }
    }

    /// Whether token `i` ends an expression inside brackets (`,`, `;` or a closing bracket).
    pub(super) fn is_term(&self, i: usize) -> bool {
        matches!(self.kind(i), Some(Kind::Punct("," | ";" | ")" | "]" | "}")))
    }

    /// Skips an expression from `i` to its end (a terminator or `lim`), jumping over brackets.
    pub(super) fn skip_expr(&self, i: usize, lim: usize) -> usize {
        let mut j = i;
        while j < lim && !self.is_term(j) {
            j = self.end_of(j);
        }
        j.min(lim)
    }

    /// Whether an automatic semicolon goes before token `j` at the top level.
    fn asi_break(&self, j: usize) -> bool {
        if !self.nl(j) || j == 0 {
            return false;
        }
        let ends = match self.kind(j - 1) {
            Some(Kind::Ident) => !matches!(
                self.word(j - 1),
                Some(
                    "const"
                        | "let"
                        | "var"
                        | "export"
                        | "import"
                        | "default"
                        | "new"
                        | "typeof"
                        | "void"
                        | "delete"
                        | "await"
                        | "yield"
                        | "async"
                        | "function"
                        | "class"
                        | "extends"
                        | "return"
                        | "throw"
                        | "in"
                        | "of"
                        | "instanceof"
                        | "as"
                        | "satisfies"
                        | "case"
                        | "do"
                        | "else"
                        | "if"
                        | "for"
                        | "while"
                        | "with"
                        | "type"
                        | "interface"
                        | "declare"
                        | "keyof"
                )
            ),
            Some(Kind::Str(_) | Kind::Num(_) | Kind::BigInt | Kind::Regex) => true,
            Some(Kind::Template(Part::Whole | Part::Tail, _)) => true,
            Some(Kind::Punct(p)) => matches!(*p, ")" | "]" | "}" | "++" | "--"),
            _ => false,
        };
        let starts = match self.kind(j) {
            Some(Kind::Ident) => !matches!(
                self.word(j),
                Some("in" | "of" | "instanceof" | "as" | "satisfies")
            ),
            Some(Kind::Str(_) | Kind::Num(_) | Kind::BigInt | Kind::Regex) => true,
            Some(Kind::Punct(p)) => matches!(*p, "{" | "!" | "~" | "++" | "--" | "@" | "#"),
            _ => false,
        };
        ends && starts
    }

    /// Skips a top-level expression from `i`: up to a terminator or an automatic semicolon.
    pub(super) fn skip_top(&self, i: usize) -> usize {
        let n = self.toks.len();
        let mut j = i;
        while j < n && !self.is_term(j) && !(j > i && self.asi_break(j)) {
            j = self.end_of(j);
        }
        j.min(n)
    }

    /// Skips a TypeScript type from `j` (after `as`, `satisfies` or `:`), stopping at `=`, `=>`,
    /// a terminator outside `<...>`, or (at the top level) an automatic semicolon.
    pub(super) fn skip_type(&self, j: usize, lim: usize, top: bool) -> usize {
        let mut angle: i32 = 0;
        let mut k = j;
        while k < lim {
            if top && k > j && angle <= 0 && self.asi_break(k) {
                break;
            }
            match self.kind(k) {
                Some(Kind::Punct("<")) => angle += 1,
                Some(Kind::Punct(">")) => angle -= 1,
                Some(Kind::Punct(">>")) => angle -= 2,
                Some(Kind::Punct(">>>")) => angle -= 3,
                Some(Kind::Punct("=" | "=>" | "+")) if angle <= 0 => break,
                Some(Kind::Punct(",")) if angle <= 0 => break,
                Some(Kind::Punct(";" | ")" | "]" | "}")) => break,
                _ => {}
            }
            k = self.end_of(k);
        }
        k.min(lim)
    }

    /// Skips TypeScript type arguments `<...>` at `j`; returns `j` if they do not close.
    pub(super) fn skip_type_args(&self, j: usize, lim: usize) -> usize {
        let mut angle: i32 = 0;
        let mut k = j;
        while k < lim {
            match self.kind(k) {
                Some(Kind::Punct("<")) => angle += 1,
                Some(Kind::Punct(">")) => angle -= 1,
                Some(Kind::Punct(">>")) => angle -= 2,
                Some(Kind::Punct(";" | ")" | "]" | "}")) => return j,
                _ => {}
            }
            k = self.end_of(k);
            if angle <= 0 {
                return k;
            }
        }
        j
    }

    /// The end of a function or class body starting at or after `j`: after its `{...}`.
    pub(super) fn body_end(&self, j: usize, lim: usize) -> usize {
        let mut k = j;
        while k < lim {
            if self.p(k, "{") {
                return self.mate(k) + 1;
            }
            if self.is_term(k) {
                return k;
            }
            k = self.end_of(k);
        }
        k.min(lim)
    }

    /// The end of `function [*] [name] (...) {...}` starting at the `function` token `i`.
    pub(super) fn skip_function(&self, i: usize, lim: usize) -> usize {
        let mut j = i + 1;
        if self.p(j, "*") {
            j += 1;
        }
        if self.word(j).is_some() {
            j += 1;
        }
        if self.p(j, "<") {
            j = self.skip_type_args(j, lim);
        }
        if self.p(j, "(") {
            j = self.mate(j) + 1;
        }
        self.body_end(j, lim)
    }

    /// The source text of `sp`, on one line and shortened, for messages (reads at most a few
    /// hundred bytes, whatever the span).
    pub(super) fn snippet(&self, sp: Sp) -> String {
        let mut end = sp.e.min(sp.s.saturating_add(240));
        while end > sp.s && !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let raw = self.text.get(sp.s..end).unwrap_or("");
        let one_line = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if end < sp.e || one_line.chars().count() > 60 {
            let short: String = one_line.chars().take(57).collect();
            format!("{short}...")
        } else {
            one_line
        }
    }

    /// A syntax error at token `i`.
    pub(super) fn syntax(&self, i: usize, message: &str) -> JsError {
        JsError {
            message: message.to_string(),
            span: self.sp(i).range(),
        }
    }

    /// Counts the work of reading token `i`, failing once the budget is spent.
    pub(super) fn charge(&mut self, i: usize) -> Result<(), JsError> {
        let len = self.toks.get(i).map_or(1, |t| t.end - t.start + 1);
        self.charge_n(len, self.sp(i))
    }

    /// Counts `n` units of work about `sp`, failing once the budget is spent.
    pub(super) fn charge_n(&mut self, n: usize, sp: Sp) -> Result<(), JsError> {
        self.work = self.work.saturating_add(n);
        if self.work > self.budget {
            return Err(JsError {
                message: "the config repeats its constants too often for deck to read it".into(),
                span: sp.range(),
            });
        }
        Ok(())
    }

    /// Goes one level deeper, failing beyond [`MAX_DEPTH`].
    pub(super) fn enter(&mut self, sp: Sp) -> Result<(), JsError> {
        if self.depth >= MAX_DEPTH {
            return Err(JsError {
                message: format!("the config nests more than {MAX_DEPTH} levels deep"),
                span: sp.range(),
            });
        }
        self.depth += 1;
        Ok(())
    }

    // --- bindings ---

    /// Binds `name` from token `at` on.
    pub(super) fn bind(&mut self, name: &str, kind: DeclKind, at: usize) {
        self.decls.push(Decl {
            kind,
            mutations: Vec::new(),
        });
        let d = self.decls.len() - 1;
        self.names
            .entry(name.to_string())
            .or_default()
            .push((at, d));
    }

    /// Binds `name` for the whole file (imports, function declarations).
    pub(super) fn hoist(&mut self, name: &str, kind: DeclKind) {
        self.decls.push(Decl {
            kind,
            mutations: Vec::new(),
        });
        self.hoisted.insert(name.to_string(), self.decls.len() - 1);
    }

    /// What `name` means at token `at`.
    pub(super) fn lookup(&self, name: &str, at: usize) -> Found {
        if let Some(list) = self.names.get(name) {
            let k = list.partition_point(|&(from, _)| from <= at);
            if let Some(&(_, d)) = k.checked_sub(1).and_then(|k| list.get(k)) {
                return Found::Decl(d);
            }
            if let Some(&d) = self.hoisted.get(name) {
                return Found::Decl(d);
            }
            return Found::Later;
        }
        match self.hoisted.get(name) {
            Some(&d) => Found::Decl(d),
            None => Found::Missing,
        }
    }
}
