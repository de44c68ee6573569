//! Importers: the files benchmark and monitoring tools write, read as the tools mean them, each a
//! `format = "..."` of a dataset in deck.toml and, where a file's first bytes say so without
//! doubt, recognised without one.
//!
//! A benchmark importer's table `NAME` has one row per benchmark with the same core columns as
//! hyperfine's: `name`, `mean`, `median`, `stddev`, `min`, `max` (Float64, in seconds), then the
//! tool's own fields and the benchmark's parameters as typed columns; where the file has the
//! single measurements, a table `NAME_runs` has one row per run (`name`, `run`, `time_s`, the
//! parameters). Every importer says which of its columns are times or sizes
//! ([`Table::units`]), so `format: duration` and chart units convert. [`FORMATS`] describes each
//! format (`deck help formats` prints it).

pub mod benchmark_action;
pub mod columns;
pub mod criterion;
pub mod google_benchmark;
pub mod grafana;
pub mod hyperfine;
pub mod prometheus;
pub mod pytest_benchmark;

use std::path::{Path, PathBuf};

use polars::prelude::{DataFrame, Expr};
use serde::{Deserialize, Serialize};

use super::data::{DataFormat, union_by_name};
use super::units::{SECONDS, Units};

/// One table an importer makes.
pub struct Table {
    pub df: DataFrame,
    /// What its columns are counted in (only those the importer knows).
    pub units: Units,
    /// Which rows are good measurements, when some are not.
    pub good: Option<Expr>,
}

/// What an importer read: `NAME`, `NAME_runs` when the format has runs, and what failed.
pub struct Imported {
    pub main: Table,
    pub runs: Option<Table>,
    /// (file, "3 of 10 runs of `cmd` failed (exit code 1)").
    pub failures: Vec<(PathBuf, String)>,
}

/// How series are laid out: a column per series, or rows of `time`, `series`, `value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    Wide,
    Long,
}

/// A dataset's settings for its importer (deck.toml).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub shape: Option<Shape>,
}

/// These columns in seconds.
pub(crate) fn seconds(columns: &[&str]) -> Units {
    columns.iter().map(|c| (c.to_string(), SECONDS)).collect()
}

/// Whether deck reads the format with an importer of its own (not polars' readers).
pub fn is_importer(format: DataFormat) -> bool {
    !matches!(
        format,
        DataFormat::Csv
            | DataFormat::Tsv
            | DataFormat::Json
            | DataFormat::Ndjson
            | DataFormat::Parquet
    )
}

/// Whether a dataset of the format also gives a `NAME_runs` table.
pub fn has_runs(format: DataFormat) -> bool {
    matches!(
        format,
        DataFormat::Hyperfine
            | DataFormat::PytestBenchmark
            | DataFormat::GoogleBenchmark
            | DataFormat::Criterion
    )
}

/// Whether the format has series that `shape = "wide" | "long"` lays out.
pub fn takes_shape(format: DataFormat) -> bool {
    matches!(format, DataFormat::Prometheus | DataFormat::Grafana)
}

/// A file's first KiB without whitespace (what a JSON importer recognises).
fn compact_head(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).ok()?;
    let mut head = [0u8; 1024];
    let n = f.read(&mut head).ok()?;
    let text = String::from_utf8_lossy(&head[..n]);
    Some(text.chars().filter(|c| !c.is_whitespace()).collect())
}

/// The importer a file's content calls for, when its extension says `by_extension` (JSON or
/// CSV): `None` when it is a plain file of that kind.
pub fn detect(path: &Path, by_extension: DataFormat) -> Option<DataFormat> {
    match by_extension {
        DataFormat::Json => {
            if hyperfine::looks_like(path) {
                return Some(DataFormat::Hyperfine);
            }
            let head = compact_head(path)?;
            [
                (
                    pytest_benchmark::looks_like as fn(&str) -> bool,
                    DataFormat::PytestBenchmark,
                ),
                (google_benchmark::looks_like, DataFormat::GoogleBenchmark),
                (prometheus::looks_like, DataFormat::Prometheus),
                (criterion::looks_like, DataFormat::Criterion),
            ]
            .into_iter()
            .find(|(looks, _)| looks(&head))
            .map(|(_, f)| f)
        }
        DataFormat::Csv | DataFormat::Tsv => {
            grafana::looks_like(path).then_some(DataFormat::Grafana)
        }
        _ => None,
    }
}

/// Read a dataset's files with the format's importer (`None` for a format polars reads).
pub fn import(
    format: DataFormat,
    paths: &[PathBuf],
    opts: &Options,
) -> Option<Result<Imported, String>> {
    let shape = opts.shape;
    Some(match format {
        DataFormat::Hyperfine => stack(paths, hyperfine::import),
        DataFormat::PytestBenchmark => stack(paths, pytest_benchmark::read),
        DataFormat::GoogleBenchmark => stack(paths, google_benchmark::read),
        DataFormat::Criterion => criterion::read(paths),
        DataFormat::BenchmarkAction => stack(paths, benchmark_action::read),
        DataFormat::Prometheus => stack(paths, |p| prometheus::read(p, shape)),
        DataFormat::Grafana => stack(paths, |p| grafana::read(p, shape)),
        DataFormat::Csv
        | DataFormat::Tsv
        | DataFormat::Json
        | DataFormat::Ndjson
        | DataFormat::Parquet => return None,
    })
}

/// What failed in a dataset's files, file by file (a file that cannot be read has none: loading
/// it is the error); `None` for a format polars reads.
pub fn failures(format: DataFormat, paths: &[PathBuf]) -> Option<Vec<(PathBuf, String)>> {
    if !is_importer(format) {
        return None;
    }
    if !matches!(format, DataFormat::Hyperfine | DataFormat::GoogleBenchmark) {
        return Some(Vec::new());
    }
    let opts = Options::default();
    Some(
        paths
            .iter()
            .filter_map(|p| import(format, std::slice::from_ref(p), &opts)?.ok())
            .flat_map(|i| i.failures)
            .collect(),
    )
}

/// Every file read on its own and the tables stacked by column name (a column a file lacks is
/// null in its rows).
fn stack(
    paths: &[PathBuf],
    read: impl Fn(&Path) -> Result<Imported, String>,
) -> Result<Imported, String> {
    let mut mains = Vec::new();
    let mut runs = Vec::new();
    let (mut units, mut run_units) = (Units::new(), Units::new());
    let (mut good, mut run_good) = (None, None);
    let mut failures = Vec::new();
    let mut has_runs = false;
    for path in paths {
        let one = read(path).map_err(|m| format!("{}: {m}", path.display()))?;
        mains.push(one.main.df);
        units.extend(one.main.units);
        good = good.or(one.main.good);
        if let Some(r) = one.runs {
            has_runs = true;
            runs.push(r.df);
            run_units.extend(r.units);
            run_good = run_good.or(r.good);
        }
        failures.extend(one.failures.into_iter().map(|(file, what)| {
            let file = if file.as_os_str().is_empty() {
                path.clone()
            } else {
                file
            };
            (file, what)
        }));
    }
    let clean = |e: polars::prelude::PolarsError| e.to_string();
    Ok(Imported {
        main: Table {
            df: union_by_name(mains).map_err(clean)?,
            units,
            good,
        },
        runs: if has_runs {
            Some(Table {
                df: union_by_name(runs).map_err(clean)?,
                units: run_units,
                good: run_good,
            })
        } else {
            None
        },
        failures,
    })
}

/// What `deck help formats` says of one format.
pub struct FormatDoc {
    /// `format = "..."` in deck.toml.
    pub name: &'static str,
    /// Other names deck.toml accepts.
    pub also: &'static [&'static str],
    /// The file or folder the dataset's `path` names.
    pub reads: &'static str,
    /// How deck tells the format without `format`.
    pub recognised: &'static str,
    pub tables: &'static [TableDoc],
    /// How deck's reading of the format is tested.
    pub checked: &'static str,
}

/// One table a format gives (`NAME` is the dataset's name).
pub struct TableDoc {
    pub table: &'static str,
    pub rows: &'static str,
    /// (column, type, unit and meaning); `<...>` in a column stands for names from the data.
    pub columns: &'static [(&'static str, &'static str)],
}

mod docs;
pub use docs::FORMATS;

/// The formats, for `deck help formats`.
pub fn help() -> String {
    let mut out = String::from(
        "Data formats: the `format` of a dataset in deck.toml\n\
         ([datasets] name = { path = \"...\", format = \"...\" }).\n\
         Times in the columns below are seconds unless a column says otherwise; `NAME` is the\n\
         dataset's name.\n",
    );
    for f in FORMATS {
        out.push_str(&format!("\n## {}\n", f.name));
        if !f.also.is_empty() {
            out.push_str(&format!("also written: {}\n", f.also.join(", ")));
        }
        out.push_str(&format!("reads: {}\n", f.reads));
        out.push_str(&format!("recognised: {}\n", f.recognised));
        for t in f.tables {
            out.push_str(&format!("table {}: {}\n", t.table, t.rows));
            for (c, what) in t.columns {
                out.push_str(&format!("  {c:<22} {what}\n"));
            }
        }
        out.push_str(&format!("checked: {}\n", f.checked));
    }
    out
}

#[cfg(test)]
mod tests;
