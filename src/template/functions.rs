//! What a deck's templates can call: `sql()`, `json()`, `sha256()`, and the number filters.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use minijinja::value::Value;
use minijinja::{Environment, Error, ErrorKind};

use super::map::restore;
use crate::confine::{MAX_TEXT, Refusal, Sandbox};
use crate::results::data::{Engine, cell_json};
use crate::results::format;

/// deck's own filters, for "did you mean" and help lines.
pub const FILTERS: &[&str] = &["num", "thousands", "percent", "bytes", "duration", "sig"];
/// deck's own functions.
pub const FUNCTIONS: &[&str] = &["sql", "json", "sha256"];

/// What the functions saw during one expansion.
#[derive(Default)]
pub struct Calls {
    /// Project files read by `json()` and `sha256()`.
    pub files: Vec<PathBuf>,
    /// The queries of `sql()` calls, in the order first run, each once.
    pub queries: Vec<String>,
    /// Each query's result, so a template rendered again (after an error) or a query asked
    /// twice does not run it twice.
    results: HashMap<String, Result<Value, (String, String)>>,
    /// The message and help of the last failing call, which minijinja's error cannot carry.
    pub failure: Option<(String, String)>,
    /// The source and the literal regions of the current rendering, to give a function the text
    /// as written when an argument holds a literal (code in a macro's SQL).
    pub source: String,
    pub literals: Vec<Range<usize>>,
}

pub type Shared = Arc<Mutex<Calls>>;

fn lock(calls: &Shared) -> std::sync::MutexGuard<'_, Calls> {
    calls.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An argument as the user wrote it (markers taken out, literals put back).
fn argument(calls: &Shared, value: &str) -> String {
    let c = lock(calls);
    restore(value, &c.source, &c.literals)
}

fn fail(calls: &Shared, message: String, help: &str) -> Error {
    lock(calls).failure = Some((message.clone(), help.to_string()));
    Error::new(ErrorKind::InvalidOperation, message)
}

/// A file named in a template: a relative path without `..`, whose real path (symlinks
/// followed) deck may read.
fn project_file(
    root: &Path,
    sandbox: &Sandbox,
    name: &str,
    limit: u64,
) -> Result<PathBuf, (String, String)> {
    let rel = Path::new(name);
    let inside = !name.is_empty()
        && rel
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !inside {
        return Err((
            format!("{name:?} is not a path inside the project"),
            "write it relative to deck.toml's folder, without ..".into(),
        ));
    }
    let path = root.join(rel);
    match sandbox.check(&path, limit) {
        Ok(_) => Ok(path),
        Err(Refusal::Missing) => Err((
            format!("{} does not exist", path.display()),
            "paths are relative to deck.toml's folder".into(),
        )),
        Err(why) => Err((format!("{name} is not read: {why}"), why.help())),
    }
}

pub fn register(env: &mut Environment<'_>, engine: &Arc<Mutex<Engine>>, calls: &Shared) {
    let (root, sandbox) = {
        let e = engine.lock().unwrap_or_else(PoisonError::into_inner);
        (e.root().to_path_buf(), e.sandbox().clone())
    };
    {
        let (root, sandbox, calls) = (root.clone(), sandbox.clone(), Arc::clone(calls));
        env.add_function("json", move |name: String| -> Result<Value, Error> {
            let name = argument(&calls, &name);
            let file = project_file(&root, &sandbox, &name, MAX_TEXT)
                .map_err(|(m, h)| fail(&calls, m, &h))?;
            let text = sandbox
                .read_text(&file, MAX_TEXT)
                .map_err(|why| fail(&calls, format!("{name} is not read: {why}"), &why.help()))?;
            let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                fail(
                    &calls,
                    format!("{} is not JSON: {e}", file.display()),
                    "json() reads a JSON file; for tables of data, declare a dataset and use sql()",
                )
            })?;
            lock(&calls).files.push(file);
            Ok(Value::from(minijinja::value::Serde(value)))
        });
    }
    {
        let (root, sandbox, calls) = (root.clone(), sandbox.clone(), Arc::clone(calls));
        env.add_function("sha256", move |name: String| -> Result<Value, Error> {
            let name = argument(&calls, &name);
            let file = project_file(&root, &sandbox, &name, sandbox.max_dataset)
                .map_err(|(m, h)| fail(&calls, m, &h))?;
            let hash = crate::results::sha256_file(&file).map_err(|e| {
                fail(
                    &calls,
                    format!("cannot read {}: {e}", file.display()),
                    "check the file's permissions",
                )
            })?;
            lock(&calls).files.push(file);
            Ok(Value::from(hash))
        });
    }
    {
        let (engine, calls) = (Arc::clone(engine), Arc::clone(calls));
        env.add_function("sql", move |query: String| -> Result<Value, Error> {
            let query = argument(&calls, &query);
            {
                let mut c = lock(&calls);
                if !c.queries.contains(&query) {
                    c.queries.push(query.clone());
                }
                if let Some(done) = c.results.get(&query).cloned() {
                    drop(c);
                    return done.map_err(|(m, h)| fail(&calls, m, &h));
                }
            }
            let result = {
                let mut engine = engine.lock().unwrap_or_else(PoisonError::into_inner);
                engine
                    .query(&query)
                    .map(|df| frame_value(&df))
                    .map_err(|e| (e.to_string(), e.help()))
            };
            lock(&calls).results.insert(query, result.clone());
            result.map_err(|(m, h)| fail(&calls, m, &h))
        });
    }
    // `num` alone: integers stay integers, others get 2 places; `num(1)`: always 1 place.
    env.add_filter("num", |x: f64, decimals: Option<usize>| match decimals {
        Some(d) => format::thousands(x, d, ","),
        None => format::number(x, 2),
    });
    env.add_filter(
        "thousands",
        |x: f64, decimals: Option<usize>, sep: Option<String>| {
            format::thousands(x, decimals.unwrap_or(0), sep.as_deref().unwrap_or(","))
        },
    );
    env.add_filter("percent", |x: f64, decimals: Option<usize>| {
        format::percent(x, decimals.unwrap_or(0))
    });
    env.add_filter("bytes", |x: f64, decimals: Option<usize>| {
        format::bytes(x, decimals.unwrap_or(1))
    });
    env.add_filter("duration", |x: f64| format::duration(x));
    env.add_filter("sig", |x: f64| format::sig3(x));
}

/// A query's result as a template value: one value for a 1x1 result, rows otherwise.
fn frame_value(df: &polars::prelude::DataFrame) -> Value {
    let cols = df.columns();
    if df.height() == 1 && cols.len() == 1 {
        return Value::from(minijinja::value::Serde(cell_json(&cols[0], 0)));
    }
    let rows: Vec<serde_json::Map<String, serde_json::Value>> = (0..df.height())
        .map(|r| {
            cols.iter()
                .map(|c| (c.name().to_string(), cell_json(c, r)))
                .collect()
        })
        .collect();
    Value::from(minijinja::value::Serde(rows))
}
