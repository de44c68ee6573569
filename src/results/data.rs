//! Datasets and SQL: the project's data files as polars frames in one SQL context per build.
//!
//! A dataset is loaded and registered in the context only when a query names it, so a deck pays
//! only for the data it uses; it is read once per build (all files of a glob concatenated), and
//! every query of the build runs on that frame. A hyperfine dataset `hf`
//! gives two tables: `hf` (one row per command) and `hf_runs` (one row per run).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::sql;
use crate::confine::Sandbox;
use polars::sql::SQLContext;
use serde::Deserialize;

/// How a data file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DataFormat {
    Csv,
    Tsv,
    Json,
    Ndjson,
    Parquet,
    Hyperfine,
}

impl DataFormat {
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetTable {
    pub path: String,
    #[serde(default)]
    pub format: Option<DataFormat>,
}

impl DatasetSpec {
    pub fn path(&self) -> &str {
        match self {
            DatasetSpec::Path(p) => p,
            DatasetSpec::Table(t) => &t.path,
        }
    }

    pub fn format(&self) -> Option<DataFormat> {
        match self {
            DatasetSpec::Table(DatasetTable {
                format: Some(f), ..
            }) => Some(*f),
            _ => DataFormat::from_path(self.path()),
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

/// One build's datasets and SQL context.
pub struct Engine {
    root: PathBuf,
    sandbox: Sandbox,
    specs: BTreeMap<String, DatasetSpec>,
    ctx: SQLContext,
    registered: BTreeSet<String>,
    /// Data files read so far, per dataset (for provenance and the watcher).
    pub files: BTreeMap<String, Vec<PathBuf>>,
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
            ctx: SQLContext::new(),
            registered: BTreeSet::new(),
            files: BTreeMap::new(),
        }
    }

    pub fn dataset_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        for (name, spec) in &self.specs {
            names.push(name.clone());
            if spec.format() == Some(DataFormat::Hyperfine) {
                names.push(format!("{name}_runs"));
            }
        }
        names
    }

    /// The declared datasets a query reads, from its parsed SQL (`hf_runs` reads `hf`).
    fn datasets_in(&self, sql: &str) -> Vec<String> {
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
                out.extend(paths);
            }
        }
        out
    }

    /// The files a dataset's path or pattern matches, sorted, each one confined to the project
    /// (or an allowed folder) and within the size limit.
    pub fn files_of(&self, spec: &DatasetSpec) -> Result<Vec<PathBuf>, String> {
        let pattern = self.root.join(spec.path());
        let pattern_str = pattern.to_string_lossy().into_owned();
        let mut paths: Vec<PathBuf> = glob::glob(&pattern_str)
            .map_err(|e| format!("bad path pattern {:?}: {}", spec.path(), e.msg))?
            .filter_map(Result::ok)
            .filter(|p| !p.is_dir())
            .collect();
        paths.sort();
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
    /// so the next query that names it loads it again. Returns whether a dataset matches.
    pub fn forget(&mut self, path: &Path) -> bool {
        let mut matched = false;
        for (name, spec) in &self.specs {
            let pattern = self.root.join(spec.path()).to_string_lossy().into_owned();
            let hit = glob::Pattern::new(&pattern).is_ok_and(|p| p.matches_path(path))
                || self
                    .files
                    .get(name)
                    .is_some_and(|f| f.iter().any(|p| p == path));
            if !hit {
                continue;
            }
            matched = true;
            if self.registered.remove(name) {
                self.ctx.unregister(name);
                self.ctx.unregister(&format!("{name}_runs"));
                self.files.remove(name);
            }
        }
        matched
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
        let paths = self.files_of(spec).map_err(err)?;
        if paths.is_empty() {
            return Err(err(format!("no file matches {:?}", spec.path())));
        }
        let format = spec.format().ok_or_else(|| {
            err(format!("cannot tell the format of {:?}; add format = \"csv\" (or tsv, json, ndjson, parquet, hyperfine)", spec.path()))
        })?;
        self.files.insert(name.to_string(), paths.clone());
        let mut frames = Vec::with_capacity(paths.len());
        for path in &paths {
            let shown = path.display().to_string();
            let pl_path = PlRefPath::from(shown.as_str());
            let lf = match format {
                // The eager reader: every file is read whole anyway (below), and it parses a
                // large CSV about a quarter faster than a lazy scan collected (bench/vs-python.sh).
                DataFormat::Csv | DataFormat::Tsv => CsvReadOptions::default()
                    .with_has_header(true)
                    .with_infer_schema_length(Some(10_000))
                    .map_parse_options(|o| {
                        o.with_separator(if format == DataFormat::Tsv {
                            b'\t'
                        } else {
                            b','
                        })
                    })
                    .try_into_reader_with_file_path(Some(path.clone()))
                    .and_then(|r| r.finish())
                    .map(DataFrame::lazy),
                DataFormat::Ndjson => LazyJsonLineReader::new(pl_path).finish(),
                DataFormat::Parquet => LazyFrame::scan_parquet(pl_path, ScanArgsParquet::default()),
                DataFormat::Json => std::fs::File::open(path)
                    .map_err(PolarsError::from)
                    .and_then(|f| {
                        JsonReader::new(f)
                            .with_json_format(JsonFormat::Json)
                            .finish()
                    })
                    .map(DataFrame::lazy),
                DataFormat::Hyperfine => {
                    let (summary, runs) =
                        read_hyperfine(path).map_err(|m| err(format!("{shown}: {m}")))?;
                    self.ctx.register(&format!("{name}_runs"), runs.lazy());
                    Ok(summary.lazy())
                }
            };
            frames.push(
                lf.map_err(|e| err(format!("{shown}: {}", clean_polars_message(&e.to_string()))))?,
            );
        }
        let lf = if frames.len() == 1 {
            frames.pop().expect("one frame")
        } else {
            concat(frames, UnionArgs::default())
                .map_err(|e| err(clean_polars_message(&e.to_string())))?
        };
        // Read once per build: a deck's queries then run on memory instead of re-reading the
        // files, and a malformed file is reported against its dataset here.
        let df = lf
            .collect()
            .map_err(|e| err(clean_polars_message(&e.to_string())))?;
        self.ctx.register(name, df.lazy());
        Ok(())
    }
}

/// The identifiers of a query (dataset names are matched as whole words).
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
        .take_while(|l| !l.trim_start().starts_with("This error occurred"))
        .filter(|l| !l.trim().is_empty())
        .collect();
    first.join(" ").trim().to_string()
}

#[derive(Deserialize)]
struct HyperfineExport {
    results: Vec<HyperfineResult>,
}

#[derive(Deserialize)]
struct HyperfineResult {
    command: String,
    mean: f64,
    stddev: Option<f64>,
    median: f64,
    user: f64,
    system: f64,
    min: f64,
    max: f64,
    #[serde(default)]
    times: Vec<f64>,
    #[serde(default)]
    memory_usage_byte: Vec<Option<u64>>,
    #[serde(default)]
    exit_codes: Vec<Option<i32>>,
    #[serde(default)]
    parameters: BTreeMap<String, String>,
}

/// hyperfine's `--export-json`: one row per command, and one row per run.
fn read_hyperfine(path: &Path) -> Result<(DataFrame, DataFrame), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let export: HyperfineExport = serde_json::from_str(&text)
        .map_err(|e| format!("not a hyperfine --export-json file: {e}"))?;
    let r = &export.results;
    let params: BTreeSet<&String> = r.iter().flat_map(|x| x.parameters.keys()).collect();
    let mut cols = vec![
        Column::new(
            "command".into(),
            r.iter().map(|x| x.command.clone()).collect::<Vec<_>>(),
        ),
        Column::new("mean".into(), r.iter().map(|x| x.mean).collect::<Vec<_>>()),
        Column::new(
            "stddev".into(),
            r.iter().map(|x| x.stddev).collect::<Vec<_>>(),
        ),
        Column::new(
            "median".into(),
            r.iter().map(|x| x.median).collect::<Vec<_>>(),
        ),
        Column::new("user".into(), r.iter().map(|x| x.user).collect::<Vec<_>>()),
        Column::new(
            "system".into(),
            r.iter().map(|x| x.system).collect::<Vec<_>>(),
        ),
        Column::new("min".into(), r.iter().map(|x| x.min).collect::<Vec<_>>()),
        Column::new("max".into(), r.iter().map(|x| x.max).collect::<Vec<_>>()),
        Column::new(
            "runs".into(),
            r.iter().map(|x| x.times.len() as u32).collect::<Vec<_>>(),
        ),
    ];
    for p in &params {
        let values: Vec<Option<String>> = r.iter().map(|x| x.parameters.get(*p).cloned()).collect();
        cols.push(Column::new(format!("parameter_{p}").into(), values));
    }
    let summary = DataFrame::new_infer_height(cols).map_err(|e| e.to_string())?;
    let mut command = Vec::new();
    let mut run = Vec::new();
    let mut time = Vec::new();
    let mut memory = Vec::new();
    let mut exit = Vec::new();
    for x in r {
        for (i, t) in x.times.iter().enumerate() {
            command.push(x.command.clone());
            run.push(i as u32 + 1);
            time.push(*t);
            memory.push(x.memory_usage_byte.get(i).copied().flatten());
            exit.push(x.exit_codes.get(i).copied().flatten());
        }
    }
    let runs = DataFrame::new_infer_height(vec![
        Column::new("command".into(), command),
        Column::new("run".into(), run),
        Column::new("time_s".into(), time),
        Column::new("memory_bytes".into(), memory),
        Column::new("exit_code".into(), exit),
    ])
    .map_err(|e| e.to_string())?;
    Ok((summary, runs))
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
                        format: None,
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
