//! hyperfine exports read as hyperfine means them: exports recorded with real hyperfine 1.15
//! (Debian's), 1.20 and 2.0 (its new JSON schema) in one glob, typed parameters, failed runs
//! warned about at the figure or value that shows them and reported by `deck check`; and the
//! same with exports the hyperfine on this machine writes now.

mod common;

use std::path::Path;
use std::process::Command;

use common::project::Project;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/hyperfine");

/// A project whose `hf` dataset is every recorded export (no `format`: recognised).
fn project_with(exports: &Path, slides: &str) -> Project {
    let mut p = Project::new().file("deck.toml", "[datasets]\nhf = \"data/hf/*.json\"\n");
    let mut names: Vec<_> = std::fs::read_dir(exports)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no exports in {}", exports.display());
    for f in names {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        p = p.file(&format!("data/hf/{name}"), std::fs::read(&f).unwrap());
    }
    p.file("slides/t.md", slides)
}

fn versions(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with("-scan.json")
        })
        .count()
}

/// The checks every set of exports passes; `n` versions, each with plain, scan and failing.
fn read_as_hyperfine_means_it(exports: &Path) {
    let n = versions(exports);
    let slides = "\
commands {{ sql(\"SELECT count(*) FROM hf\") }}\n\n\
threads sum {{ sql(\"SELECT sum(parameter_threads) FROM hf\") }}\n\n\
order {% for r in sql(\"SELECT DISTINCT parameter_threads AS t FROM hf WHERE parameter_threads IS NOT NULL ORDER BY t\") %}{{ r.t }} {% endfor %}\n\n\
runs at 12 {{ sql(\"SELECT count(*) FROM hf_runs WHERE parameter_threads = 12\") }}\n\n\
failed {{ sql(\"SELECT count(*) FROM hf_runs WHERE exit_code <> 0\") }} of {{ sql(\"SELECT sum(failed_runs) FROM hf\") }}\n\n\
times {{ sql(\"SELECT count(*) FROM hf_runs WHERE time_s > 0 AND exit_code = 0\") }}\n\n\
---\n\n\
```chart\ntype: line\nsql: SELECT parameter_threads AS threads, median(mean) AS seconds FROM hf WHERE parameter_threads IS NOT NULL GROUP BY threads ORDER BY threads\nx: threads\ny: seconds\n```\n";
    let p = project_with(exports, slides);
    let out = p.deck(&["build"]).ok();
    // Counting every command counts `false` too.
    assert_eq!(
        out.stderr().matches("warning:").count(),
        1,
        "{}",
        out.stderr()
    );
    let html = p.read("dist/t.html");
    // Per version: plain 2 commands, scan 12, failing 2.
    for expected in [
        format!("commands {}", 16 * n),
        // 1 + 2 + ... + 12 per version: the values are numbers.
        format!("threads sum {}", 78 * n),
        // In numeric order, not 1, 10, 11, 12, 2...
        "order 1 2 3 4 5 6 7 8 9 10 11 12".to_string(),
        // The runs table has the parameters: 3 runs at 12 threads per version.
        format!("runs at 12 {}", 3 * n),
        // `false` failed its 3 runs in each version; the summary counts them too.
        format!("failed {} of {}", 3 * n, 3 * n),
        // plain 6 + scan 36 + failing 3 good runs, per version.
        format!("times {}", 45 * n),
    ] {
        assert!(html.contains(&expected), "missing {expected:?} in {html}");
    }
    // The line chart's x axis is numeric: 2, 4, ... 12 left to right.
    let svg = &html[html.find("<svg").unwrap()..];
    let x_of = |label: &str| -> f64 {
        let at = svg
            .find(&format!(">{label}</text>"))
            .unwrap_or_else(|| panic!("no tick {label}"));
        let tag = &svg[svg[..at].rfind("<text").unwrap()..at];
        let x = &tag[tag.find(" x=\"").unwrap() + 4..];
        x[..x.find('"').unwrap()].parse().unwrap()
    };
    assert!(x_of("2") < x_of("4") && x_of("4") < x_of("10") && x_of("10") < x_of("12"));
}

#[test]
fn exports_of_hyperfine_1_15_1_20_and_2_0_in_one_glob() {
    assert_eq!(versions(Path::new(FIXTURES)), 3);
    read_as_hyperfine_means_it(Path::new(FIXTURES));
}

#[test]
fn figures_and_values_over_failed_runs_are_warned_about_where_they_are() {
    let slides = "# Times\n\n\
```table\nsql: SELECT name, mean FROM hf WHERE command IN ('true', 'false') ORDER BY name\n```\n\n\
```table\nsql: SELECT name, mean FROM hf WHERE failed_runs = 0 AND command = 'true'\n```\n\n\
The slowest takes {{ sql(\"SELECT max(time_s) FROM hf_runs WHERE command IN ('true', 'false')\") | num(3) }} s.\n\n\
```chart\ntype: bar\nsql: SELECT parameter_threads AS t, max(mean) AS s FROM hf WHERE parameter_threads IS NOT NULL GROUP BY t\nx: t\ny: s\n```\n";
    let p = project_with(Path::new(FIXTURES), slides);
    let err = p.deck(&["build"]).ok().stderr();
    // The first table and the value include `false`'s runs; the second table and the chart do
    // not (the chart reads the same dataset but none of its failed rows).
    assert_eq!(err.matches("warning:").count(), 2, "{err}");
    assert!(
        err.contains("warning: table: shows failed runs: 3 of 3 runs of `false` failed (exit code 1) in v1.15.0-failing.json; 3 of 3 runs of `false` failed (exit code 1) in v1.20.0-failing.json; 3 of 3 runs of `false` failed (exit code 1) in v2.0.0-failing.json\n  --> slides/t.md:3:1"),
        "{err}"
    );
    assert!(
        err.contains("warning: sql(): the value includes failed runs: 3 of 3 runs of `false` failed (exit code 1) in v1.15.0-failing.json")
            && err.contains("--> slides/t.md:11:19"),
        "{err}"
    );
    assert!(
        err.contains("WHERE failed_runs = 0"),
        "the help says how: {err}"
    );

    // deck check names each export with failed runs.
    let check = p.deck(&["check", "--no-browser"]).ok().stderr();
    for v in ["1.15.0", "1.20.0", "2.0.0"] {
        assert!(
            check.contains(&format!(
                "warning[failed-runs]: data/hf/v{v}-failing.json: dataset `hf`: 3 of 3 runs of `false` failed (exit code 1)"
            )),
            "{v}: {check}"
        );
    }
    let json = p.deck(&["check", "--no-browser", "--format", "json"]).ok();
    let doc: serde_json::Value = serde_json::from_slice(&json.0.stdout).unwrap();
    let failed = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "failed-runs")
        .count();
    assert_eq!(failed, 3, "{doc}");
}

#[test]
fn deck_check_reports_deck_run_rows_that_are_not_ok() {
    let p = Project::new()
        .file("deck.toml", "[datasets]\nruns = \"data/runs.csv\"\n")
        .file(
            "data/runs.csv",
            "variant,workload,rep,wall_s,exit_code,status\n\
debian,pool,1,7.5,0,ok\ndebian,pool,2,60.0,,timeout\nofficial,pool,1,8.1,0,ok\nofficial,pool,2,0.1,1,failed\n",
        )
        .file(
            "slides/t.md",
            "# Pool\n\n```chart\ntype: bar\nsql: SELECT variant, median(wall_s) AS s FROM runs GROUP BY variant ORDER BY variant\nx: variant\ny: s\n```\n\n```chart\ntype: bar\nsql: SELECT variant, median(wall_s) AS s FROM runs WHERE status = 'ok' GROUP BY variant ORDER BY variant\nx: variant\ny: s\n```\n",
        );
    let build = p.deck(&["build"]).ok().stderr();
    assert_eq!(build.matches("warning:").count(), 1, "{build}");
    assert!(
        build.contains("warning: chart: shows failed runs: 2 of 4 rows of `runs` have a status other than ok (failed: 1, timeout: 1): debian pool rep 2, official pool rep 2\n  --> slides/t.md:3:1"),
        "{build}"
    );
    let check = p.deck(&["check", "--no-browser", "--strict"]);
    assert_eq!(check.0.status.code(), Some(2), "a warning with --strict");
    assert!(
        check.stderr().contains("warning[failed-runs]")
            && check
                .stderr()
                .contains("data/runs.csv: dataset `runs`: 2 of 4 rows"),
        "{}",
        check.stderr()
    );
}

/// The hyperfine on this machine, or `None` after saying why the test is skipped;
/// `DECK_REQUIRE_HYPERFINE=1` (set by `.ci/run`) makes a missing one a failure.
fn hyperfine_or_skip(test: &str) -> Option<String> {
    let hf = std::env::var("HYPERFINE").unwrap_or_else(|_| "hyperfine".into());
    if Command::new(&hf)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return Some(hf);
    }
    if std::env::var_os("DECK_REQUIRE_HYPERFINE").is_some_and(|v| v == "1") {
        panic!(
            "{test}: DECK_REQUIRE_HYPERFINE=1 but hyperfine was not found (apt-get install hyperfine, or set HYPERFINE)"
        );
    }
    eprintln!("SKIPPED {test}: hyperfine not found (apt-get install hyperfine, or set HYPERFINE)");
    None
}

#[test]
fn exports_written_by_this_machines_hyperfine() {
    let Some(hf) = hyperfine_or_skip("exports_written_by_this_machines_hyperfine") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let script = Path::new(FIXTURES).join("record.sh");
    std::fs::copy(&script, dir.path().join("record.sh")).unwrap();
    let out = Command::new("bash")
        .arg(dir.path().join("record.sh"))
        .arg(&hf)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    read_as_hyperfine_means_it(dir.path());
}
