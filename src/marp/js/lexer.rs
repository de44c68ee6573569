//! Tokens: the lexer, and the pairing of brackets.

use super::JsError;

/// Which piece of a template literal a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    /// `` `text` `` with no substitution.
    Whole,
    /// `` `text${ `` up to the first substitution.
    Head,
    /// `}text${` between two substitutions.
    Middle,
    /// `` }text` `` after the last substitution.
    Tail,
}

/// The kind of a token, with its decoded value where it has one.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Kind {
    /// An identifier or keyword (its text is the token's span).
    Ident,
    /// A punctuator such as `{`, `=>` or `...`.
    Punct(&'static str),
    /// A string literal, decoded.
    Str(String),
    /// A number literal.
    Num(f64),
    /// A BigInt literal (`10n`).
    BigInt,
    /// A piece of a template literal, decoded (`None` when it has an invalid escape).
    Template(Part, Option<String>),
    /// A regular expression literal.
    Regex,
}

/// One token: its kind, byte span and whether a line break comes before it.
#[derive(Debug, Clone)]
pub(super) struct Tok {
    /// What the token is.
    pub(super) kind: Kind,
    /// Byte offset where it starts.
    pub(super) start: usize,
    /// Byte offset just after it.
    pub(super) end: usize,
    /// Whether a line break separates it from the token before.
    pub(super) nl: bool,
}

/// Every punctuator, longest first so the first match is the right one.
const PUNCTS: &[&str] = &[
    ">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=", "=>", "==", "!=",
    "<=", ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
    "**", "<<", ">>", "{", "}", "(", ")", "[", "]", ";", ",", "<", ">", "+", "-", "*", "/", "%",
    "&", "|", "^", "!", "~", "?", ":", "=", ".", "@", "#",
];

/// Keywords after which a `/` starts a regular expression rather than a division.
const BEFORE_REGEX: &[&str] = &[
    "return",
    "typeof",
    "instanceof",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "case",
    "do",
    "else",
    "yield",
    "await",
    "default",
    "extends",
];

/// Whether `c` ends a line in JavaScript.
fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

/// Whether `c` is white space in JavaScript (line breaks included).
fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// Whether `c` may start an identifier (any non-ASCII letter-like character is accepted).
fn ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '$' || (!c.is_ascii() && !is_space(c))
}

/// Whether `c` may continue an identifier.
fn ident_part(c: char) -> bool {
    ident_start(c) || c.is_ascii_digit()
}

/// Splits JavaScript text into tokens, skipping white space and comments.
pub(super) struct Lexer<'a> {
    /// The whole file.
    text: &'a str,
    /// Byte offset of the next character (always on a char boundary).
    pos: usize,
    /// Tokens so far.
    toks: Vec<Tok>,
    /// Open `{`s: `true` for a template's `${`, `false` for a plain brace.
    braces: Vec<bool>,
    /// Whether a line break was seen since the last token.
    nl: bool,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `text`.
    pub(super) fn new(text: &'a str) -> Self {
        Lexer {
            text,
            pos: 0,
            toks: Vec::new(),
            braces: Vec::new(),
            nl: false,
        }
    }

    /// The text not read yet.
    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    /// The next character.
    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// The character after the next one.
    fn peek2(&self) -> Option<char> {
        let mut chars = self.rest().chars();
        chars.next();
        chars.next()
    }

    /// Reads one character.
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// Adds a token from `start` to the current position.
    fn push(&mut self, kind: Kind, start: usize) {
        self.toks.push(Tok {
            kind,
            start,
            end: self.pos,
            nl: self.nl,
        });
        self.nl = false;
    }

    /// An error about the bytes `start..end`.
    fn err(&self, message: impl Into<String>, start: usize, end: usize) -> JsError {
        JsError {
            message: message.into(),
            span: start..end.max(start),
        }
    }

    /// Reads every token of the file.
    pub(super) fn run(mut self) -> Result<Vec<Tok>, JsError> {
        if self.rest().starts_with('\u{feff}') {
            self.bump();
        }
        if self.rest().starts_with("#!") {
            while self.peek().is_some_and(|c| !is_line_break(c)) {
                self.bump();
            }
        }
        while let Some(c) = self.peek() {
            let start = self.pos;
            if is_line_break(c) {
                self.nl = true;
                self.bump();
                continue;
            }
            if is_space(c) {
                self.bump();
                continue;
            }
            if c == '/' && self.peek2() == Some('/') {
                while self.peek().is_some_and(|c| !is_line_break(c)) {
                    self.bump();
                }
                continue;
            }
            if c == '/' && self.peek2() == Some('*') {
                self.comment(start)?;
                continue;
            }
            if ident_start(c) {
                while self.peek().is_some_and(ident_part) {
                    self.bump();
                }
                self.push(Kind::Ident, start);
                continue;
            }
            if c.is_ascii_digit() || (c == '.' && self.peek2().is_some_and(|d| d.is_ascii_digit()))
            {
                self.number(start)?;
                continue;
            }
            if c == '"' || c == '\'' {
                self.string(c, start)?;
                continue;
            }
            if c == '`' {
                self.bump();
                self.template(start, true)?;
                continue;
            }
            if c == '}' {
                if self.braces.pop() == Some(true) {
                    self.bump();
                    self.template(start, false)?;
                    continue;
                }
            } else if c == '{' {
                self.braces.push(false);
            }
            if c == '/' && self.regex_allowed() {
                self.regex(start)?;
                continue;
            }
            self.punct(c, start)?;
        }
        Ok(self.toks)
    }

    /// Skips a `/* ... */` comment.
    fn comment(&mut self, start: usize) -> Result<(), JsError> {
        let rest = self.rest();
        let body = rest.get(2..).unwrap_or("");
        match body.find("*/") {
            Some(k) => {
                if body.get(..k).unwrap_or("").chars().any(is_line_break) {
                    self.nl = true;
                }
                self.pos += 2 + k + 2;
                Ok(())
            }
            None => Err(self.err(
                "this comment is never closed (no `*/`)",
                start,
                self.text.len(),
            )),
        }
    }

    /// Reads a punctuator.
    fn punct(&mut self, c: char, start: usize) -> Result<(), JsError> {
        let rest = self.rest();
        let first = rest.as_bytes().first().copied();
        let Some(&found) = PUNCTS
            .iter()
            .find(|p| p.as_bytes().first().copied() == first && rest.starts_with(**p))
        else {
            return Err(self.err(
                format!("unexpected character `{}`", c.escape_debug()),
                start,
                start + c.len_utf8(),
            ));
        };
        // `a?.5:b` is a conditional, not optional chaining.
        let p = if found == "?."
            && rest
                .get(2..)
                .is_some_and(|r| r.starts_with(|d: char| d.is_ascii_digit()))
        {
            "?"
        } else {
            found
        };
        self.pos += p.len();
        self.push(Kind::Punct(p), start);
        Ok(())
    }

    /// Whether a `/` here starts a regular expression, judged by the token before it.
    fn regex_allowed(&self) -> bool {
        let Some(t) = self.toks.last() else {
            return true;
        };
        match &t.kind {
            Kind::Punct(p) => !matches!(*p, ")" | "]" | "}" | "++" | "--"),
            Kind::Ident => self
                .text
                .get(t.start..t.end)
                .is_some_and(|w| BEFORE_REGEX.contains(&w)),
            _ => false,
        }
    }

    /// Reads a number literal (decimal, hex, octal, binary, `_` separators, BigInt).
    fn number(&mut self, start: usize) -> Result<(), JsError> {
        let rest = self.rest();
        let b = rest.as_bytes();
        let radix = match (b.first(), b.get(1)) {
            (Some(b'0'), Some(b'x' | b'X')) => 16,
            (Some(b'0'), Some(b'o' | b'O')) => 8,
            (Some(b'0'), Some(b'b' | b'B')) => 2,
            _ => 10,
        };
        let digits_or_sep = |c: &u8| c.is_ascii_digit() || *c == b'_';
        let mut i;
        let value;
        if radix == 10 {
            i = 0;
            while b.get(i).is_some_and(digits_or_sep) {
                i += 1;
            }
            if b.get(i) == Some(&b'.') {
                i += 1;
                while b.get(i).is_some_and(digits_or_sep) {
                    i += 1;
                }
            }
            if matches!(b.get(i), Some(b'e' | b'E')) {
                let mut k = i + 1;
                if matches!(b.get(k), Some(b'+' | b'-')) {
                    k += 1;
                }
                if b.get(k).is_some_and(u8::is_ascii_digit) {
                    i = k;
                    while b.get(i).is_some_and(digits_or_sep) {
                        i += 1;
                    }
                }
            }
            let raw: String = rest
                .get(..i)
                .unwrap_or("")
                .chars()
                .filter(|c| *c != '_')
                .collect();
            let legacy_octal = raw.len() > 1
                && raw.starts_with('0')
                && raw.bytes().all(|c| (b'0'..=b'7').contains(&c));
            value = if legacy_octal {
                raw.bytes().fold(0f64, |v, c| v * 8.0 + f64::from(c - b'0'))
            } else {
                match raw.parse::<f64>() {
                    Ok(v) => v,
                    Err(_) => {
                        return Err(self.err(format!("invalid number `{raw}`"), start, start + i));
                    }
                }
            };
        } else {
            i = 2;
            let mut v = 0f64;
            let mut digits = 0;
            while let Some(&c) = b.get(i) {
                if c == b'_' {
                    i += 1;
                    continue;
                }
                match char::from(c).to_digit(radix) {
                    Some(d) => {
                        v = v * f64::from(radix) + f64::from(d);
                        digits += 1;
                        i += 1;
                    }
                    None => break,
                }
            }
            if digits == 0 {
                return Err(self.err("a number has no digits after its prefix", start, start + i));
            }
            value = v;
        }
        let big = b.get(i) == Some(&b'n');
        if big {
            i += 1;
        }
        self.pos += i;
        if self.peek().is_some_and(ident_part) {
            while self.peek().is_some_and(ident_part) {
                self.bump();
            }
            return Err(self.err("invalid number", start, self.pos));
        }
        self.push(if big { Kind::BigInt } else { Kind::Num(value) }, start);
        Ok(())
    }

    /// Reads a `'...'` or `"..."` string literal.
    fn string(&mut self, quote: char, start: usize) -> Result<(), JsError> {
        self.bump();
        let mut s = String::new();
        loop {
            let here = self.pos;
            let Some(c) = self.bump() else {
                return Err(self.err("this string is never closed", start, self.pos));
            };
            match c {
                c if c == quote => break,
                '\\' => {
                    if let Err(message) = self.escape(&mut s, false) {
                        return Err(self.err(message, here, self.pos));
                    }
                }
                '\n' | '\r' => {
                    return Err(self.err(
                        "this string is never closed (the line ends first)",
                        start,
                        here,
                    ));
                }
                c => s.push(c),
            }
        }
        self.push(Kind::Str(s), start);
        Ok(())
    }

    /// Reads `n` hex digits.
    fn hex(&mut self, n: usize) -> Option<u32> {
        let mut v = 0;
        for _ in 0..n {
            let d = self.peek()?.to_digit(16)?;
            self.bump();
            v = v * 16 + d;
        }
        Some(v)
    }

    /// Reads the code point of a `\u` escape (after the `u`): `XXXX` or `{X...}`.
    fn unicode(&mut self) -> Result<u32, &'static str> {
        const BAD: &str = "`\\u` must be followed by four hex digits or `{...}`";
        if self.peek() != Some('{') {
            return self.hex(4).ok_or(BAD);
        }
        self.bump();
        let mut v: u32 = 0;
        let mut digits = 0;
        loop {
            match self.bump() {
                Some('}') if digits > 0 => return Ok(v),
                Some(c) => {
                    let d = c.to_digit(16).ok_or(BAD)?;
                    v = v * 16 + d;
                    digits += 1;
                    if v > 0x10FFFF {
                        return Err("a `\\u{...}` escape is above U+10FFFF");
                    }
                }
                None => return Err(BAD),
            }
        }
    }

    /// Decodes one escape (after the backslash) into `out`.
    fn escape(&mut self, out: &mut String, template: bool) -> Result<(), &'static str> {
        let Some(c) = self.bump() else {
            return Err("the file ends inside an escape");
        };
        let next_is_digit = self.peek().is_some_and(|d| d.is_ascii_digit());
        match c {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '0' if !next_is_digit => out.push('\0'),
            '0'..='7' => {
                if template {
                    return Err("octal escapes are not allowed in template strings");
                }
                let mut v = c.to_digit(8).unwrap_or(0);
                let more = if c <= '3' { 2 } else { 1 };
                for _ in 0..more {
                    match self.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            self.bump();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
            }
            '8' | '9' if template => {
                return Err("`\\8` and `\\9` are not allowed in template strings");
            }
            'x' => {
                let v = self
                    .hex(2)
                    .ok_or("`\\x` must be followed by two hex digits")?;
                out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
            }
            'u' => {
                let mut cp = self.unicode()?;
                if (0xD800..0xDC00).contains(&cp) && self.rest().starts_with("\\u") {
                    let save = self.pos;
                    self.pos += 2;
                    match self.unicode() {
                        Ok(low) if (0xDC00..0xE000).contains(&low) => {
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                        }
                        _ => self.pos = save,
                    }
                }
                out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
            }
            '\r' => {
                if self.peek() == Some('\n') {
                    self.bump();
                }
            }
            '\n' | '\u{2028}' | '\u{2029}' => {}
            c => out.push(c),
        }
        Ok(())
    }

    /// Reads a template piece after its opening `` ` `` (`first`) or the `}` of a substitution.
    fn template(&mut self, start: usize, first: bool) -> Result<(), JsError> {
        let mut cooked = Some(String::new());
        loop {
            let Some(c) = self.bump() else {
                return Err(self.err(
                    "this template string is never closed (no closing `` ` ``)",
                    start,
                    self.text.len(),
                ));
            };
            match c {
                '`' => {
                    let part = if first { Part::Whole } else { Part::Tail };
                    self.push(Kind::Template(part, cooked), start);
                    return Ok(());
                }
                '$' if self.peek() == Some('{') => {
                    self.bump();
                    self.braces.push(true);
                    let part = if first { Part::Head } else { Part::Middle };
                    self.push(Kind::Template(part, cooked), start);
                    return Ok(());
                }
                '\\' => {
                    let mut sink = String::new();
                    let target = cooked.as_mut().unwrap_or(&mut sink);
                    if self.escape(target, true).is_err() {
                        cooked = None;
                    }
                }
                '\r' => {
                    if self.peek() == Some('\n') {
                        self.bump();
                    }
                    if let Some(s) = cooked.as_mut() {
                        s.push('\n');
                    }
                }
                c => {
                    if let Some(s) = cooked.as_mut() {
                        s.push(c);
                    }
                }
            }
        }
    }

    /// Reads a regular expression literal (its content is not needed).
    fn regex(&mut self, start: usize) -> Result<(), JsError> {
        self.bump();
        let mut class = false;
        loop {
            let here = self.pos;
            let Some(c) = self.bump() else {
                return Err(self.err("this regular expression is never closed", start, self.pos));
            };
            match c {
                c if is_line_break(c) => {
                    return Err(self.err(
                        "this regular expression is never closed (the line ends first)",
                        start,
                        here,
                    ));
                }
                '\\' if self.peek().is_some_and(|n| !is_line_break(n)) => {
                    self.bump();
                }
                '[' => class = true,
                ']' => class = false,
                '/' if !class => break,
                _ => {}
            }
        }
        while self.peek().is_some_and(ident_part) {
            self.bump();
        }
        self.push(Kind::Regex, start);
        Ok(())
    }
}

/// What a token opens, if it is an opening bracket (template pieces open with `${`).
fn opens(t: &Tok) -> Option<&'static str> {
    match &t.kind {
        Kind::Punct(p @ ("(" | "[" | "{")) => Some(p),
        Kind::Template(Part::Head | Part::Middle, _) => Some("${"),
        _ => None,
    }
}

/// What a token closes, if it is a closing bracket.
fn closes(t: &Tok) -> Option<(&'static str, &'static str)> {
    match &t.kind {
        Kind::Punct(")") => Some((")", "(")),
        Kind::Punct("]") => Some(("]", "[")),
        Kind::Punct("}") => Some(("}", "{")),
        Kind::Template(Part::Middle | Part::Tail, _) => Some(("}", "${")),
        _ => None,
    }
}

/// Pairs every bracket with its partner: the returned vector maps an opening bracket's index to
/// its closing bracket's (a template head maps to its next piece). Fails on unbalanced brackets.
pub(super) fn match_brackets(toks: &[Tok], text: &str) -> Result<Vec<usize>, JsError> {
    let mut mate = vec![0usize; toks.len()];
    let mut stack: Vec<(usize, &'static str)> = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if let Some((close, want)) = closes(t) {
            match stack.pop() {
                Some((o, open)) if open == want => {
                    if let Some(m) = mate.get_mut(o) {
                        *m = i;
                    }
                }
                Some((o, open)) => {
                    let line = line_of(text, toks.get(o).map_or(0, |t| t.start));
                    return Err(JsError {
                        message: format!(
                            "unexpected `{close}`: the `{open}` on line {line} is not closed yet"
                        ),
                        span: t.start..t.end,
                    });
                }
                None => {
                    return Err(JsError {
                        message: format!("unexpected `{close}` with nothing to close"),
                        span: t.start..t.end,
                    });
                }
            }
        }
        if let Some(open) = opens(t) {
            stack.push((i, open));
        }
    }
    if let Some((o, open)) = stack.pop() {
        let span = toks.get(o).map_or(0..0, |t| t.start..t.end);
        return Err(JsError {
            message: format!("this `{open}` is never closed"),
            span,
        });
    }
    Ok(mate)
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).matches('\n').count() + 1
}
