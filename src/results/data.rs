//! Datasets and SQL: the project's data files as polars frames in one SQL context per build.
//!
//! A dataset is loaded and registered in the context only when a query names it, so a deck pays
//! only for the data it uses; it is read once per build (all files of a glob concatenated), and
//! every query of the build runs on that frame. A dataset of a benchmark tool's format (see
//! [`super::formats`]) gives two tables: `hf` (one row per benchmark) and `hf_runs` (one row per
//! run).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use polars::prelude::*;
// The readers come from polars-io itself: polars' own csv/json/parquet features also compile its
// lazy scans and SQL table functions (`read_csv(...)`), which deck does not use.
use polars_io::prelude::{CsvReadOptions, JsonFormat, JsonReader, ParquetReader, SerReader};

use super::formats;
use super::sql;
use crate::confine::Sandbox;
use polars::sql::SQLContext;
use serde::Deserialize;

/// How a data file is read (the importers' formats: [`super::formats::FORMATS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DataFormat {
    Csv,
    Tsv,
    Json,
    Ndjson,
    Parquet,
    Hyperfine,
    #[serde(rename = "pytest-benchmark")]
    PytestBenchmark,
    #[serde(rename = "google-benchmark")]
    GoogleBenchmark,
    Criterion,
    #[serde(rename = "benchmark-action", alias = "github-action-benchmark")]
    BenchmarkAction,
    Prometheus,
    Grafana,
}

impl DataFormat {
    /// Every format, in the order messages list them.
    pub const ALL: &[DataFormat] = &[
        DataFormat::Csv,
        DataFormat::Tsv,
        DataFormat::Json,
        DataFormat::Ndjson,
        DataFormat::Parquet,
        DataFormat::Hyperfine,
        DataFormat::PytestBenchmark,
        DataFormat::GoogleBenchmark,
        DataFormat::Criterion,
        DataFormat::BenchmarkAction,
        DataFormat::Prometheus,
        DataFormat::Grafana,
    ];

    /// The name deck.toml gives it (`format = "..."`).
    pub fn name(self) -> &'static str {
        match self {
            DataFormat::Csv => "csv",
            DataFormat::Tsv => "tsv",
            DataFormat::Json => "json",
            DataFormat::Ndjson => "ndjson",
            DataFormat::Parquet => "parquet",
            DataFormat::Hyperfine => "hyperfine",
            DataFormat::PytestBenchmark => "pytest-benchmark",
            DataFormat::GoogleBenchmark => "google-benchmark",
            DataFormat::Criterion => "criterion",
            DataFormat::BenchmarkAction => "benchmark-action",
            DataFormat::Prometheus => "prometheus",
            DataFormat::Grafana => "grafana",
        }
    }

    /// The format a file name implies; `None` when the extension says nothing we read.
    pub fn from_path(path: &str) -> Option<DataFormat> {
        let lower = path.to_ascii_lowercase();
        let ext = lower.rsplit('.').next().unwrap_or("");
        Some(match ext {
            "csv" => DataFormat::Csv,
            "tsv" | "tab" => DataFormat::Tsv,
            "json" => DataFormat::Json,
            "ndjson" | "jsonl" => DataFormat::Ndjson,
            "parquet" | "pq" => DataFormat::Parquet,
            _ => return None,
        })
    }
}

/// `name = "data/x.csv"` or `name = { path = "data/*.csv", format = "csv" }` in deck.toml.
#[derive(Debug, Clone)]
pub enum DatasetSpec {
    Path(String),
    Table(DatasetTable),
}

// By hand rather than `untagged`: a mistake inside the table (an unknown format) is reported as
// itself, at its value, instead of "data did not match any variant".
impl<'de> Deserialize<'de> for DatasetSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = DatasetSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a path in quotes, or a table { path = \"...\", format = \"...\" }")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<DatasetSpec, E> {
                Ok(DatasetSpec::Path(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<DatasetSpec, A::Error> {
                DatasetTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(DatasetSpec::Table)
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetTable {
    pub path: String,
    #[serde(default)]
    pub format: Option<DataFormat>,
    /// Series as columns (`wide`) or as rows (`long`): Prometheus and Grafana data.
    #[serde(default)]
    pub shape: Option<formats::Shape>,
    /// What columns are counted in: `units = { mean = "ms", rss = "KiB" }` (checked when the
    /// project opens: `Engine::unit_problems`).
    #[serde(default)]
    pub units: BTreeMap<String, String>,
}

impl DatasetSpec {
    pub fn path(&self) -> &str {
        match self {
            DatasetSpec::Path(p) => p,
            DatasetSpec::Table(t) => &t.path,
        }
    }

    pub fn format(&self) -> Option<DataFormat> {
        self.declared_format()
            .or_else(|| DataFormat::from_path(self.path()))
    }

    /// The `format` deck.toml gives, if any.
    pub fn declared_format(&self) -> Option<DataFormat> {
        match self {
            DatasetSpec::Table(DatasetTable { format, .. }) => *format,
            DatasetSpec::Path(_) => None,
        }
    }

    /// What the dataset tells its importer.
    pub fn options(&self) -> formats::Options {
        match self {
            DatasetSpec::Table(t) => formats::Options { shape: t.shape },
            DatasetSpec::Path(_) => formats::Options::default(),
        }
    }
}

/// What went wrong with a query, in words a speaker can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    #[error("dataset `{name}`: {message}")]
    Load { name: String, message: String },
    #[error("{message}")]
    Sql { message: String, help: String },
    #[error("the query returned no rows")]
    Empty,
}

impl QueryError {
    pub fn help(&self) -> String {
        match self {
            QueryError::Load { .. } => "check the dataset's path and format in deck.toml".into(),
            QueryError::Sql { help, .. } => help.clone(),
            QueryError::Empty => "check the WHERE clause, or that the data files have rows".into(),
        }
    }
}

/// Measurements that failed, in one file of a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Failed {
    pub file: PathBuf,
    /// "3 of 10 runs of `cmd` failed (exit code 1)".
    pub what: String,
}

/// One build's datasets and SQL context.
pub struct Engine {
    root: PathBuf,
    sandbox: Sandbox,
    specs: BTreeMap<String, DatasetSpec>,
    ctx: SQLContext,
    registered: BTreeSet<String>,
    /// Data files read so far, per dataset (for provenance and the watcher).
    pub files: BTreeMap<String, Vec<PathBuf>>,
    /// What failed in each dataset looked at (see [`Engine::failures_in`]).
    failures: BTreeMap<String, Vec<Failed>>,
    /// Each table loaded, and which of its rows are good measurements when some are not (a
    /// hyperfine command whose runs all exited with 0, a run whose exit code is 0, a row whose
    /// `status` is `ok`).
    tables: BTreeMap<String, (DataFrame, Option<Expr>)>,
    /// What an importer knows its tables' columns are counted in, by table.
    importer_units: BTreeMap<String, super::units::Units>,
}

impl Engine {
    /// The project folder the datasets' paths are relative to.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The files deck may read.
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    pub fn new(root: &Path, specs: BTreeMap<String, DatasetSpec>, sandbox: Sandbox) -> Engine {
        Engine {
            root: root.to_path_buf(),
            sandbox,
            specs,
            ctx: SQLContext::new().with_function_registry(sql::functions()),
            registered: BTreeSet::new(),
            files: BTreeMap::new(),
            failures: BTreeMap::new(),
            tables: BTreeMap::new(),
            importer_units: BTreeMap::new(),
        }
    }

    /// How a dataset is read: its `format`, else what its first file's content says (a `.json`
    /// file a benchmark tool or Prometheus wrote, a Grafana `.csv`: see
    /// [`formats::detect`]), else its extension; a folder of criterion's results is read as
    /// criterion's.
    pub fn format_of(&self, spec: &DatasetSpec) -> Option<DataFormat> {
        if let Some(f) = spec.declared_format() {
            return Some(f);
        }
        let matched = self.matched(spec).unwrap_or_default();
        let Some(by_extension) = spec.format() else {
            let criterion = matched
                .iter()
                .any(|p| p.is_dir() && formats::criterion::is_folder(p));
            return criterion.then_some(DataFormat::Criterion);
        };
        // The first file, when deck may read it.
        let first = matched
            .into_iter()
            .find(|p| !p.is_dir())
            .filter(|p| self.sandbox.check(p, self.sandbox.max_dataset).is_ok());
        Some(
            first
                .and_then(|f| formats::detect(&f, by_extension))
                .unwrap_or(by_extension),
        )
    }

    pub fn dataset_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        for (name, spec) in &self.specs {
            names.push(name.clone());
            if self.format_of(spec).is_some_and(formats::has_runs) {
                names.push(format!("{name}_runs"));
            }
        }
        names
    }

    /// What failed in the datasets a query reads: one line per hyperfine command whose runs did
    /// not all exit with 0, and per dataset with a `status` column (deck run's runs.csv) whose
    /// rows are not all `ok`. Nothing when the query itself looks at failures (it names
    /// `failed_runs`, `exit_code` or `status`): it has dealt with them; nothing either when its
    /// result is the same without the failed measurements. Read from the files when the query
    /// did not load them, so a figure from the cache is warned about too.
    pub fn failures_in(&mut self, sql: &str) -> Vec<String> {
        let Some(rel) = sql::relations(sql) else {
            return Vec::new();
        };
        if rel
            .columns
            .iter()
            .any(|c| ACKNOWLEDGES_FAILURES.contains(&c.as_str()))
        {
            return Vec::new();
        }
        let mut out = Vec::new();
        for d in self.datasets_in(sql) {
            let found = self.failures_of(&d);
            let several_files = self.files.get(&d).is_some_and(|f| f.len() > 1);
            out.extend(found.into_iter().map(|f| match f.file.file_name() {
                Some(name) if several_files => format!("{} in {}", f.what, name.to_string_lossy()),
                _ => f.what,
            }));
        }
        if !out.is_empty() && !self.depends_on_failures(sql) {
            out.clear();
        }
        out
    }

    /// What failed in one declared dataset (see [`Engine::failures_in`]), read once per engine.
    pub fn failures_of(&mut self, name: &str) -> Vec<Failed> {
        if let Some(found) = self.failures.get(name) {
            return found.clone();
        }
        let found = self.find_failures(name);
        self.failures.insert(name.to_string(), found.clone());
        found
    }

    fn find_failures(&mut self, name: &str) -> Vec<Failed> {
        let Some(spec) = self.specs.get(name).cloned() else {
            return Vec::new();
        };
        let files = self.files_of(&spec).unwrap_or_default();
        match self.format_of(&spec) {
            Some(format) if formats::is_importer(format) => formats::failures(format, &files)
                .unwrap_or_default()
                .into_iter()
                .map(|(file, what)| Failed { file, what })
                .collect(),
            Some(format @ (DataFormat::Csv | DataFormat::Tsv)) => {
                // Only a file with a `status` column is loaded for this (a cached figure
                // otherwise reads nothing).
                let sep = if format == DataFormat::Tsv { '\t' } else { ',' };
                let has_status = files.first().is_some_and(|f| {
                    first_line(f).is_some_and(|l| {
                        l.split(sep).any(|c| c.trim().trim_matches('"') == "status")
                    })
                });
                if has_status {
                    self.status_failures(name, &files)
                } else {
                    Vec::new()
                }
            }
            Some(_) => self.status_failures(name, &files),
            None => Vec::new(),
        }
    }

    /// Rows of a dataset whose `status` is not `ok`, described by what identifies them.
    fn status_failures(&mut self, name: &str, files: &[PathBuf]) -> Vec<Failed> {
        let table = format!("\"{}\"", name.replace('"', "\"\""));
        if self
            .register_used(&format!("SELECT * FROM {table}"))
            .is_err()
        {
            return Vec::new();
        }
        let Ok(all) = self
            .ctx
            .execute(&format!("SELECT * FROM {table}"))
            .and_then(LazyFrame::collect)
        else {
            return Vec::new();
        };
        let Ok(status) = all.column("status").and_then(|c| c.cast(&DataType::String)) else {
            return Vec::new();
        };
        let Ok(status) = status.str().cloned() else {
            return Vec::new();
        };
        let keys: Vec<&Column> = ["command", "variant", "workload", "rep"]
            .iter()
            .filter_map(|k| all.column(k).ok())
            .collect();
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        let mut examples = Vec::new();
        for (row, s) in status.iter().enumerate() {
            let s = s.unwrap_or("(empty)");
            if s == "ok" {
                continue;
            }
            *counts.entry(s.to_string()).or_default() += 1;
            if examples.len() < 3 {
                let id: Vec<String> = keys
                    .iter()
                    .map(|c| {
                        let v = cell_json(c, row);
                        let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                        if c.name() == "rep" {
                            format!("rep {v}")
                        } else {
                            v
                        }
                    })
                    .collect();
                examples.push(if id.is_empty() {
                    format!("row {}", row + 1)
                } else {
                    id.join(" ")
                });
            }
        }
        let failed: usize = counts.values().sum();
        if failed == 0 {
            return Vec::new();
        }
        let by_status: Vec<String> = counts.iter().map(|(s, n)| format!("{s}: {n}")).collect();
        let more = if failed > examples.len() { ", ..." } else { "" };
        vec![Failed {
            file: files.first().cloned().unwrap_or_default(),
            what: format!(
                "{failed} of {} rows of `{name}` have a status other than ok ({}): {}{more}",
                all.height(),
                by_status.join(", "),
                examples.join(", ")
            ),
        }]
    }

    /// The declared datasets a query reads, from its parsed SQL (`hf_runs` reads `hf`).
    pub fn datasets_in(&self, sql: &str) -> Vec<String> {
        let Some(rel) = sql::relations(sql) else {
            return Vec::new();
        };
        self.specs
            .keys()
            .filter(|name| {
                rel.tables
                    .iter()
                    .any(|t| t == *name || *t == format!("{name}_runs"))
            })
            .cloned()
            .collect()
    }

    /// The files of every declared dataset the query reads (without loading anything); files
    /// deck may not read are left out (loading them is the error).
    pub fn files_named_in(&self, sql: &str) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for name in self.datasets_in(sql) {
            if let Some(Ok(paths)) = self.specs.get(&name).map(|s| self.files_of(s)) {
                // A pre-host results table's host comes from its meta.json: an input too.
                let metas: Vec<PathBuf> = paths.iter().filter_map(|p| legacy_meta(p)).collect();
                out.extend(paths);
                out.extend(metas);
            }
        }
        out
    }

    /// What a dataset's path or pattern matches, folders included, sorted.
    fn matched(&self, spec: &DatasetSpec) -> Result<Vec<PathBuf>, String> {
        let pattern = self.root.join(spec.path());
        let pattern_str = pattern.to_string_lossy().into_owned();
        let mut paths: Vec<PathBuf> = glob::glob(&pattern_str)
            .map_err(|e| format!("bad path pattern {:?}: {}", spec.path(), e.msg))?
            .filter_map(Result::ok)
            .collect();
        paths.sort();
        Ok(paths)
    }

    /// The files a dataset's path or pattern matches (for criterion, the results files of the
    /// folders it matches), sorted, each one confined to the project (or an allowed folder) and
    /// within the size limit.
    pub fn files_of(&self, spec: &DatasetSpec) -> Result<Vec<PathBuf>, String> {
        let pattern = self.root.join(spec.path());
        let matched = self.matched(spec)?;
        let paths: Vec<PathBuf> = if self.format_of(spec) == Some(DataFormat::Criterion) {
            formats::criterion::files(&matched)
        } else {
            matched.into_iter().filter(|p| !p.is_dir()).collect()
        };
        if paths.is_empty() && !self.sandbox.may_hold(&pattern) {
            return Err(format!("{} points outside the project", spec.path()));
        }
        for p in &paths {
            if let Err(why) = self.sandbox.check(p, self.sandbox.max_dataset) {
                let shown = p.strip_prefix(&self.root).unwrap_or(p);
                return Err(format!("{} is not read: {why}", shown.display()));
            }
        }
        Ok(paths)
    }

    /// Forget every dataset read from `path` (or whose pattern matches it: a new file in a glob),
    /// so the next query that names it loads it again. Returns the datasets that match.
    pub fn forget(&mut self, path: &Path) -> Vec<String> {
        let mut matched = Vec::new();
        for (name, spec) in &self.specs {
            let folder = self.root.join(spec.path());
            let pattern = folder.to_string_lossy().into_owned();
            // A file anywhere in a dataset's folder (criterion's) counts too.
            let hit = glob::Pattern::new(&pattern).is_ok_and(|p| p.matches_path(path))
                || folder.is_dir() && path.starts_with(&folder)
                || self
                    .files
                    .get(name)
                    .is_some_and(|f| f.iter().any(|p| p == path));
            if !hit {
                continue;
            }
            matched.push(name.clone());
            self.failures.remove(name);
            if self.registered.remove(name) {
                for table in [name.clone(), format!("{name}_runs")] {
                    self.ctx.unregister(&table);
                    self.tables.remove(&table);
                    self.importer_units.remove(&table);
                }
                self.files.remove(name);
            }
        }
        matched
    }

    /// What each column of a query's result is counted in: a unit its name states, else the
    /// unit of the dataset column it comes from (declared in deck.toml, set by an importer, or
    /// stated by that column's name), followed through the query's SQL.
    pub fn units_of(&self, sql: &str, df: &DataFrame) -> super::units::Units {
        let table_units = |table: &str| self.table_units(table);
        super::sql::result_units(sql, &table_units, df)
    }

    /// The units of a table's columns (a declared dataset or its `_runs` table): declared in
    /// deck.toml, else set by its importer, else stated by the column's name.
    pub fn table_units(&self, table: &str) -> super::units::Units {
        let mut units = super::units::Units::new();
        if let Some((df, _)) = self.tables.get(table) {
            for name in df.get_column_names() {
                if let Some(u) = super::units::Unit::from_name(name) {
                    units.insert(name.to_string(), u);
                }
            }
        }
        // What the importer knows comes before what a name suggests.
        if let Some(known) = self.importer_units.get(table) {
            units.extend(known.iter().map(|(c, u)| (c.clone(), *u)));
        }
        // And what deck.toml declares comes first (a `_runs` table has its dataset's).
        let dataset = table
            .strip_suffix("_runs")
            .filter(|d| self.specs.contains_key(*d))
            .unwrap_or(table);
        if let Some(DatasetSpec::Table(t)) = self.specs.get(dataset) {
            for (column, unit) in &t.units {
                if let Some(u) = super::units::Unit::parse(unit) {
                    units.insert(column.clone(), u);
                }
            }
        }
        units
    }

    /// Declared units deck does not know, per dataset: (dataset, column, unit as written).
    pub fn unit_problems(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        for (name, spec) in &self.specs {
            if let DatasetSpec::Table(t) = spec {
                for (column, unit) in &t.units {
                    if super::units::Unit::parse(unit).is_none() {
                        out.push((name.clone(), column.clone(), unit.clone()));
                    }
                }
            }
        }
        out
    }

    /// Why a query finds nothing, when its filter is the reason: (`its filter ... matches no
    /// row`, a help naming the values the column holds and the closest one). `None` when no
    /// equality in its WHERE names a value the column lacks.
    pub fn explain_no_match(&mut self, sql: &str) -> Option<(String, String)> {
        let filters = super::sql::equality_filters(sql);
        let tables: Vec<String> = super::sql::relations(sql)?.tables.into_iter().collect();
        let _ = self.register_used(sql);
        for (column, wanted) in filters {
            for table in &tables {
                let has = self
                    .tables
                    .get(table)
                    .is_some_and(|(df, _)| df.column(&column).is_ok());
                if !has {
                    continue;
                }
                let q = format!(
                    "SELECT DISTINCT CAST(\"{}\" AS VARCHAR) AS v FROM \"{}\" ORDER BY v LIMIT 50",
                    column.replace('"', "\"\""),
                    table.replace('"', "\"\"")
                );
                let Ok(df) = self.ctx.execute(&q).and_then(LazyFrame::collect) else {
                    continue;
                };
                let Ok(values) = df.column("v").and_then(|c| c.str().cloned()) else {
                    continue;
                };
                let values: Vec<String> = values.iter().flatten().map(str::to_string).collect();
                if values.contains(&wanted) {
                    continue;
                }
                let mut help = format!("`{column}` holds {}", values.join(", "));
                if let Some(s) =
                    crate::template::closest(&wanted, values.iter().map(String::as_str))
                {
                    help = format!("did you mean `{s}`? {help}");
                }
                return Some((
                    format!("its filter `{column} = '{wanted}'` matches no row of `{table}`"),
                    help,
                ));
            }
        }
        None
    }

    /// Run a query; an empty result is an error (a figure of nothing is a mistake).
    pub fn query(&mut self, sql: &str) -> Result<DataFrame, QueryError> {
        // A panic inside polars must not take the build down: it becomes this query's error.
        let run = std::panic::AssertUnwindSafe(|| self.query_unguarded(sql));
        std::panic::catch_unwind(run).unwrap_or_else(|panic| {
            let what = super::panic_message(panic.as_ref());
            Err(QueryError::Sql {
                message: format!("polars failed on this query: {what}"),
                help: "simplify the query; this is a bug in polars or deck, please report it"
                    .into(),
            })
        })
    }

    fn query_unguarded(&mut self, sql: &str) -> Result<DataFrame, QueryError> {
        if let Some(f) = sql::relations(sql).and_then(|r| r.functions.into_iter().next()) {
            let known = self.dataset_names();
            return Err(QueryError::Sql {
                message: format!(
                    "`{f}(...)` reads a file directly: a deck reads only the datasets deck.toml declares"
                ),
                help: format!(
                    "declare the file in deck.toml ([datasets] name = \"data/file.csv\") and query it by name{}",
                    if known.is_empty() {
                        String::new()
                    } else {
                        format!("; declared: {}", known.join(", "))
                    }
                ),
            });
        }
        self.register_used(sql)?;
        let lf = self.ctx.execute(sql).map_err(|e| self.sql_error(e))?;
        let df = lf.collect().map_err(|e| self.sql_error(e))?;
        if df.height() == 0 {
            return Err(QueryError::Empty);
        }
        Ok(df)
    }

    fn sql_error(&self, e: PolarsError) -> QueryError {
        let message = clean_polars_message(&e.to_string());
        let lower = message.to_ascii_lowercase();
        let help = if lower.contains("relation")
            || lower.contains("table") && lower.contains("not found")
        {
            let known = self.dataset_names();
            if known.is_empty() {
                "no dataset is declared: add a [datasets] table to deck.toml".to_string()
            } else {
                let list = format!("known datasets: {}", known.join(", "));
                match quoted(&message, '\'')
                    .and_then(|n| crate::template::closest(&n, known.iter().map(String::as_str)))
                {
                    Some(s) => format!("did you mean `{s}`? {list}"),
                    None => list,
                }
            }
        } else if lower.contains("column") {
            let columns = message
                .split_once("valid columns:")
                .map(|(_, rest)| {
                    let list = rest.split(']').next().unwrap_or(rest);
                    list.split(',')
                        .map(|c| c.trim().trim_matches(['[', ']', '"', ' ']).to_string())
                        .filter(|c| !c.is_empty())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            let wrong = quoted(&message, '"');
            match wrong
                .as_deref()
                .and_then(|w| crate::template::closest(w, columns.iter().map(String::as_str)))
            {
                Some(s) => format!("did you mean `{s}`? columns: {}", columns.join(", ")),
                None if !columns.is_empty() => format!("columns: {}", columns.join(", ")),
                None => "use one of the columns the message lists".to_string(),
            }
        } else {
            "fix the SQL (polars SQL dialect)".to_string()
        };
        QueryError::Sql { message, help }
    }

    /// Register every declared dataset the query reads.
    fn register_used(&mut self, sql: &str) -> Result<(), QueryError> {
        let wanted: Vec<(String, DatasetSpec)> = self
            .datasets_in(sql)
            .into_iter()
            .filter(|name| !self.registered.contains(name))
            .filter_map(|n| self.specs.get(&n).map(|s| (n.clone(), s.clone())))
            .collect();
        for (name, spec) in wanted {
            self.load(&name, &spec)?;
            self.registered.insert(name);
        }
        Ok(())
    }

    fn load(&mut self, name: &str, spec: &DatasetSpec) -> Result<(), QueryError> {
        let err = |message: String| QueryError::Load {
            name: name.to_string(),
            message,
        };
        let format = self.format_of(spec);
        let opts = spec.options();
        if let (Some(f), Some(_)) = (format, opts.shape)
            && !formats::takes_shape(f)
        {
            return Err(err(format!(
                "`shape` lays out the series of prometheus and grafana data, not of {} data",
                f.name()
            )));
        }
        let paths = self.files_of(spec).map_err(err)?;
        if paths.is_empty() {
            return Err(err(format!("no file matches {:?}", spec.path())));
        }
        let format = format.ok_or_else(|| {
            let names: Vec<&str> = DataFormat::ALL[1..].iter().map(|f| f.name()).collect();
            err(format!(
                "cannot tell the format of {:?}; add format = \"csv\" (or {})",
                spec.path(),
                names.join(", ")
            ))
        })?;
        self.files.insert(name.to_string(), paths.clone());
        if let Some(imported) = formats::import(format, &paths, &opts) {
            return self.register_imported(name, imported.map_err(err)?);
        }
        let mut frames = Vec::with_capacity(paths.len());
        for path in &paths {
            let shown = path.display().to_string();
            // The file is read into memory first, never mapped: a file rewritten in place while
            // deck reads it (an editor, a shell `>`) would shrink under a mapping and kill the
            // process with SIGBUS; read, it is at worst a short file, reported as malformed.
            let bytes = std::fs::read(path).map(std::io::Cursor::new);
            let lf = match format {
                // The eager reader: every file is read whole anyway (below), and it parses a
                // large CSV about a quarter faster than a lazy scan collected (bench/vs-python.sh).
                DataFormat::Csv | DataFormat::Tsv => bytes
                    .map_err(PolarsError::from)
                    .and_then(|b| {
                        CsvReadOptions::default()
                            .with_has_header(true)
                            .with_infer_schema_length(Some(10_000))
                            .map_parse_options(|o| {
                                o.with_separator(if format == DataFormat::Tsv {
                                    b'\t'
                                } else {
                                    b','
                                })
                            })
                            .into_reader_with_file_handle(b)
                            .finish()
                    })
                    .map(DataFrame::lazy),
                DataFormat::Ndjson => bytes
                    .map_err(PolarsError::from)
                    .and_then(|b| {
                        JsonReader::new(b)
                            .with_json_format(JsonFormat::JsonLines)
                            .finish()
                    })
                    .map(DataFrame::lazy),
                DataFormat::Parquet => bytes
                    .map_err(PolarsError::from)
                    .and_then(|b| ParquetReader::new(b).finish())
                    .map(DataFrame::lazy),
                DataFormat::Json => bytes
                    .map_err(PolarsError::from)
                    .and_then(|b| {
                        JsonReader::new(b)
                            .with_json_format(JsonFormat::Json)
                            .finish()
                    })
                    .map(DataFrame::lazy),
                _ => unreachable!("read by an importer above"),
            };
            // Read once per build: a deck's queries then run on memory instead of re-reading
            // the files, and a malformed file is reported against its dataset here.
            let df = lf
                .and_then(LazyFrame::collect)
                .map_err(|e| err(format!("{shown}: {}", clean_polars_message(&e.to_string()))))?;
            frames.push(with_legacy_host(df, path));
        }
        let df = union_by_name(frames).map_err(|e| err(clean_polars_message(&e.to_string())))?;
        let good = df
            .column("status")
            .is_ok()
            .then(|| col("status").cast(DataType::String).eq(lit("ok")));
        self.register_table(name, df, good);
        Ok(())
    }

    fn register_table(&mut self, name: &str, df: DataFrame, good: Option<Expr>) {
        self.ctx.register(name, df.clone().lazy());
        self.tables.insert(name.to_string(), (df, good));
    }

    /// Whether a query gives another result once the failed measurements are left out of every
    /// table it reads (a query can read a dataset with failures and not show any).
    fn depends_on_failures(&mut self, sql: &str) -> bool {
        if self.register_used(sql).is_err() {
            return true;
        }
        let mut good_only = SQLContext::new().with_function_registry(sql::functions());
        for (name, (df, good)) in &self.tables {
            let lf = df.clone().lazy();
            good_only.register(name, good.clone().map_or(lf.clone(), |g| lf.filter(g)));
        }
        let all = self.ctx.execute(sql).and_then(LazyFrame::collect);
        let good = good_only.execute(sql).and_then(LazyFrame::collect);
        match (all, good) {
            (Ok(a), Ok(g)) => !same_rows(&a, &g),
            _ => true,
        }
    }

    /// An importer's tables: `NAME` and, for a format with runs, `NAME_runs` (every file of
    /// the glob together), with the units the importer knows and what failed.
    fn register_imported(
        &mut self,
        name: &str,
        imported: formats::Imported,
    ) -> Result<(), QueryError> {
        let runs_name = format!("{name}_runs");
        for (table, t) in [
            (name.to_string(), Some(imported.main)),
            (runs_name, imported.runs),
        ] {
            let Some(t) = t else { continue };
            self.importer_units.insert(table.clone(), t.units);
            self.register_table(&table, t.df, t.good);
        }
        let failures = imported
            .failures
            .into_iter()
            .map(|(file, what)| Failed { file, what })
            .collect();
        self.failures.insert(name.to_string(), failures);
        Ok(())
    }
}

/// Whether two query results hold the same rows, in any order (a GROUP BY without ORDER BY
/// has none), numbers equal to 12 significant digits (a sum may add in another order).
fn same_rows(a: &DataFrame, b: &DataFrame) -> bool {
    if a.shape() != b.shape() || a.get_column_names() != b.get_column_names() {
        return false;
    }
    let sorted = |df: &DataFrame| {
        let names: Vec<PlSmallStr> = df.get_column_names().into_iter().cloned().collect();
        df.sort(names, SortMultipleOptions::default().with_nulls_last(true))
    };
    let (Ok(a), Ok(b)) = (sorted(a), sorted(b)) else {
        return false;
    };
    a.columns().iter().zip(b.columns()).all(|(x, y)| {
        if x.dtype().is_float() {
            let (Ok(x), Ok(y)) = (x.cast(&DataType::Float64), y.cast(&DataType::Float64)) else {
                return false;
            };
            let (Ok(x), Ok(y)) = (x.f64(), y.f64()) else {
                return false;
            };
            x.iter().zip(y.iter()).all(|(p, q)| match (p, q) {
                (Some(p), Some(q)) => p == q || (p - q).abs() <= 1e-12 * p.abs().max(q.abs()),
                (None, None) => true,
                _ => false,
            })
        } else {
            x.as_materialized_series()
                .equals_missing(y.as_materialized_series())
        }
    })
}

/// Columns a query names when it deals with failed runs itself.
const ACKNOWLEDGES_FAILURES: &[&str] = &["failed_runs", "exit_code", "status"];

/// A text file's first line (a CSV header), without reading the rest.
/// The `meta.json` naming the host of a `deck run` results table written before results had a
/// `host` column (`None` for any other file).
fn legacy_meta(path: &Path) -> Option<PathBuf> {
    use crate::run::tables::{HOST, META, has_host_column};
    let name = path.file_name()?.to_str()?;
    let meta = path.with_file_name(META);
    let old = has_host_column(name)
        && meta.is_file()
        && first_line(path).is_some_and(|l| !l.starts_with(&format!("{HOST},")));
    old.then_some(meta)
}

/// A `deck run` results table from before results had a `host` column gets one, first: the
/// machine its `meta.json` names. Old and new results then stack (a glob over hosts' folders)
/// and `series: host` works on both.
fn with_legacy_host(mut df: DataFrame, path: &Path) -> DataFrame {
    let Some(meta) = legacy_meta(path) else {
        return df;
    };
    if df.column(crate::run::tables::HOST).is_ok() {
        return df;
    }
    let host = crate::run::meta::Meta::legacy_host(&meta);
    let column = Column::new(
        crate::run::tables::HOST.into(),
        vec![host.as_str(); df.height()],
    );
    // Cannot fail: the frame has no `host` column and the new one has its height.
    let _ = df.insert_column(0, column);
    df
}

fn first_line(path: &Path) -> Option<String> {
    use std::io::{BufRead, Read};
    let mut line = String::new();
    std::io::BufReader::new(std::fs::File::open(path).ok()?.take(64 * 1024))
        .read_line(&mut line)
        .ok()?;
    Some(line)
}

/// Frames stacked by column name: a column some frames lack is null there (files of one glob
/// need not have the same columns: hyperfine exports with and without parameters), and a column
/// whose type differs between files takes a type that holds both (a number, else text).
pub fn union_by_name(mut frames: Vec<DataFrame>) -> PolarsResult<DataFrame> {
    if frames.len() == 1 {
        return Ok(frames.pop().expect("one frame"));
    }
    let mut columns: Vec<(PlSmallStr, DataType)> = Vec::new();
    for f in &frames {
        for c in f.columns() {
            match columns.iter_mut().find(|(n, _)| n == c.name()) {
                Some((_, t)) if t != c.dtype() => {
                    *t = if t.is_primitive_numeric() && c.dtype().is_primitive_numeric() {
                        DataType::Float64
                    } else if *t == DataType::Null {
                        c.dtype().clone()
                    } else if *c.dtype() == DataType::Null {
                        t.clone()
                    } else {
                        DataType::String
                    };
                }
                Some(_) => {}
                None => columns.push((c.name().clone(), c.dtype().clone())),
            }
        }
    }
    let mut out: Option<DataFrame> = None;
    for f in frames {
        let height = f.height();
        let cols: Vec<Column> = columns
            .iter()
            .map(|(n, t)| match f.column(n) {
                Ok(c) if c.dtype() == t => Ok(c.clone()),
                Ok(c) => c.cast(t),
                Err(_) => Ok(Column::full_null(n.clone(), height, t)),
            })
            .collect::<PolarsResult<_>>()?;
        let df = DataFrame::new(height, cols)?;
        match out.as_mut() {
            Some(o) => {
                o.vstack_mut(&df)?;
            }
            None => out = Some(df),
        }
    }
    out.ok_or_else(|| PolarsError::NoData("no file".into()))
}

/// The first text between `q` quotes.
fn quoted(s: &str, q: char) -> Option<String> {
    let a = s.find(q)?;
    let b = s[a + 1..].find(q)? + a + 1;
    Some(s[a + 1..b].to_string())
}

/// polars messages carry a backtrace hint and an error-kind prefix; keep the useful part.
fn clean_polars_message(msg: &str) -> String {
    let first: Vec<&str> = msg
        .lines()
        .take_while(|l| {
            let l = l.trim_start();
            !l.starts_with("This error occurred") && !l.starts_with("Resolved plan until failure")
        })
        .filter(|l| !l.trim().is_empty())
        .collect();
    let text = first.join(" ");
    // polars appends the query plan it was resolving; the user wrote SQL, not a plan.
    let text = text
        .split("Resolved plan until failure")
        .next()
        .unwrap_or(&text);
    text.trim().to_string()
}

/// A cell as a JSON value (numbers stay numbers) for templates.
pub fn cell_json(col: &Column, row: usize) -> serde_json::Value {
    let Ok(v) = col.get(row) else {
        return serde_json::Value::Null;
    };
    match v {
        AnyValue::Null => serde_json::Value::Null,
        AnyValue::Boolean(b) => b.into(),
        AnyValue::String(s) => s.into(),
        AnyValue::StringOwned(s) => s.as_str().into(),
        AnyValue::Int8(x) => x.into(),
        AnyValue::Int16(x) => x.into(),
        AnyValue::Int32(x) => x.into(),
        AnyValue::Int64(x) => x.into(),
        AnyValue::UInt8(x) => x.into(),
        AnyValue::UInt16(x) => x.into(),
        AnyValue::UInt32(x) => x.into(),
        AnyValue::UInt64(x) => x.into(),
        AnyValue::Float32(x) => {
            serde_json::Number::from_f64(f64::from(x)).map_or(serde_json::Value::Null, Into::into)
        }
        AnyValue::Float64(x) => {
            serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, Into::into)
        }
        other => other.to_string().trim_matches('"').into(),
    }
}

/// A cell as a number, when it is one.
pub fn cell_f64(col: &Column, row: usize) -> Option<f64> {
    cell_json(col, row).as_f64()
}

/// A cell as display text (numbers unformatted).
pub fn cell_text(col: &Column, row: usize) -> String {
    match cell_json(col, row) {
        serde_json::Value::String(s) => s,
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(
        files: &[(&str, &str)],
        specs: &[(&str, DatasetSpec)],
    ) -> (tempfile::TempDir, Engine) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let specs = specs
            .iter()
            .map(|(n, s)| (n.to_string(), s.clone()))
            .collect();
        let e = Engine::new(dir.path(), specs, Sandbox::new(dir.path(), &[]));
        (dir, e)
    }

    #[test]
    fn csv_tsv_ndjson_json_and_globs() {
        let (_d, mut e) = engine(
            &[
                ("runs.csv", "variant,wall_s\na,1.0\na,3.0\nb,2.0\n"),
                ("t.tsv", "k\tv\nx\t1\n"),
                ("n.ndjson", "{\"k\":\"x\",\"v\":2}\n{\"k\":\"y\",\"v\":3}\n"),
                ("a.json", "[{\"k\":\"x\",\"v\":5}]"),
                ("s/1.csv", "v\n1\n"),
                ("s/2.csv", "v\n2\n"),
            ],
            &[
                ("runs", DatasetSpec::Path("runs.csv".into())),
                ("t", DatasetSpec::Path("t.tsv".into())),
                ("n", DatasetSpec::Path("n.ndjson".into())),
                ("j", DatasetSpec::Path("a.json".into())),
                (
                    "s",
                    DatasetSpec::Table(DatasetTable {
                        path: "s/*.csv".into(),
                        ..DatasetTable::default()
                    }),
                ),
            ],
        );
        let df = e
            .query(
                "SELECT variant, median(wall_s) AS m FROM runs GROUP BY variant ORDER BY variant",
            )
            .unwrap();
        assert_eq!(cell_f64(&df.columns()[1], 0), Some(2.0));
        assert_eq!(e.query("SELECT v FROM t").unwrap().height(), 1);
        assert_eq!(
            e.query("SELECT sum(v) AS s FROM n").unwrap().columns()[0]
                .get(0)
                .unwrap()
                .to_string(),
            "5"
        );
        assert_eq!(e.query("SELECT v FROM j").unwrap().height(), 1);
        assert_eq!(
            e.query("SELECT sum(v) AS t FROM s").unwrap().columns()[0]
                .get(0)
                .unwrap()
                .to_string(),
            "3"
        );
        // Only what was queried is loaded.
        assert_eq!(e.files.len(), 5);
    }

    #[test]
    fn only_used_datasets_are_loaded() {
        let (_d, mut e) = engine(
            &[("a.csv", "x\n1\n")],
            &[
                ("a", DatasetSpec::Path("a.csv".into())),
                ("missing", DatasetSpec::Path("nope.csv".into())),
            ],
        );
        assert!(e.query("SELECT x FROM a").is_ok());
        assert!(!e.files.contains_key("missing"));
        let err = e.query("SELECT * FROM missing").unwrap_err();
        assert!(matches!(err, QueryError::Load { .. }), "{err:?}");
    }

    #[test]
    fn hyperfine_export_gives_summary_and_runs() {
        let json = r#"{"results":[{"command":"sleep 0.1","mean":0.105,"stddev":null,"median":0.104,
            "user":0.001,"system":0.002,"min":0.101,"max":0.109,"times":[0.104,0.106],
            "memory_usage_byte":[1867776,1867777],"exit_codes":[0,null],"parameters":{"threads":"4"}}]}"#;
        let (_d, mut e) = engine(
            &[("hf.json", json)],
            &[(
                "hf",
                DatasetSpec::Table(DatasetTable {
                    path: "hf.json".into(),
                    format: Some(DataFormat::Hyperfine),
                    ..DatasetTable::default()
                }),
            )],
        );
        let df = e
            .query("SELECT command, mean, stddev, parameter_threads FROM hf")
            .unwrap();
        assert_eq!(cell_text(&df.columns()[0], 0), "sleep 0.1");
        assert_eq!(cell_json(&df.columns()[2], 0), serde_json::Value::Null);
        assert_eq!(cell_text(&df.columns()[3], 0), "4");
        let runs = e
            .query("SELECT run, time_s, memory_bytes, exit_code FROM hf_runs ORDER BY run")
            .unwrap();
        assert_eq!(runs.height(), 2);
        assert_eq!(cell_f64(&runs.columns()[1], 1), Some(0.106));
        assert_eq!(cell_json(&runs.columns()[3], 1), serde_json::Value::Null);
    }

    #[test]
    fn errors_say_what_to_do() {
        let (_d, mut e) = engine(
            &[("a.csv", "x,y\n1,2\n")],
            &[("a", DatasetSpec::Path("a.csv".into()))],
        );
        let err = e.query("SELECT nope FROM a").unwrap_err();
        let QueryError::Sql { message, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(message.contains("nope"), "{message}");
        assert_eq!(err.help(), "columns: x, y");
        let err = e.query("SELECT yy FROM a").unwrap_err();
        assert_eq!(err.help(), "did you mean `y`? columns: x, y");
        let err = e.query("SELECT x FROM aa").unwrap_err();
        assert_eq!(err.help(), "did you mean `a`? known datasets: a");
        let err = e.query("SELECT x FROM other").unwrap_err();
        assert!(
            err.help().contains("known datasets: a"),
            "{err:?} {}",
            err.help()
        );
        assert_eq!(
            e.query("SELECT x FROM a WHERE x > 5").unwrap_err(),
            QueryError::Empty
        );
        let err = e.query("SELEC x FROM a").unwrap_err();
        assert!(matches!(err, QueryError::Sql { .. }));
    }
}
