//! Values: what deck works out from the file, the modules it knows, and paths.

use super::syntax::{Res, Sp, Unread, soft};
use serde_json::{Number, Value};
use std::collections::HashMap;

/// A module deck knows the meaning of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Module {
    /// Node's `path` (and `path/posix`).
    Path,
    /// Node's `url`.
    Url,
    /// `process`.
    Process,
    /// `process.env`.
    Env,
    /// `import.meta`.
    Meta,
    /// `@marp-team/marp-cli`.
    Marp,
    /// JavaScript's `Object`.
    Object,
}

/// A function deck knows the meaning of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Func {
    /// `path.join`.
    Join,
    /// `path.resolve`.
    Resolve,
    /// `path.dirname`.
    Dirname,
    /// `path.normalize`.
    Normalize,
    /// `url.fileURLToPath`.
    FileUrlToPath,
    /// The `URL` class.
    UrlClass,
    /// `defineConfig`, which returns its argument.
    DefineConfig,
    /// `require`.
    Require,
    /// `process.cwd`.
    Cwd,
    /// `Object.assign`.
    Assign,
    /// `Object.freeze`, which returns its argument.
    Freeze,
}

/// A value worked out from the file.
#[derive(Debug, Clone)]
pub(super) enum Val {
    /// `undefined`: the key is absent.
    Undefined,
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Num(f64),
    /// A string.
    Str(String),
    /// An array, with the span of each item.
    Arr(Vec<(Val, Sp)>),
    /// An object.
    Obj(Box<Obj>),
    /// The config file's folder (`__dirname`, `import.meta.dirname`, `process.cwd()`).
    Dir,
    /// The config file itself (`__filename`, `fileURLToPath(import.meta.url)`).
    SelfFile,
    /// The config file's URL (`import.meta.url`).
    SelfUrl,
    /// A `file:` URL, as a path relative to the config folder (or absolute).
    Url(String),
    /// A known module.
    Module(Module),
    /// A known function.
    Func(Func),
}

/// An object: its properties in key order, plus what could not be read of it.
#[derive(Debug, Clone, Default)]
pub(super) struct Obj {
    /// Properties, in the order their keys were first set.
    pub(super) props: Vec<PropVal>,
    /// Index of each key in `props`, once there are [`SMALL_OBJECT`] keys or more.
    index: HashMap<String, usize>,
    /// Unreadable parts not tied to one key (spreads, changes by code).
    pub(super) extra: Vec<Unread>,
}

/// One property of an object value.
#[derive(Debug, Clone)]
pub(super) struct PropVal {
    /// The key.
    pub(super) key: String,
    /// Span of the key where it was last set.
    pub(super) sp: Sp,
    /// The value.
    pub(super) slot: Slot,
}

/// The value of a property.
#[derive(Debug, Clone)]
pub(super) enum Slot {
    /// A value deck read.
    Val(Val),
    /// A value deck could not read.
    Unread(Unread),
    /// `undefined`: the key is absent.
    Gone,
}

/// Objects with fewer keys than this are searched key by key instead of through `index`.
const SMALL_OBJECT: usize = 8;

impl Obj {
    /// Where `key` is in `props`.
    fn find(&self, key: &str) -> Option<usize> {
        if self.props.len() < SMALL_OBJECT {
            self.props.iter().position(|p| p.key == key)
        } else {
            self.index.get(key).copied()
        }
    }

    /// Sets `key`, keeping its first position if it was set before (as JavaScript does).
    pub(super) fn set(&mut self, key: String, sp: Sp, slot: Slot) {
        if let Some(p) = self.find(&key).and_then(|i| self.props.get_mut(i)) {
            p.sp = sp;
            p.slot = slot;
            return;
        }
        self.props.push(PropVal { key, sp, slot });
        let n = self.props.len();
        if n == SMALL_OBJECT {
            self.index = self
                .props
                .iter()
                .enumerate()
                .map(|(i, p)| (p.key.clone(), i))
                .collect();
        } else if n > SMALL_OBJECT
            && let Some(p) = self.props.last()
        {
            self.index.insert(p.key.clone(), n - 1);
        }
    }

    /// The slot of `key`.
    fn get(&self, key: &str) -> Option<&Slot> {
        self.find(key)
            .and_then(|i| self.props.get(i))
            .map(|p| &p.slot)
    }

    /// The slot of `key`, to change it.
    fn get_mut(&mut self, key: &str) -> Option<&mut Slot> {
        let i = self.find(key)?;
        self.props.get_mut(i).map(|p| &mut p.slot)
    }

    /// Takes the slot of `key` out (leaving it absent).
    pub(super) fn take(&mut self, key: &str) -> Option<Slot> {
        self.get_mut(key).map(|s| std::mem::replace(s, Slot::Gone))
    }

    /// Copies `other`'s properties over this object's (`{ ...other }`).
    pub(super) fn merge(&mut self, other: Obj) {
        for p in other.props {
            self.set(p.key, p.sp, p.slot);
        }
        self.extra.extend(other.extra);
    }

    /// How many steps of `path` lead through objects.
    fn reach(&self, path: &[String]) -> usize {
        let mut cur = self;
        for (i, k) in path.iter().enumerate() {
            match cur.get(k) {
                Some(Slot::Val(Val::Obj(o))) => cur = o.as_ref(),
                _ => return i,
            }
        }
        path.len()
    }

    /// The object `path` leads to, if every step is an object.
    fn descend(&mut self, path: &[String]) -> Option<&mut Obj> {
        let mut cur = self;
        for k in path {
            cur = match cur.get_mut(k)? {
                Slot::Val(Val::Obj(o)) => o.as_mut(),
                _ => return None,
            };
        }
        Some(cur)
    }

    /// Follows `path` as far as it leads through objects: that object and the rest of the path.
    pub(super) fn walk(&mut self, path: &[String]) -> Option<(&mut Obj, Vec<String>)> {
        let d = self.reach(path);
        let rest = path.get(d..).unwrap_or_default().to_vec();
        let target = self.descend(path.get(..d).unwrap_or_default())?;
        Some((target, rest))
    }
}

/// A short description of a value, for messages ("an array", "a number", ...).
pub(super) fn describe(v: &Val) -> &'static str {
    match v {
        Val::Undefined => "`undefined`",
        Val::Null => "`null`",
        Val::Bool(_) => "a boolean",
        Val::Num(_) => "a number",
        Val::Str(_) => "a string",
        Val::Arr(_) => "an array",
        Val::Obj(_) => "an object",
        Val::Dir => "the config folder",
        Val::SelfFile => "the path of the config file itself",
        Val::SelfUrl => "the URL of the config file (`import.meta.url`)",
        Val::Url(_) => "a `URL` object",
        Val::Module(_) => "a module",
        Val::Func(_) => "a function",
    }
}

/// Formats a number as JavaScript's `String(n)` does.
pub(super) fn js_num(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if f == 0.0 {
        return "0".into();
    }
    let a = f.abs();
    if !(1e-6..1e21).contains(&a) {
        let s = format!("{f:e}");
        match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
            _ => s,
        }
    } else {
        format!("{f}")
    }
}

/// A number as JSON: an integer when it is one (and exact), a float otherwise.
pub(super) fn num_json(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        Value::from(f as i64)
    } else {
        Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

/// A value as the string JavaScript's `+` and `${}` make of it, when deck can tell.
pub(super) fn to_js_string(v: &Val) -> Option<String> {
    match v {
        Val::Str(s) => Some(s.clone()),
        Val::Num(f) => Some(js_num(*f)),
        Val::Bool(b) => Some(b.to_string()),
        Val::Null => Some("null".into()),
        Val::Undefined => Some("undefined".into()),
        Val::Dir => Some(".".into()),
        _ => None,
    }
}

/// The module a `require`/`import` specifier names, when deck knows it.
pub(super) fn module_of(spec: &str) -> Option<Module> {
    match spec {
        "path" | "node:path" | "path/posix" | "node:path/posix" => Some(Module::Path),
        "url" | "node:url" => Some(Module::Url),
        "process" | "node:process" => Some(Module::Process),
        "@marp-team/marp-cli" => Some(Module::Marp),
        _ => None,
    }
}

/// A member of a known module (`path.join`, `import.meta.url`, ...).
pub(super) fn member_of_module(m: Module, name: &str) -> Option<Val> {
    Some(match (m, name) {
        (Module::Path, "join") => Val::Func(Func::Join),
        (Module::Path, "resolve") => Val::Func(Func::Resolve),
        (Module::Path, "dirname") => Val::Func(Func::Dirname),
        (Module::Path, "normalize") => Val::Func(Func::Normalize),
        (Module::Path, "posix" | "default") => Val::Module(Module::Path),
        (Module::Path, "sep") => Val::Str("/".into()),
        (Module::Url, "fileURLToPath") => Val::Func(Func::FileUrlToPath),
        (Module::Url, "URL") => Val::Func(Func::UrlClass),
        (Module::Url, "default") => Val::Module(Module::Url),
        (Module::Process, "cwd") => Val::Func(Func::Cwd),
        (Module::Process, "env") => Val::Module(Module::Env),
        (Module::Process, "default") => Val::Module(Module::Process),
        (Module::Meta, "url") => Val::SelfUrl,
        (Module::Meta, "dirname") => Val::Dir,
        (Module::Meta, "filename") => Val::SelfFile,
        (Module::Marp, "defineConfig") => Val::Func(Func::DefineConfig),
        (Module::Object, "assign") => Val::Func(Func::Assign),
        (Module::Object, "freeze") => Val::Func(Func::Freeze),
        _ => return None,
    })
}

/// Stands for the config file's own name inside a path being worked out.
pub(super) const SELF_SEGMENT: &str = "\u{0}config-file";

/// Normalizes a path lexically, as Node's `path.posix.normalize` does.
pub(super) fn normalize(p: &str) -> String {
    let abs = p.starts_with('/');
    let trailing = p.ends_with('/');
    let mut segs: Vec<&str> = Vec::new();
    for s in p.split('/') {
        match s {
            "" | "." => {}
            ".." => {
                if segs.last().is_some_and(|l| *l != "..") {
                    segs.pop();
                } else if !abs {
                    segs.push("..");
                }
            }
            s => segs.push(s),
        }
    }
    let mut out = segs.join("/");
    if abs {
        out.insert(0, '/');
    } else if out.is_empty() {
        out.push('.');
    }
    if trailing && !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// Checks a worked-out path: it must stay inside the config folder and not name the config file.
pub(super) fn check_path(p: String) -> Result<String, String> {
    if p.contains(SELF_SEGMENT) {
        return Err("a path made from the config file's own path".into());
    }
    if p == ".." || p.starts_with("../") {
        return Err(format!("a path outside the config folder (`{p}`)"));
    }
    Ok(p)
}

/// `path.join(...)`: segments joined and normalized; "./x" when it starts at the config folder.
pub(super) fn path_join(args: &[String]) -> Result<String, String> {
    let parts: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.is_empty())
        .collect();
    let n = normalize(&parts.join("/"));
    let from_dir = parts.first().is_some_and(|a| {
        a.starts_with(SELF_SEGMENT) || normalize(a) == "." || normalize(a) == "./"
    });
    let n = check_path(n)?;
    if from_dir && !n.starts_with('/') && n != "." && !n.starts_with("./") {
        Ok(format!("./{n}"))
    } else {
        Ok(n)
    }
}

/// `path.resolve(...)`, with the working folder standing for the config folder (".").
pub(super) fn path_resolve(args: &[String]) -> Result<String, String> {
    let mut parts: Vec<&str> = Vec::new();
    for a in args
        .iter()
        .rev()
        .map(String::as_str)
        .filter(|a| !a.is_empty())
    {
        parts.push(a);
        if a.starts_with('/') {
            break;
        }
    }
    parts.reverse();
    let n = normalize(&parts.join("/"));
    let n = n
        .strip_suffix('/')
        .filter(|s| !s.is_empty())
        .unwrap_or(&n)
        .to_string();
    let n = check_path(n)?;
    if n.starts_with('/') || n == "." {
        Ok(n)
    } else {
        Ok(format!("./{n}"))
    }
}

/// `path.dirname(p)`, as Node's posix version.
pub(super) fn path_dirname(p: &str) -> String {
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return if p.starts_with('/') { "/" } else { "." }.into();
    }
    match t.rfind('/') {
        None => ".".into(),
        Some(0) => "/".into(),
        Some(i) => t.get(..i).unwrap_or(".").trim_end_matches('/').to_string(),
    }
}

/// `new URL(spec, import.meta.url)`: the file it names, relative to the config folder.
pub(super) fn url_resolve(spec: &str) -> Result<String, String> {
    let spec = spec.split(['?', '#']).next().unwrap_or("");
    if let Some(abs) = spec.strip_prefix("file://") {
        return Ok(normalize(abs));
    }
    if spec.starts_with("//") || spec.split('/').next().is_some_and(|s| s.contains(':')) {
        return Err(format!(
            "a URL that is not a file next to the config (`{spec}`)"
        ));
    }
    if spec.starts_with('/') {
        return Ok(normalize(spec));
    }
    let rel = normalize(spec);
    let rel = check_path(rel)?;
    Ok(if rel == "." || rel == "./" {
        "./".into()
    } else if rel.starts_with("./") {
        rel
    } else {
        format!("./{rel}")
    })
}

/// JavaScript's `+` on two values deck read.
pub(super) fn add(a: Val, b: Val, sp: Sp) -> Res<Val> {
    if let (Val::Num(x), Val::Num(y)) = (&a, &b) {
        return Ok(Val::Num(x + y));
    }
    let stringy = |v: &Val| matches!(v, Val::Str(_) | Val::Dir);
    let cannot =
        |a: &Val, b: &Val| soft(sp, format!("a `+` of {} and {}", describe(a), describe(b)));
    if !(stringy(&a) || stringy(&b)) {
        return Err(cannot(&a, &b));
    }
    let Some(y) = to_js_string(&b) else {
        return Err(cannot(&a, &b));
    };
    // Appends to the left string in place, so long `+` chains stay linear.
    let mut x = match a {
        Val::Str(s) => s,
        other => match to_js_string(&other) {
            Some(s) => s,
            None => return Err(cannot(&other, &b)),
        },
    };
    x.push_str(&y);
    Ok(Val::Str(x))
}
