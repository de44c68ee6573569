//! The importers on what the real tools write: pytest-benchmark and Google Benchmark run here
//! (`.ci/run` installs them; `DECK_REQUIRE_PYTEST_BENCHMARK=1` and `DECK_REQUIRE_GBENCH=1` turn a
//! missing one into a failure), and every number deck shows is compared with the tool's own
//! JSON. criterion, Prometheus and Grafana files are fixtures written from their sources
//! (tests/fixtures/formats/README.md), read here through a whole build.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::project::Project;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/formats");

fn required(var: &str) -> bool {
    std::env::var_os(var).is_some_and(|v| v == "1")
}

/// Skip a test, or fail it under `DECK_REQUIRE_...=1`.
fn skip(test: &str, var: &str, why: &str) {
    if required(var) {
        panic!("{test}: {var}=1 but {why}");
    }
    eprintln!("SKIPPED {test}: {why}");
}

/// The `|`-separated fields between `start` and `|END` markers the slides write.
fn marked(html: &str, start: &str) -> Vec<Vec<String>> {
    html.split(start)
        .skip(1)
        .map(|rest| {
            let line = &rest[..rest.find("|END").expect("|END")];
            line.split('|').map(str::to_string).collect()
        })
        .collect()
}

/// The text of every cell of the `n`th table (0-based), row by row.
fn table_cells(html: &str, n: usize) -> Vec<Vec<String>> {
    let start = html.match_indices("<table").nth(n).expect("a table").0;
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    table
        .split("<tr>")
        .skip(2)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|c| {
                    let c = &c[c.find('>').unwrap() + 1..];
                    c[..c.find("</td>").unwrap()].to_string()
                })
                .collect()
        })
        .collect()
}

/// A number as a deck table writes it with `decimals` places: whole numbers without decimals,
/// thousands separated by commas.
fn shown(x: f64, decimals: usize) -> String {
    let s = if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.decimals$}")
    };
    let (int, frac) = s
        .split_once('.')
        .map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let digits = int.trim_start_matches('-');
    let mut out = String::from(if int.starts_with('-') { "-" } else { "" });
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

fn num(s: &str) -> f64 {
    s.parse()
        .unwrap_or_else(|e| panic!("`{s}` is not a number: {e}"))
}

/// The folder for PYTHONPATH that has pytest-benchmark (`PYTEST_BENCHMARK`, set by `.ci/run`;
/// else the python3's own packages), or `None` after saying why the test is skipped.
fn pytest_benchmark_or_skip(test: &str) -> Option<Option<OsString>> {
    let path = std::env::var_os("PYTEST_BENCHMARK");
    let mut check = Command::new("python3");
    check.args(["-c", "import pytest, pytest_benchmark"]);
    if let Some(p) = &path {
        check.env("PYTHONPATH", p);
    }
    if check.output().is_ok_and(|o| o.status.success()) {
        return Some(path);
    }
    skip(
        test,
        "DECK_REQUIRE_PYTEST_BENCHMARK",
        "pytest-benchmark was not found (python3 -m pip install pytest-benchmark, or set PYTEST_BENCHMARK to a folder that has it)",
    );
    None
}

/// Every column the importer makes of a real tool's file is one `deck help formats` lists
/// (`<...>` standing for names from the data, `prefix_<...>` for names with that prefix).
fn all_documented(format: deck::results::data::DataFormat, file: &Path) {
    use deck::results::formats::{FORMATS, Options, import};
    let imported = import(format, &[file.to_path_buf()], &Options::default())
        .unwrap()
        .unwrap();
    let doc = FORMATS.iter().find(|f| f.name == format.name()).unwrap();
    let tables = [("NAME", Some(imported.main)), ("NAME_runs", imported.runs)];
    for (table, t) in tables {
        let Some(t) = t else { continue };
        let listed = doc.tables.iter().find(|d| d.table == table).unwrap();
        for name in t.df.get_column_names() {
            let known = listed.columns.iter().any(|(c, _)| match c.find('<') {
                None => c == name,
                Some(0) => true,
                Some(i) => name.starts_with(&c[..i]),
            });
            assert!(
                known,
                "{} {table}: `{name}` is not in `deck help formats`",
                format.name()
            );
        }
    }
}

const PYTEST: &str = "\
import pytest


def test_sum(benchmark):
    benchmark(sum, range(1000))


@pytest.mark.parametrize(\"n\", [10, 100])
@pytest.mark.parametrize(\"kind\", [\"list\", \"tuple\"])
def test_build(benchmark, kind, n):
    make = list if kind == \"list\" else tuple
    benchmark(make, range(n))
";

const PYTEST_SLIDES: &str = "\
# pytest-benchmark

```table
sql: SELECT name, rounds, mean, median, stddev, min, max FROM pb ORDER BY name
decimals: 12
```

{% for r in sql(\"SELECT name, mean, median, stddev, min, max, rounds, iterations, parameter_n, parameter_kind, param, host FROM pb ORDER BY name\") %}ROW|{{ r.name }}|{{ r.mean }}|{{ r.median }}|{{ r.stddev }}|{{ r.min }}|{{ r.max }}|{{ r.rounds }}|{{ r.iterations }}|{{ r.parameter_n }}|{{ r.parameter_kind }}|{{ r.param }}|{{ r.host }}|END
{% endfor %}

n plus one {{ sql(\"SELECT sum(parameter_n + 1) FROM pb\") }}

{% for r in sql(\"SELECT name, count(*) AS n, min(time_s) AS lo, max(time_s) AS hi FROM pb_runs GROUP BY name ORDER BY name\") %}RUNS|{{ r.name }}|{{ r.n }}|{{ r.lo }}|{{ r.hi }}|END
{% endfor %}

saved {{ sql(\"SELECT sum(rounds) FROM saved\") }} with {{ sql(\"SELECT count(*) FROM saved_runs\") }} runs
";

#[test]
fn pytest_benchmark_json_as_pytest_benchmark_wrote_it() {
    let test = "pytest_benchmark_json_as_pytest_benchmark_wrote_it";
    let Some(pythonpath) = pytest_benchmark_or_skip(test) else {
        return;
    };
    // No `format`: both files are recognised from their content.
    let p = Project::new()
        .file(
            "deck.toml",
            "[datasets]\npb = \"data/pb.json\"\nsaved = \".benchmarks/*/*.json\"\n",
        )
        .file("bench/test_bench.py", PYTEST)
        .file("data/.keep", "")
        .file("slides/t.md", PYTEST_SLIDES);
    let storage = format!("file://{}", p.path(".benchmarks").display());
    let mut cmd = Command::new("python3");
    cmd.args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(format!(
            "--benchmark-json={}",
            p.path("data/pb.json").display()
        ))
        .args(["--benchmark-save=deck", "--benchmark-save-data"])
        .arg(format!("--benchmark-storage={storage}"))
        .args(["--benchmark-max-time=0.02", "--benchmark-min-rounds=5"])
        .arg(p.path("bench/test_bench.py"))
        .current_dir(p.path("bench"))
        .env("PYTHONDONTWRITEBYTECODE", "1");
    if let Some(pp) = &pythonpath {
        cmd.env("PYTHONPATH", pp);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "pytest failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let build = p.deck(&["build"]).ok();
    assert!(!build.stderr().contains("warning:"), "{}", build.stderr());
    let html = p.read("dist/t.html");
    let doc: Value = serde_json::from_str(&p.read("data/pb.json")).unwrap();
    let mut benches: Vec<&Value> = doc["benchmarks"].as_array().unwrap().iter().collect();
    benches.sort_by_key(|b| b["name"].as_str().unwrap().to_string());
    assert_eq!(benches.len(), 5);
    let rows = marked(&html, "ROW|");
    let runs = marked(&html, "RUNS|");
    let cells = table_cells(&html, 0);
    assert_eq!((rows.len(), runs.len(), cells.len()), (5, 5, 5), "{html}");
    let host = doc["machine_info"]["node"].as_str().unwrap();
    for (i, b) in benches.iter().enumerate() {
        let s = &b["stats"];
        let name = b["name"].as_str().unwrap();
        let r = &rows[i];
        assert_eq!(r[0], name);
        // The very numbers of the JSON: in seconds, as pytest-benchmark writes them.
        for (j, stat) in ["mean", "median", "stddev", "min", "max"]
            .iter()
            .enumerate()
        {
            assert_eq!(num(&r[1 + j]), s[stat].as_f64().unwrap(), "{name} {stat}");
            assert_eq!(
                cells[i][2 + j],
                shown(s[stat].as_f64().unwrap(), 12),
                "{name} {stat} in the table"
            );
        }
        assert_eq!(r[6], s["rounds"].to_string(), "{name} rounds");
        assert_eq!(cells[i][1], shown(s["rounds"].as_f64().unwrap(), 2));
        assert_eq!(r[7], s["iterations"].to_string(), "{name} iterations");
        // Parameters typed as the JSON has them.
        match b["params"]["n"].as_i64() {
            Some(n) => {
                assert_eq!(r[8], n.to_string());
                assert_eq!(r[9], b["params"]["kind"].as_str().unwrap());
                assert_eq!(r[10], b["param"].as_str().unwrap());
            }
            None => assert_eq!(r[8], "None", "test_sum has no parameters"),
        }
        assert_eq!(r[11], host);
        // Every round of stats.data, the same fastest and slowest.
        let data = s["data"].as_array().unwrap();
        assert_eq!(runs[i][0], name);
        assert_eq!(num(&runs[i][1]) as usize, data.len());
        assert_eq!(data.len() as i64, s["rounds"].as_i64().unwrap());
        assert_eq!(num(&runs[i][2]), s["min"].as_f64().unwrap());
        assert_eq!(num(&runs[i][3]), s["max"].as_f64().unwrap());
    }
    all_documented(
        deck::results::data::DataFormat::PytestBenchmark,
        &p.path("data/pb.json"),
    );
    // 11 + 101, for lists and tuples: the parameter is a number.
    assert!(html.contains("n plus one 224"), "{html}");
    let rounds: i64 = benches
        .iter()
        .map(|b| b["stats"]["rounds"].as_i64().unwrap())
        .sum();
    assert!(
        html.contains(&format!("saved {rounds} with {rounds} runs")),
        "the saved file (--benchmark-save-data) has the same rounds: {html}"
    );
}

const GBENCH: &str = r#"
#include <benchmark/benchmark.h>
#include <chrono>
#include <numeric>
#include <thread>
#include <vector>

static void BM_Sum(benchmark::State& state) {
  std::vector<int> v(state.range(0), 1);
  for (auto _ : state) benchmark::DoNotOptimize(std::accumulate(v.begin(), v.end(), 0));
  state.counters["items"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_Sum)->ArgName("n")->Arg(64)->Arg(4096);

static void BM_Sleep(benchmark::State& state) {
  for (auto _ : state) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}
BENCHMARK(BM_Sleep)->Unit(benchmark::kMillisecond)->Iterations(5);

BENCHMARK_MAIN();
"#;

const GBENCH_SLIDES: &str = "\
# Google Benchmark

```table
sql: SELECT name, runs, mean, median, stddev, min, max FROM gb ORDER BY name
decimals: 12
```

```table
sql: SELECT name, mean FROM gb WHERE benchmark = 'BM_Sleep'
format:
  mean: duration
```

{% for r in sql(\"SELECT name, benchmark, mean, median, stddev, min, max, cpu_mean, runs, repetitions, parameter_n, time_unit, items, host FROM gb ORDER BY name\") %}ROW|{{ r.name }}|{{ r.benchmark }}|{{ r.mean }}|{{ r.median }}|{{ r.stddev }}|{{ r.min }}|{{ r.max }}|{{ r.cpu_mean }}|{{ r.runs }}|{{ r.repetitions }}|{{ r.parameter_n }}|{{ r.time_unit }}|{{ r.items }}|{{ r.host }}|END
{% endfor %}

{% for r in sql(\"SELECT name, count(*) AS n, min(time_s) AS lo, max(time_s) AS hi FROM gb_runs GROUP BY name ORDER BY name\") %}RUNS|{{ r.name }}|{{ r.n }}|{{ r.lo }}|{{ r.hi }}|END
{% endfor %}

n sum {{ sql(\"SELECT sum(parameter_n) FROM gb\") }}
";

/// A benchmark compiled against this machine's Google Benchmark, or `None` after saying why the
/// test is skipped.
fn gbench_or_skip(test: &str, dir: &Path) -> Option<PathBuf> {
    let source = dir.join("bench.cc");
    std::fs::write(&source, GBENCH).unwrap();
    let exe = dir.join("bench");
    let cxx = std::env::var("CXX").unwrap_or_else(|_| "g++".into());
    let out = Command::new(&cxx)
        .args(["-O2", "-o"])
        .arg(&exe)
        .arg(&source)
        .args(["-lbenchmark", "-lpthread"])
        .output();
    match out {
        Ok(o) if o.status.success() => Some(exe),
        Ok(o) => {
            let err = String::from_utf8_lossy(&o.stderr);
            let first = err
                .lines()
                .find(|l| l.contains("error"))
                .unwrap_or("")
                .to_string();
            skip(
                test,
                "DECK_REQUIRE_GBENCH",
                &format!(
                    "a Google Benchmark program does not build ({first}; apt-get install libbenchmark-dev)"
                ),
            );
            None
        }
        Err(e) => {
            skip(
                test,
                "DECK_REQUIRE_GBENCH",
                &format!("no C++ compiler `{cxx}` ({e}; apt-get install g++ libbenchmark-dev)"),
            );
            None
        }
    }
}

/// An entry's time field in seconds.
fn gb_seconds(e: &Value, field: &str) -> f64 {
    let base = match e["time_unit"].as_str().unwrap() {
        "ns" => 1e-9,
        "us" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        other => panic!("time_unit {other}"),
    };
    e[field].as_f64().unwrap() * base
}

#[test]
fn google_benchmark_json_as_google_benchmark_wrote_it() {
    let test = "google_benchmark_json_as_google_benchmark_wrote_it";
    let p = Project::new()
        .file("deck.toml", "[datasets]\ngb = \"data/gb.json\"\n")
        .file("data/.keep", "")
        .file("slides/t.md", GBENCH_SLIDES);
    let Some(exe) = gbench_or_skip(test, &p.path("data")) else {
        return;
    };
    let out = Command::new(&exe)
        .args(["--benchmark_repetitions=3", "--benchmark_min_time=0.01"])
        .arg(format!(
            "--benchmark_out={}",
            p.path("data/gb.json").display()
        ))
        .arg("--benchmark_out_format=json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let build = p.deck(&["build"]).ok();
    assert!(!build.stderr().contains("warning:"), "{}", build.stderr());
    let html = p.read("dist/t.html");
    let doc: Value = serde_json::from_str(&p.read("data/gb.json")).unwrap();
    let entries = doc["benchmarks"].as_array().unwrap();
    let mut names: Vec<&str> = entries
        .iter()
        .map(|e| e["run_name"].as_str().unwrap())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(
        names,
        ["BM_Sleep/iterations:5", "BM_Sum/n:4096", "BM_Sum/n:64"]
    );
    let rows = marked(&html, "ROW|");
    let runs = marked(&html, "RUNS|");
    let cells = table_cells(&html, 0);
    assert_eq!((rows.len(), runs.len(), cells.len()), (3, 3, 3), "{html}");
    for (i, name) in names.iter().enumerate() {
        let of = |e: &&Value| e["run_name"] == *name;
        let reps: Vec<&Value> = entries
            .iter()
            .filter(of)
            .filter(|e| e["run_type"] == "iteration")
            .collect();
        let agg = |a: &str| {
            entries
                .iter()
                .filter(of)
                .find(|e| e["aggregate_name"] == a)
                .unwrap_or_else(|| panic!("{name}: no {a}"))
        };
        assert_eq!(reps.len(), 3);
        let real: Vec<f64> = reps.iter().map(|e| gb_seconds(e, "real_time")).collect();
        let min = real.iter().copied().fold(f64::INFINITY, f64::min);
        let max = real.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let want = [
            gb_seconds(agg("mean"), "real_time"),
            gb_seconds(agg("median"), "real_time"),
            gb_seconds(agg("stddev"), "real_time"),
            min,
            max,
        ];
        let r = &rows[i];
        assert_eq!(r[0], *name);
        for (j, (stat, w)) in ["mean", "median", "stddev", "min", "max"]
            .iter()
            .zip(want)
            .enumerate()
        {
            assert_eq!(num(&r[2 + j]), w, "{name} {stat}");
            assert_eq!(cells[i][2 + j], shown(w, 12), "{name} {stat} in the table");
        }
        assert_eq!(
            num(&r[7]),
            gb_seconds(agg("mean"), "cpu_time"),
            "{name} cpu_mean"
        );
        assert_eq!((r[8].as_str(), r[9].as_str()), ("3", "3"));
        assert_eq!(cells[i][1], "3");
        assert_eq!(r[11], reps[0]["time_unit"].as_str().unwrap());
        assert_eq!(r[13], doc["context"]["host_name"].as_str().unwrap());
        if name.starts_with("BM_Sum") {
            assert_eq!(r[1], "BM_Sum");
            assert_eq!(r[10], name.trim_start_matches("BM_Sum/n:"));
            assert_eq!(num(&r[12]), agg("mean")["items"].as_f64().unwrap());
        } else {
            assert_eq!(
                (r[1].as_str(), r[10].as_str(), r[11].as_str()),
                ("BM_Sleep", "None", "ms")
            );
        }
        assert_eq!(runs[i][0], *name);
        assert_eq!(runs[i][1], "3");
        assert_eq!(num(&runs[i][2]), min);
        assert_eq!(num(&runs[i][3]), max);
    }
    // The millisecond benchmark, in seconds, written as a duration from its unit.
    let sleep = gb_seconds(
        entries
            .iter()
            .find(|e| e["run_name"] == "BM_Sleep/iterations:5" && e["aggregate_name"] == "mean")
            .unwrap(),
        "real_time",
    );
    let cell = &table_cells(&html, 1)[0][1];
    let shown_ms: f64 = num(cell.strip_suffix(" ms").unwrap_or_else(|| panic!("{cell}")));
    assert!(
        (shown_ms - sleep * 1e3).abs() <= 0.006 * sleep * 1e3,
        "{cell} vs {sleep}"
    );
    assert!(
        sleep > 1e-3 && sleep < 1.0,
        "a 1 ms sleep in seconds: {sleep}"
    );
    assert!(html.contains("n sum 4160"), "typed arguments: {html}");
    all_documented(
        deck::results::data::DataFormat::GoogleBenchmark,
        &p.path("data/gb.json"),
    );
}

#[test]
fn criterion_prometheus_and_grafana_files_through_a_build() {
    let fixtures = Path::new(FIXTURES);
    let mut p = Project::new().file(
        "deck.toml",
        "[datasets]\n\
         crit = \"target/criterion\"\n\
         up = \"data/up.json\"\n\
         panel = { path = \"data/panel.csv\", shape = \"wide\" }\n\
         bench = { path = \"data/bench.json\", format = \"github-action-benchmark\" }\n",
    );
    let walk = |dir: &Path| -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let path = e.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    out.push(path);
                }
            }
        }
        out
    };
    for f in walk(&fixtures.join("criterion")) {
        let rel = f.strip_prefix(fixtures.join("criterion")).unwrap();
        p = p.file(
            &format!("target/criterion/{}", rel.display()),
            std::fs::read(&f).unwrap(),
        );
    }
    let p = p
        .file("data/up.json", std::fs::read(fixtures.join("prometheus-query_range.json")).unwrap())
        .file("data/panel.csv", std::fs::read(fixtures.join("grafana-series-to-rows.csv")).unwrap())
        .file("data/bench.json", std::fs::read(fixtures.join("benchmark-action.json")).unwrap())
        .file(
            "slides/t.md",
            "# Formats\n\n\
```table\nsql: SELECT name, mean, mean_lower, mean_upper FROM crit ORDER BY name\nformat:\n  mean: duration\n  mean_lower: duration\n  mean_upper: duration\n```\n\n\
sum per iteration {{ sql(\"SELECT round(mean * 1000000000, 4) FROM crit WHERE name = 'sum'\") }} ns, \
{{ sql(\"SELECT count(*) FROM crit_runs\") }} samples, \
throughput {{ sql(\"SELECT round(throughput_per_s / 1000000000, 4) FROM crit WHERE parameter = 1024\") }} GB/s\n\n\
up {{ sql(\"SELECT sum(value) FROM up WHERE job = 'node'\") }} of {{ sql(\"SELECT count(*) FROM up WHERE job = 'node'\") }}, \
from {{ sql(\"SELECT min(time) FROM up\") }}\n\n\
```table\nsql: SELECT time, api, web FROM panel ORDER BY time\nformat:\n  api: duration\n  web: duration\n```\n\n\
cargo bench {{ sql(\"SELECT round(value * 1000000000) FROM bench WHERE name = 'bench_fib_20'\") }} ns\n",
        );
    let build = p.deck(&["build"]).ok();
    assert!(!build.stderr().contains("warning:"), "{}", build.stderr());
    let html = p.read("dist/t.html");
    // criterion's nanoseconds, in seconds, written as durations from the importer's units.
    let crit = table_cells(&html, 0);
    assert_eq!(
        crit[0],
        ["parse/bytes/1024", "503.333 ns", "490.000 ns", "520.000 ns"],
        "{html}"
    );
    assert_eq!(crit[1][0], "sum");
    assert!(
        html.contains("sum per iteration 100.4167 ns, 7 samples"),
        "{html}"
    );
    // 1024 bytes per 503.33 ns.
    assert!(html.contains("throughput 2.0344 GB/s"), "{html}");
    assert!(
        html.contains("up 1.0 of 3, from 2015-07-01 20:10:30.781"),
        "{html}"
    );
    let panel = table_cells(&html, 1);
    assert_eq!(panel.len(), 2);
    assert_eq!(panel[0][1..], ["950 ms", "1.2 s"], "{html}");
    assert!(panel[0][0].starts_with("2024-01-15 10:00:00"), "{html}");
    assert!(html.contains("cargo bench 34001.0 ns"), "{html}");
    // The files read are the benchmarks' JSON, in provenance (not the baseline nor reports).
    let prov = p.read("dist/provenance.json");
    assert!(
        prov.contains("target/criterion/sum/new/sample.json"),
        "{prov}"
    );
    assert!(!prov.contains("base/estimates.json") && !prov.contains("index.html"));
}
