//! Every kind of problem in a user's files is reported at the exact file, line and column where
//! it was written, with its message and a help line that fits it. One test per kind, through
//! the real binary (`deck check --format json` gives the positions; `deck build` the rendering).

mod common;

use common::project::Project;
use serde_json::Value;

const DATA: &str = "variant,wall_s\na,1.0\na,3.0\nb,2.5\n";
const TOML: &str = "[datasets]\nruns = \"data/runs.csv\"\n";

fn project(deck: &str) -> Project {
    Project::new()
        .file("deck.toml", TOML)
        .file("data/runs.csv", DATA)
        .file("slides/t.md", deck)
}

/// Every finding of `deck check` as (file:line:col, severity, message, help, notes).
fn findings(p: &Project) -> Vec<(String, String, String, String, Vec<String>)> {
    let run = p.deck(&["check", "--no-browser", "--format", "json"]);
    let json: Value = serde_json::from_slice(&run.0.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&run.0.stdout)));
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "build")
        .map(|f| {
            let file = f["file"].as_str().unwrap_or("").replace('\\', "/");
            let at = format!(
                "{file}:{}:{}",
                f["line"].as_u64().unwrap_or(0),
                f["column"].as_u64().unwrap_or(0)
            );
            let notes = f["notes"]
                .as_array()
                .map(|n| n.iter().map(|x| x.as_str().unwrap().to_string()).collect())
                .unwrap_or_default();
            (
                at,
                f["severity"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
                f["help"].as_str().unwrap_or("").to_string(),
                notes,
            )
        })
        .collect()
}

/// The one finding whose message is `message`, at `at`; returns its help and notes.
#[track_caller]
fn expect(p: &Project, at: &str, message: &str) -> (String, Vec<String>) {
    let all = findings(p);
    let hit = all.iter().find(|f| f.2 == message);
    let Some((got_at, _, _, help, notes)) = hit else {
        panic!("no finding {message:?}; found:\n{all:#?}");
    };
    assert_eq!(got_at, at, "{message}");
    (help.clone(), notes.clone())
}

#[test]
fn undefined_variable_names_it_and_what_exists() {
    let p = project("# Title\n\n{% set total = 3 %}\nRows: {{ totl }}\n");
    let (help, _) = expect(&p, "slides/t.md:4:10", "undefined variable `totl`");
    assert!(
        help.starts_with("did you mean `total`?") && help.contains("defined in this deck: total"),
        "{help}"
    );
}

#[test]
fn template_syntax_error() {
    let p = project("# Title\n\nA {{ sql( }} b\n");
    let all = findings(&p);
    let f = all
        .iter()
        .find(|f| f.2.starts_with("template syntax:"))
        .unwrap();
    assert!(f.0.starts_with("slides/t.md:3:"), "{all:?}");
    assert!(f.3.contains("put it in `code`"), "{}", f.3);
}

#[test]
fn unknown_filter() {
    let p = project("# T\n\n{{ 0.5 | percnt }}\n");
    let (help, _) = expect(&p, "slides/t.md:3:10", "unknown filter `percnt`");
    assert!(help.starts_with("did you mean `percent`?"), "{help}");
}

#[test]
fn unclosed_and_stray_blocks() {
    let p = project(
        "# T\n\n{% for r in sql(\"SELECT variant FROM runs\") %}\n## {{ r.variant }}\n\n---\n\n{% endif %}\n",
    );
    let (help, _) = expect(&p, "slides/t.md:3:1", "`{% for %}` is never closed");
    assert!(help.contains("{% endfor %}"), "{help}");
    let (help, _) = expect(
        &p,
        "slides/t.md:8:1",
        "`{% endif %}` closes nothing: no `{% if %}` is open here",
    );
    assert!(help.contains("remove it"), "{help}");
}

#[test]
fn sql_errors_get_did_you_mean() {
    let p = project(
        "# T\n\nTable: {{ sql(\"SELECT count(*) FROM run\") }}\n\nColumn: {{ sql(\"SELECT max(wall) FROM runs\") }}\n",
    );
    let (help, _) = expect(&p, "slides/t.md:3:11", "relation 'run' was not found");
    assert_eq!(help, "did you mean `runs`? known datasets: runs");
    let all = findings(&p);
    let col = all.iter().find(|f| f.2.contains("\"wall\"")).unwrap();
    assert_eq!(col.0, "slides/t.md:5:12");
    assert!(col.3.starts_with("did you mean `wall_s`?"), "{}", col.3);
}

#[test]
fn errors_inside_loops_name_the_template_line_and_iteration() {
    let deck = "# T\n\n{% for r in sql(\"SELECT DISTINCT variant FROM runs ORDER BY variant\") %}\n---\n\n## {{ r.variant }}\n\n![](img-{{ r.variant }}.png)\n\n```chart\nsql: SELECT variant, wall_s FROM runz\nx: variant\ny: wall_s\n```\n{% endfor %}\n";
    let p = project(deck);
    let all = findings(&p);
    let images: Vec<_> = all
        .iter()
        .filter(|f| f.2.starts_with("image not found"))
        .collect();
    assert_eq!(images.len(), 2, "{all:#?}");
    assert_eq!(images[0].0, "slides/t.md:8:5");
    assert_eq!(images[0].4, ["in iteration 1 of the `{% for %}` at line 3"]);
    assert_eq!(images[1].4, ["in iteration 2 of the `{% for %}` at line 3"]);
    let charts: Vec<_> = all
        .iter()
        .filter(|f| f.2 == "chart: relation 'runz' was not found")
        .collect();
    assert_eq!(charts.len(), 2, "{all:#?}");
    assert_eq!(charts[1].0, "slides/t.md:11:6");
    assert_eq!(charts[1].3, "did you mean `runs`? known datasets: runs");
    assert_eq!(charts[1].4, ["in iteration 2 of the `{% for %}` at line 3"]);
}

#[test]
fn markdown_problems_after_templates_point_at_the_source() {
    // The template lines before shift the expanded text: the position is still the source's.
    let deck = "{% set n = sql(\"SELECT count(*) FROM runs\") %}\n{% set m = 2 %}\n# {{ n }} runs\n\n<!-- paginat: true -->\n\n![](nope.png)\n";
    let p = project(deck);
    expect(
        &p,
        "slides/t.md:5:6",
        "unknown directive `paginat`: this comment is kept as a speaker note",
    );
    expect(
        &p,
        "slides/t.md:7:5",
        "image not found: nope.png (no such file)",
    );
}

#[test]
fn a_comment_that_would_hide_slides_is_a_warning() {
    let p = project("# One\n\nWe count {# in prose\n\n---\n\n# Two\n\n---\n\n# Three #} end\n");
    let all = findings(&p);
    let f = all
        .iter()
        .find(|f| f.2.contains("hides 2 slide breaks"))
        .unwrap();
    assert_eq!(
        (f.0.as_str(), f.1.as_str()),
        ("slides/t.md:3:10", "warning")
    );
    assert!(f.2.contains("lines 3-11"), "{}", f.2);
}

#[test]
fn an_unclosed_opener_stays_text_with_a_warning() {
    let p = project("# Title {#intro}\n\nText\n");
    let (help, _) = expect(
        &p,
        "slides/t.md:1:9",
        "`{#` without a closing `#}`: kept as text",
    );
    assert!(help.contains("put it in `code`"), "{help}");
    p.deck(&["build"]).ok();
    assert!(p.read("dist/t.html").contains("Title {#intro}"));
}

#[test]
fn chart_unknown_key_and_unindented_map() {
    let p = project(
        "# T\n\n```chart\ntype: bar\nsql: SELECT variant, wall_s FROM runs\nx: variant\ny: wall_s\ncolours:\n  a: \"#ff0000\"\n```\n\n```chart\ntype: bar\nsql: SELECT variant, wall_s FROM runs\nx: variant\ny: wall_s\ncolors:\na: \"#ff0000\"\n```\n",
    );
    let (help, _) = expect(&p, "slides/t.md:8:1", "chart: unknown key `colours`");
    assert!(help.starts_with("did you mean `colors`?"), "{help}");
    let (help, _) = expect(&p, "slides/t.md:18:1", "chart: unknown key `a`");
    assert!(
        help.contains("indent it (two spaces) under `colors:`"),
        "{help}"
    );
}

#[test]
fn chart_over_indented_line() {
    let p = project(
        "# T\n\n```chart\ntype: bar\nsql: SELECT variant, wall_s FROM runs\n  x: variant\ny: wall_s\n```\n",
    );
    let all = findings(&p);
    let f = all
        .iter()
        .find(|f| f.2.starts_with("chart: broken YAML"))
        .unwrap();
    assert!(f.0.starts_with("slides/t.md:6:"), "{all:#?}");
    assert!(f.3.contains("indentation"), "{}", f.3);
}

#[test]
fn table_values_that_are_wrong_are_pointed_at() {
    let p = project(
        "# T\n\n```table\nsql: SELECT variant, wall_s FROM runs\nformat:\n  wall_s: secs\n```\n\n```table\nsql: SELECT variant, wall_s FROM runs\nhighlight: { wall_s: best }\n```\n\n```table\nsql: SELECT variant, wall_s FROM runs\nformat: { wal_s: 2 }\n```\n",
    );
    expect(
        &p,
        "slides/t.md:6:11",
        "table: unknown format `secs` for column `wall_s`",
    );
    expect(
        &p,
        "slides/t.md:11:22",
        "table: highlight of `wall_s` must be `min` or `max`, not `best`",
    );
    let (help, _) = expect(
        &p,
        "slides/t.md:16:11",
        "table: unknown column `wal_s` in `format`",
    );
    assert!(help.starts_with("did you mean `wall_s`?"), "{help}");
}

#[test]
fn a_missing_required_key_points_at_the_block() {
    let p = project("# T\n\n```chart\ntype: bar\nx: variant\n```\n");
    let (help, _) = expect(&p, "slides/t.md:3:1", "chart: missing `sql`");
    assert_eq!(help, "add a `sql:` line to the block");
}

#[test]
fn broken_front_matter() {
    let p = project("---\ntheme: gaia\nclass: [lead\n---\n\n# T\n");
    let all = findings(&p);
    let f = all
        .iter()
        .find(|f| f.2.starts_with("broken YAML in front matter"))
        .unwrap();
    assert!(f.0.starts_with("slides/t.md:"), "{all:#?}");
}

#[test]
fn every_template_error_of_a_deck_is_reported() {
    let p = project(
        "# A {{ a1 }}\n\n---\n\n# B {{ b1 }}\n\n---\n\n{{ sql(\"SELECT x FROM nowhere\") }}\n\n{{ 1 | nofilter }}\n",
    );
    let errors: Vec<_> = findings(&p)
        .into_iter()
        .filter(|f| f.1 == "error")
        .map(|f| f.0)
        .collect();
    assert_eq!(
        errors,
        [
            "slides/t.md:1:8",
            "slides/t.md:5:8",
            "slides/t.md:9:4",
            "slides/t.md:11:8"
        ]
    );
    let err = p.deck(&["build"]).fails().stderr();
    assert!(err.contains("4 errors"), "{err}");
}

fn toml_error(toml: &str, cmd: &[&str]) -> String {
    let p = Project::new()
        .file("deck.toml", toml)
        .file("data/runs.csv", DATA)
        .file("slides/t.md", "# T\n");
    p.deck(cmd).fails().stderr()
}

#[test]
fn deck_toml_dataset_format_lists_the_formats() {
    let err = toml_error(
        "[datasets]\nruns = { path = \"data/runs.csv\", format = \"hyperfin\" }\n",
        &["build"],
    );
    assert!(
        err.contains("error: `datasets.runs.format` = \"hyperfin\" is not one of the values it takes\n  --> deck.toml:2:43\n"),
        "{err}"
    );
    assert!(
        err.contains("= help: did you mean `hyperfine`? use one of csv, tsv, json, ndjson, parquet, hyperfine, pytest-benchmark, google-benchmark, criterion, benchmark-action, github-action-benchmark, prometheus, grafana; see `deck help config`"),
        "{err}"
    );
}

#[test]
fn deck_toml_types_are_explained_with_an_example() {
    let err = toml_error("[bench]\nrepeat = \"5\"\n", &["build"]);
    assert!(
        err.contains(
            "error: `bench.repeat` must be a whole number, not string \"5\"\n  --> deck.toml:2:10\n"
        ),
        "{err}"
    );
    assert!(err.contains("write it like `repeat = 5`"), "{err}");
    let err = toml_error("[bench]\ntimeout = 600\n", &["build"]);
    assert!(
        err.contains("error: `bench.timeout` must be a duration in quotes, not integer 600\n  --> deck.toml:2:11\n"),
        "{err}"
    );
    assert!(err.contains("write it like `timeout = \"10m\"`"), "{err}");
    let err = toml_error("title = \"x\"\ntheem = \"gaia\"\n", &["build"]);
    assert!(
        err.contains("error: unknown key `theem` in deck.toml\n  --> deck.toml:2:1\n"),
        "{err}"
    );
    assert!(err.contains("did you mean `theme`?"), "{err}");
}

#[test]
fn a_variants_limit_points_at_that_key_in_that_table() {
    let toml = "[bench]\nrepeat = 2\n\n[bench.variants.a]\nlocal = true\n\n[bench.variants.b]\nimage = \"busybox\"\ncpus = 0\n\n[bench.workloads.w]\ncommand = [\"true\"]\n";
    let err = toml_error(toml, &["run", "--dry-run"]);
    assert!(
        err.contains("error: `cpus = 0` must be more than 0\n  --> deck.toml:9:8\n"),
        "{err}"
    );
}

#[test]
fn deck_help_config_ships_with_the_binary() {
    let p = Project::new();
    let out = p.deck(&["help", "config"]).ok();
    let text = String::from_utf8_lossy(&out.0.stdout);
    assert!(
        text.contains("[bench.variants.NAME]") && text.contains("timeout"),
        "{text}"
    );
    let out = p.deck(&["help", "templates"]).ok();
    assert!(String::from_utf8_lossy(&out.0.stdout).contains("Outside code"));
}

/// A `sql()` whose filter matches nothing is an error at the call, naming the filter and the
/// values the column holds, instead of failing later at an operator (`/` on none).
#[test]
fn a_query_of_nothing_names_its_filter_and_the_values_there_are() {
    let p = project(
        "# T\n\n{% set b = sql(\"SELECT median(wall_s) FROM runs WHERE variant = 'bb'\") %}\n{{ 2 / b }}\n\n{{ sql(\"SELECT max(wall_s) FROM runs WHERE variant IN ('c', 'd')\") }}\n",
    );
    let (help, _) = expect(
        &p,
        "slides/t.md:3:12",
        "the query's value is NULL: its filter `variant = 'bb'` matches no row of `runs`",
    );
    assert_eq!(help, "did you mean `b`? `variant` holds a, b");
    let all = findings(&p);
    assert!(
        !all.iter().any(|f| f.2.contains("unsupported types")),
        "{all:#?}"
    );
    // A list of values: the one the column lacks is named.
    let hit = all
        .iter()
        .find(|f| f.2.contains("`variant = 'c'`"))
        .expect("the IN list");
    assert_eq!(hit.0, "slides/t.md:6:4");
}

/// A filter binds to the value just before it: the help gives the parenthesised form.
#[test]
fn a_filter_before_an_operator_gets_the_parenthesised_form() {
    let p = project(
        "# T\n\n{% set a = sql(\"SELECT max(wall_s) FROM runs\") %}\n{{ (a / 2 - 1) * 100 | num(0) }}\n",
    );
    let all = findings(&p);
    let f = all
        .iter()
        .find(|f| f.2.contains("strings can only be multiplied"))
        .unwrap_or_else(|| panic!("{all:#?}"));
    assert!(
        f.3.contains("here to `100`") && f.3.contains("{{ ((a / 2 - 1) * 100) | num(0) }}"),
        "{}",
        f.3
    );
}

/// `duration` and `bytes` read the column's unit: from the name the query gives it, from the
/// dataset's column, or as declared in deck.toml; an unknown one is a warning at the key.
#[test]
fn table_formats_convert_from_the_columns_unit() {
    let p = Project::new()
        .file(
            "deck.toml",
            "[datasets]\nbench = { path = \"data/b.csv\", units = { p99 = \"ms\", rss = \"KiB\" } }\n",
        )
        .file("data/b.csv", "variant,mean_ms,p99,rss,other\nsimd,45.9,60,2048,184\n")
        .file(
            "slides/t.md",
            "# T\n\n```table\nsql: SELECT mean_ms AS \"mean (ms)\", median(p99) AS p, rss, other FROM bench GROUP BY mean_ms, rss, other\nformat:\n  \"mean (ms)\": duration\n  p: duration\n  rss: bytes\n  other: duration\n```\n",
        );
    p.deck(&["build"]).ok();
    let html = p.read("dist/t.html");
    for cell in ["45.9 ms", "60 ms", "2.0 MiB", "3 min 4 s"] {
        assert!(
            html.contains(&format!(">{cell}</td>")),
            "{cell}: {html:.3000}"
        );
    }
    let all = findings(&p);
    let w: Vec<_> = all.iter().filter(|f| f.1 == "warning").collect();
    assert_eq!(w.len(), 1, "{all:#?}");
    assert_eq!(w[0].0, "slides/t.md:9:10");
    assert!(
        w[0].2
            .contains("`duration` of `other`: deck does not know the column's unit"),
        "{}",
        w[0].2
    );
    assert!(w[0].3.contains("units = { other = \"ms\" }"), "{}", w[0].3);
}

#[test]
fn filters_convert_a_querys_numbers_from_their_columns_unit() {
    let p = Project::new()
        .file(
            "deck.toml",
            "[datasets]\nbench = { path = \"data/b.csv\", units = { p99 = \"ms\", rss = \"KiB\" } }\n",
        )
        .file("data/b.csv", "variant,mean_ms,p99,rss,n\nsimd,45.9,184,2048,3\nsse,50,200,4096,3\n")
        .file(
            "slides/t.md",
            "# T\n\n\
             {{ sql(\"SELECT mean_ms FROM bench WHERE variant = 'simd'\") | duration }}, \
             {{ sql(\"SELECT max(p99) AS worst FROM bench\") | duration }}, \
             {{ sql(\"SELECT min(rss) FROM bench\") | bytes }}, \
             {{ (sql(\"SELECT max(p99) FROM bench\") / 1000) | duration }}\n\n\
             {% for r in rows(\"SELECT variant, p99 FROM bench\") %}{{ r.variant }} {{ r.p99 | duration }}; {% endfor %}\n\n\
             {{ sql(\"SELECT max(n) FROM bench\") | duration }}\n",
        );
    p.deck(&["build"]).ok();
    let html = p.read("dist/t.html");
    // 45.9 ms was shown as 45.9 s, and 184 ms as 3 min 4 s, before units.
    assert!(
        html.contains("<p>45.9 ms, 200 ms, 2.0 MiB, 200 ms</p>"),
        "{html:.3000}"
    );
    assert!(html.contains("simd 184 ms; sse 200 ms;"), "{html:.3000}");
    let all = findings(&p);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0].0, "slides/t.md:7:1");
    assert!(
        all[0]
            .2
            .contains("`duration` of `n`: deck does not know the column's unit"),
        "{all:#?}"
    );
    // A size shown as a time is an error, not a number in the wrong unit.
    let q = Project::new()
        .file("deck.toml", "[datasets]\nb = \"b.csv\"\n")
        .file("b.csv", "rss_kib\n2048\n")
        .file(
            "slides/t.md",
            "{{ sql(\"SELECT rss_kib FROM b\") | duration }}\n",
        );
    q.deck(&["build"]).fails();
    let all = findings(&q);
    assert!(
        all[0]
            .2
            .contains("`duration` shows a time, but this value is a size in KiB"),
        "{all:#?}"
    );
}

/// Arithmetic on a missing value names the query and the column that gave the NULL.
#[test]
fn arithmetic_on_a_null_names_the_query_it_came_from() {
    let p = Project::new()
        .file("deck.toml", "[datasets]\nt = \"data/t.csv\"\n")
        .file("data/t.csv", "variant,mean_ms\nsimd,45.9\nplain,\n")
        .file(
            "slides/t.md",
            "# T\n\n{% for r in rows(\"SELECT variant, mean_ms FROM t\") %}\n- {{ r.variant }}: {{ r.mean_ms * 2 }}\n{% endfor %}\n",
        );
    let all = findings(&p);
    let f = all
        .iter()
        .find(|f| f.2.contains("unsupported types"))
        .unwrap_or_else(|| panic!("{all:#?}"));
    assert_eq!(f.0, "slides/t.md:4:23");
    assert!(
        f.2.contains("column `mean_ms` of `SELECT variant, mean_ms FROM t` is NULL in row 2"),
        "{}",
        f.2
    );
    assert!(f.3.contains("COALESCE(mean_ms, 0)"), "{}", f.3);
}
