//! Google Benchmark's `--benchmark_out_format=json` (also the JSON of
//! `--benchmark_format=json` on stdout): `context` (the machine) and `benchmarks[]`, one entry
//! per repetition (`run_type` `iteration`) and, with `--benchmark_repetitions`, the aggregates of
//! each benchmark (`run_type` `aggregate`: `_mean`, `_median`, `_stddev`, `_cv`, and any
//! `ComputeStatistics` of its own). Times are in each entry's `time_unit`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::columns::{Cell, Kind, Row, empty, frame, parse_datetime};
use super::{Imported, Table, seconds};
use crate::results::units::{SECONDS, Unit};

/// Fields of an entry that are not counters.
const FIELDS: &[&str] = &[
    "name",
    "family_index",
    "per_family_instance_index",
    "run_name",
    "run_type",
    "repetitions",
    "repetition_index",
    "threads",
    "iterations",
    "real_time",
    "cpu_time",
    "time_unit",
    "aggregate_name",
    "aggregate_unit",
    "label",
    "error_occurred",
    "error_message",
    "skipped",
    "skip_message",
];

/// Columns of the summary in seconds.
const TIMES: &[&str] = &[
    "mean",
    "median",
    "stddev",
    "min",
    "max",
    "cpu_mean",
    "cpu_median",
    "cpu_stddev",
    "cpu_min",
    "cpu_max",
];

/// Columns deck makes: a counter of one of these names is prefixed with `counter_`.
const OWN: &[&str] = &[
    "name",
    "benchmark",
    "mean",
    "median",
    "stddev",
    "min",
    "max",
    "cv",
    "cpu_mean",
    "cpu_median",
    "cpu_stddev",
    "cpu_min",
    "cpu_max",
    "repetitions",
    "runs",
    "iterations",
    "threads",
    "time_unit",
    "label",
    "error",
    "family_index",
    "per_family_instance_index",
    "host",
    "date",
    "executable",
    "num_cpus",
    "mhz_per_cpu",
    "library_build_type",
    "run",
    "time_s",
    "cpu_s",
];

/// Name parts that configure a run rather than pass it an argument.
const CONFIG: &[&str] = &[
    "iterations",
    "repeats",
    "threads",
    "min_time",
    "min_warmup_time",
    "real_time",
    "manual_time",
    "process_time",
];

pub fn looks_like(compact_head: &str) -> bool {
    compact_head.starts_with("{\"context\":{")
        && compact_head.contains("\"executable\":")
        && compact_head.contains("\"num_cpus\":")
}

/// One benchmark (a `run_name`): its repetitions and aggregates.
#[derive(Default)]
struct Bench<'a> {
    iterations: Vec<&'a Map<String, Value>>,
    aggregates: BTreeMap<String, &'a Map<String, Value>>,
}

/// An entry's time field in seconds (its `time_unit`, nanoseconds when it has none).
fn secs(entry: &Map<String, Value>, field: &str) -> Option<f64> {
    let unit = entry
        .get("time_unit")
        .and_then(Value::as_str)
        .unwrap_or("ns");
    let u = Unit::parse(unit)?;
    entry.get(field)?.as_f64().map(|v| u.to_base(v))
}

fn stats(xs: &[f64]) -> Option<(f64, f64, Option<f64>, f64, f64)> {
    if xs.is_empty() {
        return None;
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    let median = if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    };
    let sd = (xs.len() > 1)
        .then(|| (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt());
    Some((mean, median, sd, sorted[0], sorted[sorted.len() - 1]))
}

/// The family and the arguments of a run name: `BM_Copy/8/n:64/threads:2` → `BM_Copy`,
/// `arg0 = 8`, `n = 64` (`threads:2` configures the run: it is the `threads` column).
pub fn parameters(run_name: &str) -> (String, Vec<(String, String)>) {
    let mut parts = run_name.split('/');
    let family = parts.next().unwrap_or_default().to_string();
    let mut params = Vec::new();
    for (i, part) in parts.enumerate() {
        let (key, value) = match part.split_once(':') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (format!("arg{i}"), part.to_string()),
        };
        if CONFIG.contains(&key.as_str()) || CONFIG.contains(&part) {
            continue;
        }
        params.push((key, value));
    }
    (family, params)
}

fn counters(entry: &Map<String, Value>) -> impl Iterator<Item = (String, f64)> + '_ {
    entry.iter().filter_map(|(k, v)| {
        if FIELDS.contains(&k.as_str()) {
            return None;
        }
        let column = if OWN.contains(&k.as_str()) || k.starts_with("parameter_") {
            format!("counter_{k}")
        } else {
            k.clone()
        };
        Some((column, v.as_f64()?))
    })
}

pub fn read(path: &Path) -> Result<Imported, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let doc: Value = serde_json::from_str(&text)
        .map_err(|e| format!("not a Google Benchmark JSON file: {e}"))?;
    let entries = doc["benchmarks"]
        .as_array()
        .ok_or("not a Google Benchmark JSON file: no `benchmarks` list")?;
    let mut order: Vec<String> = Vec::new();
    let mut benches: BTreeMap<String, Bench> = BTreeMap::new();
    for e in entries {
        let e = e.as_object().ok_or("a benchmark that is not an object")?;
        let name = e.get("name").and_then(Value::as_str).unwrap_or_default();
        let aggregate = e.get("aggregate_name").and_then(Value::as_str);
        let run_name = e
            .get("run_name")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| {
                aggregate
                    .and_then(|a| name.strip_suffix(&format!("_{a}")))
                    .unwrap_or(name)
                    .to_string()
            });
        if !benches.contains_key(&run_name) {
            order.push(run_name.clone());
        }
        let b = benches.entry(run_name).or_default();
        let is_aggregate = e.get("run_type").and_then(Value::as_str) == Some("aggregate")
            || e.get("run_type").is_none() && aggregate.is_some();
        match (is_aggregate, aggregate) {
            (true, Some(a)) => {
                b.aggregates.insert(a.to_string(), e);
            }
            _ => b.iterations.push(e),
        }
    }
    let ctx = &doc["context"];
    let mut machine = Row::default();
    machine.set("host", Cell::text(ctx["host_name"].as_str()));
    machine.set(
        "date",
        Cell::time(ctx["date"].as_str().and_then(parse_datetime)),
    );
    machine.set("executable", Cell::text(ctx["executable"].as_str()));
    machine.set("num_cpus", Cell::int(ctx["num_cpus"].as_i64()));
    machine.set("mhz_per_cpu", Cell::float(ctx["mhz_per_cpu"].as_f64()));
    machine.set(
        "library_build_type",
        Cell::text(ctx["library_build_type"].as_str()),
    );
    let mut rows = Vec::new();
    let mut runs = Vec::new();
    let mut failures = Vec::new();
    let mut time_aggregates = Vec::new();
    for run_name in &order {
        let b = &benches[run_name];
        let (family, params) = parameters(run_name);
        let mut id = Row::default();
        id.set("name", Cell::Text(run_name.clone()));
        id.set("benchmark", Cell::Text(family));
        for (k, v) in &params {
            id.set(format!("parameter_{k}"), Cell::typed(v));
        }
        let (row, error) = summary(&id, b, &machine, &mut time_aggregates);
        if let Some(msg) = error {
            failures.push((PathBuf::new(), format!("`{run_name}` failed: {msg}")));
        }
        rows.push(row);
        for (i, e) in b.iterations.iter().enumerate() {
            let mut r = id.clone();
            let index = e.get("repetition_index").and_then(Value::as_i64);
            r.set("run", Cell::Int(index.map_or(i as i64 + 1, |x| x + 1)));
            r.set(
                "iterations",
                Cell::int(e.get("iterations").and_then(Value::as_i64)),
            );
            r.set("time_s", Cell::float(secs(e, "real_time")));
            r.set("cpu_s", Cell::float(secs(e, "cpu_time")));
            r.set(
                "threads",
                Cell::int(e.get("threads").and_then(Value::as_i64)),
            );
            for (k, v) in counters(e) {
                r.set(k, Cell::Float(v));
            }
            r.set("host", machine.get("host").cloned().unwrap());
            runs.push(r);
        }
    }
    let runs = if runs.is_empty() {
        empty(&[
            ("name", Kind::Text),
            ("benchmark", Kind::Text),
            ("run", Kind::Int),
            ("iterations", Kind::Int),
            ("time_s", Kind::Float),
            ("cpu_s", Kind::Float),
            ("threads", Kind::Int),
            ("host", Kind::Text),
        ])
    } else {
        frame(&runs)?
    };
    let mut units = seconds(TIMES);
    units.extend(time_aggregates.into_iter().map(|c| (c, SECONDS)));
    Ok(Imported {
        main: Table {
            df: frame(&rows)?,
            units,
            good: Some(polars::prelude::col("error").is_null()),
        },
        runs: Some(Table {
            df: runs,
            units: seconds(&["time_s", "cpu_s"]),
            good: None,
        }),
        failures,
    })
}

/// A benchmark's row: its aggregates when written, else computed from its repetitions; the
/// error message of a repetition that failed.
fn summary(
    id: &Row,
    b: &Bench,
    machine: &Row,
    time_aggregates: &mut Vec<String>,
) -> (Row, Option<String>) {
    let mut row = id.clone();
    let real: Vec<f64> = b
        .iterations
        .iter()
        .filter_map(|e| secs(e, "real_time"))
        .collect();
    let cpu: Vec<f64> = b
        .iterations
        .iter()
        .filter_map(|e| secs(e, "cpu_time"))
        .collect();
    let agg = |name: &str, field: &str| b.aggregates.get(name).and_then(|e| secs(e, field));
    for (prefix, field, xs) in [("", "real_time", &real), ("cpu_", "cpu_time", &cpu)] {
        let s = stats(xs);
        let mean = agg("mean", field).or(s.map(|s| s.0));
        let median = agg("median", field).or(s.map(|s| s.1));
        let sd = agg("stddev", field).or(s.and_then(|s| s.2));
        row.set(format!("{prefix}mean"), Cell::float(mean));
        row.set(format!("{prefix}median"), Cell::float(median));
        row.set(format!("{prefix}stddev"), Cell::float(sd));
        row.set(format!("{prefix}min"), Cell::float(s.map(|s| s.3)));
        row.set(format!("{prefix}max"), Cell::float(s.map(|s| s.4)));
        if prefix.is_empty() {
            let cv = b
                .aggregates
                .get("cv")
                .and_then(|e| e.get("real_time")?.as_f64())
                .or_else(|| Some(sd? / mean?));
            row.set("cv", Cell::float(cv));
        }
    }
    let first = b
        .iterations
        .first()
        .or_else(|| b.aggregates.values().next())
        .copied();
    let field = |k: &str| first.and_then(|e| e.get(k));
    let reps = field("repetitions").and_then(Value::as_i64);
    row.set("repetitions", Cell::int(reps));
    row.set("runs", Cell::Int(b.iterations.len() as i64));
    let iterations = b
        .iterations
        .first()
        .and_then(|e| e.get("iterations")?.as_i64());
    row.set("iterations", Cell::int(iterations));
    row.set(
        "threads",
        Cell::int(field("threads").and_then(Value::as_i64)),
    );
    row.set(
        "time_unit",
        Cell::text(field("time_unit").and_then(Value::as_str)),
    );
    row.set("label", Cell::text(field("label").and_then(Value::as_str)));
    for k in ["family_index", "per_family_instance_index"] {
        row.set(k, Cell::int(field(k).and_then(Value::as_i64)));
    }
    // Counters: the mean aggregate's, else the mean over the repetitions.
    let mut sums: Vec<(String, f64, usize)> = Vec::new();
    let sources: Vec<&Map<String, Value>> = match b.aggregates.get("mean") {
        Some(m) => vec![m],
        None => b.iterations.clone(),
    };
    for e in &sources {
        for (k, v) in counters(e) {
            match sums.iter_mut().find(|(n, ..)| *n == k) {
                Some((_, s, n)) => {
                    *s += v;
                    *n += 1;
                }
                None => sums.push((k, v, 1)),
            }
        }
    }
    for (k, s, n) in sums {
        row.set(k, Cell::Float(s / n as f64));
    }
    // Statistics of the benchmark's own (`ComputeStatistics`), in seconds when they are times.
    for (name, e) in &b.aggregates {
        if matches!(name.as_str(), "mean" | "median" | "stddev" | "cv") {
            continue;
        }
        let is_time = e.get("aggregate_unit").and_then(Value::as_str) != Some("percentage");
        let v = if is_time {
            secs(e, "real_time")
        } else {
            e.get("real_time").and_then(Value::as_f64)
        };
        let column = format!("aggregate_{name}");
        if is_time && !time_aggregates.contains(&column) {
            time_aggregates.push(column.clone());
        }
        row.set(column, Cell::float(v));
    }
    let error = b.iterations.iter().find_map(|e| {
        let failed = e.get("error_occurred").and_then(Value::as_bool) == Some(true);
        failed.then(|| {
            e.get("error_message")
                .and_then(Value::as_str)
                .unwrap_or("error")
                .to_string()
        })
    });
    row.set("error", Cell::text(error.as_deref()));
    for (k, v) in &machine.0 {
        row.set(k.clone(), v.clone());
    }
    (row, error)
}

#[cfg(test)]
mod tests {
    #[test]
    fn run_names_give_the_family_and_its_arguments() {
        let (f, p) = super::parameters("BM_Copy/8/n:64/iterations:5/threads:2/real_time");
        assert_eq!(f, "BM_Copy");
        assert_eq!(
            p,
            [
                ("arg0".to_string(), "8".to_string()),
                ("n".to_string(), "64".to_string())
            ]
        );
        assert_eq!(super::parameters("BM_x").1, []);
    }
}
