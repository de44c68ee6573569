//! hyperfine's `--export-json`, read as hyperfine means it, from both of its schemas: 1.x (a
//! flat summary per command with `times`, `exit_codes`, `memory_usage_byte`) and 2.x
//! (`schema_version` 2: `measurements` per run and a `summary` per metric).
//!
//! Either way a dataset gets the same tables: one row per command (`command`, `name`, the wall
//! clock summary `mean`, `stddev`, `median`, `min`, `max`, `user`, `system`, `runs`,
//! `failed_runs`, each `--parameter-scan`/`--parameter-list` value as a typed `parameter_NAME`
//! column, and with 2.x each other metric's statistics as `METRIC_mean`...) and one row per run
//! (`time_s`, `user_s`, `system_s`, `memory_bytes`, `exit_code`, the parameters, other metrics
//! by name). Commands whose runs did not all exit with 0 (`-i`) are noted as failures.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use polars::prelude::*;
use serde_json::Value;

use super::{Imported, Table, seconds};
use crate::results::units::{BYTES, SECONDS};

/// A command some of whose runs did not exit with 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub command: String,
    pub failed: usize,
    pub runs: usize,
    /// The distinct exit codes of the failed runs (`None`: killed by a signal).
    pub codes: Vec<Option<i32>>,
}

impl Failure {
    pub fn describe(&self) -> String {
        let codes: Vec<String> = self
            .codes
            .iter()
            .map(|c| {
                c.map_or_else(
                    || "killed by a signal".to_string(),
                    |c| format!("exit code {c}"),
                )
            })
            .collect();
        format!(
            "{} of {} runs of `{}` failed ({})",
            self.failed,
            self.runs,
            self.command,
            codes.join(", ")
        )
    }
}

/// One export file, as frames.
pub struct Frames {
    pub summary: DataFrame,
    pub runs: DataFrame,
    pub failures: Vec<Failure>,
}

/// Whether a `.json` file is a hyperfine export (read from its first bytes: hyperfine 1.x
/// writes `{"results": [{"command": ...`, 2.x `{"schema_version": 2, "metadata": {...
/// "hyperfine_version"`), so a dataset need not say `format = "hyperfine"`.
pub fn looks_like(path: &Path) -> bool {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = [0u8; 1024];
    let n = f.read(&mut head).unwrap_or(0);
    let text = String::from_utf8_lossy(&head[..n]);
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    compact.starts_with("{\"results\":[{\"command\":")
        || compact.starts_with("{\"schema_version\":") && compact.contains("\"hyperfine_version\":")
}

/// One benchmarked command, whichever schema it came from.
#[derive(Default)]
struct Bench {
    command: String,
    name: String,
    parameters: BTreeMap<String, String>,
    /// The wall clock summary: mean, stddev, median, min, max; then mean user and system time.
    wall: [Option<f64>; 5],
    user: Option<f64>,
    system: Option<f64>,
    /// 2.x: every other metric's statistics, by `METRIC_STAT` column name.
    more: BTreeMap<String, f64>,
    runs: Vec<Run>,
    /// Whether the export has exit codes (hyperfine 1.x before 1.13 has none).
    codes_known: bool,
}

#[derive(Default)]
struct Run {
    time: Option<f64>,
    user: Option<f64>,
    system: Option<f64>,
    memory: Option<u64>,
    exit: Option<i32>,
    /// 2.x: other metrics, by column name.
    more: BTreeMap<String, f64>,
}

const STATS: [&str; 5] = ["mean", "stddev", "median", "min", "max"];

/// A number, or hyperfine 2's `{"value": n, "unit": ...}`.
fn number(v: &Value) -> Option<f64> {
    v.as_f64().or_else(|| v.get("value")?.as_f64())
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(_) => text(v.get("value")?),
        _ => None,
    }
}

fn exit_code(v: &Value) -> Option<i32> {
    v.as_i64().and_then(|c| i32::try_from(c).ok())
}

/// hyperfine 1.x: the summary is the result's own fields.
fn bench_v1(r: &Value) -> Result<Bench, String> {
    let command = r["command"]
        .as_str()
        .ok_or("a result without `command`")?
        .to_string();
    let list = |key: &str| r[key].as_array().cloned().unwrap_or_default();
    let (times, memory, exits) = (list("times"), list("memory_usage_byte"), list("exit_codes"));
    let n = times.len().max(exits.len());
    let runs = (0..n)
        .map(|i| Run {
            time: times.get(i).and_then(number),
            memory: memory.get(i).and_then(number).map(|b| b as u64),
            exit: exits.get(i).and_then(exit_code),
            ..Run::default()
        })
        .collect();
    Ok(Bench {
        name: command.clone(),
        command,
        parameters: params(&r["parameters"]),
        wall: STATS.map(|s| number(&r[s])),
        user: number(&r["user"]),
        system: number(&r["system"]),
        more: BTreeMap::new(),
        runs,
        codes_known: r["exit_codes"].is_array(),
    })
}

/// hyperfine 2.x: `measurements` per run, `summary` per metric.
fn bench_v2(r: &Value) -> Result<Bench, String> {
    let command = r["command"]
        .as_str()
        .ok_or("a result without `command`")?
        .to_string();
    let name = r["name"]
        .as_str()
        .map_or_else(|| command.clone(), str::to_string);
    let summary = r["summary"].as_object().cloned().unwrap_or_default();
    let stat = |metric: &str, s: &str| summary.get(metric).and_then(|m| number(&m[s]));
    let mut more = BTreeMap::new();
    for (metric, stats) in &summary {
        if matches!(
            metric.as_str(),
            "time_wall_clock" | "time_user" | "time_system"
        ) {
            continue;
        }
        for s in STATS {
            if let Some(v) = number(&stats[s]) {
                more.insert(format!("{metric}_{s}"), v);
            }
        }
    }
    let codes_known = r["measurements"]
        .as_array()
        .is_some_and(|m| m.iter().all(|m| m.get("exit_code").is_some()));
    let runs = r["measurements"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let mut run = Run {
                time: number(&m["time_wall_clock"]),
                user: number(&m["time_user"]),
                system: number(&m["time_system"]),
                memory: number(&m["memory_peak_resident"]).map(|b| b as u64),
                exit: exit_code(&m["exit_code"]),
                more: BTreeMap::new(),
            };
            for (metric, v) in m.as_object().into_iter().flatten() {
                let column = match metric.as_str() {
                    "time_wall_clock"
                    | "time_user"
                    | "time_system"
                    | "memory_peak_resident"
                    | "exit_code" => continue,
                    "time_cpu" => "cpu_s".to_string(),
                    other => other.to_string(),
                };
                if let Some(v) = number(v) {
                    run.more.insert(column, v);
                }
            }
            run
        })
        .collect();
    Ok(Bench {
        command,
        name,
        parameters: params(&r["parameters"]),
        wall: STATS.map(|s| stat("time_wall_clock", s)),
        user: stat("time_user", "mean"),
        system: stat("time_system", "mean"),
        more,
        runs,
        codes_known,
    })
}

fn params(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), text(v)?)))
        .collect()
}

/// A parameter's values as a typed column: whole numbers, numbers, or text.
fn typed(name: &str, values: &[Option<String>]) -> Column {
    let present = || values.iter().flatten();
    if present().all(|v| v.trim().parse::<i64>().is_ok()) {
        let v: Vec<Option<i64>> = values
            .iter()
            .map(|v| v.as_ref().and_then(|s| s.trim().parse().ok()))
            .collect();
        return Column::new(name.into(), v);
    }
    if present().all(|v| v.trim().parse::<f64>().is_ok()) {
        let v: Vec<Option<f64>> = values
            .iter()
            .map(|v| v.as_ref().and_then(|s| s.trim().parse().ok()))
            .collect();
        return Column::new(name.into(), v);
    }
    Column::new(name.into(), values.to_vec())
}

/// One export as deck's tables: commands whose runs all exited with 0 and runs that did are the
/// good measurements; the summary's times are seconds (and hyperfine 2's `time_*` and `memory_*`
/// statistics seconds and bytes).
pub fn import(path: &Path) -> Result<Imported, String> {
    let f = read(path)?;
    let mut units = seconds(&["mean", "stddev", "median", "min", "max", "user", "system"]);
    for name in f.summary.get_column_names() {
        if name.starts_with("time_") {
            units.insert(name.to_string(), SECONDS);
        } else if name.starts_with("memory_") {
            units.insert(name.to_string(), BYTES);
        }
    }
    Ok(Imported {
        main: Table {
            df: f.summary,
            units,
            good: Some(col("failed_runs").eq(lit(0))),
        },
        runs: Some(Table {
            df: f.runs,
            units: seconds(&["time_s", "user_s", "system_s", "cpu_s"]),
            good: Some(col("exit_code").eq(lit(0)).or(col("exit_code").is_null())),
        }),
        failures: f
            .failures
            .iter()
            .map(|x| (path.to_path_buf(), x.describe()))
            .collect(),
    })
}

pub fn read(path: &Path) -> Result<Frames, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let doc: Value = serde_json::from_str(&text)
        .map_err(|e| format!("not a hyperfine --export-json file: {e}"))?;
    let version = doc["schema_version"].as_u64();
    let results = doc["results"]
        .as_array()
        .ok_or("not a hyperfine --export-json file: no `results` list")?;
    let benches = results
        .iter()
        .map(|r| match version {
            None => bench_v1(r),
            Some(2) => bench_v2(r),
            Some(v) => Err(format!(
                "hyperfine JSON schema version {v}: deck reads hyperfine 1.x exports and schema version 2 (hyperfine 2.x)"
            )),
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not a hyperfine --export-json file: {e}"))?;
    Ok(Frames {
        summary: summary_frame(&benches)?,
        runs: runs_frame(&benches)?,
        failures: benches.iter().filter_map(failure).collect(),
    })
}

fn failure(b: &Bench) -> Option<Failure> {
    // Exports from before hyperfine recorded exit codes: nothing is known to have failed.
    if !b.codes_known {
        return None;
    }
    let failed: Vec<Option<i32>> = b
        .runs
        .iter()
        .map(|r| r.exit)
        .filter(|c| *c != Some(0))
        .collect();
    if failed.is_empty() {
        return None;
    }
    let mut codes = failed.clone();
    codes.sort();
    codes.dedup();
    Some(Failure {
        command: b.name.clone(),
        failed: failed.len(),
        runs: b.runs.len(),
        codes,
    })
}

fn summary_frame(benches: &[Bench]) -> Result<DataFrame, String> {
    let params: BTreeSet<&String> = benches.iter().flat_map(|b| b.parameters.keys()).collect();
    let more: BTreeSet<&String> = benches.iter().flat_map(|b| b.more.keys()).collect();
    let mut cols = vec![
        Column::new(
            "command".into(),
            benches
                .iter()
                .map(|b| b.command.clone())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "name".into(),
            benches.iter().map(|b| b.name.clone()).collect::<Vec<_>>(),
        ),
    ];
    for (i, s) in STATS.iter().enumerate() {
        cols.push(Column::new(
            (*s).into(),
            benches.iter().map(|b| b.wall[i]).collect::<Vec<_>>(),
        ));
    }
    cols.push(Column::new(
        "user".into(),
        benches.iter().map(|b| b.user).collect::<Vec<_>>(),
    ));
    cols.push(Column::new(
        "system".into(),
        benches.iter().map(|b| b.system).collect::<Vec<_>>(),
    ));
    cols.push(Column::new(
        "runs".into(),
        benches
            .iter()
            .map(|b| b.runs.len() as u32)
            .collect::<Vec<_>>(),
    ));
    cols.push(Column::new(
        "failed_runs".into(),
        benches
            .iter()
            .map(|b| failure(b).map_or(0, |f| f.failed as u32))
            .collect::<Vec<_>>(),
    ));
    for p in &params {
        let values: Vec<Option<String>> = benches
            .iter()
            .map(|b| b.parameters.get(*p).cloned())
            .collect();
        cols.push(typed(&format!("parameter_{p}"), &values));
    }
    for m in &more {
        let values: Vec<Option<f64>> = benches.iter().map(|b| b.more.get(*m).copied()).collect();
        cols.push(Column::new(m.as_str().into(), values));
    }
    DataFrame::new_infer_height(cols).map_err(|e| e.to_string())
}

fn runs_frame(benches: &[Bench]) -> Result<DataFrame, String> {
    let params: BTreeSet<&String> = benches.iter().flat_map(|b| b.parameters.keys()).collect();
    let more: BTreeSet<&String> = benches
        .iter()
        .flat_map(|b| b.runs.iter().flat_map(|r| r.more.keys()))
        .collect();
    let rows: Vec<(&Bench, usize, &Run)> = benches
        .iter()
        .flat_map(|b| b.runs.iter().enumerate().map(move |(i, r)| (b, i, r)))
        .collect();
    let mut cols = vec![
        Column::new(
            "command".into(),
            rows.iter()
                .map(|(b, ..)| b.command.clone())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "name".into(),
            rows.iter()
                .map(|(b, ..)| b.name.clone())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "run".into(),
            rows.iter()
                .map(|(_, i, _)| *i as u32 + 1)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "time_s".into(),
            rows.iter().map(|(.., r)| r.time).collect::<Vec<_>>(),
        ),
        Column::new(
            "user_s".into(),
            rows.iter().map(|(.., r)| r.user).collect::<Vec<_>>(),
        ),
        Column::new(
            "system_s".into(),
            rows.iter().map(|(.., r)| r.system).collect::<Vec<_>>(),
        ),
        Column::new(
            "memory_bytes".into(),
            rows.iter().map(|(.., r)| r.memory).collect::<Vec<_>>(),
        ),
        Column::new(
            "exit_code".into(),
            rows.iter().map(|(.., r)| r.exit).collect::<Vec<_>>(),
        ),
    ];
    for p in &params {
        let values: Vec<Option<String>> = rows
            .iter()
            .map(|(b, ..)| b.parameters.get(*p).cloned())
            .collect();
        cols.push(typed(&format!("parameter_{p}"), &values));
    }
    for m in &more {
        let values: Vec<Option<f64>> = rows.iter().map(|(.., r)| r.more.get(*m).copied()).collect();
        cols.push(Column::new(m.as_str().into(), values));
    }
    DataFrame::new_infer_height(cols).map_err(|e| e.to_string())
}
