//! Figures and numbers computed from data at build time: charts (asserted on their SVG), tables,
//! inline values and loops, hyperfine input, errors, provenance and the cache.

mod common;
// pytest-benchmark and Google Benchmark run for real; criterion, Prometheus, Grafana fixtures.
#[path = "results/formats.rs"]
mod formats;

use common::project::Project;

const RUNS: &str = "variant,rep,wall_s,mem_mb\n\
debian,1,10.0,100\ndebian,2,12.0,104\ndebian,3,11.0,102\n\
official,1,14.0,120\nofficial,2,15.0,121\nofficial,3,16.0,119\n\
pyenv,1,9.0,98\npyenv,2,9.5,99\npyenv,3,10.5,97\n";

const TOML: &str = "[datasets]\nruns = \"data/runs.csv\"\nhf = { path = \"data/hf.json\", format = \"hyperfine\" }\n\n[colors]\ndebian = \"#A80030\"\nofficial = \"#FFD43B\"\n";

const HYPERFINE: &str = r#"{"results":[
 {"command":"python3 a.py","mean":1.5,"stddev":0.1,"median":1.49,"user":1.4,"system":0.1,"min":1.4,"max":1.6,"times":[1.4,1.5,1.6]},
 {"command":"python3 b.py","mean":2.5,"stddev":0.2,"median":2.51,"user":2.3,"system":0.2,"min":2.3,"max":2.7,"times":[2.3,2.5,2.7]}]}"#;

fn project(deck: &str) -> Project {
    Project::new()
        .file("deck.toml", TOML)
        .file("data/runs.csv", RUNS)
        .file("data/hf.json", HYPERFINE)
        .file("slides/t.md", deck)
}

/// The first SVG of the page.
fn svg(html: &str) -> &str {
    let start = html.find("<svg").expect("an svg");
    &html[start..start + html[start..].find("</svg>").unwrap() + 6]
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

fn chart(spec: &str) -> String {
    let p = project(&format!("```chart\n{spec}\n```\n"));
    p.deck(&["build"]).ok();
    svg(&p.read("dist/t.html")).to_string()
}

#[test]
fn bar_chart_one_bar_per_row_with_deck_colours_and_labels() {
    let s = chart(
        "type: bar\nsql: SELECT variant, median(wall_s) AS seconds FROM runs GROUP BY variant ORDER BY seconds\nx: variant\ny: seconds\ntitle: Median run time\nunit: s",
    );
    assert_eq!(
        count(&s, "fill=\"#A80030\""),
        1,
        "debian's colour from deck.toml"
    );
    assert_eq!(count(&s, "fill=\"#FFD43B\""), 1, "official's colour");
    assert_eq!(
        count(&s, "fill=\"var(--deck-chart-"),
        1,
        "pyenv takes a palette colour"
    );
    for label in [
        ">pyenv<",
        ">debian<",
        ">official<",
        ">Median run time<",
        ">seconds (s)<",
    ] {
        assert!(s.contains(label), "missing {label} in {s}");
    }
    assert!(s.contains("role=\"img\" aria-label=\"Median run time\""));
    // Every text at least 18 px on a 1280x720 slide.
    let sizes: Vec<f64> = s
        .split("font-size=\"")
        .skip(1)
        .map(|r| r[..r.find('"').unwrap()].parse().unwrap())
        .collect();
    assert!(
        !sizes.is_empty() && sizes.iter().all(|px| *px >= 18.0),
        "{sizes:?}"
    );
    assert!(!s.contains("#010203"), "sentinel colours are replaced");
    // Order follows the query: pyenv (9.5) first.
    assert!(s.find(">pyenv<").unwrap() < s.find(">official<").unwrap());
}

#[test]
fn repeated_runs_need_an_error_rule_and_get_error_bars() {
    let p =
        project("```chart\nsql: SELECT variant, wall_s FROM runs\nx: variant\ny: wall_s\n```\n");
    let err = p.deck(&["build"]).fails().stderr();
    assert!(err.contains("3 rows for `debian`"), "{err}");
    assert!(err.contains("error: stddev"), "{err}");
    assert!(err.contains("t.md:2:"), "{err}");
    let s = chart("sql: SELECT variant, wall_s FROM runs\nx: variant\ny: wall_s\nerror: stddev");
    // Three bars, each with an error bar of three strokes.
    assert_eq!(count(&s, "<rect"), 3, "{s}");
    assert!(count(&s, "<polyline") >= 9, "{s}");
}

#[test]
fn grouped_stacked_and_horizontal_bars() {
    let grouped =
        chart("sql: SELECT variant, rep, wall_s FROM runs\nx: rep\ny: wall_s\nseries: variant");
    assert_eq!(
        count(&grouped, "fill=\"#A80030\""),
        3 + 1,
        "3 debian bars and a legend square"
    );
    assert!(grouped.contains(">official<"), "legend");
    let stacked = chart(
        "sql: SELECT variant, rep, wall_s FROM runs\nx: variant\ny: wall_s\nseries: rep\nstacked: true",
    );
    assert_eq!(
        count(&stacked, "<rect"),
        9 + 3,
        "9 segments and 3 legend squares"
    );
    let hbar = chart(
        "type: hbar\nsql: SELECT variant, avg(mem_mb) AS mb FROM runs GROUP BY variant\nx: variant\ny: mb\nbaseline: 100\nbaseline_label: budget",
    );
    assert_eq!(count(&hbar, "<rect"), 3);
    assert!(hbar.contains(">budget<"));
}

#[test]
fn line_area_scatter_box_histogram() {
    let line = chart(
        "type: line\nsql: SELECT variant, rep, wall_s FROM runs ORDER BY rep\nx: rep\ny: wall_s\nseries: variant",
    );
    assert_eq!(
        count(&line, "<polyline"),
        3 + count(&line, "<polyline") - 3,
        "three series lines"
    );
    assert!(count(&line, "<circle") >= 9, "points on the lines");
    let area = chart(
        "type: area\nsql: SELECT rep, sum(wall_s) AS total FROM runs GROUP BY rep ORDER BY rep\nx: rep\ny: total",
    );
    assert!(area.contains("<polygon"), "{area}");
    let scatter = chart(
        "type: scatter\nsql: SELECT mem_mb, wall_s, variant FROM runs\nx: mem_mb\ny: wall_s\nseries: variant",
    );
    assert_eq!(count(&scatter, "<circle"), 9);
    let boxes = chart("type: box\nsql: SELECT variant, wall_s FROM runs\nx: variant\ny: wall_s");
    assert_eq!(
        count(&boxes, "fill=\"#A80030\""),
        1,
        "debian's box in its colour"
    );
    assert_eq!(
        count(&boxes, "<rect"),
        6,
        "a filled and an outlined box per variant"
    );
    let hist = chart("type: histogram\nsql: SELECT wall_s FROM runs\nx: wall_s\nbins: 4");
    assert_eq!(count(&hist, "<rect"), 8, "4 bins, each filled and outlined");
    assert!(hist.contains(">count<"));
}

#[test]
fn a_title_wider_than_the_chart_is_made_to_fit() {
    let base = "sql: SELECT variant, median(wall_s) AS s FROM runs GROUP BY variant\nx: variant\ny: s\nwidth: 640\n";
    let short = chart(&format!("{base}title: Median run time"));
    assert!(
        short.contains("font-size=\"26\"") && !short.contains("textLength"),
        "{short}"
    );
    // 60 characters: about 860 px at 26 px, so a smaller font that stays readable.
    let long = chart(&format!(
        "{base}title: {}",
        "Median run time of every variant, lower is better, all runs"
    ));
    let tag = long
        .split("<text")
        .find(|t| t.contains(">Median run time of every"))
        .unwrap();
    assert!(
        tag.contains("font-size=\"18\"") || tag.contains("font-size=\"19\""),
        "{tag}"
    );
    // Far too long even at 18 px: squeezed into the chart's width.
    let huge = chart(&format!("{base}title: {}", "x".repeat(120)));
    assert!(huge.contains("textLength=\"612\""), "{huge}");
}

#[test]
fn log_scale_and_size() {
    let s = chart(
        "sql: SELECT variant, median(wall_s) AS s FROM runs GROUP BY variant\nx: variant\ny: s\nlog_y: true\nwidth: 640\nheight: 320",
    );
    assert!(
        s.contains("width=\"640\"") && s.contains("height=\"320\""),
        "{s}"
    );
    assert!(
        s.contains(">10<") || s.contains(">100<"),
        "decade ticks: {s}"
    );
    let p = project(
        "```chart\nsql: SELECT variant, 0 AS z FROM runs GROUP BY variant\nx: variant\ny: z\nlog_y: true\n```\n",
    );
    assert!(
        p.deck(&["build"])
            .fails()
            .stderr()
            .contains("log scale needs values above zero")
    );
}

#[test]
fn charts_are_deterministic() {
    let spec = "type: line\nsql: SELECT variant, rep, wall_s FROM runs ORDER BY variant, rep\nx: rep\ny: wall_s\nseries: variant";
    assert_eq!(chart(spec), chart(spec));
}

#[test]
fn tables_format_align_and_highlight() {
    let p = project(
        "```table\nsql: SELECT variant, median(wall_s) AS \"median (s)\", max(mem_mb) * 1048576 AS peak FROM runs GROUP BY variant ORDER BY 2\nhighlight:\n  \"median (s)\": min\nformat:\n  peak: bytes\ncaption: Lower is better\n```\n",
    );
    p.deck(&["build"]).ok();
    let html = p.read("dist/t.html");
    assert!(
        html.contains("<th class=\"deck-num\" style=\"text-align: right\">median (s)</th>"),
        "{html}"
    );
    assert!(
        html.contains("<td class=\"deck-num deck-best\" style=\"text-align: right\">9.50</td>"),
        "{html}"
    );
    assert!(html.contains(">104.0 MiB</td>"), "{html}");
    assert!(html.contains("<figcaption>Lower is better</figcaption>"));

    // A number of decimal places: every value of the column gets them, whole numbers too.
    let p = project(
        "```table\nsql: SELECT variant, count(*) * 1.0 AS n FROM runs GROUP BY variant ORDER BY 1\nformat:\n  n: 3\n```\n",
    );
    p.deck(&["build"]).ok();
    let html = p.read("dist/t.html");
    assert!(html.contains(">3.000</td>"), "{html}");
    // A format deck does not know is an error at its line, not a silent default.
    let p = project(
        "```table\nsql: SELECT variant, wall_s FROM runs\nformat:\n  wall_s: seconds\n```\n",
    );
    let err = p.deck(&["build"]).fails().stderr();
    assert!(
        err.contains("unknown format `seconds` for column `wall_s`")
            && err.contains("t.md:4:11")
            && err.contains("duration"),
        "{err}"
    );
}

#[test]
fn inline_values_loops_and_raw() {
    let p = project(
        "Containers were {{ sql(\"SELECT round(100 * (max(s) / min(s) - 1)) FROM (SELECT variant, median(wall_s) AS s FROM runs GROUP BY variant)\") }}% slower.\n\n{% for r in sql(\"SELECT variant, median(wall_s) AS s FROM runs GROUP BY variant ORDER BY variant\") %}\n---\n\n## {{ r.variant }}: {{ r.s | num(1) }} s\n{% endfor %}\n\n{% raw %}`{{ literal }}`{% endraw %}\n",
    );
    p.deck(&["build"]).ok();
    let html = p.read("dist/t.html");
    // median official 15 s / median pyenv 9.5 s - 1 = 58 %
    assert!(html.contains("Containers were 58.0% slower."), "{html}");
    assert_eq!(count(&html, "<section "), 4);
    assert!(
        html.contains("<h2 id=\"debian-110-s\">debian: 11.0 s</h2>")
            && html.contains("<h2 id=\"pyenv-95-s\">pyenv: 9.5 s</h2>"),
        "{html}"
    );
    assert!(html.contains("<code>{{ literal }}</code>"));
}

#[test]
fn macros_build_queries_and_phrases() {
    let p = project(
        "{% macro of(v) %}SELECT median(wall_s) FROM runs WHERE variant = '{{ v }}'{% endmacro %}\n{% macro secs(x) %}**{{ x|num(1) }} s**{% endmacro %}\ndebian {{ secs(sql(of(\"debian\"))) }}, pyenv {{ secs(sql(of(\"pyenv\"))) }}\n",
    );
    p.deck(&["build"]).ok();
    let html = p.read("dist/t.html");
    assert!(
        html.contains("debian <strong>11.0 s</strong>, pyenv <strong>9.5 s</strong>"),
        "{html}"
    );
}

#[test]
fn hyperfine_results_as_summary_and_runs() {
    let p = project(
        "```table\nsql: SELECT command, mean, stddev FROM hf ORDER BY mean\n```\n\n```chart\ntype: box\nsql: SELECT command, time_s FROM hf_runs\nx: command\ny: time_s\n```\n",
    );
    p.deck(&["build"]).ok();
    let html = p.read("dist/t.html");
    assert!(
        html.contains(
            "<td style=\"text-align: left\">python3 a.py</td><td class=\"deck-num\" style=\"text-align: right\">1.50</td>"
        ),
        "{html}"
    );
    assert!(svg(&html).contains(">python3 b.py<"));
}

#[test]
fn every_error_is_reported_with_its_line() {
    let p = project(
        "# errors\n\n```chart\nsql: SELECT nope FROM runs\nx: nope\ny: wall_s\n```\n\n```chart\nsql: SELECT variant FROM missing\nx: variant\ny: v\n```\n\n```chart\nsql: SELECT variant, wall_s FROM runs WHERE wall_s > 100\nx: variant\ny: wall_s\n```\n\n```chart\nsql: SELECT variant, rep FROM runs\nx: variant\ny: variant\n```\n\n```chart\ntype: pie\nsql: SELECT 1 AS a FROM runs\n```\n\n```table\nsql: SELECT variant FROM runs\ncolour: red\n```\n\n```chart\nsql: SELECT variant, median(wall_s) AS s FROM runs GROUP BY variant\nx: variant\ny: secs\n```\n",
    );
    let err = p.deck(&["build"]).fails().stderr();
    assert!(
        err.contains("nope") && err.contains("t.md:4:"),
        "SQL error with polars' message: {err}"
    );
    assert!(
        err.contains("known datasets: hf, hf_runs, runs") && err.contains("t.md:10:"),
        "unknown dataset: {err}"
    );
    assert!(
        err.contains("the query returned no rows") && err.contains("t.md:16:"),
        "empty result: {err}"
    );
    assert!(
        err.contains("must be numeric") && err.contains("t.md:24:"),
        "wrong type: {err}"
    );
    assert!(
        err.contains("unknown chart type `pie`") && err.contains("t.md:28:"),
        "{err}"
    );
    assert!(
        err.contains("unknown key `colour`") && err.contains("t.md:34:"),
        "{err}"
    );
    assert!(
        err.contains("unknown column `secs`") && err.contains("columns of the query: variant, s"),
        "{err}"
    );
    assert!(err.contains("7 errors"), "{err}");
    let missing = Project::new()
        .file("deck.toml", "[datasets]\nruns = \"data/gone.csv\"\n")
        .file("slides/t.md", "```table\nsql: SELECT * FROM runs\n```\n");
    let err = missing.deck(&["build"]).fails().stderr();
    assert!(err.contains("no file matches \"data/gone.csv\""), "{err}");
}

#[test]
fn provenance_is_in_the_page_and_in_provenance_json_with_the_data() {
    let p = project(
        "```chart\nsql: SELECT variant, median(wall_s) AS s FROM runs GROUP BY variant\nx: variant\ny: s\n```\n",
    );
    p.deck(&["build"]).ok();
    let html = p.read("dist/t.html");
    let sha = deck::results::sha256_file(&p.path("data/runs.csv")).unwrap();
    assert!(
        html.contains(&format!("data-inputs=\"data/runs.csv sha256:{sha}\"")),
        "{html}"
    );
    assert!(
        html.contains(
            "data-sql=\"SELECT variant, median(wall_s) AS s FROM runs GROUP BY variant\""
        )
    );
    assert!(html.contains("<figcaption class=\"deck-source\">Source: data/runs.csv (sha256 "));
    let prov: serde_json::Value = serde_json::from_str(&p.read("dist/provenance.json")).unwrap();
    let fig = &prov["figures"][0];
    assert_eq!(fig["deck"], "slides/t.md");
    assert_eq!(fig["kind"], "chart");
    assert_eq!(fig["inputs"][0]["path"], "data/runs.csv");
    assert_eq!(fig["inputs"][0]["sha256"], sha.as_str());
    assert!(
        fig["inputs"][0]["modified"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    assert_eq!(
        p.read("dist/data/runs.csv"),
        RUNS,
        "data copied for attendees"
    );
    assert!(
        !p.path("dist/data/hf.json").exists(),
        "only data the figures used"
    );
}

#[test]
fn numbers_in_the_text_and_files_read_by_templates_are_in_provenance_json() {
    let p = project(
        "Fastest: {{ sql(\"SELECT min(wall_s) FROM runs\") }} s; by {{ json(\"data/who.json\").name }}.\n",
    )
    .file("data/who.json", "{\"name\": \"deck run\"}");
    p.deck(&["build"]).ok();
    let prov: serde_json::Value = serde_json::from_str(&p.read("dist/provenance.json")).unwrap();
    let figures = prov["figures"].as_array().unwrap();
    let value = figures.iter().find(|f| f["kind"] == "value").unwrap();
    assert_eq!(value["sql"], "SELECT min(wall_s) FROM runs");
    assert_eq!(value["inputs"][0]["path"], "data/runs.csv");
    let file = figures.iter().find(|f| f["kind"] == "file").unwrap();
    assert_eq!(file["inputs"][0]["path"], "data/who.json");
    assert_eq!(
        file["inputs"][0]["sha256"],
        deck::results::sha256_file(&p.path("data/who.json"))
            .unwrap()
            .as_str()
    );
    assert_eq!(p.read("dist/data/runs.csv"), RUNS, "copied for attendees");
    // Only declared datasets are published; a file json() read is in provenance, not copied.
    assert!(!p.path("dist/data/who.json").exists());
    assert!(!p.path("dist/data/hf.json").exists(), "not used");
}

#[test]
fn unchanged_figures_come_from_the_cache() {
    let p = project(
        "```chart\nsql: SELECT variant, median(wall_s) AS s FROM runs GROUP BY variant\nx: variant\ny: s\n```\n",
    );
    p.deck(&["build"]).ok();
    let first = p.read("dist/t.html");
    let prov = |p: &Project| {
        serde_json::from_str::<serde_json::Value>(&p.read("dist/provenance.json")).unwrap()
    };
    assert_eq!(prov(&p)["figures"][0]["cached"], false);
    p.deck(&["build"]).ok();
    assert_eq!(prov(&p)["figures"][0]["cached"], true);
    assert_eq!(
        p.read("dist/t.html"),
        first,
        "a cached figure is the same figure"
    );
    // Same content rewritten (new modification time) or hash memo lost: still from the cache.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(p.path("data/runs.csv"), RUNS).unwrap();
    p.deck(&["build"]).ok();
    assert_eq!(prov(&p)["figures"][0]["cached"], true);
    std::fs::remove_file(p.path(".deck-cache/figures/hashes.json")).unwrap();
    p.deck(&["build"]).ok();
    assert_eq!(prov(&p)["figures"][0]["cached"], true);
    // Changed data: recomputed.
    std::fs::write(p.path("data/runs.csv"), RUNS.replace("9.0", "8.0")).unwrap();
    p.deck(&["build"]).ok();
    assert_eq!(prov(&p)["figures"][0]["cached"], false);
    assert_ne!(p.read("dist/t.html"), first);
}

#[test]
fn the_inputs_of_a_query_are_the_tables_it_reads_not_its_words() {
    // `runs` is a column alias and a word in a string here; only `hf` is read.
    let p = project(
        "```table\nsql: SELECT count(*) AS runs, 'runs' AS label FROM hf\n```\n\nThe {{ sql(\"SELECT count(*) AS runs FROM hf_runs\") }} runs.\n",
    );
    p.deck(&["build"]).ok();
    let html = p.read("dist/t.html");
    let sha = deck::results::sha256_file(&p.path("data/hf.json")).unwrap();
    assert!(
        html.contains(&format!("data-inputs=\"data/hf.json sha256:{sha}\"")),
        "{html}"
    );
    let prov: serde_json::Value = serde_json::from_str(&p.read("dist/provenance.json")).unwrap();
    let paths: Vec<&str> = prov["figures"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["inputs"].as_array().unwrap())
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    assert!(
        !paths.is_empty() && paths.iter().all(|p| *p == "data/hf.json"),
        "{prov}"
    );
    assert!(
        !p.path("dist/data/runs.csv").exists(),
        "runs.csv was not read"
    );
}

/// (x, y, width, height, fill) of every bar-like rectangle of a chart.
fn rects(svg: &str) -> Vec<(f64, f64, f64, f64, String)> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[at..at + tag[at..].find('"')?].to_string())
    };
    svg.split("<rect")
        .skip(1)
        .filter_map(|r| {
            let tag = &r[..r.find('>')?];
            let f = |n: &str| attr(tag, n).and_then(|v| v.parse::<f64>().ok());
            Some((
                f("x")?,
                f("y")?,
                f("width")?,
                f("height")?,
                attr(tag, "fill")?,
            ))
        })
        .filter(|r| r.4 != "none" && r.2 < 900.0)
        .collect()
}

/// (x, y, text) of every text element.
fn texts(svg: &str) -> Vec<(f64, f64, String)> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let tag = &t[..t.find('>')?];
            let body = &t[t.find('>')? + 1..t.find("</text>")?];
            let num = |n: &str| -> Option<f64> {
                let at = tag.find(&format!(" {n}=\""))? + n.len() + 3;
                tag[at..at + tag[at..].find('"')?].parse().ok()
            };
            Some((num("x")?, num("y")?, body.to_string()))
        })
        .collect()
}

#[test]
fn bars_coloured_per_variant_with_series_equal_to_x_sit_on_their_labels() {
    let s = chart(
        "type: bar\nsql: SELECT variant, median(wall_s) AS s FROM runs GROUP BY variant ORDER BY variant\nx: variant\ny: s\nseries: variant",
    );
    let bars = rects(&s);
    assert_eq!(bars.len(), 3, "{s}");
    let labels = texts(&s);
    for (name, colour) in [("debian", "#A80030"), ("official", "#FFD43B")] {
        let bar = bars.iter().find(|b| b.4 == colour).unwrap();
        let label = labels.iter().find(|t| t.2 == name).unwrap();
        let centre = bar.0 + bar.2 / 2.0;
        assert!(
            (centre - label.0).abs() <= 1.0,
            "{name}: bar centred at {centre}, label at {}",
            label.0
        );
        // As wide as a bar of a one-series chart, not a third of it.
        assert!(bar.2 > 150.0, "{name}: {} px wide", bar.2);
    }
    // The labels under the bars say it all: no legend repeating them.
    assert_eq!(labels.iter().filter(|t| t.2 == "debian").count(), 1, "{s}");
}

#[test]
fn tick_labels_keep_the_digits_that_tell_them_apart() {
    // A log axis from 0.001 to 100: no tick is "0".
    let p = Project::new()
        .file("deck.toml", "[datasets]\nt = \"data/t.csv\"\n")
        .file(
            "data/t.csv",
            "name,s,n,k\na,0.002,1,1\nb,0.05,2,1\nc,3.5,3,2\nd,42,4,3\n",
        )
        .file(
            "slides/t.md",
            "```chart\ntype: bar\nsql: SELECT name, s FROM t\nx: name\ny: s\nlog_y: true\n```\n\n---\n\n```chart\ntype: line\nsql: SELECT n, s / 1000 AS s FROM t WHERE n < 3\nx: n\ny: s\n```\n\n---\n\n```chart\ntype: line\nsql: SELECT n, k FROM t\nx: n\ny: k\n```\n\n---\n\n```chart\ntype: histogram\nsql: SELECT k FROM t\nx: k\nbins: 2\n```\n",
        );
    p.deck(&["build"]).ok();
    let html = p.read("dist/t.html");
    let svgs: Vec<&str> = html.split("<svg").skip(1).collect();
    assert_eq!(svgs.len(), 4);
    let ticks = |svg: &str| -> Vec<String> {
        texts(svg)
            .into_iter()
            .map(|t| t.2)
            .filter(|t| t.parse::<f64>().is_ok())
            .collect()
    };
    let log = ticks(svgs[0]);
    for t in ["0.001", "0.01", "0.1", "1", "10", "100"] {
        assert!(log.iter().any(|l| l == t), "log tick {t} missing: {log:?}");
    }
    assert!(!log.iter().any(|l| l == "0"), "{log:?}");
    // Small values: every tick label differs from its neighbours.
    let small = ticks(svgs[1]);
    let mut unique = small.clone();
    unique.dedup();
    assert_eq!(small, unique, "repeated tick labels");
    // Whole numbers on both axes: no tick between them.
    for (i, svg) in [svgs[2], svgs[3]].iter().enumerate() {
        let t = ticks(svg);
        assert!(!t.is_empty());
        assert!(
            t.iter().all(|l| !l.contains('.')),
            "chart {}: ticks between whole numbers: {t:?}",
            i + 3
        );
    }
}

#[test]
fn table_text_cells_line_up_with_their_headers() {
    let p = project(
        "```table\nsql: SELECT variant, median(wall_s) AS s FROM runs GROUP BY variant ORDER BY variant\n```\n",
    )
    .file("deck.toml", format!("theme = \"data\"\n{TOML}"));
    p.deck(&["build"]).ok();
    let html = p.read("dist/t.html");
    assert!(
        html.contains("<th style=\"text-align: left\">variant</th><th class=\"deck-num\" style=\"text-align: right\">s</th>"),
        "{html}"
    );
    assert!(
        html.contains("<td style=\"text-align: left\">pyenv</td><td class=\"deck-num\" style=\"text-align: right\">9.50</td>"),
        "{html}"
    );
}

/// Two hosts' runs: `ci` about a third slower than `laptop` on every variant.
const HOSTS: &str = "host,variant,rep,wall_s\n\
laptop,debian,1,2.0\nlaptop,debian,2,2.1\nlaptop,debian,3,1.9\n\
laptop,uv,1,1.6\nlaptop,uv,2,1.7\nlaptop,uv,3,1.5\n\
ci,debian,1,2.7\nci,debian,2,2.8\nci,debian,3,2.6\n\
ci,uv,1,2.2\nci,uv,2,2.3\nci,uv,3,2.1\n";

/// The whole chart of a page: its <svg> with the panels nested in it.
fn whole_svg(html: &str) -> &str {
    let start = html.find("<svg").expect("an svg");
    let mut depth = 0;
    let mut at = start;
    loop {
        let open = html[at + 1..].find("<svg").map(|i| i + at + 1);
        let close = html[at + 1..].find("</svg>").map(|i| i + at + 1).unwrap();
        match open {
            Some(o) if o < close => {
                depth += 1;
                at = o;
            }
            _ if depth == 0 => return &html[start..close + 6],
            _ => {
                depth -= 1;
                at = close;
            }
        }
    }
}

fn host_chart(spec: &str) -> String {
    let p = Project::new()
        .file("deck.toml", "[datasets]\nruns = \"data/runs.csv\"\n")
        .file("data/runs.csv", HOSTS)
        .file("slides/t.md", format!("```chart\n{spec}\n```\n"));
    p.deck(&["build"]).ok();
    whole_svg(&p.read("dist/t.html")).to_string()
}

/// The tick labels (texts that are numbers) of each panel of a faceted chart, by panel title.
fn panel_ticks(svg: &str) -> Vec<(String, Vec<String>)> {
    svg.split("<svg x=\"")
        .skip(1)
        .map(|panel| {
            let panel = &panel[..panel.find("</svg>").unwrap()];
            let all = texts(panel);
            let title = all
                .iter()
                .find(|t| t.2 == "laptop" || t.2 == "ci")
                .map(|t| t.2.clone())
                .unwrap_or_default();
            let mut ticks: Vec<String> = all
                .into_iter()
                .map(|t| t.2)
                .filter(|t| t.trim_end_matches(" s").parse::<f64>().is_ok())
                .collect();
            ticks.sort();
            (title, ticks)
        })
        .collect()
}

#[test]
fn series_and_facets_by_host_work_on_every_chart_type() {
    // Per chart type: a query and the keys that draw it, rows of both hosts in each.
    let kinds = [
        (
            "bar",
            "SELECT host, variant, wall_s FROM runs ORDER BY host",
            "x: variant\ny: wall_s\nerror: stddev",
        ),
        (
            "hbar",
            "SELECT host, variant, wall_s FROM runs ORDER BY host",
            "x: variant\ny: wall_s\nerror: stddev",
        ),
        (
            "line",
            "SELECT host, rep, avg(wall_s) AS wall_s FROM runs GROUP BY host, rep ORDER BY host, rep",
            "x: rep\ny: wall_s",
        ),
        (
            "area",
            "SELECT host, rep, avg(wall_s) AS wall_s FROM runs GROUP BY host, rep ORDER BY host, rep",
            "x: rep\ny: wall_s",
        ),
        (
            "scatter",
            "SELECT host, rep, wall_s FROM runs ORDER BY host",
            "x: rep\ny: wall_s",
        ),
        (
            "box",
            "SELECT host, variant, wall_s FROM runs ORDER BY host",
            "x: variant\ny: wall_s",
        ),
        (
            "histogram",
            "SELECT host, wall_s FROM runs ORDER BY host",
            "x: wall_s\nbins: 4",
        ),
    ];
    for (kind, sql, keys) in kinds {
        let base = format!("type: {kind}\nsql: {sql}\n{keys}\nunit: s");
        // `series: host`: each host in its own colour, named in the legend.
        let s = host_chart(&format!("{base}\nseries: host"));
        for host in [">laptop<", ">ci<"] {
            assert_eq!(count(&s, host), 1, "{kind}: {host} in the legend:\n{s}");
        }
        for slot in ["var(--deck-chart-1,", "var(--deck-chart-2,"] {
            assert!(s.contains(slot), "{kind}: a colour per host ({slot}):\n{s}");
        }
        // `facet: host`: a panel per host, in the query's order, on one value axis (and a
        // histogram's panels on the same bins).
        let f = host_chart(&format!("{base}\nfacet: host"));
        let panels = panel_ticks(&f);
        assert_eq!(
            panels.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(),
            ["ci", "laptop"],
            "{kind}: a panel per host:\n{f}"
        );
        assert!(
            !panels[0].1.is_empty(),
            "{kind}: the panels have ticks:\n{f}"
        );
        assert_eq!(
            panels[0].1, panels[1].1,
            "{kind}: one scale for both panels:\n{f}"
        );
    }
}

#[test]
fn facets_are_limited_and_checked() {
    let p = Project::new()
        .file("deck.toml", "[datasets]\nruns = \"data/runs.csv\"\n")
        .file("data/runs.csv", HOSTS)
        .file(
            "slides/t.md",
            "```chart\nsql: SELECT host, variant, wall_s FROM runs\nx: variant\ny: wall_s\nerror: stddev\nfacet: machine\n```\n",
        );
    let err = p.deck(&["build"]).fails().stderr();
    assert!(err.contains("unknown column `machine` in `facet`"), "{err}");
    let p = Project::new()
        .file("deck.toml", "[datasets]\nruns = \"data/runs.csv\"\n")
        .file("data/runs.csv", HOSTS)
        .file(
            "slides/t.md",
            "```chart\nsql: SELECT host || variant || rep AS panel, variant, wall_s FROM runs\nx: variant\ny: wall_s\nfacet: panel\n```\n",
        );
    let err = p.deck(&["build"]).fails().stderr();
    assert!(
        err.contains("`facet` gives 12 panels; at most 6 fit side by side on a slide"),
        "{err}"
    );
}

#[test]
fn a_series_keeps_its_colour_in_every_panel() {
    // The second panel lacks the first panel's first series: `uv` must keep the colour it has
    // in the first panel, not take the first colour of its own panel.
    let f = host_chart(
        "type: bar\nsql: SELECT host, variant, avg(wall_s) AS wall_s FROM runs WHERE NOT (host = 'ci' AND variant = 'debian') GROUP BY host, variant ORDER BY host DESC, variant\nx: variant\ny: wall_s\nseries: variant\nfacet: host",
    );
    let panels: Vec<&str> = f.split("<svg x=\"").skip(1).collect();
    assert_eq!(panels.len(), 2, "{f}");
    assert!(
        panels[0].contains(">laptop<") && panels[1].contains(">ci<"),
        "{f}"
    );
    assert!(
        panels[0].contains("var(--deck-chart-1,") && panels[0].contains("var(--deck-chart-2,"),
        "{f}"
    );
    assert!(
        panels[1].contains("var(--deck-chart-2,") && !panels[1].contains("var(--deck-chart-1,"),
        "uv in the colour it has beside debian:\n{f}"
    );
}

/// Latencies in milliseconds, named so (`_ms`), with a standard deviation.
const LATENCY: &str = "variant,mean_ms,sd_ms,ms,rate\n\
debian,1200,50,1200,10\nofficial,1500,80,1500,12\npyenv,900,40,900,9\n";

fn latency_project(charts: &[&str]) -> Project {
    let deck: Vec<String> = charts
        .iter()
        .map(|c| format!("```chart\n{c}\n```\n"))
        .collect();
    Project::new()
        .file("deck.toml", "[datasets]\nlat = \"data/lat.csv\"\n")
        .file("data/lat.csv", LATENCY)
        .file("slides/t.md", deck.join("\n---\n\n"))
}

/// Every chart of a deck's page, in order.
fn latency_charts(charts: &[&str]) -> Vec<String> {
    let p = latency_project(charts);
    p.deck(&["build"]).ok();
    let html = p.read("dist/t.html");
    html.split("<svg class=\"deck-chart-svg\"")
        .skip(1)
        .map(|s| s[..s.find("</svg>").unwrap()].to_string())
        .collect()
}

/// The texts of a chart that are numbers (tick labels), as written.
fn number_texts(svg: &str) -> Vec<(f64, f64, String)> {
    texts(svg)
        .into_iter()
        .filter(|t| t.2.replace(',', "").parse::<f64>().is_ok())
        .collect()
}

#[test]
fn values_are_converted_to_the_unit_the_chart_names() {
    let charts = latency_charts(&[
        "sql: SELECT variant, mean_ms FROM lat\nx: variant\ny: mean_ms\nunit: s",
        "sql: SELECT variant, mean_ms FROM lat\nx: variant\ny: mean_ms",
        "sql: SELECT variant, rate FROM lat\nx: variant\ny: rate\nunit: req/s",
    ]);
    // 900 to 1500 ms on an axis in seconds: ticks 0 to 1.6, the bars as tall as before.
    let ticks: Vec<String> = number_texts(&charts[0]).into_iter().map(|t| t.2).collect();
    assert!(ticks.contains(&"1.5".to_string()), "{ticks:?}");
    assert!(
        ticks.iter().all(|t| t.parse::<f64>().unwrap() <= 1.6),
        "{ticks:?}"
    );
    assert!(charts[0].contains(">mean (s)<"), "{}", charts[0]);
    let heights = |svg: &str| rects(svg).iter().map(|r| r.3).collect::<Vec<_>>();
    assert_eq!(heights(&charts[0]).len(), 3);
    // Without `unit`, the axis shows the column's own unit, its ticks in it.
    assert!(charts[1].contains(">mean (ms)<"), "{}", charts[1]);
    let ms: Vec<String> = number_texts(&charts[1]).into_iter().map(|t| t.2).collect();
    assert!(ms.contains(&"1,500".to_string()), "{ms:?}");
    // A unit deck does not know is a label.
    assert!(charts[2].contains(">rate (req/s)<"), "{}", charts[2]);
    // A unit of another kind is an error at `unit`.
    let p = latency_project(&[
        "sql: SELECT variant, mean_ms FROM lat\nx: variant\ny: mean_ms\nunit: MB",
    ]);
    let err = p.deck(&["build"]).fails().stderr();
    assert!(
        err.contains("`unit: MB` is a size in bytes, but `mean_ms` is a time"),
        "{err}"
    );
    assert!(err.contains("t.md:5:"), "at the `unit` line: {err}");
}

#[test]
fn an_axis_title_states_its_unit_once() {
    let charts = latency_charts(&[
        "sql: SELECT variant, ms FROM lat\nx: variant\ny: ms",
        "sql: SELECT variant, mean_ms AS \"mean (ms)\" FROM lat\nx: variant\ny: mean (ms)",
        "sql: SELECT variant, mean_ms FROM lat\nx: variant\ny: mean_ms\ny_title: Latency (ms)",
        "sql: SELECT variant, mean_ms FROM lat\nx: variant\ny: mean_ms\ny_title: Latency",
        "sql: SELECT variant, mean_ms FROM lat\nx: variant\ny: mean_ms\ny_title: \"\"",
    ]);
    let titles: Vec<Vec<String>> = charts
        .iter()
        .map(|s| {
            texts(s)
                .into_iter()
                .map(|t| t.2)
                .filter(|t| t.contains("ms") || t.contains("Latency"))
                .collect()
        })
        .collect();
    assert_eq!(titles[0], ["ms"], "{}", charts[0]);
    assert_eq!(titles[1], ["mean (ms)"], "{}", charts[1]);
    assert_eq!(titles[2], ["Latency (ms)"], "{}", charts[2]);
    assert_eq!(titles[3], ["Latency (ms)"], "{}", charts[3]);
    // No title to say it: each tick label does.
    assert!(titles[4].iter().any(|t| t == "1,500 ms"), "{:?}", titles[4]);
}

#[test]
fn a_single_bar_is_a_bar_not_a_slab() {
    let s = &latency_charts(&[
        "sql: SELECT variant, mean_ms, sd_ms FROM lat WHERE variant = 'pyenv'\nx: variant\ny: mean_ms\ny_err: sd_ms",
    ])[0];
    let bars = rects(s);
    assert_eq!(bars.len(), 1, "{s}");
    let (x, _, w, _, _) = bars[0];
    assert!(w <= 160.0, "{w} px wide: {s}");
    let label = texts(s).into_iter().find(|t| t.2 == "pyenv").unwrap();
    assert!((x + w / 2.0 - label.0).abs() <= 1.0, "centred on its label");
}

/// (points, stroke width) of every polyline.
fn polylines(svg: &str) -> Vec<(Vec<(f64, f64)>, String)> {
    svg.split("<polyline")
        .skip(1)
        .map(|p| {
            let tag = &p[..p.find("/>").unwrap()];
            let attr = |n: &str| {
                let at = tag.find(&format!(" {n}=\"")).unwrap() + n.len() + 3;
                tag[at..at + tag[at..].find('"').unwrap()].to_string()
            };
            let points = attr("points")
                .split_whitespace()
                .map(|xy| {
                    let (x, y) = xy.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect();
            (points, attr("stroke-width"))
        })
        .collect()
}

#[test]
fn error_bar_caps_are_in_proportion_to_their_bars() {
    let charts = latency_charts(&[
        "sql: SELECT variant, mean_ms, sd_ms FROM lat WHERE variant = 'pyenv'\nx: variant\ny: mean_ms\ny_err: sd_ms",
        "sql: SELECT variant, mean_ms, sd_ms FROM lat\nx: variant\ny: mean_ms\ny_err: sd_ms\nwidth: 400",
    ]);
    let mut shares = Vec::new();
    for s in &charts {
        let width = rects(s)[0].2;
        // The caps: horizontal strokes of the error bars (2 px wide).
        let caps: Vec<f64> = polylines(s)
            .into_iter()
            .filter(|(pts, w)| w == "2" && pts.len() == 2 && pts[0].1 == pts[1].1)
            .map(|(pts, _)| (pts[1].0 - pts[0].0).abs())
            .collect();
        assert!(!caps.is_empty(), "{s}");
        for cap in caps {
            assert!(cap < width, "a cap {cap} px over a bar {width} px");
            shares.push(cap / width);
        }
    }
    // A wide bar and thin bars: the same share of each.
    assert!(
        shares.iter().all(|s| (s - shares[0]).abs() < 0.05),
        "{shares:?}"
    );
}

#[test]
fn axis_titles_stand_clear_of_tick_labels() {
    let p = Project::new()
        .file("deck.toml", "[datasets]\nev = \"data/ev.csv\"\n")
        .file(
            "data/ev.csv",
            "name,events\nsrc-opt-lto-native,12345678\nb,15000000\nc,9000000\n",
        )
        .file(
            "slides/t.md",
            "```chart\nsql: SELECT name, events FROM ev\nx: name\ny: events\ny_title: events processed per run, in total\nwidth: 640\n```\n",
        );
    p.deck(&["build"]).ok();
    let s = svg(&p.read("dist/t.html")).to_string();
    let all = texts(&s);
    let title = all
        .iter()
        .find(|t| t.2 == "events processed per run, in total")
        .unwrap();
    let ticks = number_texts(&s);
    assert!(ticks.iter().any(|t| t.2 == "15,000,000"), "{ticks:?}");
    // Tick labels end at their x; at 18 px a digit is at most 0.64 em wide.
    let left = ticks
        .iter()
        .map(|t| t.0 - t.2.chars().count() as f64 * 0.64 * 18.0)
        .fold(f64::INFINITY, f64::min);
    // The rotated title (20 px) starts at its x.
    assert!(
        title.0 + 20.0 <= left,
        "title at {} overlaps tick labels from {left}",
        title.0
    );
    // Under the plot: the category labels, then the axis title below them.
    let x_title = all.iter().find(|t| t.2 == "name").unwrap();
    let lowest = all
        .iter()
        .filter(|t| ["src-opt-", "lto-native", "b", "c"].contains(&t.2.as_str()))
        .map(|t| t.1)
        .fold(0.0, f64::max);
    assert!(
        x_title.1 - 20.0 >= lowest + 18.0,
        "{} vs {lowest}",
        x_title.1
    );
}

#[test]
fn long_category_labels_wrap_or_turn_the_chart_sideways() {
    let p = Project::new()
        .file("deck.toml", "[datasets]\nv = \"data/v.csv\"\n")
        .file(
            "data/v.csv",
            "variant,s\ndebian,1\nsrc-official,2\nsrc-opt,3\nsrc-opt-lto,4\nsrc-opt-lto-native,5\nsrc-plain,6\ntrixie,7\nhost,8\n\
             python-official-slim-bookworm,9\ndebian-bookworm-system-python,10\n",
        )
        .file(
            "slides/t.md",
            "```chart\nsql: SELECT variant, s FROM v LIMIT 8\nx: variant\ny: s\n```\n\n---\n\n\
             ```chart\nsql: SELECT variant, s FROM v\nx: variant\ny: s\n```\n\n---\n\n\
             ```chart\ntype: box\nsql: SELECT variant, s FROM v\nx: variant\ny: s\n```\n",
        );
    p.deck(&["build"]).ok();
    let html = p.read("dist/t.html");
    let charts: Vec<&str> = html
        .split("<svg class=\"deck-chart-svg\"")
        .skip(1)
        .collect();
    // Eight names: the long one on two lines under its bar, the rest on one; no ellipsis,
    // no label staggered on a second row.
    let t = texts(charts[0]);
    let at = |name: &str| {
        t.iter()
            .find(|x| x.2 == name)
            .unwrap_or_else(|| panic!("{name}: {t:?}"))
    };
    let (first, second) = (at("src-opt-"), at("lto-native"));
    assert!(
        (first.0 - second.0).abs() < 1.0 && second.1 > first.1,
        "{t:?}"
    );
    assert_eq!(at("debian").1, at("src-opt").1, "one row");
    assert_eq!(at("debian").1, first.1);
    assert!(!charts[0][..charts[0].find("</svg>").unwrap()].contains('…'));
    // Names too long even on two lines: the bars turn sideways, the labels left of them.
    for chart in &charts[1..] {
        let label = chart
            .split("<text")
            .find(|t| t.contains(">python-official-slim-bookworm<"))
            .unwrap_or_else(|| panic!("{chart}"));
        assert!(label.contains("text-anchor=\"end\""), "{label}");
    }
    let bars = rects(charts[1]);
    assert_eq!(bars.len(), 10);
    assert!(
        bars.iter().all(|b| (b.3 - bars[0].3).abs() <= 1.0),
        "equal heights"
    );
    assert!(bars[9].2 > bars[0].2 * 5.0, "lengths by value: {bars:?}");
}

#[test]
fn sort_orders_bars_and_boxes_by_value() {
    let p = Project::new()
        .file("deck.toml", "[datasets]\nr = \"data/r.csv\"\n")
        .file(
            "data/r.csv",
            "v,s\nb,5\nb,6\nb,7\na,9\na,10\na,11\nc,1\nc,2\nc,3\n",
        )
        .file(
            "slides/t.md",
            "```chart\nsql: SELECT v, avg(s) AS s FROM r GROUP BY v ORDER BY v\nx: v\ny: s\nsort: value\n```\n\n---\n\n\
             ```chart\nsql: SELECT v, avg(s) AS s FROM r GROUP BY v ORDER BY v\nx: v\ny: s\nsort: -value\n```\n\n---\n\n\
             ```chart\ntype: box\nsql: SELECT v, s FROM r\nx: v\ny: s\nsort: value\n```\n\n---\n\n\
             ```chart\nsql: SELECT v, avg(s) AS s FROM r GROUP BY v ORDER BY v\nx: v\ny: s\n```\n",
        );
    p.deck(&["build"]).ok();
    let html = p.read("dist/t.html");
    let order = |svg: &str| {
        let mut labels: Vec<(f64, String)> = texts(svg)
            .into_iter()
            .filter(|t| ["a", "b", "c"].contains(&t.2.as_str()))
            .map(|t| (t.0, t.2))
            .collect();
        labels.sort_by(|x, y| x.0.total_cmp(&y.0));
        labels.into_iter().map(|l| l.1).collect::<Vec<_>>().join("")
    };
    let charts: Vec<&str> = html
        .split("<svg class=\"deck-chart-svg\"")
        .skip(1)
        .collect();
    assert_eq!(order(charts[0]), "cba", "smallest first");
    assert_eq!(order(charts[1]), "abc", "largest first");
    assert_eq!(order(charts[2]), "cba", "boxes by their median");
    assert_eq!(order(charts[3]), "abc", "the query's order without `sort`");
    // Each bar keeps its label: the tallest bar (a) is over "a" when sorted.
    let bars = rects(charts[0]);
    let a = texts(charts[0]).into_iter().find(|t| t.2 == "a").unwrap();
    let tallest = bars.iter().max_by(|x, y| x.3.total_cmp(&y.3)).unwrap();
    assert!((tallest.0 + tallest.2 / 2.0 - a.0).abs() <= 1.0);
}

#[test]
fn sorted_panels_share_one_order() {
    // By its own values ci would be b, c, a; over both panels c (5), b (4.5), a (1.5).
    let p = Project::new()
        .file("deck.toml", "[datasets]\nr = \"data/r.csv\"\n")
        .file(
            "data/r.csv",
            "host,v,s\nci,a,1\nci,b,5\nci,c,3\nlaptop,a,2\nlaptop,b,4\nlaptop,c,7\n",
        )
        .file(
            "slides/t.md",
            "```chart\nsql: SELECT host, v, s FROM r\nx: v\ny: s\nfacet: host\nsort: -value\n```\n",
        );
    p.deck(&["build"]).ok();
    let whole = whole_svg(&p.read("dist/t.html")).to_string();
    let panels: Vec<&str> = whole.split("<svg x=\"").skip(1).collect();
    assert_eq!(panels.len(), 2);
    for panel in panels {
        let mut labels: Vec<(f64, String)> = texts(panel)
            .into_iter()
            .filter(|t| ["a", "b", "c"].contains(&t.2.as_str()))
            .map(|t| (t.0, t.2))
            .collect();
        labels.sort_by(|x, y| x.0.total_cmp(&y.0));
        let order: String = labels.into_iter().map(|l| l.1).collect();
        assert_eq!(order, "cba", "{panel}");
    }
}

#[test]
fn an_unknown_sort_is_an_error_at_its_key() {
    for (spec, want) in [
        (
            "sql: SELECT variant, wall_s FROM runs\nx: variant\ny: wall_s\nerror: stddev\nsort: size",
            "unknown sort `size`",
        ),
        (
            "type: line\nsql: SELECT rep, wall_s FROM runs\nx: rep\ny: wall_s\nerror: stddev\nsort: value",
            "`sort` orders the categories of bar, hbar and box charts",
        ),
    ] {
        let p = project(&format!("```chart\n{spec}\n```\n"));
        let err = p.deck(&["build"]).fails().stderr();
        assert!(err.contains(want), "{err}");
        let line = spec.lines().count() + 1;
        assert!(err.contains(&format!("t.md:{line}:")), "at `sort`: {err}");
    }
}
