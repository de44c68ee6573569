//! pytest-benchmark's `--benchmark-json` (and the files `--benchmark-save`/`--benchmark-autosave`
//! keep in `.benchmarks/`): `machine_info`, `commit_info`, `benchmarks[]` each with `group`,
//! `name`, `fullname`, `params`, `param`, `extra_info` and `stats` (seconds), and the per-round
//! times in `stats.data`.

use std::path::Path;

use serde_json::Value;

use super::columns::{Cell, Kind, Row, empty, frame, parse_datetime};
use super::{Imported, Table, seconds};

/// `stats` fields in seconds, by column.
const TIMES: &[&str] = &[
    "mean", "median", "stddev", "min", "max", "iqr", "q1", "q3", "ld15iqr", "hd15iqr", "total",
];

/// Columns the importer makes itself: a parameter or extra_info field of one of these names is
/// prefixed.
const OWN: &[&str] = &[
    "name",
    "fullname",
    "group",
    "param",
    "mean",
    "median",
    "stddev",
    "min",
    "max",
    "rounds",
    "iterations",
    "iqr",
    "q1",
    "q3",
    "ld15iqr",
    "hd15iqr",
    "total",
    "ops",
    "outliers",
    "iqr_outliers",
    "stddev_outliers",
    "host",
    "python",
    "datetime",
    "commit",
    "run",
    "time_s",
];

/// The first bytes (no whitespace) of a pytest-benchmark file: `machine_info` comes first, and
/// says which Python ran.
pub fn looks_like(compact_head: &str) -> bool {
    compact_head.starts_with("{\"machine_info\":{")
        && compact_head.contains("\"python_implementation\"")
}

pub fn read(path: &Path) -> Result<Imported, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let doc: Value = serde_json::from_str(&text)
        .map_err(|e| format!("not a pytest-benchmark JSON file: {e}"))?;
    let benches = doc["benchmarks"]
        .as_array()
        .ok_or("not a pytest-benchmark JSON file: no `benchmarks` list")?;
    let host = doc["machine_info"]["node"].as_str();
    let python = doc["machine_info"]["python_version"].as_str();
    let commit = doc["commit_info"]["id"].as_str();
    let when = doc["datetime"].as_str().and_then(parse_datetime);
    let mut rows = Vec::new();
    let mut runs = Vec::new();
    for b in benches {
        let stats = &b["stats"];
        if !stats.is_object() {
            return Err("a benchmark without `stats`".into());
        }
        let mut id = Row::default();
        id.set("name", Cell::text(b["name"].as_str()));
        id.set("fullname", Cell::text(b["fullname"].as_str()));
        id.set("group", Cell::text(b["group"].as_str()));
        id.set("param", Cell::text(b["param"].as_str()));
        for (k, v) in b["params"].as_object().into_iter().flatten() {
            id.set(format!("parameter_{k}"), Cell::json(v));
        }
        let mut row = id.clone();
        for s in TIMES {
            row.set(*s, Cell::float(stats[*s].as_f64()));
        }
        for s in ["rounds", "iterations", "iqr_outliers", "stddev_outliers"] {
            row.set(s, Cell::int(stats[s].as_i64()));
        }
        row.set("ops", Cell::float(stats["ops"].as_f64()));
        row.set("outliers", Cell::text(stats["outliers"].as_str()));
        for (k, v) in b["extra_info"].as_object().into_iter().flatten() {
            let column = if OWN.contains(&k.as_str()) || k.starts_with("parameter_") {
                format!("extra_{k}")
            } else {
                k.clone()
            };
            row.set(column, Cell::json(v));
        }
        for (column, v) in [("host", host), ("python", python), ("commit", commit)] {
            row.set(column, Cell::text(v));
        }
        row.set("datetime", Cell::time(when));
        rows.push(row);
        for (i, t) in stats["data"].as_array().into_iter().flatten().enumerate() {
            let mut r = id.clone();
            r.set("run", Cell::Int(i as i64 + 1));
            r.set("time_s", Cell::float(t.as_f64()));
            r.set("host", Cell::text(host));
            runs.push(r);
        }
    }
    let runs = if runs.is_empty() {
        empty(&[
            ("name", Kind::Text),
            ("fullname", Kind::Text),
            ("group", Kind::Text),
            ("param", Kind::Text),
            ("run", Kind::Int),
            ("time_s", Kind::Float),
            ("host", Kind::Text),
        ])
    } else {
        frame(&runs)?
    };
    Ok(Imported {
        main: Table {
            df: frame(&rows)?,
            units: seconds(TIMES),
            good: None,
        },
        runs: Some(Table {
            df: runs,
            units: seconds(&["time_s"]),
            good: None,
        }),
        failures: Vec::new(),
    })
}
