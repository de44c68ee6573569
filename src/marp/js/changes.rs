//! Changes to bound objects: top-level assignments, `Object.assign`, and applying them.

use super::JsError;
use super::lexer::Kind;
use super::reader::{DeclKind, Export, Found, Reader};
use super::syntax::{Arg, Fail, Sp, Unread};
use super::values::{Obj, Val, describe, js_num};

/// A top-level statement that changes a bound object.
#[derive(Debug, Clone)]
pub(super) enum Mutation {
    /// `name.a.b = <tokens start..end>`, at token `at`.
    Set {
        /// The keys assigned through, with their spans.
        path: Vec<(String, Sp)>,
        /// First token of the value.
        start: usize,
        /// Token after the value.
        end: usize,
    },
    /// `Object.assign(name, a, b)`, by the token of its `(`.
    Merge {
        /// The `(` of the call.
        open: usize,
        /// Token after the statement.
        end: usize,
    },
    /// A change deck cannot follow (`config.themeSet.push(x)`, `config[k] = v`).
    Opaque {
        /// The keys leading to the changed object.
        path: Vec<String>,
        /// The statement.
        sp: Sp,
        /// Token after the statement.
        end: usize,
    },
}

impl Mutation {
    /// The token after the statement.
    fn end(&self) -> usize {
        match self {
            Mutation::Set { end, .. }
            | Mutation::Merge { end, .. }
            | Mutation::Opaque { end, .. } => *end,
        }
    }
}

/// The base of a top-level assignment.
enum Target<'a> {
    /// `module.exports`.
    Module,
    /// `exports`.
    Exports,
    /// Any other name.
    Name(&'a str),
}

/// Methods that change the array or collection they are called on.
const MUTATING_METHODS: &[&str] = &[
    "push",
    "pop",
    "shift",
    "unshift",
    "splice",
    "sort",
    "reverse",
    "fill",
    "copyWithin",
    "set",
    "add",
    "delete",
    "clear",
];

/// Words that cannot start an assignment to a binding.
const STATEMENT_WORDS: &[&str] = &[
    "if", "for", "while", "do", "return", "throw", "try", "switch", "new", "typeof", "void",
    "delete", "await", "yield", "else", "case", "break", "continue", "debugger", "with",
];

impl Reader<'_> {
    /// An assignment statement at `i` (`module.exports = ...`, `config.x = ...`, `x = ...`,
    /// `config.themeSet.push(...)`); `None` if the statement is not one.
    pub(super) fn assignment(&mut self, i: usize) -> Option<usize> {
        let w = self.word(i)?;
        if w == "Object"
            && self.p(i + 1, ".")
            && self.is_word(i + 2, "assign")
            && self.p(i + 3, "(")
        {
            return Some(self.object_assign(i));
        }
        let (target, mut j) =
            if w == "module" && self.p(i + 1, ".") && self.is_word(i + 2, "exports") {
                (Target::Module, i + 3)
            } else if w == "exports" {
                (Target::Exports, i + 1)
            } else if STATEMENT_WORDS.contains(&w) {
                return None;
            } else {
                (Target::Name(w), i + 1)
            };
        let mut path: Vec<(String, Sp)> = Vec::new();
        let mut dynamic = false;
        loop {
            if self.p(j, ".") {
                let Some(p) = self.word(j + 1) else { break };
                if !dynamic {
                    path.push((p.to_string(), self.sp(j + 1)));
                }
                j += 2;
            } else if self.p(j, "[") {
                let m = self.mate(j);
                let key = match self.kind(j + 1) {
                    Some(Kind::Str(s)) if m == j + 2 => Some(s.clone()),
                    Some(Kind::Num(f)) if m == j + 2 => Some(js_num(*f)),
                    _ => None,
                };
                match key {
                    Some(k) if !dynamic => path.push((k, self.sp(j + 1))),
                    _ => dynamic = true,
                }
                j = m + 1;
            } else {
                break;
            }
        }
        let assign = match self.kind(j) {
            Some(Kind::Punct(p)) => {
                p.ends_with('=') && !matches!(*p, "==" | "===" | "!=" | "!==" | "<=" | ">=")
            }
            _ => false,
        };
        let call = self.p(j, "(") && !path.is_empty();
        if !assign && !call {
            return None;
        }
        let mutating = path
            .last()
            .is_some_and(|(m, _)| MUTATING_METHODS.contains(&m.as_str()));
        if call && !dynamic && !mutating {
            // `console.log(config)`, `config.themeSet.forEach(f)`: nothing changes.
            return Some(self.end_statement(self.skip_top(i)));
        }
        let plain = self.p(j, "=") && !dynamic;
        let end = if call {
            self.skip_top(i)
        } else {
            self.skip_top(j + 1)
        };
        let next = self.end_statement(end);
        let is_default = path.len() == 1 && path.first().is_some_and(|(k, _)| k == "default");
        let decl = match target {
            Target::Module if path.is_empty() && !dynamic => {
                if plain {
                    self.bind("module.exports", DeclKind::Expr(j + 1, end), end);
                    self.export = Some(Export::Module);
                }
                return Some(next);
            }
            Target::Exports if path.is_empty() && !dynamic => return Some(next),
            Target::Module | Target::Exports if is_default && plain => {
                self.export = Some(Export::Expr(j + 1, end));
                return Some(next);
            }
            Target::Module => {
                self.cjs_touched = true;
                match self.lookup("module.exports", i) {
                    Found::Decl(d) => d,
                    _ => 0,
                }
            }
            Target::Exports => {
                self.cjs_touched = true;
                0
            }
            Target::Name(name) if path.is_empty() && !dynamic => {
                let kind = if plain {
                    DeclKind::Expr(j + 1, end)
                } else {
                    DeclKind::Opaque("changed by code deck does not run".into(), false)
                };
                self.bind(name, kind, end);
                return Some(next);
            }
            Target::Name(name) => match self.lookup(name, i) {
                Found::Decl(d) => d,
                _ => return Some(next),
            },
        };
        let m = if plain {
            Mutation::Set {
                path,
                start: j + 1,
                end,
            }
        } else {
            let keep = if call && !dynamic {
                path.len().saturating_sub(1)
            } else {
                path.len()
            };
            Mutation::Opaque {
                path: path.into_iter().take(keep).map(|(k, _)| k).collect(),
                sp: self.sp_range(i, end),
                end,
            }
        };
        self.mutate(decl, m);
        Some(next)
    }

    /// Records a change to the object binding `d` holds (bindings of modules, imports and
    /// functions are not objects deck reads, so they ignore changes).
    fn mutate(&mut self, d: usize, m: Mutation) {
        if let Some(decl) = self.decls.get_mut(d)
            && matches!(
                decl.kind,
                DeclKind::Expr(..) | DeclKind::Pick(..) | DeclKind::Empty | DeclKind::Undefined
            )
        {
            decl.mutations.push(m);
        }
    }

    /// The statement `Object.assign(target, ...)` at `i`: a change to `target` when it is a
    /// binding or `module.exports`.
    fn object_assign(&mut self, i: usize) -> usize {
        let open = i + 3;
        let first = i + 4;
        let end = self.skip_top(i);
        let next = self.end_statement(end);
        let (d, after) = if self.is_word(first, "module")
            && self.p(first + 1, ".")
            && self.is_word(first + 2, "exports")
        {
            self.cjs_touched = true;
            match self.lookup("module.exports", i) {
                Found::Decl(d) => (d, first + 3),
                _ => (0, first + 3),
            }
        } else if self.is_word(first, "exports") {
            self.cjs_touched = true;
            (0, first + 1)
        } else if let Some(name) = self.word(first) {
            match self.lookup(name, i) {
                Found::Decl(d) => (d, first + 1),
                _ => return next,
            }
        } else {
            return next;
        };
        if self.p(after, ",") || self.p(after, ")") {
            self.mutate(d, Mutation::Merge { open, end });
        }
        next
    }

    /// Applies the top-level changes of binding `d` to its object, up to those ending before
    /// token `cap`.
    pub(super) fn apply_mutations(
        &mut self,
        d: usize,
        o: &mut Obj,
        cap: usize,
    ) -> Result<(), JsError> {
        let mut k = 0;
        while let Some(m) = self.decls.get(d).and_then(|x| x.mutations.get(k)).cloned() {
            k += 1;
            if m.end() > cap {
                break;
            }
            let steps = match &m {
                Mutation::Set { path, .. } => path.len(),
                Mutation::Opaque { path, .. } => path.len(),
                Mutation::Merge { .. } => 1,
            };
            self.charge_n(steps + 1, Sp::default())?;
            match m {
                Mutation::Set { path, start, end } => {
                    let r = self.eval_range(start, end);
                    let slot = self.slot_from(r, self.sp_range(start, end))?;
                    let Some(((last, last_sp), parents)) = path.split_last() else {
                        continue;
                    };
                    let parents: Vec<String> = parents.iter().map(|(k, _)| k.clone()).collect();
                    let Some((target, rest)) = o.walk(&parents) else {
                        continue;
                    };
                    if rest.is_empty() {
                        target.set(last.clone(), *last_sp, slot);
                    } else {
                        let mut full = rest;
                        full.push(last.clone());
                        let sp = self.sp_range(start, end);
                        let why = "a change to a value deck cannot read".to_string();
                        target.extra.push(Unread {
                            path: full,
                            ..Unread::new(sp, why)
                        });
                    }
                }
                Mutation::Merge { open, .. } => {
                    let (args, _) = self.args(open)?;
                    for a in args.into_iter().skip(1) {
                        self.assign_from(o, a)?;
                    }
                }
                Mutation::Opaque { path, sp, .. } => {
                    let Some((target, rest)) = o.walk(&path) else {
                        continue;
                    };
                    let why = format!("changed by code deck does not run (`{}`)", self.snippet(sp));
                    target.extra.push(Unread {
                        path: rest,
                        ..Unread::new(sp, why)
                    });
                }
            }
        }
        Ok(())
    }

    /// Merges the source object `a` of an `Object.assign` into `o`.
    pub(super) fn assign_from(&mut self, o: &mut Obj, a: Arg) -> Result<(), JsError> {
        let sp = a.expr.sp();
        let why = if a.spread {
            "a spread argument".to_string()
        } else {
            match self.eval(a.expr) {
                Ok(Val::Obj(src)) => {
                    o.merge(*src);
                    return Ok(());
                }
                Ok(Val::Null | Val::Undefined) => return Ok(()),
                Ok(v) => describe(&v).to_string(),
                Err(Fail::Soft(u)) => u.why,
                Err(Fail::Hard(h)) => return Err(*h),
            }
        };
        let why = format!("merged by `Object.assign` from {why}");
        o.extra.push(Unread::new(sp, why));
        Ok(())
    }
}
