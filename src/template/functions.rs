//! What a deck's templates can call: `sql()`, `json()`, `sha256()`, and the number filters.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error, ErrorKind};

use super::map::{CALL, END, restore};
use crate::confine::{MAX_TEXT, Refusal, Sandbox};
use crate::results::data::{Engine, QueryError, cell_f64, cell_json};
use crate::results::format;
use crate::results::stats;
use crate::results::units::Dimension;

/// deck's own filters, for "did you mean" and help lines.
pub const FILTERS: &[&str] = &["num", "thousands", "percent", "bytes", "duration", "sig"];
/// deck's own functions.
pub const FUNCTIONS: &[&str] = &["sql", "rows", "compare", "json", "sha256"];

/// What the functions saw during one expansion.
#[derive(Default)]
pub struct Calls {
    /// Project files read by `json()` and `sha256()`.
    pub files: Vec<PathBuf>,
    /// The queries of `sql()` calls, in the order first run, each once.
    pub queries: Vec<String>,
    /// Each query's result, so a template rendered again (after an error) or a query asked
    /// twice does not run it twice.
    results: HashMap<String, Answer>,
    /// The message and help of the last failing call, which minijinja's error cannot carry.
    pub failure: Option<(String, String)>,
    /// The source and the literal regions of the current rendering, to give a function the text
    /// as written when an argument holds a literal (code in a macro's SQL).
    pub source: String,
    pub literals: Vec<Range<usize>>,
    /// How much output the engine has written so far in this rendering: where the value of
    /// the tag being evaluated will appear.
    pub written: Arc<AtomicUsize>,
    /// Warnings about the values calls gave in this rendering: (where the output stood at the
    /// call, message, help).
    pub warnings: Vec<(usize, String, String)>,
    /// Multi-row results given out, by the index their `CALL` marker names when one is shown.
    pub rows: Vec<RowsGiven>,
    /// The rows the last `sql()` call gave, when it gave rows (a conversion error that follows
    /// is about them).
    pub last_rows: Option<usize>,
    /// The numbers queries gave out, by their bits, with the unit of the column each came from:
    /// `{{ sql("SELECT max(wall_ms) ...") | duration }}` converts from milliseconds, because the
    /// number the filter gets is one a column in ms gave (arithmetic makes another number).
    measured: HashMap<u64, Measured>,
    /// The NULL cells queries gave out: (query, column, first row with NULL), for an error of
    /// arithmetic on a missing value to name the query it came from.
    pub nulls: Vec<(String, String, usize)>,
}

/// What is known of the unit of a number a query gave.
#[derive(Debug, Clone, PartialEq)]
enum Measured {
    In(crate::results::units::Unit),
    /// From a column of no known unit (its name).
    Unknown(String),
    /// Given by columns of different units: nothing is assumed.
    Mixed,
}

/// At most this many numbers of one result are remembered with their unit.
const MEASURED_CELLS: usize = 10_000;

/// A query result of several rows or columns, given to the template.
#[derive(Debug, Clone, PartialEq)]
pub struct RowsGiven {
    pub query: String,
    pub rows: usize,
    pub columns: Vec<String>,
}

impl Calls {
    /// Start a rendering: nothing written, nothing said.
    pub fn restart(&mut self) {
        self.written.store(0, Ordering::Relaxed);
        self.warnings.clear();
        self.failure = None;
        self.last_rows = None;
    }
}

/// The engine's output, counted as it is written (see [`Calls::written`]).
pub struct Sink<'a> {
    pub buf: &'a mut Vec<u8>,
    pub written: Arc<AtomicUsize>,
}

impl std::io::Write for Sink<'_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        self.written.store(self.buf.len(), Ordering::Relaxed);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub type Shared = Arc<Mutex<Calls>>;

/// A query's result (or its error's message and help), and what failed in its data.
type Answer = (Result<Given, (String, String)>, Vec<String>);

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
    for (name, always_rows) in [("sql", false), ("rows", true)] {
        let (engine, calls) = (Arc::clone(engine), Arc::clone(calls));
        env.add_function(name, move |query: String| -> Result<Value, Error> {
            let given = run_query(&engine, &calls, &query)?;
            // A value of nothing (no row, or NULL: an aggregate over no row) is an error here,
            // at the call, saying what the filter missed, rather than later in arithmetic.
            let nothing = match (&given.value, always_rows) {
                (Some(v), false) if v.is_none() => Some("the query's value is NULL"),
                (None, false) if given.height == 0 => Some("the query returned no rows"),
                _ => None,
            };
            if let Some(what) = nothing {
                let query = argument(&calls, &query);
                let why = engine
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .explain_no_match(&query);
                let (m, h) = match why {
                    Some((filter, help)) => (format!("{what}: {filter}"), help),
                    None => (what.to_string(), QueryError::Empty.help()),
                };
                lock(&calls).failure = Some((m.clone(), h));
                return Err(Error::new(ErrorKind::InvalidOperation, m));
            }
            let mut c = lock(&calls);
            match (&given.value, always_rows) {
                (Some(v), false) => {
                    c.last_rows = None;
                    Ok(v.clone())
                }
                _ => {
                    c.last_rows = Some(given.note);
                    Ok(given.rows.clone())
                }
            }
        });
    }
    {
        let (engine, calls) = (Arc::clone(engine), Arc::clone(calls));
        env.add_function(
            "compare",
            move |a: Value, b: Value, kwargs: Kwargs| -> Result<Value, Error> {
                let level = kwargs.get::<Option<f64>>("level")?.unwrap_or(0.95);
                let more = kwargs.get::<Option<String>>("more")?.unwrap_or_else(|| "slower".into());
                let less = kwargs.get::<Option<String>>("less")?.unwrap_or_else(|| "faster".into());
                let decimals = kwargs.get::<Option<usize>>("decimals")?.unwrap_or(1);
                let label = kwargs.get::<Option<bool>>("label")?.unwrap_or(true);
                kwargs.assert_all_used()?;
                // Each side in seconds (or bytes) when its unit is known, so `mean_ms` compares
                // with `wall_s`.
                let (a, da) = group(&engine, &calls, &a, "first")?;
                let (b, db) = group(&engine, &calls, &b, "second")?;
                if let (Some(x), Some(y)) = (da, db)
                    && x != y
                {
                    return Err(fail(
                        &calls,
                        "compare(): the two groups measure different things (a time and a size)".to_string(),
                        "compare the same measurement on both sides",
                    ));
                }
                let w = stats::welch(&a, &b, level).map_err(|m| {
                    fail(
                        &calls,
                        format!("compare(): {m}"),
                        "compare(a, b) takes the runs of each side: a query of one numeric column (SELECT wall_s FROM runs WHERE ...) or a list of numbers",
                    )
                })?;
                Ok(Value::from_object(Comparison {
                    w,
                    more,
                    less,
                    decimals,
                    label,
                }))
            },
        );
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
    // `bytes` and `duration` count bytes and seconds; a number a query gave is in its column's
    // unit, and any other says which: `{{ rss_kib | bytes(1, "KiB") }}`, `{{ x | duration("ms") }}`.
    {
        let calls = Arc::clone(calls);
        env.add_filter(
            "bytes",
            move |x: f64, decimals: Option<usize>, unit: Option<String>| -> Result<String, Error> {
                let x = in_base(&calls, "bytes", x, unit.as_deref(), Dimension::Bytes)?;
                Ok(format::bytes(x, decimals.unwrap_or(1)))
            },
        );
    }
    {
        let calls = Arc::clone(calls);
        env.add_filter(
            "duration",
            move |x: f64, unit: Option<String>| -> Result<String, Error> {
                let x = in_base(&calls, "duration", x, unit.as_deref(), Dimension::Time)?;
                Ok(format::duration(x))
            },
        );
    }
    env.add_filter("sig", |x: f64| format::sig3(x));
}

/// Run a query for a template (each query once per expansion): its result, or the error
/// minijinja reports, with its message and help kept for the diagnostic.
fn run_query(engine: &Arc<Mutex<Engine>>, calls: &Shared, query: &str) -> Result<Given, Error> {
    let query = argument(calls, query);
    let cached = {
        let mut c = lock(calls);
        if !c.queries.contains(&query) {
            c.queries.push(query.clone());
        }
        c.results.get(&query).cloned()
    };
    let (result, failed) = match cached {
        Some(done) => done,
        None => {
            let mut engine = engine.lock().unwrap_or_else(PoisonError::into_inner);
            let result = match engine.query(&query) {
                Ok(df) => {
                    let units = engine.units_of(&query, &df);
                    Ok(Given::of(&df, &query, calls, &units))
                }
                Err(QueryError::Empty) => Ok(Given::none(&query, calls)),
                Err(e) => Err((e.to_string(), e.help())),
            };
            let failed = if result.is_ok() {
                engine.failures_in(&query)
            } else {
                Vec::new()
            };
            drop(engine);
            lock(calls)
                .results
                .insert(query.clone(), (result.clone(), failed.clone()));
            (result, failed)
        }
    };
    let mut c = lock(calls);
    note_failures(&mut c, &failed);
    result.map_err(|(m, h)| {
        c.failure = Some((m.clone(), h));
        Error::new(ErrorKind::InvalidOperation, m)
    })
}

/// `x` in seconds or bytes: from the `unit` the filter names, else from the unit of the column
/// a query gave it from, else as it is (with a warning when that column's unit is unknown).
fn in_base(
    calls: &Shared,
    filter: &str,
    x: f64,
    unit: Option<&str>,
    want: Dimension,
) -> Result<f64, Error> {
    let Some(text) = unit else {
        let mut c = lock(calls);
        let known = c.measured.get(&x.to_bits()).cloned();
        return match known {
            Some(Measured::In(u)) if u.dimension == want => Ok(u.to_base(x)),
            Some(Measured::In(u)) => {
                drop(c);
                Err(fail(
                    calls,
                    format!(
                        "`{filter}` shows a {}, but this value is {} in {}",
                        what(want),
                        if u.dimension == Dimension::Time {
                            "a time"
                        } else {
                            "a size"
                        },
                        u.symbol
                    ),
                    if u.dimension == Dimension::Time {
                        "show a time with `duration`"
                    } else {
                        "show a size with `bytes`"
                    },
                ))
            }
            Some(Measured::Unknown(column)) => {
                let at = c.written.load(Ordering::Relaxed);
                let (base, example) = if want == Dimension::Time {
                    ("seconds", "ms")
                } else {
                    ("bytes", "KiB")
                };
                c.warnings.push((
                    at,
                    format!("`{filter}` of `{column}`: deck does not know the column's unit and reads it as {base}"),
                    format!(
                        "say the unit: name the column with it in the query (`AS {column}_{}`), declare the dataset's column in deck.toml (units = {{ {column} = \"{example}\" }}), or give it here: `{filter}(\"{example}\")`",
                        example.to_lowercase()
                    ),
                ));
                Ok(x)
            }
            Some(Measured::Mixed) | None => Ok(x),
        };
    };
    match crate::results::units::Unit::parse(text) {
        Some(u) if u.dimension == want => Ok(u.to_base(x)),
        _ => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "`{text}` is not a {} unit: use one of {}",
                if want == Dimension::Time {
                    "time"
                } else {
                    "size"
                },
                crate::results::units::symbols().join(", ")
            ),
        )),
    }
}

fn what(d: Dimension) -> &'static str {
    match d {
        Dimension::Time => "time",
        Dimension::Bytes => "size",
    }
}

/// One side of `compare()`: a query of one numeric column, or a list of numbers.
/// Its values (in seconds or bytes when the column's unit is known) and that unit's dimension.
fn group(
    engine: &Arc<Mutex<Engine>>,
    calls: &Shared,
    side: &Value,
    which: &str,
) -> Result<(Vec<f64>, Option<crate::results::units::Dimension>), Error> {
    let wrong = |what: String| {
        fail(
            calls,
            format!("compare(): the {which} group {what}"),
            "give each side's runs: a query of one numeric column (SELECT wall_s FROM runs WHERE variant = 'debian') or a list of numbers",
        )
    };
    if let Some(query) = side.as_str() {
        let given = run_query(engine, calls, query)?;
        let dimension = given.unit.map(|u| u.dimension);
        return given
            .numbers
            .clone()
            .map(|n| (n, dimension))
            .ok_or_else(|| {
                wrong(format!(
                    "is a query of {} column{} ({}), not one numeric column",
                    given.columns.len(),
                    if given.columns.len() == 1 { "" } else { "s" },
                    given.columns.join(", ")
                ))
            });
    }
    let items = side.try_iter().map_err(|_| {
        wrong(format!(
            "is {}, not a query or a list of numbers",
            side.kind()
        ))
    })?;
    items
        .map(|v| {
            // A row of one column (from rows()) is its value.
            let v = match v.try_iter() {
                Ok(mut keys) if v.kind() == minijinja::value::ValueKind::Map => {
                    match (keys.next(), keys.next()) {
                        (Some(k), None) => v.get_item(&k).unwrap_or_default(),
                        _ => v,
                    }
                }
                _ => v,
            };
            f64::try_from(v.clone()).map_err(|_| wrong(format!("has {v}, not a number")))
        })
        .collect::<Result<Vec<f64>, Error>>()
        .map(|n| (n, None))
}

/// Two groups compared, for a slide: "7.3% slower (± 1.3%, 95% CI, Welch)".
#[derive(Debug)]
struct Comparison {
    w: stats::Welch,
    more: String,
    less: String,
    decimals: usize,
    /// Whether the phrase names the interval ("95% CI, Welch").
    label: bool,
}

impl Comparison {
    fn pct(&self, v: f64) -> String {
        format::thousands(v, self.decimals, ",")
    }

    /// ", 95% CI, Welch" (or nothing, with `label=false`).
    fn interval(&self) -> String {
        if self.label {
            format!(", {}% CI, Welch", format::sig3(self.w.level * 100.0))
        } else {
            String::new()
        }
    }

    /// "7.3% slower", or "no measurable difference".
    fn claim(&self) -> String {
        if self.w.significant() {
            let word = if self.w.pct() > 0.0 {
                &self.more
            } else {
                &self.less
            };
            format!("{}% {word}", self.pct(self.w.pct().abs()))
        } else {
            "no measurable difference".into()
        }
    }

    fn detail(&self) -> String {
        if self.w.significant() {
            format!("(± {}%{})", self.pct(self.w.ci_pct()), self.interval())
        } else {
            let sign = if self.w.pct() >= 0.0 { "+" } else { "−" };
            format!(
                "({sign}{}% ± {}%{})",
                self.pct(self.w.pct().abs()),
                self.pct(self.w.ci_pct()),
                self.interval()
            )
        }
    }

    fn phrase(&self) -> String {
        format!("{} {}", self.claim(), self.detail())
    }
}

impl minijinja::value::Object for Comparison {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let w = &self.w;
        Some(match key.as_str()? {
            "pct" => Value::from(w.pct()),
            "ci" => Value::from(w.ci_pct()),
            "low" => Value::from(w.pct() - w.ci_pct()),
            "high" => Value::from(w.pct() + w.ci_pct()),
            "significant" => Value::from(w.significant()),
            "p" => Value::from(w.p),
            "t" => Value::from(w.t),
            "df" => Value::from(w.df),
            "level" => Value::from(w.level),
            "mean_a" => Value::from(w.mean_a),
            "mean_b" => Value::from(w.mean_b),
            "sd_a" => Value::from(w.sd_a),
            "sd_b" => Value::from(w.sd_b),
            "n_a" => Value::from(w.n_a),
            "n_b" => Value::from(w.n_b),
            "claim" => Value::from(self.claim()),
            "phrase" => Value::from(self.phrase()),
            "strong" => Value::from(if w.significant() {
                format!("**{}** {}", self.claim(), self.detail())
            } else {
                self.phrase()
            }),
            _ => return None,
        })
    }

    fn enumerate(self: &Arc<Self>) -> minijinja::value::Enumerator {
        minijinja::value::Enumerator::Str(&COMPARISON_FIELDS)
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.phrase())
    }
}

/// What a comparison tells, by name.
pub const COMPARISON_FIELDS: [&str; 18] = [
    "pct",
    "ci",
    "low",
    "high",
    "significant",
    "p",
    "t",
    "df",
    "level",
    "mean_a",
    "mean_b",
    "sd_a",
    "sd_b",
    "n_a",
    "n_b",
    "claim",
    "phrase",
    "strong",
];

/// A value over failed runs is about to be shown where the output stands.
fn note_failures(c: &mut Calls, failed: &[String]) {
    if !failed.is_empty() {
        let at = c.written.load(Ordering::Relaxed);
        c.warnings.push((
            at,
            format!(
                "sql(): the value includes failed runs: {}",
                failed.join("; ")
            ),
            FAILED_RUNS_HELP.to_string(),
        ));
    }
}

/// What to do about a figure or value over failed runs.
pub const FAILED_RUNS_HELP: &str = "measure again once the command works, or leave the failed runs out in the query (`WHERE failed_runs = 0` over hyperfine results, `WHERE exit_code = 0` over their runs, `WHERE status = 'ok'` over deck run's): a query that names them has dealt with them";

/// A query's result as templates get it: `sql()` gives the value of a 1x1 result and the rows
/// otherwise (a list of rows by column name, which is an error when printed: one value was
/// expected); `rows()` always the rows.
#[derive(Debug, Clone)]
struct Given {
    value: Option<Value>,
    rows: Value,
    height: usize,
    /// The values of a result of one numeric column (for `compare()`), in seconds or bytes when
    /// the column's unit is known.
    numbers: Option<Vec<f64>>,
    /// That column's unit.
    unit: Option<crate::results::units::Unit>,
    columns: Vec<String>,
    /// The index of the rows in [`Calls::rows`].
    note: usize,
}

impl Given {
    fn of(
        df: &polars::prelude::DataFrame,
        query: &str,
        calls: &Shared,
        units: &crate::results::units::Units,
    ) -> Given {
        let cols = df.columns();
        let value = (df.height() == 1 && cols.len() == 1)
            .then(|| Value::from(minijinja::value::Serde(cell_json(&cols[0], 0))));
        let rows: Vec<Value> = (0..df.height())
            .map(|r| {
                let row: serde_json::Map<String, serde_json::Value> = cols
                    .iter()
                    .map(|c| (c.name().to_string(), cell_json(c, r)))
                    .collect();
                Value::from(minijinja::value::Serde(row))
            })
            .collect();
        let names = cols.iter().map(|c| c.name().to_string()).collect();
        let unit = cols
            .first()
            .and_then(|c| units.get(c.name().as_str()))
            .copied();
        let numbers = match cols {
            [c] if c.dtype().is_primitive_numeric() => Some(
                (0..df.height())
                    .filter_map(|r| cell_f64(c, r))
                    .map(|v| unit.map_or(v, |u| u.to_base(v)))
                    .collect(),
            ),
            _ => None,
        };
        {
            let mut c = lock(calls);
            remember_units(&mut c.measured, cols, units);
            for col in cols.iter().filter(|c| c.null_count() > 0) {
                if let Some(row) = (0..col.len()).find(|&r| col.get(r).is_ok_and(|v| v.is_null())) {
                    c.nulls
                        .push((query.to_string(), col.name().to_string(), row + 1));
                }
            }
        }
        let mut given = Given::new(value, rows, names, numbers, query, calls);
        given.unit = unit;
        given
    }

    fn none(query: &str, calls: &Shared) -> Given {
        Given::new(None, Vec::new(), Vec::new(), None, query, calls)
    }

    fn new(
        value: Option<Value>,
        rows: Vec<Value>,
        columns: Vec<String>,
        numbers: Option<Vec<f64>>,
        query: &str,
        calls: &Shared,
    ) -> Given {
        let mut c = lock(calls);
        let height = rows.len();
        c.rows.push(RowsGiven {
            query: query.to_string(),
            rows: height,
            columns: columns.clone(),
        });
        let note = c.rows.len() - 1;
        Given {
            value,
            rows: Value::from_object(Rows { rows, note }),
            height,
            numbers,
            columns,
            unit: None,
            note,
        }
    }
}

/// Each number of a result, with its column's unit (see [`Calls::measured`]).
fn remember_units(
    measured: &mut HashMap<u64, Measured>,
    cols: &[polars::prelude::Column],
    units: &crate::results::units::Units,
) {
    let mut left = MEASURED_CELLS;
    for c in cols.iter().filter(|c| c.dtype().is_primitive_numeric()) {
        let name = c.name().as_str();
        let this = units
            .get(name)
            .map_or_else(|| Measured::Unknown(name.to_string()), |u| Measured::In(*u));
        for r in 0..c.len().min(left) {
            let Some(v) = cell_f64(c, r) else { continue };
            measured
                .entry(v.to_bits())
                .and_modify(|m| {
                    if *m != this {
                        *m = Measured::Mixed;
                    }
                })
                .or_insert_with(|| this.clone());
        }
        left = left.saturating_sub(c.len());
    }
}

/// The rows of a query: a list for loops, indexing and filters; printed, a marker that the
/// expansion reports (one value was expected where it shows).
#[derive(Debug)]
struct Rows {
    rows: Vec<Value>,
    note: usize,
}

impl minijinja::value::Object for Rows {
    fn repr(self: &Arc<Self>) -> minijinja::value::ObjectRepr {
        minijinja::value::ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.rows.get(key.as_usize()?).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> minijinja::value::Enumerator {
        minijinja::value::Enumerator::Seq(self.rows.len())
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{CALL}{}{END}", self.note)
    }
}
