//! The results tables `deck run` writes (their files and columns), a run's row, and what
//! `--resume` reads back from them.

use std::collections::BTreeSet;
use std::path::Path;

use super::measure::Measured;
use super::plan::RunSpec;
use super::report::last_lines;

pub const BUILDS: &str = "builds.csv";

pub const RUNS: &str = "runs.csv";

pub const SAMPLES: &str = "samples.csv";

pub const PROBES: &str = "probes.csv";

pub const METRICS: &str = "metrics.csv";

pub const VARIANTS: &str = "variants.csv";

pub const META: &str = "meta.json";

/// The column naming the engine (machine) a row was measured on: first in every table of
/// measurements, so two engines' rows never mix.
pub const HOST: &str = "host";

pub(super) const BUILDS_COLUMNS: &[&str] = &[
    "host",
    "variant",
    "kind",
    "seconds",
    "image_id",
    "size_bytes",
    "cached",
];

pub(super) const RUNS_COLUMNS: &[&str] = &[
    "host",
    "variant",
    "workload",
    "rep",
    "warmup",
    "wall_s",
    "cpu_user_s",
    "cpu_sys_s",
    "cpu_avg_pct",
    "cpu_peak_pct",
    "mem_peak_bytes",
    "exit_code",
    "status",
    "stderr_tail",
    "metrics_error",
];

pub(super) const SAMPLES_COLUMNS: &[&str] = &[
    "host",
    "variant",
    "workload",
    "rep",
    "t_s",
    "cpu_pct",
    "mem_bytes",
];

pub(super) const PROBES_COLUMNS: &[&str] = &["host", "variant", "workload", "output"];

pub(super) const METRICS_COLUMNS: &[&str] = &["host", "variant", "workload", "rep", "key", "value"];

/// The tables of measurements (with a `host` column), with their columns.
pub(super) const MEASURED: &[(&str, &[&str])] = &[
    (BUILDS, BUILDS_COLUMNS),
    (RUNS, RUNS_COLUMNS),
    (SAMPLES, SAMPLES_COLUMNS),
    (PROBES, PROBES_COLUMNS),
    (METRICS, METRICS_COLUMNS),
];

/// Whether `file` is a results table with a `host` column (one of [`MEASURED`]).
pub fn has_host_column(file: &str) -> bool {
    MEASURED.iter().any(|(f, _)| *f == file)
}

/// A run: host, variant, workload, rep.
pub type RunKey = (String, String, String, u32);

pub(super) const VARIANTS_COLUMNS: &[&str] = &[
    "variant",
    "kind",
    "source",
    "cpus",
    "memory_bytes",
    "cpuset",
    "measured",
    "note",
];

/// The result files, in the order they are archived.
pub(super) const RESULT_FILES: &[&str] = &[BUILDS, RUNS, SAMPLES, PROBES, METRICS, VARIANTS, META];

/// A run's row of runs.csv; `metrics_error` is why its result line could not be read (or empty).
pub(super) fn run_row(host: &str, r: &RunSpec, m: &Measured, metrics_error: &str) -> Vec<String> {
    vec![
        host.to_string(),
        r.variant.clone(),
        r.workload.clone(),
        r.rep.to_string(),
        r.warmup.to_string(),
        format!("{:.6}", m.wall_s),
        format!("{:.3}", m.cpu_user_s),
        format!("{:.3}", m.cpu_sys_s),
        format!("{:.1}", m.cpu_avg_pct),
        format!("{:.1}", m.cpu_peak_pct),
        m.mem_peak_bytes.to_string(),
        m.exit_code.map_or(String::new(), |c| c.to_string()),
        m.status.as_str().to_string(),
        if m.status == super::measure::Status::Ok {
            String::new()
        } else {
            last_lines(&m.stderr_tail, 10)
        },
        metrics_error.to_string(),
    ]
}

/// The distinct values of `columns` in a results CSV (empty if it does not exist).
pub(super) fn recorded(path: &Path, columns: &[&str]) -> anyhow::Result<BTreeSet<Vec<String>>> {
    let mut out = BTreeSet::new();
    if !path.exists() {
        return Ok(out);
    }
    let mut reader = csv::Reader::from_path(path)?;
    let headers = reader.headers()?.clone();
    let idx: Vec<usize> = columns
        .iter()
        .filter_map(|c| headers.iter().position(|h| h == *c))
        .collect();
    if idx.len() != columns.len() {
        return Ok(out);
    }
    for rec in reader.records().flatten() {
        out.insert(
            idx.iter()
                .map(|i| rec.get(*i).unwrap_or("").to_string())
                .collect(),
        );
    }
    Ok(out)
}

/// The variants with a row whose `column` is `value`.
pub(super) fn recorded_where(
    path: &Path,
    column: &str,
    value: &str,
) -> anyhow::Result<BTreeSet<String>> {
    Ok(recorded(path, &["variant", column])?
        .into_iter()
        .filter(|r| r[1] == value)
        .map(|mut r| r.swap_remove(0))
        .collect())
}

/// Rows of a per-run table (samples, metrics) whose run never finished are dropped, so a
/// resumed run does not leave the samples of its cut-short attempt beside the new ones.
pub(super) fn drop_unfinished(path: &Path, finished: &BTreeSet<RunKey>) -> anyhow::Result<()> {
    if !path.exists() {
        return Ok(());
    }
    let mut reader = csv::Reader::from_path(path)?;
    let headers = reader.headers()?.clone();
    let col = |n: &str| headers.iter().position(|h| h == n);
    let (Some(h), Some(v), Some(w), Some(r)) =
        (col(HOST), col("variant"), col("workload"), col("rep"))
    else {
        return Ok(());
    };
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    out.write_record(&headers)?;
    let mut dropped = 0;
    for rec in reader.records() {
        // A row cut short by a crash goes too.
        let Ok(rec) = rec else {
            dropped += 1;
            continue;
        };
        let key = (
            rec.get(h).unwrap_or("").to_string(),
            rec.get(v).unwrap_or("").to_string(),
            rec.get(w).unwrap_or("").to_string(),
            rec.get(r).and_then(|x| x.parse().ok()).unwrap_or(0),
        );
        if finished.contains(&key) {
            out.write_record(&rec)?;
        } else {
            dropped += 1;
        }
    }
    if dropped > 0 {
        let bytes = out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
        crate::output::write_atomic(path, &bytes)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfinished_rows_are_dropped_on_resume() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("samples.csv");
        std::fs::write(
            &path,
            "host,variant,workload,rep,t_s,cpu_pct,mem_bytes\nh,a,x,1,0.25,99.0,100\ng,a,x,1,0.25,99.0,100\nh,a,x,2,0.25,98.0,100\nh,a,x,2,0.50,97",
        )
        .unwrap();
        let finished: BTreeSet<_> = [("h".to_string(), "a".to_string(), "x".to_string(), 1)]
            .into_iter()
            .collect();
        drop_unfinished(&path, &finished).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "host,variant,workload,rep,t_s,cpu_pct,mem_bytes\nh,a,x,1,0.25,99.0,100\n"
        );
    }
}
