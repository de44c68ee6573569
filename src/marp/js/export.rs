//! The export: evaluating it and turning it into JSON.

use super::reader::{DeclKind, Export, Found, Reader};
use super::syntax::{Fail, Sp, Unread};
use super::values::{Slot, Val, describe, num_json};
use super::{JsConfig, JsError, Unreadable};
use serde_json::{Map, Value};
use std::ops::Range;

impl Reader<'_> {
    /// Evaluates the export and builds the result.
    pub(super) fn finish(&mut self) -> Result<JsConfig, JsError> {
        let n = self.toks.len();
        let (result, sp) = match self.export.clone() {
            Some(Export::Expr(s, e)) => (self.eval_range(s, e), self.sp_range(s, e)),
            Some(Export::Name(tok)) => {
                let name = self.word(tok).unwrap_or("");
                let sp = self.sp(tok);
                (self.eval_name(name, n, sp), sp)
            }
            Some(Export::Module) => match self.lookup("module.exports", n) {
                Found::Decl(d) => {
                    let sp = match self.decls.get(d).map(|x| &x.kind) {
                        Some(DeclKind::Expr(s, e)) => self.sp_range(*s, *e),
                        _ => Sp::default(),
                    };
                    (self.eval_decl(d, "module.exports", n, sp, false), sp)
                }
                _ => (Ok(Val::Obj(Box::default())), Sp::default()),
            },
            Some(Export::Reexport(spec, sp)) => {
                return Err(JsError {
                    message: format!(
                        "the config is re-exported from `{spec}`: deck reads only the config file itself"
                    ),
                    span: sp.range(),
                });
            }
            None if self.cjs_touched => {
                let sp = Sp::default();
                (self.eval_decl(0, "exports", n, sp, false), sp)
            }
            None => {
                return Err(JsError {
                    message: "no `export default` or `module.exports` found".into(),
                    span: 0..0,
                });
            }
        };
        match result {
            Ok(Val::Obj(o)) => {
                let mut spans = Vec::new();
                let mut unreadable = Vec::new();
                let value = to_json(Val::Obj(o), "", &mut spans, &mut unreadable);
                unreadable.sort_by_key(|u: &Unreadable| u.span.start);
                Ok(JsConfig {
                    value,
                    spans,
                    unreadable,
                })
            }
            Ok(v) => Err(JsError {
                message: format!("the exported config is {}, not an object", describe(&v)),
                span: sp.range(),
            }),
            Err(Fail::Hard(h)) => Err(*h),
            Err(Fail::Soft(u)) if !u.path.is_empty() => Err(JsError {
                message: "the exported config is an array, not an object".into(),
                span: sp.range(),
            }),
            Err(Fail::Soft(u)) => {
                let message = if u.func {
                    "the config is computed by a function: deck does not run JavaScript".into()
                } else {
                    format!(
                        "the config is {}, not a literal object: deck does not run JavaScript",
                        u.why
                    )
                };
                Err(JsError {
                    message,
                    span: u.sp.range(),
                })
            }
        }
    }
}

/// Joins two dotted path parts.
fn join_path(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}.{b}"),
    }
}

/// Records an unreadable value under `base`.
fn push_unread(base: &str, u: Unread, out: &mut Vec<Unreadable>) {
    out.push(Unreadable {
        key: join_path(base, &u.path.join(".")),
        span: u.sp.range(),
        why: u.why,
    });
}

/// Turns a value into JSON, recording the span of every key and every unreadable part.
fn to_json(
    v: Val,
    path: &str,
    spans: &mut Vec<(String, Range<usize>)>,
    unreadable: &mut Vec<Unreadable>,
) -> Value {
    match v {
        Val::Null | Val::Undefined => Value::Null,
        Val::Bool(b) => Value::Bool(b),
        Val::Num(f) => num_json(f),
        Val::Str(s) => Value::String(s),
        Val::Arr(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, (v, sp))| {
                    let p = join_path(path, &i.to_string());
                    spans.push((p.clone(), sp.range()));
                    to_json(v, &p, spans, unreadable)
                })
                .collect(),
        ),
        Val::Obj(o) => {
            let o = *o;
            let mut map = Map::new();
            for p in o.props {
                let kp = join_path(path, &p.key);
                match p.slot {
                    Slot::Val(v) => {
                        spans.push((kp.clone(), p.sp.range()));
                        let j = to_json(v, &kp, spans, unreadable);
                        map.insert(p.key, j);
                    }
                    Slot::Unread(u) => push_unread(&kp, u, unreadable),
                    Slot::Gone => {}
                }
            }
            for u in o.extra {
                let base = if path.is_empty() && u.path.is_empty() {
                    "..."
                } else {
                    path
                };
                push_unread(base, u, unreadable);
            }
            Value::Object(map)
        }
        Val::Dir => Value::String(".".into()),
        Val::Url(p) => Value::String(p),
        Val::SelfFile | Val::SelfUrl | Val::Module(_) | Val::Func(_) => Value::Null,
    }
}
