//! Expressions: parsing the tokens of a value into an [`Expr`].

use super::JsError;
use super::lexer::{Kind, Part};
use super::reader::Reader;
use super::syntax::{Arg, Expr, Item, Key, Op, Prop, Sp, Unread};
use super::values::{Val, js_num};

impl Reader<'_> {
    /// Parses the expression at `i` (ending at a terminator or `lim`); returns it and its end.
    pub(super) fn expr(&mut self, i: usize, lim: usize) -> Result<(Expr, usize), JsError> {
        self.enter(self.sp(i))?;
        let r = self.expr_in(i, lim);
        self.depth -= 1;
        r
    }

    /// The body of [`Reader::expr`].
    fn expr_in(&mut self, i: usize, lim: usize) -> Result<(Expr, usize), JsError> {
        if i >= lim || self.is_term(i) {
            return Err(self.syntax(i, "a value is missing here"));
        }
        let (first, mut j) = self.unary(i, lim)?;
        let mut parts = vec![first];
        while j < lim && !self.is_term(j) {
            if self.p(j, "+") {
                if j + 1 >= lim || self.is_term(j + 1) {
                    return Err(self.syntax(j, "a value is missing after this `+`"));
                }
                let (e, k) = self.unary(j + 1, lim)?;
                parts.push(e);
                j = k;
                continue;
            }
            if self.is_word(j, "as") || self.is_word(j, "satisfies") {
                j = self.skip_type(j + 1, lim, false).max(j + 1);
                continue;
            }
            let adjacent = match self.kind(j) {
                Some(Kind::Ident) => !matches!(self.word(j), Some("in" | "instanceof")),
                Some(Kind::Str(_) | Kind::Num(_) | Kind::BigInt) => true,
                _ => false,
            };
            if adjacent {
                return Err(self.syntax(j, "expected `,` or an operator before this"));
            }
            let end = self.skip_expr(j, lim).max(j + 1);
            let why = self.operator_why(j);
            return Ok((
                Expr::Opaque(Box::new(Unread::new(self.sp_range(i, end), why))),
                end,
            ));
        }
        let sp = self.sp_range(i, j);
        let e = if parts.len() == 1
            && let Some(e) = parts.pop()
        {
            e
        } else {
            Expr::Concat(parts, sp)
        };
        Ok((e, j))
    }

    /// Why an expression with the operator at `j` cannot be read.
    pub(super) fn operator_why(&self, j: usize) -> String {
        match self.kind(j) {
            Some(Kind::Punct("?")) => "a conditional (`? :`) expression".into(),
            Some(Kind::Punct(p @ ("||" | "&&" | "??"))) => format!("a `{p}` expression"),
            Some(Kind::Punct(p)) if p.ends_with('=') && !p.starts_with(['=', '!', '<', '>']) => {
                "an assignment".into()
            }
            Some(Kind::Punct(p)) => format!("an expression with `{p}`"),
            Some(Kind::Ident) => format!("an expression with `{}`", self.word(j).unwrap_or("")),
            Some(Kind::Template(..)) => "a tagged template".into(),
            _ => "an expression deck cannot read".into(),
        }
    }

    /// An opaque expression from `i` to the end of the expression.
    fn opaque(&self, i: usize, lim: usize, why: &str, func: bool) -> (Expr, usize) {
        let end = self.skip_expr(i, lim).max(i + 1);
        let sp = self.sp_range(i, end);
        let u = if func {
            Unread::func(sp, why)
        } else {
            Unread::new(sp, why)
        };
        (Expr::Opaque(Box::new(u)), end)
    }

    /// A prefix expression: `-x`, `+x`, or a postfix expression.
    fn unary(&mut self, i: usize, lim: usize) -> Result<(Expr, usize), JsError> {
        self.charge(i)?;
        match self.kind(i) {
            Some(Kind::Punct(p @ ("-" | "+"))) => {
                let neg = *p == "-";
                if i + 1 >= lim || self.is_term(i + 1) {
                    return Err(self.syntax(i, "a value is missing after this sign"));
                }
                self.enter(self.sp(i))?;
                let r = self.unary(i + 1, lim);
                self.depth -= 1;
                let (e, j) = r?;
                Ok((Expr::Neg(neg, Box::new(e), self.sp_range(i, j)), j))
            }
            Some(Kind::Punct(p @ ("!" | "~" | "++" | "--"))) => {
                let why = format!("a `{p}` expression");
                Ok(self.opaque(i, lim, &why, false))
            }
            Some(Kind::Punct("<")) => {
                Ok(self.opaque(i, lim, "a TypeScript type assertion (`<T>value`)", false))
            }
            _ => match self.word(i) {
                Some("await") => Ok(self.opaque(i, lim, "an `await` expression", false)),
                Some(w @ ("typeof" | "void" | "delete" | "yield")) => {
                    let why = format!("a `{w}` expression");
                    Ok(self.opaque(i, lim, &why, false))
                }
                _ => self.postfix(i, lim),
            },
        }
    }

    /// A primary expression followed by `.name`, `[key]`, `(args)`.
    fn postfix(&mut self, i: usize, lim: usize) -> Result<(Expr, usize), JsError> {
        let (base, mut j) = self.primary(i, lim)?;
        if let Expr::Opaque(mut u) = base {
            // `(function () { ... })()`, `(() => x).call(...)`: still not readable.
            let continues = self.p(j, "(")
                || self.p(j, ".")
                || self.p(j, "?.")
                || self.p(j, "[")
                || matches!(self.kind(j), Some(Kind::Template(..)));
            if j < lim && continues {
                j = self.skip_expr(j, lim).max(j + 1);
                u.sp = self.sp_range(i, j);
            }
            return Ok((Expr::Opaque(u), j));
        }
        let mut ops: Vec<(Op, usize)> = Vec::new();
        while j < lim {
            if self.p(j, ".") || self.p(j, "?.") {
                if let Some(w) = self.word(j + 1).filter(|_| j + 1 < lim) {
                    ops.push((Op::Prop(w.to_string()), self.sp(j + 1).e));
                    j += 2;
                } else if self.p(j, "?.") && (self.p(j + 1, "(") || self.p(j + 1, "[")) {
                    j += 1;
                } else if self.p(j + 1, "#") {
                    return Ok(self.opaque(i, lim, "a private member", false));
                } else {
                    return Err(self.syntax(j, "a property name is missing after this `.`"));
                }
            } else if self.p(j, "[") {
                let m = self.mate(j);
                if m >= lim || m == j {
                    break;
                }
                let (e, k) = self.expr(j + 1, m)?;
                if k != m {
                    return Ok(self.opaque(
                        i,
                        lim,
                        "a member access with a comma expression",
                        false,
                    ));
                }
                ops.push((Op::Index(e), self.sp(m).e));
                j = m + 1;
            } else if self.p(j, "(") {
                let (args, next) = self.args(j)?;
                ops.push((Op::Call(args), self.sp(next.saturating_sub(1)).e));
                j = next;
            } else if matches!(
                self.kind(j),
                Some(Kind::Template(Part::Whole | Part::Head, _))
            ) {
                return Ok(self.opaque(i, lim, "a tagged template", false));
            } else if self.p(j, "<") && ops.is_empty() && self.is_word(i, "defineConfig") {
                // TypeScript: `defineConfig<Config>({ ... })`.
                let k = self.skip_type_args(j, lim);
                if k > j && self.p(k, "(") {
                    j = k;
                } else {
                    break;
                }
            } else if self.p(j, "!") && !self.nl(j) {
                // TypeScript's non-null assertion `x!`.
                j += 1;
            } else {
                break;
            }
        }
        if ops.is_empty() {
            return Ok((base, j));
        }
        let sp = self.sp_range(i, j);
        Ok((
            Expr::Chain {
                base: Box::new(base),
                ops,
                sp,
            },
            j,
        ))
    }

    /// The arguments of a call at the `(` token `j`; returns them and the index after `)`.
    pub(super) fn args(&mut self, j: usize) -> Result<(Vec<Arg>, usize), JsError> {
        let close = self.mate(j);
        let mut args = Vec::new();
        let mut k = j + 1;
        while k < close {
            let spread = self.p(k, "...");
            let (expr, n) = self.expr(if spread { k + 1 } else { k }, close)?;
            args.push(Arg { spread, expr });
            if self.p(n, ",") {
                k = n + 1;
            } else if n == close {
                break;
            } else {
                return Err(self.syntax(n, "expected `,` or `)` here"));
            }
        }
        Ok((args, close.max(j) + 1))
    }

    /// A literal, bracketed expression, identifier, function, class or `new` at `i`.
    fn primary(&mut self, i: usize, lim: usize) -> Result<(Expr, usize), JsError> {
        self.charge(i)?;
        let sp = self.sp(i);
        let Some(kind) = self.kind(i).cloned() else {
            return Err(self.syntax(i, "a value is missing here"));
        };
        match kind {
            Kind::Str(s) => Ok((Expr::Lit(Val::Str(s), sp), i + 1)),
            Kind::Num(f) => Ok((Expr::Lit(Val::Num(f), sp), i + 1)),
            Kind::BigInt => Ok(self.opaque(i, i + 1, "a BigInt number", false)),
            Kind::Regex => Ok(self.opaque(i, i + 1, "a regular expression", false)),
            Kind::Template(Part::Whole, Some(s)) => Ok((Expr::Lit(Val::Str(s), sp), i + 1)),
            Kind::Template(Part::Whole, None) => {
                Ok(self.opaque(i, i + 1, "a template string with an invalid escape", false))
            }
            Kind::Template(Part::Head, _) => self.template(i),
            Kind::Template(..) => Err(self.syntax(i, "unexpected part of a template string")),
            Kind::Punct("{") => self.object(i),
            Kind::Punct("[") => self.array(i),
            Kind::Punct("(") => {
                let m = self.mate(i);
                let arrow = self.p(m + 1, "=>")
                    || (self.p(m + 1, ":") && self.p(self.skip_type(m + 2, lim, false), "=>"));
                if arrow {
                    return Ok(self.opaque(i, lim, "a function", true));
                }
                if m == i || m >= lim {
                    return Err(self.syntax(i, "this `(` is not closed"));
                }
                let (e, k) = self.expr(i + 1, m)?;
                if k != m {
                    let (e, _) = self.opaque(i, m + 1, "a comma expression", false);
                    return Ok((e, m + 1));
                }
                Ok((e, m + 1))
            }
            Kind::Ident => self.word_primary(i, lim),
            Kind::Punct(p) => {
                let why = format!("an expression starting with `{p}`");
                Ok(self.opaque(i, lim, &why, false))
            }
        }
    }

    /// A primary expression starting with the identifier at `i`.
    fn word_primary(&mut self, i: usize, lim: usize) -> Result<(Expr, usize), JsError> {
        let sp = self.sp(i);
        let w = self.word(i).unwrap_or("");
        match w {
            "true" => return Ok((Expr::Lit(Val::Bool(true), sp), i + 1)),
            "false" => return Ok((Expr::Lit(Val::Bool(false), sp), i + 1)),
            "null" => return Ok((Expr::Lit(Val::Null, sp), i + 1)),
            "function" => {
                let end = self.skip_function(i, lim).max(i + 1);
                return Ok((
                    Expr::Opaque(Box::new(Unread::func(self.sp_range(i, end), "a function"))),
                    end,
                ));
            }
            "class" => {
                let end = self.body_end(i + 1, lim).max(i + 1);
                return Ok((
                    Expr::Opaque(Box::new(Unread::new(self.sp_range(i, end), "a class"))),
                    end,
                ));
            }
            "new" => return self.new_expr(i, lim),
            "import" => {
                if self.p(i + 1, ".") && self.is_word(i + 2, "meta") {
                    return Ok((Expr::Meta(self.sp_range(i, i + 3)), i + 3));
                }
                return Ok(self.opaque(i, lim, "a dynamic `import()`", false));
            }
            "this" | "super" | "arguments" => {
                let why = format!("`{w}`");
                return Ok(self.opaque(i, lim, &why, false));
            }
            "async" if !self.nl(i + 1) => {
                if self.is_word(i + 1, "function") {
                    let end = self.skip_function(i + 1, lim).max(i + 1);
                    let u = Unread::func(self.sp_range(i, end), "an async function");
                    return Ok((Expr::Opaque(Box::new(u)), end));
                }
                let m = self.mate(i + 1);
                let arrow = (self.word(i + 1).is_some() && self.p(i + 2, "=>"))
                    || (self.p(i + 1, "(") && (self.p(m + 1, "=>") || self.p(m + 1, ":")));
                if arrow {
                    return Ok(self.opaque(i, lim, "an async function", true));
                }
            }
            _ => {}
        }
        if self.p(i + 1, "=>") && !self.nl(i + 1) {
            return Ok(self.opaque(i, lim, "a function", true));
        }
        Ok((Expr::Ident(i, sp), i + 1))
    }

    /// `new Callee(args)` at `i`.
    fn new_expr(&mut self, i: usize, lim: usize) -> Result<(Expr, usize), JsError> {
        let j = i + 1;
        if self.word(j).is_none() || self.p(j + 1, "=>") {
            return Ok(self.opaque(i, lim, "a `new` expression", false));
        }
        let mut k = j + 1;
        let mut ops = Vec::new();
        while self.p(k, ".") && k + 1 < lim {
            let Some(w) = self.word(k + 1) else { break };
            ops.push((Op::Prop(w.to_string()), self.sp(k + 1).e));
            k += 2;
        }
        let base = Expr::Ident(j, self.sp(j));
        let callee = if ops.is_empty() {
            base
        } else {
            Expr::Chain {
                base: Box::new(base),
                ops,
                sp: self.sp_range(j, k),
            }
        };
        let mut args = Vec::new();
        if self.p(k, "(") && k < lim {
            let (a, next) = self.args(k)?;
            args = a;
            k = next;
        }
        Ok((Expr::New(Box::new(callee), args, self.sp_range(i, k)), k))
    }

    /// A template literal with substitutions, at its head token `i`.
    fn template(&mut self, i: usize) -> Result<(Expr, usize), JsError> {
        let cooked = |k: &Kind| match k {
            Kind::Template(_, c) => c.clone(),
            _ => None,
        };
        let mut quasis = vec![self.kind(i).and_then(cooked)];
        let mut exprs = Vec::new();
        let mut k = i;
        loop {
            let next = self.mate(k);
            if next == k {
                return Err(self.syntax(k, "this `${` is not closed"));
            }
            self.charge(next)?;
            let (e, n) = self.expr(k + 1, next)?;
            let e = if n == next {
                e
            } else {
                Expr::Opaque(Box::new(Unread::new(
                    self.sp_range(k + 1, next),
                    "a comma expression",
                )))
            };
            exprs.push(e);
            quasis.push(self.kind(next).and_then(cooked));
            match self.kind(next) {
                Some(Kind::Template(Part::Middle, _)) => k = next,
                Some(Kind::Template(Part::Tail, _)) => {
                    let sp = self.sp_range(i, next + 1);
                    return Ok((Expr::Tpl { quasis, exprs, sp }, next + 1));
                }
                _ => return Err(self.syntax(next, "unexpected token in a template string")),
            }
        }
    }

    /// An array literal at the `[` token `i`.
    fn array(&mut self, i: usize) -> Result<(Expr, usize), JsError> {
        let close = self.mate(i);
        if close == i {
            return Err(self.syntax(i, "this `[` is not closed"));
        }
        let mut items = Vec::new();
        let mut k = i + 1;
        while k < close {
            if self.p(k, ",") {
                items.push(Item::Hole(self.sp(k)));
                k += 1;
                continue;
            }
            let n = if self.p(k, "...") {
                let (e, n) = self.expr(k + 1, close)?;
                items.push(Item::Spread(e, self.sp_range(k, n)));
                n
            } else {
                let (e, n) = self.expr(k, close)?;
                items.push(Item::One(e));
                n
            };
            if self.p(n, ",") {
                k = n + 1;
            } else if n == close {
                break;
            } else {
                return Err(self.syntax(n, "expected `,` or `]` here"));
            }
        }
        Ok((Expr::Arr(items, self.sp_range(i, close + 1)), close + 1))
    }

    /// An object literal at the `{` token `i`.
    fn object(&mut self, i: usize) -> Result<(Expr, usize), JsError> {
        let close = self.mate(i);
        if close == i {
            return Err(self.syntax(i, "this `{` is not closed"));
        }
        let mut props = Vec::new();
        let mut k = i + 1;
        while k < close {
            let (prop, n) = self.property(k, close)?;
            props.push(prop);
            if self.p(n, ",") {
                k = n + 1;
            } else if n == close {
                break;
            } else {
                return Err(self.syntax(n, "expected `,` or `}` after this property"));
            }
        }
        Ok((Expr::Obj(props, self.sp_range(i, close + 1)), close + 1))
    }

    /// Whether token `j` can be a property key.
    fn keyish(&self, j: usize) -> bool {
        matches!(
            self.kind(j),
            Some(Kind::Ident | Kind::Str(_) | Kind::Num(_) | Kind::BigInt | Kind::Punct("["))
        )
    }

    /// The key at `j`: the key, its span and the index after it.
    fn prop_key(&mut self, j: usize) -> Result<(Key, Sp, usize), JsError> {
        let sp = self.sp(j);
        let key = match self.kind(j) {
            Some(Kind::Ident) => Key::Name(self.word(j).unwrap_or("").to_string()),
            Some(Kind::Str(s)) => Key::Name(s.clone()),
            Some(Kind::Num(f)) => Key::Name(js_num(*f)),
            Some(Kind::BigInt) => {
                let raw = self.text.get(sp.s..sp.e).unwrap_or("");
                Key::Name(raw.trim_end_matches('n').to_string())
            }
            Some(Kind::Punct("[")) => {
                let m = self.mate(j);
                if m == j {
                    return Err(self.syntax(j, "this `[` is not closed"));
                }
                let (e, n) = self.expr(j + 1, m)?;
                let e = if n == m {
                    e
                } else {
                    Expr::Opaque(Box::new(Unread::new(
                        self.sp_range(j + 1, m),
                        "a comma expression",
                    )))
                };
                return Ok((Key::Computed(e), self.sp_range(j, m + 1), m + 1));
            }
            _ => return Err(self.syntax(j, "expected a property name here")),
        };
        Ok((key, sp, j + 1))
    }

    /// The end of a method whose parameters (or type parameters) start at `j`.
    fn method_end(&self, j: usize, lim: usize) -> usize {
        let mut k = j;
        if self.p(k, "<") {
            k = self.skip_type_args(k, lim);
        }
        if self.p(k, "(") {
            k = self.mate(k) + 1;
        }
        self.body_end(k, lim).max(j + 1)
    }

    /// One property of an object at `k` (inside an object closing at `close`).
    fn property(&mut self, k: usize, close: usize) -> Result<(Prop, usize), JsError> {
        self.charge(k)?;
        if self.p(k, "...") {
            let (e, n) = self.expr(k + 1, close)?;
            return Ok((Prop::Spread(e, self.sp_range(k, n)), n));
        }
        let w = self.word(k);
        let method = |r: &mut Self, key_at: usize, why: &str| -> Result<(Prop, usize), JsError> {
            let (key, key_sp, after) = r.prop_key(key_at)?;
            let end = r.method_end(after, close);
            let value = Expr::Opaque(Box::new(Unread::func(r.sp_range(k, end), why)));
            Ok((Prop::Pair { key, key_sp, value }, end))
        };
        if matches!(w, Some("get" | "set")) && self.keyish(k + 1) {
            let why = if w == Some("get") {
                "a getter"
            } else {
                "a setter"
            };
            return method(self, k + 1, why);
        }
        if w == Some("async") && !self.nl(k + 1) && (self.keyish(k + 1) || self.p(k + 1, "*")) {
            let at = if self.p(k + 1, "*") { k + 2 } else { k + 1 };
            return method(self, at, "an async function");
        }
        if self.p(k, "*") {
            return method(self, k + 1, "a generator function");
        }
        let (key, key_sp, after) = self.prop_key(k)?;
        if self.p(after, ":") {
            let (value, n) = self.expr(after + 1, close)?;
            return Ok((Prop::Pair { key, key_sp, value }, n));
        }
        if self.p(after, "(") || self.p(after, "<") {
            let end = self.method_end(after, close);
            let value = Expr::Opaque(Box::new(Unread::func(self.sp_range(k, end), "a function")));
            return Ok((Prop::Pair { key, key_sp, value }, end));
        }
        if (self.p(after, ",") || after == close) && self.kind(k) == Some(&Kind::Ident) {
            return Ok((Prop::Short(k, key_sp), after));
        }
        Err(self.syntax(after, "expected `:` after the property name"))
    }
}
