//! Evaluation: the value of an expression, a name or a binding.

use super::JsError;
use super::reader::{DeclKind, Found, Reader};
use super::syntax::{Expr, Fail, Item, Key, Prop, Res, Sp, Unread, soft};
use super::values::{Func, Module, Obj, Slot, Val, add, describe, js_num, to_js_string};

impl Reader<'_> {
    /// Parses and evaluates the expression in tokens `s..e`.
    pub(super) fn eval_range(&mut self, s: usize, e: usize) -> Res<Val> {
        let (x, n) = self.expr(s, e)?;
        if n != e {
            let why = self.operator_why(n);
            return Err(soft(self.sp_range(s, e), why));
        }
        self.eval(x)
    }

    /// Evaluates an expression.
    pub(super) fn eval(&mut self, e: Expr) -> Res<Val> {
        let sp = e.sp();
        self.enter(sp)?;
        let own_span = matches!(e, Expr::Arr(..) | Expr::Obj(..) | Expr::Ident(..));
        let r = self.eval_in(e);
        self.depth -= 1;
        match r {
            Err(Fail::Soft(mut u)) if !own_span && u.path.is_empty() => {
                u.sp = sp;
                Err(Fail::Soft(u))
            }
            r => r,
        }
    }

    /// The body of [`Reader::eval`].
    fn eval_in(&mut self, e: Expr) -> Res<Val> {
        match e {
            Expr::Lit(v, _) => Ok(v),
            Expr::Tpl { quasis, exprs, sp } => self.eval_template(quasis, exprs, sp),
            Expr::Arr(items, _) => self.eval_array(items),
            Expr::Obj(props, _) => self.eval_object(props),
            Expr::Ident(tok, sp) => self.eval_ident(tok, sp),
            Expr::Meta(_) => Ok(Val::Module(Module::Meta)),
            Expr::Chain { base, ops, sp } => self.eval_chain(*base, ops, sp),
            Expr::New(callee, args, sp) => self.eval_new(*callee, args, sp),
            Expr::Concat(parts, sp) => {
                let mut it = parts.into_iter();
                let Some(first) = it.next() else {
                    return Err(soft(sp, "an empty expression"));
                };
                let mut acc = self.eval(first)?;
                for p in it {
                    let b = self.eval(p)?;
                    acc = add(acc, b, sp)?;
                }
                Ok(acc)
            }
            Expr::Neg(neg, x, sp) => match self.eval(*x)? {
                Val::Num(f) => Ok(Val::Num(if neg { -f } else { f })),
                v => {
                    let sign = if neg { "-" } else { "+" };
                    Err(soft(sp, format!("a `{sign}` applied to {}", describe(&v))))
                }
            },
            Expr::Opaque(u) => Err(Fail::Soft(u)),
        }
    }

    /// A template literal with `${...}`: resolved when every part is a readable constant.
    fn eval_template(&mut self, quasis: Vec<Option<String>>, exprs: Vec<Expr>, sp: Sp) -> Res<Val> {
        let mut out = String::new();
        let mut exprs = exprs.into_iter();
        for q in quasis {
            match q {
                Some(s) => out.push_str(&s),
                None => return Err(soft(sp, "a template string with an invalid escape")),
            }
            let Some(x) = exprs.next() else { continue };
            let why = match self.eval(x) {
                Ok(v) => match to_js_string(&v) {
                    Some(s) => {
                        out.push_str(&s);
                        continue;
                    }
                    None => describe(&v).to_string(),
                },
                Err(Fail::Soft(u)) => u.why,
                Err(h) => return Err(h),
            };
            return Err(soft(
                sp,
                format!("a template string with `${{...}}` ({why})"),
            ));
        }
        Ok(Val::Str(out))
    }

    /// Stores a value in the config: the config folder becomes ".", the rest must be JSON.
    fn settle(&self, v: Val, sp: Sp) -> Res<Val> {
        match v {
            Val::Dir => Ok(Val::Str(".".into())),
            Val::Num(f) if !f.is_finite() => Err(soft(sp, "a number JSON cannot hold")),
            Val::Func(_) => Err(Fail::Soft(Box::new(Unread::func(sp, "a function")))),
            v @ (Val::SelfFile | Val::SelfUrl | Val::Url(_) | Val::Module(_)) => {
                Err(soft(sp, describe(&v)))
            }
            v => Ok(v),
        }
    }

    /// The slot a property gets from the result of evaluating its value.
    pub(super) fn slot_from(&self, r: Res<Val>, sp: Sp) -> Result<Slot, JsError> {
        let r = match r {
            Ok(Val::Undefined) => return Ok(Slot::Gone),
            Ok(v) => self.settle(v, sp),
            Err(f) => Err(f),
        };
        match r {
            Ok(v) => Ok(Slot::Val(v)),
            Err(Fail::Soft(u)) => Ok(Slot::Unread(*u)),
            Err(Fail::Hard(h)) => Err(*h),
        }
    }

    /// An array literal: fails as a whole (naming the item) if an item cannot be read.
    fn eval_array(&mut self, items: Vec<Item>) -> Res<Val> {
        let mut out: Vec<(Val, Sp)> = Vec::new();
        for item in items {
            match item {
                Item::Hole(sp) => out.push((Val::Null, sp)),
                Item::One(x) => {
                    let sp = x.sp();
                    let r = match self.eval(x) {
                        Ok(Val::Undefined) => Ok(Val::Null),
                        Ok(v) => self.settle(v, sp),
                        Err(f) => Err(f),
                    };
                    match r {
                        Ok(v) => out.push((v, sp)),
                        Err(Fail::Soft(mut u)) => {
                            u.path.insert(0, out.len().to_string());
                            return Err(Fail::Soft(u));
                        }
                        Err(h) => return Err(h),
                    }
                }
                Item::Spread(x, sp) => match self.eval(x) {
                    Ok(Val::Arr(v)) => out.extend(v),
                    Ok(Val::Str(s)) => out.extend(s.chars().map(|c| (Val::Str(c.into()), sp))),
                    Ok(v) => {
                        let why = format!("a spread (`{}`) of {}", self.snippet(sp), describe(&v));
                        return Err(soft(sp, why));
                    }
                    Err(Fail::Soft(u)) => {
                        let why = format!("a spread (`{}`) of {}", self.snippet(sp), u.why);
                        return Err(soft(sp, why));
                    }
                    Err(h) => return Err(h),
                },
            }
        }
        Ok(Val::Arr(out))
    }

    /// An object literal: every property is read on its own.
    fn eval_object(&mut self, props: Vec<Prop>) -> Res<Val> {
        let mut o = Obj::default();
        for prop in props {
            match prop {
                Prop::Pair { key, key_sp, value } => {
                    let name = match key {
                        Key::Name(s) => s,
                        Key::Computed(kx) => {
                            let ksp = kx.sp();
                            let why = match self.eval(kx) {
                                Ok(Val::Str(s)) => Ok(s),
                                Ok(Val::Num(f)) => Ok(js_num(f)),
                                Ok(v) => Err(describe(&v).to_string()),
                                Err(Fail::Soft(u)) => Err(u.why),
                                Err(h) => return Err(h),
                            };
                            match why {
                                Ok(s) => s,
                                Err(why) => {
                                    let label = format!("[{}]", self.snippet(ksp));
                                    let why = format!("a computed key ({why})");
                                    o.set(label, key_sp, Slot::Unread(Unread::new(key_sp, why)));
                                    continue;
                                }
                            }
                        }
                    };
                    let vsp = value.sp();
                    let r = self.eval(value);
                    let slot = self.slot_from(r, vsp)?;
                    o.set(name, key_sp, slot);
                }
                Prop::Short(tok, sp) => {
                    let name = self.word(tok).unwrap_or("").to_string();
                    let r = self.eval_ident(tok, sp);
                    let slot = self.slot_from(r, sp)?;
                    o.set(name, sp, slot);
                }
                Prop::Spread(x, sp) => match self.eval(x) {
                    Ok(Val::Obj(src)) => o.merge(*src),
                    Ok(Val::Null | Val::Undefined) => {}
                    Ok(v) => {
                        let why = format!("a spread (`{}`) of {}", self.snippet(sp), describe(&v));
                        o.extra.push(Unread::new(sp, why));
                    }
                    Err(Fail::Soft(u)) => {
                        let why = format!("a spread (`{}`) of {}", self.snippet(sp), u.why);
                        o.extra.push(Unread::new(sp, why));
                    }
                    Err(h) => return Err(h),
                },
            }
        }
        Ok(Val::Obj(Box::new(o)))
    }

    /// The identifier at token `tok`.
    fn eval_ident(&mut self, tok: usize, sp: Sp) -> Res<Val> {
        let name = self.word(tok).unwrap_or("");
        if name == "defineConfig" {
            return Ok(Val::Func(Func::DefineConfig));
        }
        self.eval_name(name, tok, sp)
    }

    /// The value of `name` as seen at token `at`.
    pub(super) fn eval_name(&mut self, name: &str, at: usize, sp: Sp) -> Res<Val> {
        match self.lookup(name, at) {
            Found::Decl(d) => self.eval_decl(d, name, at, sp, true),
            Found::Later => Err(soft(
                sp,
                format!("a variable (`{name}`) used before it is set"),
            )),
            Found::Missing => match name {
                "undefined" => Ok(Val::Undefined),
                "__dirname" => Ok(Val::Dir),
                "__filename" => Ok(Val::SelfFile),
                "process" => Ok(Val::Module(Module::Process)),
                "path" => Ok(Val::Module(Module::Path)),
                "Object" => Ok(Val::Module(Module::Object)),
                "URL" => Ok(Val::Func(Func::UrlClass)),
                "require" => Ok(Val::Func(Func::Require)),
                "NaN" | "Infinity" => Err(soft(sp, format!("`{name}`, which JSON cannot hold"))),
                _ => Err(soft(sp, format!("a variable (`{name}`) deck cannot read"))),
            },
        }
    }

    /// The value of binding `d` of `name`, used at token `at` (span `sp`); `wrap` words a failure
    /// as "a variable (`name`) set to ...".
    pub(super) fn eval_decl(
        &mut self,
        d: usize,
        name: &str,
        at: usize,
        sp: Sp,
        wrap: bool,
    ) -> Res<Val> {
        self.enter(sp)?;
        let reentrant = self.active.contains(&d);
        self.active.push(d);
        let r = self.eval_decl_in(d, name, at, sp, wrap, reentrant);
        self.active.pop();
        self.depth -= 1;
        r
    }

    /// The body of [`Reader::eval_decl`].
    fn eval_decl_in(
        &mut self,
        d: usize,
        name: &str,
        at: usize,
        sp: Sp,
        wrap: bool,
        reentrant: bool,
    ) -> Res<Val> {
        let Some(decl) = self.decls.get(d) else {
            return Err(soft(sp, format!("a variable (`{name}`) deck cannot read")));
        };
        let kind = decl.kind.clone();
        let mutated = !decl.mutations.is_empty();
        let base = match &kind {
            DeclKind::Expr(s, e) => self.eval_range(*s, *e),
            DeclKind::Pick(s, e, key) => match self.eval_range(*s, *e) {
                Ok(v) => self.member(v, key, sp),
                Err(f) => Err(f),
            },
            DeclKind::Fixed(v) => Ok(v.clone()),
            DeclKind::Opaque(tail, func) => {
                let why = format!("a variable (`{name}`) {tail}");
                return Err(Fail::Soft(Box::new(Unread {
                    func: *func,
                    ..Unread::new(sp, why)
                })));
            }
            DeclKind::Undefined => Ok(Val::Undefined),
            DeclKind::Empty => Ok(Val::Obj(Box::default())),
        };
        match base {
            Ok(Val::Obj(mut o)) => {
                let cap = if reentrant { at } else { usize::MAX };
                self.apply_mutations(d, &mut o, cap)?;
                Ok(Val::Obj(o))
            }
            Ok(Val::Module(_) | Val::Func(_)) => base,
            Ok(Val::Undefined) if !mutated => base,
            Ok(_) if mutated => {
                let why = format!("a variable (`{name}`) changed by code deck does not run");
                Err(soft(sp, why))
            }
            Err(Fail::Soft(mut u)) if u.path.is_empty() && wrap => {
                u.why = format!("a variable (`{name}`) set to {}", u.why);
                u.sp = sp;
                Err(Fail::Soft(u))
            }
            r => r,
        }
    }
}
