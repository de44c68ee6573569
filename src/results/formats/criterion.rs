//! criterion.rs's output folder (`target/criterion`), as criterion writes it (bheisler/criterion.rs:
//! `src/analysis/mod.rs` saves, per benchmark, `<group>[/<function>][/<value>]/new/`
//! `benchmark.json` (the `BenchmarkId` of `src/report.rs`), `estimates.json` (`Estimates` of
//! `src/estimate.rs`: `mean`, `median`, `median_abs_dev`, `slope` (null in flat sampling),
//! `std_dev`, each `{confidence_interval: {confidence_level, lower_bound, upper_bound},
//! point_estimate, standard_error}`, in nanoseconds per iteration) and `sample.json`
//! (`SavedSample` of `src/lib.rs`: `sampling_mode`, `iters` and `times`, the total nanoseconds of
//! each sample); `src/analysis/compare.rs` writes `change/estimates.json` (the relative change of
//! the mean and median against the baseline) when there was one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::columns::{Cell, Kind, Row, empty, frame};
use super::{Imported, Table, seconds};

const NS: f64 = 1e-9;

/// The estimates of `estimates.json` and their column names.
const ESTIMATES: &[(&str, &str)] = &[
    ("mean", "mean"),
    ("median", "median"),
    ("std_dev", "stddev"),
    ("median_abs_dev", "mad"),
    ("slope", "slope"),
];

/// Whether a JSON file's first bytes (no whitespace) are one criterion writes.
pub fn looks_like(compact_head: &str) -> bool {
    compact_head.starts_with("{\"mean\":{\"confidence_interval\":")
        || compact_head.starts_with("{\"group_id\":")
            && compact_head.contains("\"directory_name\":")
        || compact_head.starts_with("{\"sampling_mode\":")
}

/// Whether a folder holds criterion's results (a benchmark's `new/benchmark.json` under it).
pub fn is_folder(dir: &Path) -> bool {
    let mut found = Vec::new();
    walk(dir, 0, &mut found, true);
    !found.is_empty()
}

/// The files a criterion dataset reads: for a folder, every benchmark's files under it; for a
/// file in a benchmark's `new` or `change` folder, that benchmark's files.
pub fn files(matched: &[PathBuf]) -> Vec<PathBuf> {
    let mut benches = Vec::new();
    for p in matched {
        if p.is_dir() {
            walk(p, 0, &mut benches, false);
        } else if let Some(b) = bench_of(p) {
            benches.push(b);
        }
    }
    benches.sort();
    benches.dedup();
    let mut out = Vec::new();
    for b in benches {
        for f in [
            "new/benchmark.json",
            "new/estimates.json",
            "new/sample.json",
        ] {
            let p = b.join(f);
            if p.is_file() {
                out.push(p);
            }
        }
        let change = b.join("change/estimates.json");
        if change.is_file() {
            out.push(change);
        }
    }
    out
}

/// The benchmark folder of one of its files (`<bench>/new/estimates.json` → `<bench>`).
fn bench_of(file: &Path) -> Option<PathBuf> {
    let dir = file.parent()?;
    let name = dir.file_name()?.to_str()?;
    (name == "new" || name == "change")
        .then(|| dir.parent().map(Path::to_path_buf))
        .flatten()
        .filter(|b| b.join("new/benchmark.json").is_file())
}

/// Benchmark folders under `dir` (not following links, not into criterion's HTML reports).
fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>, first_only: bool) {
    if depth > 12 || first_only && !out.is_empty() {
        return;
    }
    if dir.join("new/benchmark.json").is_file() {
        out.push(dir.to_path_buf());
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut subdirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| {
            !matches!(
                e.file_name().to_str(),
                Some("report" | "new" | "base" | "change")
            )
        })
        .map(|e| e.path())
        .collect();
    subdirs.sort();
    for d in subdirs {
        walk(&d, depth + 1, out, first_only);
    }
}

fn load(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("{}: not criterion's JSON: {e}", path.display()))
}

/// Every benchmark of the files (as [`files`] lists them), one row each, and their samples.
pub fn read(paths: &[PathBuf]) -> Result<Imported, String> {
    let mut benches: BTreeMap<PathBuf, Vec<&PathBuf>> = BTreeMap::new();
    for p in paths {
        if let Some(b) = bench_of(p) {
            benches.entry(b).or_default().push(p);
        }
    }
    if benches.is_empty() {
        return Err("no criterion benchmark (<group>/<bench>/new/benchmark.json) found".into());
    }
    let mut rows = Vec::new();
    let mut runs = Vec::new();
    for (dir, files) in &benches {
        let file = |rel: &str| files.iter().find(|f| f.ends_with(rel)).map(|f| load(f));
        let id = file("new/benchmark.json").ok_or("no benchmark.json")??;
        let estimates = file("new/estimates.json")
            .ok_or_else(|| format!("{}: no new/estimates.json", dir.display()))??;
        let sample = file("new/sample.json").transpose()?;
        let change = file("change/estimates.json").transpose()?;
        let (row, samples) = bench(&id, &estimates, sample.as_ref(), change.as_ref())?;
        rows.push(row);
        runs.extend(samples);
    }
    let mut time_columns: Vec<String> = vec!["min".into(), "max".into(), "typical".into()];
    for (_, c) in ESTIMATES {
        for suffix in ["", "_lower", "_upper", "_se"] {
            time_columns.push(format!("{c}{suffix}"));
        }
    }
    let time_columns: Vec<&str> = time_columns.iter().map(String::as_str).collect();
    let runs = if runs.is_empty() {
        empty(&[
            ("name", Kind::Text),
            ("group", Kind::Text),
            ("function", Kind::Text),
            ("parameter", Kind::Text),
            ("run", Kind::Int),
            ("iterations", Kind::Float),
            ("time_s", Kind::Float),
            ("total_s", Kind::Float),
        ])
    } else {
        frame(&runs)?
    };
    Ok(Imported {
        main: Table {
            df: frame(&rows)?,
            units: seconds(&time_columns),
            good: None,
        },
        runs: Some(Table {
            df: runs,
            units: seconds(&["time_s", "total_s"]),
            good: None,
        }),
        failures: Vec::new(),
    })
}

/// One benchmark's row and its samples' rows.
fn bench(
    id: &Value,
    estimates: &Value,
    sample: Option<&Value>,
    change: Option<&Value>,
) -> Result<(Row, Vec<Row>), String> {
    let mut key = Row::default();
    let name = id["full_id"]
        .as_str()
        .or(id["title"].as_str())
        .ok_or("benchmark.json without `full_id`")?;
    key.set("name", Cell::text(Some(name)));
    key.set("group", Cell::text(id["group_id"].as_str()));
    key.set("function", Cell::text(id["function_id"].as_str()));
    key.set(
        "parameter",
        id["value_str"]
            .as_str()
            .map_or(Cell::Null(Kind::Text), Cell::typed),
    );
    let mut row = key.clone();
    let point = |e: &str| estimates[e]["point_estimate"].as_f64().map(|v| v * NS);
    // The per-iteration times of the samples: the sample's total over its iterations.
    let (iters, times) = sample.map_or((Vec::new(), Vec::new()), |s| {
        let list = |k: &str| -> Vec<f64> {
            s[k].as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_f64)
                .collect()
        };
        (list("iters"), list("times"))
    });
    let per_iter: Vec<f64> = iters
        .iter()
        .zip(&times)
        .filter(|(i, _)| **i > 0.0)
        .map(|(i, t)| t / i * NS)
        .collect();
    let min = per_iter.iter().copied().reduce(f64::min);
    let max = per_iter.iter().copied().reduce(f64::max);
    for (field, column) in &ESTIMATES[..3] {
        row.set(*column, Cell::float(point(field)));
    }
    row.set("min", Cell::float(min));
    row.set("max", Cell::float(max));
    for (field, column) in ESTIMATES {
        let e = &estimates[*field];
        let ci = &e["confidence_interval"];
        let ns = |v: &Value| v.as_f64().map(|v| v * NS);
        row.set(*column, Cell::float(ns(&e["point_estimate"])));
        row.set(
            format!("{column}_lower"),
            Cell::float(ns(&ci["lower_bound"])),
        );
        row.set(
            format!("{column}_upper"),
            Cell::float(ns(&ci["upper_bound"])),
        );
        row.set(
            format!("{column}_se"),
            Cell::float(ns(&e["standard_error"])),
        );
    }
    let typical = point("slope").or(point("mean"));
    row.set("typical", Cell::float(typical));
    row.set(
        "confidence_level",
        Cell::float(estimates["mean"]["confidence_interval"]["confidence_level"].as_f64()),
    );
    let (kind, amount) = match id["throughput"].as_object().and_then(|t| t.iter().next()) {
        Some((k, v)) => (Some(k.as_str()), v.as_f64()),
        None => (None, None),
    };
    row.set("throughput_kind", Cell::text(kind));
    row.set("throughput", Cell::float(amount));
    row.set(
        "throughput_per_s",
        Cell::float(amount.zip(typical).map(|(n, t)| n / t)),
    );
    row.set("samples", Cell::int(sample.map(|_| iters.len() as i64)));
    row.set(
        "iterations",
        Cell::float(sample.map(|_| iters.iter().sum::<f64>())),
    );
    row.set(
        "sampling_mode",
        Cell::text(sample.and_then(|s| s["sampling_mode"].as_str())),
    );
    for stat in ["mean", "median"] {
        let e = change.map(|c| &c[stat]);
        let get = |f: &dyn Fn(&Value) -> &Value| e.and_then(|e| f(e).as_f64());
        row.set(
            format!("change_{stat}"),
            Cell::float(get(&|e| &e["point_estimate"])),
        );
        row.set(
            format!("change_{stat}_lower"),
            Cell::float(get(&|e| &e["confidence_interval"]["lower_bound"])),
        );
        row.set(
            format!("change_{stat}_upper"),
            Cell::float(get(&|e| &e["confidence_interval"]["upper_bound"])),
        );
    }
    row.set("directory", Cell::text(id["directory_name"].as_str()));
    let runs = iters
        .iter()
        .zip(&times)
        .enumerate()
        .map(|(i, (n, t))| {
            let mut r = key.clone();
            r.set("run", Cell::Int(i as i64 + 1));
            r.set("iterations", Cell::Float(*n));
            r.set("time_s", Cell::float((*n > 0.0).then(|| t / n * NS)));
            r.set("total_s", Cell::Float(t * NS));
            r
        })
        .collect();
    Ok((row, runs))
}
