//! Member chains, calls and `new`: what deck knows of `path`, `URL`, `Object`, ...

use super::reader::Reader;
use super::syntax::{Arg, Expr, Fail, Op, Res, Sp, soft};
use super::values::{
    Func, Module, SELF_SEGMENT, Slot, Val, check_path, describe, js_num, member_of_module,
    module_of, normalize, path_dirname, path_join, path_resolve, url_resolve,
};

impl Reader<'_> {
    /// A chain of member accesses and calls.
    pub(super) fn eval_chain(&mut self, base: Expr, ops: Vec<(Op, usize)>, sp: Sp) -> Res<Val> {
        let mut prev_end = base.sp().e;
        // What is called first (`fs.readdirSync` in `fs.readdirSync(x).map(f)`), to name a call
        // of something deck cannot read.
        let mut first_callee = None;
        let mut end_before = prev_end;
        for (op, end) in &ops {
            if matches!(op, Op::Call(_)) {
                first_callee = Some(Sp {
                    s: sp.s,
                    e: end_before,
                });
                break;
            }
            end_before = *end;
        }
        let name_call = |r: &Self, f: Fail| match (f, first_callee) {
            (Fail::Soft(_), Some(callee)) => soft(sp, format!("a call to `{}`", r.snippet(callee))),
            (f, _) => f,
        };
        let mut v = match self.eval(base) {
            Ok(v) => v,
            Err(f) => return Err(name_call(self, f)),
        };
        let mut called = false;
        for (op, end) in ops {
            let here = Sp { s: sp.s, e: end };
            let r = match op {
                Op::Prop(name) => self.member(v, &name, here),
                Op::Index(x) => match self.eval(x) {
                    Ok(Val::Str(s)) => self.member(v, &s, here),
                    Ok(Val::Num(f)) => self.member(v, &js_num(f), here),
                    Ok(_) | Err(Fail::Soft(_)) => {
                        let why = format!("a member access (`{}`)", self.snippet(here));
                        Err(soft(here, why))
                    }
                    Err(h) => Err(h),
                },
                Op::Call(args) => {
                    called = true;
                    self.call(
                        v,
                        args,
                        Sp {
                            s: sp.s,
                            e: prev_end,
                        },
                        here,
                    )
                }
            };
            v = match r {
                Ok(v) => v,
                Err(f) if !called => return Err(name_call(self, f)),
                Err(f) => return Err(f),
            };
            prev_end = end;
        }
        Ok(v)
    }

    /// `v.name` (`here` is the chain so far).
    pub(super) fn member(&self, v: Val, name: &str, here: Sp) -> Res<Val> {
        let text = || self.snippet(here);
        match v {
            Val::Module(Module::Env) => Err(soft(
                here,
                format!("an environment variable (`{}`)", text()),
            )),
            Val::Module(m) => member_of_module(m, name)
                .ok_or_else(|| soft(here, format!("`{}`, which deck does not know", text()))),
            Val::Obj(mut o) => match o.take(name) {
                Some(Slot::Val(v)) => Ok(v),
                Some(Slot::Unread(u)) => Err(Fail::Soft(Box::new(u))),
                Some(Slot::Gone) | None if o.extra.is_empty() => Ok(Val::Undefined),
                _ => Err(soft(
                    here,
                    format!("`{}`, which may be set by code deck does not run", text()),
                )),
            },
            Val::Arr(items) => {
                if name == "length" {
                    return Ok(Val::Num(items.len() as f64));
                }
                match name.parse::<usize>() {
                    Ok(ix) => Ok(items.into_iter().nth(ix).map_or(Val::Undefined, |(v, _)| v)),
                    Err(_) => Err(soft(here, format!("a member access (`{}`)", text()))),
                }
            }
            Val::Str(s) if name == "length" => Ok(Val::Num(s.encode_utf16().count() as f64)),
            Val::Url(p) if name == "pathname" => Ok(Val::Str(p)),
            Val::Dir if name == "length" => Ok(Val::Num(1.0)),
            _ => Err(soft(here, format!("a member access (`{}`)", text()))),
        }
    }

    /// The string arguments of a path function (the config folder is ".").
    fn path_args(&mut self, args: Vec<Arg>, callee: &str, here: Sp) -> Res<Vec<String>> {
        let mut out = Vec::new();
        for a in args {
            if a.spread {
                return Err(soft(
                    here,
                    format!("a call to `{callee}` with a spread argument"),
                ));
            }
            let v = match self.eval(a.expr) {
                Ok(v) => v,
                Err(Fail::Soft(u)) => {
                    return Err(soft(here, format!("a call to `{callee}` with {}", u.why)));
                }
                Err(h) => return Err(h),
            };
            match v {
                Val::Str(s) => out.push(s),
                Val::Dir => out.push(".".into()),
                Val::SelfFile => out.push(SELF_SEGMENT.into()),
                v => {
                    let why = format!("a call to `{callee}` with {}", describe(&v));
                    return Err(soft(here, why));
                }
            }
        }
        Ok(out)
    }

    /// The single argument of a call, evaluated; `None` if there is not exactly one.
    fn one_arg(&mut self, args: Vec<Arg>) -> Option<Res<Val>> {
        let mut it = args.into_iter();
        match (it.next(), it.next()) {
            (Some(a), None) if !a.spread => Some(self.eval(a.expr)),
            _ => None,
        }
    }

    /// Calls `v` with `args` (`callee` is the span of what is called, `here` of the call).
    fn call(&mut self, v: Val, args: Vec<Arg>, callee: Sp, here: Sp) -> Res<Val> {
        let name = self.snippet(callee);
        let cannot = |why: String| soft(here, why);
        match v {
            Val::Func(Func::DefineConfig) => match self.one_arg(args) {
                Some(r) => r,
                None => Err(cannot(format!(
                    "a call to `{name}` without one config object"
                ))),
            },
            Val::Func(f @ (Func::Join | Func::Resolve | Func::Normalize)) => {
                let parts = self.path_args(args, &name, here)?;
                let r = match f {
                    Func::Join => path_join(&parts),
                    Func::Resolve => path_resolve(&parts),
                    _ => match parts.as_slice() {
                        [p] => check_path(normalize(p)),
                        _ => Err(format!("a call to `{name}` without one path")),
                    },
                };
                r.map(Val::Str).map_err(cannot)
            }
            Val::Func(Func::Dirname) => match self.one_arg(args) {
                Some(Ok(Val::SelfFile)) => Ok(Val::Dir),
                Some(Ok(Val::Str(s))) => check_path(path_dirname(&s)).map(Val::Str).map_err(cannot),
                Some(Ok(Val::Dir)) => Err(cannot("the folder above the config folder".into())),
                Some(Err(Fail::Hard(h))) => Err(Fail::Hard(h)),
                _ => Err(cannot(format!("a call to `{name}`"))),
            },
            Val::Func(Func::FileUrlToPath) => match self.one_arg(args) {
                Some(Ok(Val::SelfUrl)) => Ok(Val::SelfFile),
                Some(Ok(Val::Url(p))) => Ok(Val::Str(p)),
                Some(Err(Fail::Hard(h))) => Err(Fail::Hard(h)),
                _ => Err(cannot(format!("a call to `{name}`"))),
            },
            Val::Func(Func::Cwd) if args.is_empty() => Ok(Val::Dir),
            Val::Func(Func::Freeze) => match self.one_arg(args) {
                Some(r) => r,
                None => Err(cannot(format!("a call to `{name}`"))),
            },
            Val::Func(Func::Assign) => {
                let mut it = args.into_iter();
                let first = match it.next() {
                    Some(a) if !a.spread => self.eval(a.expr),
                    _ => return Err(cannot(format!("a call to `{name}`"))),
                };
                let mut o = match first {
                    Ok(Val::Obj(o)) => o,
                    Ok(_) | Err(Fail::Soft(_)) => {
                        return Err(cannot(format!(
                            "a call to `{name}` on a value deck cannot read"
                        )));
                    }
                    Err(h) => return Err(h),
                };
                for a in it {
                    self.assign_from(&mut o, a)?;
                }
                Ok(Val::Obj(o))
            }
            Val::Func(Func::Require) => match self.one_arg(args) {
                Some(Ok(Val::Str(spec))) => match module_of(&spec) {
                    Some(m) => Ok(Val::Module(m)),
                    None => Err(cannot(format!("a `require('{spec}')`"))),
                },
                Some(Err(Fail::Hard(h))) => Err(Fail::Hard(h)),
                _ => Err(cannot("a call to `require`".into())),
            },
            _ => Err(cannot(format!("a call to `{name}`"))),
        }
    }

    /// `new Callee(args)`: only `new URL('./x', import.meta.url)` is understood.
    pub(super) fn eval_new(&mut self, callee: Expr, args: Vec<Arg>, sp: Sp) -> Res<Val> {
        let name = self.snippet(callee.sp());
        let other = || soft(sp, format!("a `new {name}(...)` expression"));
        match self.eval(callee) {
            Ok(Val::Func(Func::UrlClass)) => {}
            Err(Fail::Hard(h)) => return Err(Fail::Hard(h)),
            Ok(_) | Err(Fail::Soft(_)) => return Err(other()),
        }
        let mut vals = Vec::new();
        for a in args {
            if a.spread {
                return Err(other());
            }
            match self.eval(a.expr) {
                Ok(v) => vals.push(v),
                Err(Fail::Soft(u)) => return Err(soft(sp, format!("a `URL` made from {}", u.why))),
                Err(h) => return Err(h),
            }
        }
        match vals.as_slice() {
            [Val::Str(s), Val::SelfUrl] => url_resolve(s).map(Val::Url).map_err(|w| soft(sp, w)),
            [Val::SelfUrl] | [Val::SelfUrl, _] => Ok(Val::SelfUrl),
            [Val::Str(s)] if s.starts_with("file://") => {
                url_resolve(s).map(Val::Url).map_err(|w| soft(sp, w))
            }
            [Val::Str(s), ..] => Err(soft(
                sp,
                format!("a URL that is not a file next to the config (`{s}`)"),
            )),
            _ => Err(other()),
        }
    }
}
