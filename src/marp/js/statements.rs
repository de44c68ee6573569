//! Top-level statements: declarations, imports and exports.

use super::JsError;
use super::lexer::Kind;
use super::reader::{DeclKind, Export, Reader};
use super::values::{Func, Val, js_num, member_of_module, module_of};

impl Reader<'_> {
    /// Reads every top-level statement, recording bindings, changes and the export.
    pub(super) fn scan(&mut self) -> Result<(), JsError> {
        let mut i = 0;
        while i < self.toks.len() {
            let next = self.statement(i)?;
            i = next.max(i + 1);
        }
        Ok(())
    }

    /// Reads the statement at `i`; returns the index after it.
    fn statement(&mut self, i: usize) -> Result<usize, JsError> {
        let n = self.toks.len();
        match self.word(i) {
            Some("import") if !self.p(i + 1, "(") && !self.p(i + 1, ".") => self.import_decl(i),
            Some("export") => self.export_decl(i),
            Some("const" | "var") => self.var_decl(i + 1),
            Some("let")
                if self.word(i + 1).is_some() || self.p(i + 1, "{") || self.p(i + 1, "[") =>
            {
                self.var_decl(i + 1)
            }
            Some("function") => Ok(self.function_decl(i)),
            Some("async") if self.is_word(i + 1, "function") && !self.nl(i + 1) => {
                Ok(self.function_decl(i + 1))
            }
            Some("class") => Ok(self.class_decl(i)),
            Some("declare" | "type" | "interface" | "enum" | "namespace" | "abstract") => {
                Ok(self.generic(i))
            }
            Some(_) => match self.assignment(i) {
                Some(end) => Ok(end),
                None => Ok(self.generic(i)),
            },
            None if self.p(i, ";") => Ok(i + 1),
            None => Ok(self.generic(i).min(n)),
        }
    }

    /// Skips a statement deck does not need.
    fn generic(&self, i: usize) -> usize {
        let mut j = i;
        loop {
            j = self.skip_top(j);
            if self.p(j, ",") {
                j += 1;
                continue;
            }
            break;
        }
        self.end_statement(j)
    }

    /// Steps over the `;` at `j`, if there is one.
    pub(super) fn end_statement(&self, j: usize) -> usize {
        if self.p(j, ";") { j + 1 } else { j }
    }

    /// `function name() {}` at `i` (the `function` token): binds the name as a function.
    fn function_decl(&mut self, i: usize) -> usize {
        let name_at = if self.p(i + 1, "*") { i + 2 } else { i + 1 };
        if let Some(name) = self.word(name_at) {
            self.hoist(name, DeclKind::Opaque("set to a function".into(), true));
        }
        self.skip_function(i, self.toks.len())
    }

    /// `class Name {}` at `i`: binds the name as a class.
    fn class_decl(&mut self, i: usize) -> usize {
        if let Some(name) = self.word(i + 1) {
            self.hoist(name, DeclKind::Opaque("set to a class".into(), false));
        }
        self.body_end(i + 1, self.toks.len())
    }

    /// The declarators of `const`/`let`/`var` starting at `i`.
    fn var_decl(&mut self, mut i: usize) -> Result<usize, JsError> {
        let n = self.toks.len();
        loop {
            let target_end = if self.word(i).is_some() {
                i + 1
            } else if self.p(i, "{") || self.p(i, "[") {
                self.mate(i) + 1
            } else {
                return Ok(self.generic(i));
            };
            let mut j = target_end;
            if self.p(j, "!") {
                j += 1;
            }
            if self.p(j, ":") {
                j = self.skip_type(j + 1, n, true);
            }
            let mut end = j;
            if self.p(j, "=") {
                end = self.skip_top(j + 1);
                self.declare(i, target_end, Some((j + 1, end)));
            } else {
                self.declare(i, target_end, None);
            }
            if self.p(end, ",") {
                i = end + 1;
                continue;
            }
            return Ok(self.end_statement(end));
        }
    }

    /// Binds the names of the declaration target `a..b`, initialized by tokens `init`.
    fn declare(&mut self, a: usize, b: usize, init: Option<(usize, usize)>) {
        let visible = init.map_or(b, |(_, e)| e);
        if let Some(name) = self.word(a) {
            let kind = match init {
                Some((s, e)) => DeclKind::Expr(s, e),
                None => DeclKind::Undefined,
            };
            self.bind(name, kind, visible);
            return;
        }
        let close = self.mate(a);
        let object = self.p(a, "{");
        let mut k = a + 1;
        while k < close {
            let e = self.skip_expr(k, close);
            self.declare_entry(k, e, object, init, visible);
            k = e + 1;
        }
    }

    /// Binds the names of one destructuring entry `k..e` (`key`, `key: name`, `...rest`, ...).
    fn declare_entry(
        &mut self,
        k: usize,
        e: usize,
        object: bool,
        init: Option<(usize, usize)>,
        visible: usize,
    ) {
        let simple_key = match self.kind(k) {
            Some(Kind::Ident) => self.word(k).map(str::to_string),
            Some(Kind::Str(s)) => Some(s.clone()),
            Some(Kind::Num(f)) => Some(js_num(*f)),
            _ => None,
        };
        let pick = |key: String| match init {
            Some((s, end)) => DeclKind::Pick(s, end, key),
            None => DeclKind::Undefined,
        };
        if object
            && e == k + 1
            && let (Some(name), Some(key)) = (self.word(k), simple_key.clone())
        {
            self.bind(name, pick(key), visible);
            return;
        }
        if object
            && e == k + 3
            && self.p(k + 1, ":")
            && let (Some(name), Some(key)) = (self.word(k + 2), simple_key)
        {
            self.bind(name, pick(key), visible);
            return;
        }
        let why = if self.p(k, "...") {
            "set to the rest of a destructured value"
        } else if object && (self.p(k + 1, "=") || self.p(k + 3, "=")) {
            "set to a destructured value with a default"
        } else if object {
            "set to a value destructured from a nested pattern"
        } else {
            "set to a value destructured from an array"
        };
        for j in k..e {
            if let Some(name) = self.word(j)
                && !self.p(j + 1, ":")
            {
                self.bind(name, DeclKind::Opaque(why.into(), false), visible);
            }
        }
    }

    /// `import ... from '...'` at `i`: binds what deck knows (`path`, `url`, `defineConfig`).
    fn import_decl(&mut self, i: usize) -> Result<usize, JsError> {
        let mut j = i + 1;
        // TypeScript: `import path = require('path')`.
        if let Some(name) = self.word(j)
            && self.p(j + 1, "=")
        {
            let end = self.skip_top(j + 2);
            self.bind(name, DeclKind::Expr(j + 2, end), end);
            return Ok(self.end_statement(end));
        }
        let type_only = self.is_word(j, "type")
            && (self.p(j + 1, "{")
                || self.p(j + 1, "*")
                || (self.word(j + 1).is_some()
                    && !(self.is_word(j + 1, "from") && self.str_tok(j + 2).is_some())));
        if type_only {
            j += 1;
        }
        /// How a name is imported.
        enum Imp {
            /// `import x from`.
            Default,
            /// `import * as x from`.
            Namespace,
            /// `import { a as x } from`.
            Named(String),
        }
        let mut list: Vec<(usize, Imp)> = Vec::new();
        let spec: String;
        if let Some(s) = self.str_tok(j) {
            spec = s.to_string();
            j += 1;
        } else {
            if (self.word(j).is_some() && !self.is_word(j, "from"))
                || (self.is_word(j, "from") && self.is_word(j + 1, "from"))
            {
                list.push((j, Imp::Default));
                j += 1;
                if self.p(j, ",") {
                    j += 1;
                }
            }
            if self.p(j, "*") && self.is_word(j + 1, "as") && self.word(j + 2).is_some() {
                list.push((j + 2, Imp::Namespace));
                j += 3;
            }
            if self.p(j, "{") {
                let close = self.mate(j);
                let mut k = j + 1;
                while k < close {
                    let e = self.skip_expr(k, close);
                    let mut a = k;
                    let typed = self.is_word(a, "type") && e > a + 1 && !self.is_word(a + 1, "as");
                    if typed {
                        a += 1;
                    }
                    let imported = self
                        .word(a)
                        .map(str::to_string)
                        .or_else(|| self.str_tok(a).map(str::to_string));
                    let local = if self.is_word(a + 1, "as") { a + 2 } else { a };
                    if let (Some(imported), false) = (imported, typed)
                        && self.word(local).is_some()
                    {
                        list.push((local, Imp::Named(imported)));
                    }
                    k = e + 1;
                }
                j = close + 1;
            }
            if !self.is_word(j, "from") {
                return Ok(self.generic(i));
            }
            match self.str_tok(j + 1) {
                Some(s) => spec = s.to_string(),
                None => return Ok(self.generic(i)),
            }
            j += 2;
        }
        if (self.is_word(j, "with") || self.is_word(j, "assert"))
            && self.p(j + 1, "{")
            && !self.nl(j)
        {
            j = self.mate(j + 1) + 1;
        }
        if !type_only {
            let module = module_of(&spec);
            for (tok, imp) in list {
                let Some(name) = self.word(tok) else { continue };
                let known = match (&imp, module) {
                    (Imp::Default | Imp::Namespace, Some(m)) => Some(Val::Module(m)),
                    (Imp::Named(n), Some(m)) => member_of_module(m, n),
                    (Imp::Named(n), None) if n == "defineConfig" => {
                        Some(Val::Func(Func::DefineConfig))
                    }
                    _ => None,
                };
                let kind = match known {
                    Some(v) => DeclKind::Fixed(v),
                    None => DeclKind::Opaque(format!("imported from `{spec}`"), false),
                };
                self.hoist(name, kind);
            }
        }
        Ok(self.end_statement(j))
    }

    /// `export ...` at `i`.
    fn export_decl(&mut self, i: usize) -> Result<usize, JsError> {
        let n = self.toks.len();
        let j = i + 1;
        if self.is_word(j, "default") {
            let k = j + 1;
            let end = if self.is_word(k, "function") {
                self.skip_function(k, n)
            } else if self.is_word(k, "async") && self.is_word(k + 1, "function") {
                self.skip_function(k + 1, n)
            } else if self.is_word(k, "class") {
                self.body_end(k + 1, n)
            } else {
                self.skip_top(k)
            };
            self.export = Some(Export::Expr(k, end));
            return Ok(self.end_statement(end));
        }
        match self.word(j) {
            Some("const" | "let" | "var") => return self.var_decl(j + 1),
            Some("function") => return Ok(self.function_decl(j)),
            Some("async") if self.is_word(j + 1, "function") => {
                return Ok(self.function_decl(j + 1));
            }
            Some("class") => return Ok(self.class_decl(j)),
            _ => {}
        }
        if self.p(j, "=") {
            let end = self.skip_top(j + 1);
            self.export = Some(Export::Expr(j + 1, end));
            return Ok(self.end_statement(end));
        }
        if self.p(j, "{") {
            let close = self.mate(j);
            let mut as_default = None;
            let mut k = j + 1;
            while k < close {
                let e = self.skip_expr(k, close);
                let alias = if self.is_word(k + 1, "as") { k + 2 } else { k };
                let alias_default =
                    self.is_word(alias, "default") || self.str_tok(alias) == Some("default");
                if alias_default {
                    as_default = Some(k);
                }
                k = e + 1;
            }
            let mut end = close + 1;
            if self.is_word(end, "from") {
                if let Some(spec) = self.str_tok(end + 1).map(str::to_string) {
                    if as_default.is_some() {
                        self.export = Some(Export::Reexport(spec, self.sp_range(i, end + 2)));
                    }
                    end += 2;
                }
            } else if let Some(tok) = as_default {
                self.export = Some(Export::Name(tok));
            }
            return Ok(self.end_statement(end));
        }
        Ok(self.generic(j))
    }
}
