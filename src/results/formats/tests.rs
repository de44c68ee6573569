//! The importers on fixtures written from each tool's source (tests/fixtures/formats/README.md
//! says which file of which repository), checked number by number, and their columns checked
//! against what `deck help formats` says of them.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::*;
use crate::results::data::{DataFormat, DatasetSpec, DatasetTable, Engine, cell_f64, cell_text};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/formats");

fn fixture(name: &str) -> PathBuf {
    Path::new(FIXTURES).join(name)
}

fn imported(format: DataFormat, paths: &[PathBuf], shape: Option<Shape>) -> Imported {
    import(format, paths, &Options { shape })
        .expect("an importer")
        .unwrap_or_else(|e| panic!("{e}"))
}

fn f64_at(df: &DataFrame, column: &str, row: usize) -> Option<f64> {
    cell_f64(
        df.column(column)
            .unwrap_or_else(|e| panic!("{column}: {e}")),
        row,
    )
}

fn text_at(df: &DataFrame, column: &str, row: usize) -> String {
    cell_text(df.column(column).unwrap(), row)
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() <= 1e-12 * b.abs().max(1e-30))
}

/// Every column of a table is one `deck help formats` lists for it (`<...>` standing for names
/// from the data, `prefix_<...>` for names with that prefix), and every listed plain column that
/// `always` says the fixture has is there.
fn documented(format: &str, table: &str, df: &DataFrame, always: &[&str]) {
    let doc = FORMATS
        .iter()
        .find(|f| f.name == format)
        .unwrap_or_else(|| panic!("no FormatDoc for {format}"));
    let t = doc
        .tables
        .iter()
        .find(|t| t.table == table)
        .unwrap_or_else(|| panic!("{format}: no table {table}"));
    for name in df.get_column_names() {
        let listed = t.columns.iter().any(|(c, _)| match c.find('<') {
            None => c == name,
            Some(0) => true,
            Some(i) => name.starts_with(&c[..i]),
        });
        assert!(
            listed,
            "{format} {table}: column `{name}` is not documented"
        );
    }
    for c in always {
        assert!(
            t.columns.iter().any(|(d, _)| d == c),
            "{format} {table}: `{c}` is not documented"
        );
        assert!(df.column(c).is_ok(), "{format} {table}: no column `{c}`");
    }
}

#[test]
fn every_format_is_documented_and_named_in_deck_toml_as_documented() {
    for f in DataFormat::ALL {
        let doc = FORMATS
            .iter()
            .any(|d| d.name == f.name() || d.also.contains(&f.name()));
        assert!(doc, "{} has no FormatDoc", f.name());
        let toml = format!("format = \"{}\"", f.name());
        #[derive(serde::Deserialize)]
        struct T {
            format: DataFormat,
        }
        assert_eq!(toml::from_str::<T>(&toml).unwrap().format, *f);
    }
    #[derive(serde::Deserialize)]
    struct T {
        format: DataFormat,
    }
    let alias: T = toml::from_str("format = \"github-action-benchmark\"").unwrap();
    assert_eq!(alias.format, DataFormat::BenchmarkAction);
    let help = help();
    for f in FORMATS {
        assert!(help.contains(&format!("## {}", f.name)));
    }
}

#[test]
fn criterion_folder_gives_estimates_in_seconds_and_samples() {
    let files = criterion::files(&[fixture("criterion")]);
    // new/ of each benchmark and change/, not the baseline in base/ nor the HTML reports.
    let rel: Vec<String> = files
        .iter()
        .map(|p| {
            p.strip_prefix(fixture("criterion"))
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(
        rel,
        [
            "parse/bytes/1024/new/benchmark.json",
            "parse/bytes/1024/new/estimates.json",
            "parse/bytes/1024/new/sample.json",
            "parse/bytes/1024/change/estimates.json",
            "sum/new/benchmark.json",
            "sum/new/estimates.json",
            "sum/new/sample.json",
        ]
    );
    // One file of a benchmark names the whole benchmark.
    assert_eq!(
        criterion::files(&[fixture("criterion/sum/new/estimates.json")]).len(),
        3
    );
    let i = imported(DataFormat::Criterion, &files, None);
    let df = &i.main.df;
    assert_eq!(df.height(), 2);
    // parse/bytes/1024: flat sampling, a throughput, a change against the baseline.
    assert_eq!(text_at(df, "name", 0), "parse/bytes/1024");
    assert_eq!(text_at(df, "function", 0), "bytes");
    assert_eq!(df.column("parameter").unwrap().dtype(), &DataType::Int64);
    assert!(
        close(f64_at(df, "mean", 0), 503.3333333333333e-9),
        "not base/'s 530"
    );
    assert!(close(f64_at(df, "median", 0), 500e-9));
    assert!(close(f64_at(df, "stddev", 0), 15.275252316519467e-9));
    assert!(close(f64_at(df, "min", 0), 490e-9));
    assert!(close(f64_at(df, "max", 0), 520e-9));
    assert!(close(f64_at(df, "mean_lower", 0), 490e-9));
    assert!(close(f64_at(df, "mean_upper", 0), 520e-9));
    assert_eq!(f64_at(df, "slope", 0), None);
    assert!(close(f64_at(df, "typical", 0), 503.3333333333333e-9));
    assert_eq!(text_at(df, "throughput_kind", 0), "Bytes");
    assert!(close(
        f64_at(df, "throughput_per_s", 0),
        1024.0 / 503.3333333333333e-9
    ));
    assert!(close(f64_at(df, "change_mean", 0), -0.05));
    assert!(close(f64_at(df, "change_median_upper", 0), -0.01));
    assert_eq!(text_at(df, "sampling_mode", 0), "Flat");
    // sum: linear sampling, so a slope, which is the typical time.
    assert_eq!(text_at(df, "name", 1), "sum");
    assert!(close(f64_at(df, "slope", 1), 99.8e-9));
    assert!(close(f64_at(df, "typical", 1), 99.8e-9));
    assert!(close(f64_at(df, "min", 1), 290.0 / 3.0 * 1e-9));
    assert!(close(f64_at(df, "max", 1), 105e-9));
    assert_eq!(f64_at(df, "samples", 1), Some(4.0));
    assert_eq!(f64_at(df, "iterations", 1), Some(10.0));
    assert_eq!(f64_at(df, "change_mean", 1), None);
    let runs = &i.runs.as_ref().unwrap().df;
    assert_eq!(runs.height(), 7);
    assert!(close(f64_at(runs, "time_s", 4), 105e-9));
    assert!(close(f64_at(runs, "total_s", 4), 210e-9));
    assert_eq!(i.main.units.get("mean_upper").map(|u| u.symbol), Some("s"));
    assert_eq!(i.main.units.get("change_mean"), None);
    documented(
        "criterion",
        "NAME",
        df,
        &["mean", "median", "stddev", "min", "max"],
    );
    documented("criterion", "NAME_runs", runs, &["name", "run", "time_s"]);
}

#[test]
fn benchmark_action_times_become_seconds_other_units_stay() {
    let i = imported(
        DataFormat::BenchmarkAction,
        &[fixture("benchmark-action.json")],
        None,
    );
    let df = &i.main.df;
    assert_eq!(df.height(), 6);
    // Percent: kept, with its unit; no time, so no mean.
    assert_eq!(f64_at(df, "value", 0), Some(50.0));
    assert_eq!(text_at(df, "unit", 0), "Percent");
    assert_eq!(f64_at(df, "mean", 0), None);
    assert_eq!(f64_at(df, "range_value", 1), Some(3.0));
    assert!(text_at(df, "extra", 1).starts_with("Value for Tooltip: 25\n"));
    // ms and ns/iter: seconds.
    assert!(close(f64_at(df, "value", 2), 0.0125));
    assert!(close(f64_at(df, "mean", 2), 0.0125));
    assert_eq!(text_at(df, "unit", 2), "s");
    assert_eq!(text_at(df, "unit_written", 2), "ms");
    assert_eq!(f64_at(df, "value_written", 2), Some(12.5));
    assert!(close(f64_at(df, "range_value", 2), 0.0005));
    assert!(close(f64_at(df, "value", 3), 26131e-9));
    assert!(close(f64_at(df, "range_value", 3), 150e-9));
    // A value in quotes and no unit; cargo bench's thousands separator.
    assert_eq!(f64_at(df, "value", 4), Some(30.0));
    assert!(close(f64_at(df, "range_value", 5), 2802e-9));
    // Units differ between entries: `value` has none of its own.
    assert_eq!(i.main.units.get("value"), None);
    assert_eq!(i.main.units.get("mean").map(|u| u.symbol), Some("s"));
    documented(
        "benchmark-action",
        "NAME",
        df,
        &[
            "name", "mean", "median", "stddev", "min", "max", "value", "unit",
        ],
    );
}

#[test]
fn prometheus_matrix_vector_and_histograms() {
    let i = imported(
        DataFormat::Prometheus,
        &[fixture("prometheus-query_range.json")],
        None,
    );
    let df = &i.main.df;
    assert_eq!(
        df.get_column_names(),
        ["time", "metric", "job", "instance", "series", "value"]
    );
    assert_eq!(df.height(), 6);
    assert_eq!(
        df.column("time").unwrap().dtype(),
        &DataType::Datetime(TimeUnit::Milliseconds, None)
    );
    let ms = df.column("time").unwrap().cast(&DataType::Int64).unwrap();
    assert_eq!(cell_f64(&ms, 0), Some(1_435_781_430_781.0));
    assert_eq!(text_at(df, "time", 0), "2015-07-01 20:10:30.781");
    assert_eq!(
        text_at(df, "series", 3),
        "up{job=\"node\",instance=\"localhost:9091\"}"
    );
    assert_eq!(f64_at(df, "value", 5), Some(1.0));
    assert_eq!(f64_at(df, "value", 4), Some(0.0));
    documented(
        "prometheus",
        "NAME",
        df,
        &["time", "metric", "series", "value"],
    );

    let wide = imported(
        DataFormat::Prometheus,
        &[fixture("prometheus-query_range.json")],
        Some(Shape::Wide),
    );
    let w = &wide.main.df;
    assert_eq!(w.shape(), (3, 3));
    assert_eq!(
        f64_at(w, "up{job=\"node\",instance=\"localhost:9091\"}", 2),
        Some(1.0)
    );
    documented("prometheus", "NAME", w, &["time"]);

    let v = imported(
        DataFormat::Prometheus,
        &[fixture("prometheus-query.json")],
        None,
    );
    assert_eq!(v.main.df.height(), 2);
    assert_eq!(text_at(&v.main.df, "instance", 1), "localhost:9100");

    let h = imported(
        DataFormat::Prometheus,
        &[fixture("prometheus-histograms.json")],
        None,
    );
    let h = &h.main.df;
    assert_eq!(h.height(), 5);
    assert_eq!(text_at(h, "label_value", 0), "p99", "a label named `value`");
    assert_eq!(f64_at(h, "value", 0), Some(0.25));
    assert!(f64_at(h, "value", 1).is_none_or(f64::is_nan), "NaN");
    assert_eq!(f64_at(h, "value", 2), None, "+Inf is no JSON number");
    let inf = h.column("value").unwrap().f64().unwrap().get(2);
    assert_eq!(inf, Some(f64::INFINITY));
    assert_eq!(f64_at(h, "histogram_count", 4), Some(20.0));
    assert_eq!(f64_at(h, "histogram_sum", 3), Some(3.5));
    assert_eq!(text_at(h, "metric", 0), "");
    documented(
        "prometheus",
        "NAME",
        h,
        &["histogram_count", "histogram_sum"],
    );
}

#[test]
fn grafana_exports_in_both_shapes() {
    let j = imported(DataFormat::Grafana, &[fixture("grafana-joined.csv")], None);
    let df = &j.main.df;
    let a = "{instance=\"a:9100\", job=\"node\"}";
    let b = "{instance=\"b:9100\", job=\"node\"}";
    assert_eq!(df.get_column_names(), ["time", a, b]);
    assert_eq!(text_at(df, "time", 1), "2024-01-15 10:00:15");
    assert_eq!(f64_at(df, a, 1), Some(0.375));
    assert_eq!(f64_at(df, b, 1), None);
    documented("grafana", "NAME", df, &["time"]);
    let long = imported(
        DataFormat::Grafana,
        &[fixture("grafana-joined.csv")],
        Some(Shape::Long),
    );
    let l = &long.main.df;
    assert_eq!(l.get_column_names(), ["time", "series", "value"]);
    assert_eq!(l.height(), 6);
    assert_eq!(text_at(l, "series", 3), b);
    documented("grafana", "NAME", l, &["series", "value"]);

    let r = imported(
        DataFormat::Grafana,
        &[fixture("grafana-series-to-rows.csv")],
        None,
    );
    let df = &r.main.df;
    assert_eq!(df.get_column_names(), ["time", "series", "value"]);
    assert!(close(f64_at(df, "value", 0), 0.95), "950 ms");
    assert!(close(f64_at(df, "value", 1), 1.2), "1.20 s");
    assert_eq!(r.main.units.get("value").map(|u| u.symbol), Some("s"));
    let w = imported(
        DataFormat::Grafana,
        &[fixture("grafana-series-to-rows.csv")],
        Some(Shape::Wide),
    );
    let w_df = &w.main.df;
    assert_eq!(w_df.get_column_names(), ["time", "api", "web"]);
    assert!(close(f64_at(w_df, "web", 1), 0.875));
    assert_eq!(w.main.units.get("api").map(|u| u.symbol), Some("s"));

    let x = imported(DataFormat::Grafana, &[fixture("grafana-excel.csv")], None);
    assert_eq!(x.main.df.get_column_names(), ["time", "CPU busy"]);
    assert_eq!(f64_at(&x.main.df, "CPU busy", 1), Some(47.5));
}

#[test]
fn grafana_excel_mode_utf16_with_tabs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("panel.csv");
    let text = "\u{feff}\"Time\"\t\"a, b\"\r\n1705312800000\t1.5\r\n1705312815000\t2";
    let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    std::fs::write(&path, bytes).unwrap();
    assert_eq!(detect(&path, DataFormat::Csv), Some(DataFormat::Grafana));
    let i = imported(DataFormat::Grafana, &[path], None);
    assert_eq!(f64_at(&i.main.df, "a, b", 1), Some(2.0));
}

#[test]
fn content_says_the_format_where_it_is_unambiguous() {
    let detected = |name: &str, ext: DataFormat| detect(&fixture(name), ext);
    assert_eq!(
        detected("prometheus-query_range.json", DataFormat::Json),
        Some(DataFormat::Prometheus)
    );
    assert_eq!(
        detected("prometheus-histograms.json", DataFormat::Json),
        Some(DataFormat::Prometheus)
    );
    assert_eq!(
        detected("criterion/sum/new/estimates.json", DataFormat::Json),
        Some(DataFormat::Criterion)
    );
    assert_eq!(
        detected("criterion/sum/new/benchmark.json", DataFormat::Json),
        Some(DataFormat::Criterion)
    );
    assert_eq!(
        detected("grafana-joined.csv", DataFormat::Csv),
        Some(DataFormat::Grafana)
    );
    assert_eq!(
        detected("grafana-series-to-rows.csv", DataFormat::Csv),
        Some(DataFormat::Grafana)
    );
    assert_eq!(
        detected("grafana-excel.csv", DataFormat::Csv),
        Some(DataFormat::Grafana)
    );
    // Plain lists of records are not taken for anything.
    assert_eq!(detected("benchmark-action.json", DataFormat::Json), None);
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("a.csv", "Time,value\n1705312800000,1\n"),
        ("b.csv", "\"Time\",\"value\"\nmonday,1\n"),
        ("c.json", "{\"data\": [1, 2]}"),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let ext = DataFormat::from_path(name).unwrap();
        assert_eq!(detect(&p, ext), None, "{name}");
    }
    assert!(criterion::is_folder(&fixture("criterion")));
    assert!(!criterion::is_folder(
        Path::new(FIXTURES)
            .parent()
            .unwrap()
            .join("hyperfine")
            .as_path()
    ));
}

/// A dataset's tables through the engine: found by content, `_runs` named, units from the
/// importer before those its columns' names suggest.
#[test]
fn the_engine_reads_importers_tables_with_their_units() {
    let dir = tempfile::tempdir().unwrap();
    let copy = |from: &Path, to: &str| {
        let dest = dir.path().join(to);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(from, dest).unwrap();
    };
    for f in criterion::files(&[fixture("criterion")]) {
        let rel = f.strip_prefix(fixture("criterion")).unwrap();
        copy(&f, &format!("target/criterion/{}", rel.display()));
    }
    copy(&fixture("prometheus-query_range.json"), "data/up.json");
    copy(&fixture("grafana-series-to-rows.csv"), "data/panel.csv");
    let specs = [
        ("crit", DatasetSpec::Path("target/criterion".into())),
        ("up", DatasetSpec::Path("data/up.json".into())),
        (
            "panel",
            DatasetSpec::Table(DatasetTable {
                path: "data/panel.csv".into(),
                shape: Some(Shape::Wide),
                ..DatasetTable::default()
            }),
        ),
        (
            "bad",
            DatasetSpec::Table(DatasetTable {
                path: "data/up.json".into(),
                format: Some(DataFormat::Criterion),
                shape: Some(Shape::Wide),
                ..DatasetTable::default()
            }),
        ),
    ]
    .into_iter()
    .map(|(n, s)| (n.to_string(), s))
    .collect();
    let sandbox = crate::confine::Sandbox::new(dir.path(), &[]);
    let mut e = Engine::new(dir.path(), specs, sandbox);
    assert_eq!(
        e.dataset_names(),
        ["bad", "bad_runs", "crit", "crit_runs", "panel", "up"]
    );
    let df = e
        .query("SELECT name, mean, median_upper FROM crit ORDER BY name")
        .unwrap();
    assert!(close(cell_f64(&df.columns()[1], 1), 100.41666666666667e-9));
    assert_eq!(e.files["crit"].len(), 7);
    let runs = e.query("SELECT count(*) AS n FROM crit_runs").unwrap();
    assert_eq!(cell_f64(&runs.columns()[0], 0), Some(7.0));
    let units = e.table_units("crit");
    assert_eq!(units.get("median_upper").map(|u| u.symbol), Some("s"));
    let units = e.table_units("crit_runs");
    assert_eq!(units.get("time_s").map(|u| u.symbol), Some("s"));
    let up = e
        .query("SELECT max(value) AS v FROM up WHERE job = 'node'")
        .unwrap();
    assert_eq!(cell_f64(&up.columns()[0], 0), Some(1.0));
    let p = e.query("SELECT api FROM panel ORDER BY time").unwrap();
    assert!(close(cell_f64(&p.columns()[0], 0), 0.95));
    assert_eq!(
        e.table_units("panel").get("api").map(|u| u.symbol),
        Some("s")
    );
    let err = e.query("SELECT * FROM bad").unwrap_err().to_string();
    assert!(err.contains("`shape`"), "{err}");
    // A new benchmark's file anywhere in the folder makes the dataset read again.
    let forgotten = e.forget(
        &dir.path()
            .join("target/criterion/new_bench/new/estimates.json"),
    );
    assert_eq!(forgotten, ["crit"]);
}
