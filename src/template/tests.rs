use super::*;
use crate::results::data::DatasetSpec;

fn engine() -> (tempfile::TempDir, Arc<Mutex<Engine>>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("runs.csv"),
        "variant,wall_s\na,1.0\na,3.0\nb,2.5\n",
    )
    .unwrap();
    let specs = [("runs".to_string(), DatasetSpec::Path("runs.csv".into()))]
        .into_iter()
        .collect();
    let e = Engine::new(
        dir.path(),
        specs,
        crate::confine::Sandbox::new(dir.path(), &[]),
    );
    (dir, Arc::new(Mutex::new(e)))
}

fn run(md: &str) -> Expansion {
    let (_d, e) = engine();
    expand(Path::new("t.md"), md, &e)
}

/// (line, col, message) of each diagnostic.
fn found(e: &Expansion) -> Vec<(usize, usize, String)> {
    e.diagnostics
        .iter()
        .map(|d| {
            let p = d.pos.unwrap_or_default();
            (p.line, p.col, d.message.clone())
        })
        .collect()
}

#[test]
fn scalars_rows_filters_and_raw() {
    let md = "Max {{ sql(\"SELECT max(wall_s) FROM runs\") }} s, {{ 0.234 | percent(1) }}, {{ 1536 | bytes }}, {{ 1234567 | thousands }}, {{ 0.0123 | duration }}\n\
{% for r in sql(\"SELECT variant, count(*) AS n FROM runs GROUP BY variant ORDER BY variant\") %}\n---\n# {{ r.variant }}: {{ r.n }}\n{% endfor %}\n{% raw %}{{ literal }}{% endraw %}\n";
    let out = run(md);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let text = out.text;
    assert!(
        text.starts_with("Max 3.0 s, 23.4%, 1.5 KiB, 1,234,567, 12.3 ms\n"),
        "{text}"
    );
    assert!(text.contains("# a: 2") && text.contains("# b: 1"), "{text}");
    assert!(text.contains("{{ literal }}"), "{text}");
}

#[test]
fn code_and_math_are_never_templates() {
    let md = "# CI\n\n```yaml\nrun: echo ${{ secrets.TOKEN }}\nimage: {{ .Values.image }}\n```\n\n\
Inline `a{#x}` and `{% if %}` and $x^{#}$ stay.\n\n```bash\necho \"${#files[@]}\"\n```\n\n---\n\n# Two\n\nnot a comment #} here\n\n";
    let md = &format!("{md}    {{{{ indented }}}}\n");
    let out = run(md);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    assert_eq!(&out.text, md);
}

#[test]
fn templates_and_code_mix() {
    let md = "{% set n = sql(\"SELECT count(*) FROM runs\") %}Rows: {{ n }}, code `{{ n }}`\n\n```\n{{ n }}\n```\n";
    let out = run(md);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    assert_eq!(out.text, "Rows: 3, code `{{ n }}`\n\n```\n{{ n }}\n```\n");
}

#[test]
fn the_map_leads_back_to_the_source() {
    let md = "{% set n = 12345 %}\nA {{ n }} b\n\n{% for i in [1, 2] %}\n## Slide {{ i }} `code`\n{% endfor %}\nend\n";
    let out = run(md);
    let map = out.map.as_ref().unwrap();
    let text = &out.text;
    // "b" after the value maps to the "b" written on line 2.
    let b = text.find(" b\n").unwrap() + 1;
    assert_eq!(&md[map.source_offset(b)..][..1], "b");
    // The second generated heading maps into the loop body and names its iteration.
    let second = text.match_indices("## Slide").nth(1).unwrap().0;
    let (r, notes) = map.locate(second..second + 8);
    assert_eq!(&md[r], "## Slide");
    assert_eq!(notes, ["in iteration 2 of the `{% for %}` at line 4"]);
    let code = text.rfind("`code`").unwrap();
    assert_eq!(&md[map.locate(code..code + 6).0], "`code`");
    let end = text.rfind("end").unwrap();
    assert_eq!(&md[map.source_offset(end)..][..3], "end");
}

#[test]
fn whitespace_control_is_kept() {
    let md = "a\n{%- set x = 1 -%}\n  b {{- x -}} c\n{% for i in [1,2] -%}\n  [{{ i }}]\n{%- endfor %}\nz";
    let out = run(md);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    // What minijinja gives without deck's markers.
    let mut env = Environment::new();
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .build()
            .unwrap(),
    );
    let plain = env.render_str(md, minijinja::context! {}).unwrap();
    assert_eq!(out.text, plain);
}

#[test]
fn macros_that_build_queries_get_no_markers() {
    let md = "{% macro q(v) %}SELECT count(*) FROM runs WHERE variant = '{{ v }}'{% endmacro %}\nA: {{ sql(q(\"a\")) }}\n";
    let out = run(md);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    assert_eq!(out.text, "\nA: 2\n");
}

#[test]
fn every_error_is_reported_where_it_was_written() {
    let md = "# One\n\nA {{ missing }} b\n\n---\n\n{{ sql(\"SELECT nope FROM runs\") }}\n\n---\n\n{{ 1 | nosuch }}\n\n{% for r in rows %}\n{{ r }}\n";
    let out = run(md);
    let got = found(&out);
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(
        got.contains(&(3, 6, "undefined variable `missing`".into())),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|(l, c, m)| *l == 7 && *c == 4 && m.contains("nope")),
        "{got:?}"
    );
    assert!(
        got.contains(&(11, 8, "unknown filter `nosuch`".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&(13, 1, "`{% for %}` is never closed".into())),
        "{got:?}"
    );
    // Help lines fit the error.
    let help = |msg: &str| {
        out.diagnostics
            .iter()
            .find(|d| d.message.contains(msg))
            .and_then(|d| d.help.clone())
            .unwrap()
    };
    assert!(
        help("missing").contains("is not set here"),
        "{}",
        help("missing")
    );
    assert!(
        help("nosuch").contains("deck's filters: num"),
        "{}",
        help("nosuch")
    );
    assert!(
        help("never closed").contains("{% endfor %}"),
        "{}",
        help("never closed")
    );
}

#[test]
fn undefined_names_get_did_you_mean() {
    let out = run("{% set total = 3 %}\n{{ totl }}\n");
    let d = &out.diagnostics.iter().next().unwrap();
    assert_eq!(d.message, "undefined variable `totl`");
    assert!(
        d.help
            .as_deref()
            .unwrap()
            .starts_with("did you mean `total`?"),
        "{:?}",
        d.help
    );
    assert!(
        d.help
            .as_deref()
            .unwrap()
            .contains("defined in this deck: total")
    );
}

#[test]
fn errors_inside_loops_name_the_iteration() {
    let md = "{% for r in sql(\"SELECT variant FROM runs ORDER BY variant\") %}\n# {{ r.variant }}\n{{ sql(\"SELECT x FROM \" ~ r.variant) }}\n{% endfor %}\n";
    let out = run(md);
    let d = out.diagnostics.iter().next().unwrap();
    assert_eq!(d.pos.map(|p| p.line), Some(3), "{d}");
    assert_eq!(
        d.notes,
        ["in iteration 1 of the `{% for %}` at line 1"],
        "{d}"
    );
}

#[test]
fn a_broken_definition_does_not_cascade() {
    let md = "{% set h = sql(\"SELECT nope FROM runs\") %}\n{{ h }} and {{ h }}\n";
    let out = run(md);
    assert_eq!(out.diagnostics.iter().count(), 1, "{:?}", out.diagnostics);
}

#[test]
fn json_and_sha256_read_project_files_only() {
    let (d, e) = engine();
    std::fs::create_dir_all(d.path().join("data")).unwrap();
    std::fs::write(
        d.path().join("data/meta.json"),
        r#"{"host": {"cores": 2, "cpu_model": "Test CPU"}, "sessions": [{"result": "completed"}]}"#,
    )
    .unwrap();
    std::fs::write(d.path().join("data/abc.txt"), "abc").unwrap();
    let md = "{% set m = json(\"data/meta.json\") %}{{ m.host.cpu_model }}, {{ m.host.cores }} cores, {{ m.sessions[0].result }}; {{ sha256(\"data/abc.txt\") }}";
    let out = expand(Path::new("t.md"), md, &e);
    assert_eq!(
        out.text,
        "Test CPU, 2 cores, completed; ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        out.files,
        [
            d.path().join("data/abc.txt"),
            d.path().join("data/meta.json")
        ]
    );
    for (bad, want) in [
        (
            "{{ json(\"../secret.json\") }}",
            "not a path inside the project",
        ),
        (
            "{{ json(\"/etc/passwd\") }}",
            "not a path inside the project",
        ),
        ("{{ sha256(\"data/none.csv\") }}", "does not exist"),
        ("{{ json(\"data/abc.txt\") }}", "is not JSON"),
    ] {
        let out = expand(Path::new("t.md"), bad, &e);
        let d = out.diagnostics.iter().next().unwrap();
        assert!(d.message.contains(want), "{bad}: {}", d.message);
        assert_eq!(d.pos.map(|p| p.col), Some(4), "{bad}");
    }
}

#[test]
fn rows_where_one_value_belongs_are_errors_at_their_tag() {
    let md = "# Results\n\nAll: {{ sql(\"SELECT variant, wall_s FROM runs\") }} here\n\nA: {{ sql(\"SELECT wall_s FROM runs WHERE variant = 'a'\") | num }}\n\nNone: {{ sql(\"SELECT wall_s FROM runs WHERE variant = 'z'\") }}\n";
    let out = run(md);
    let mut found = found(&out);
    found.sort();
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(
        (found[0].0, found[0].1),
        (3, 6),
        "at the tag that shows the rows: {found:?}"
    );
    assert!(
        found[0].2.contains(
            "sql() gave 3 rows × 2 columns (variant, wall_s) here, where one value is shown"
        ),
        "{found:?}"
    );
    let shown = out
        .diagnostics
        .iter()
        .find(|d| d.message.contains("is shown"));
    let help = shown.unwrap().help.clone().unwrap();
    assert!(
        help.contains("{{ sql(q)[0].variant }}")
            && help
                .contains("{% for row in sql(q) %}{{ row.variant }} {{ row.wall_s }} {% endfor %}"),
        "{help}"
    );
    // Two rows where `num` wants one number: at the filter.
    assert_eq!(found[1].0, 5, "{found:?}");
    assert!(
        found[1]
            .2
            .contains("sql() gave 2 rows × 1 column (wall_s) here, where one value is expected"),
        "{found:?}"
    );
    assert_eq!(
        (found[2].0, found[2].2.as_str()),
        (
            7,
            "the query returned no rows: its filter `variant = 'z'` matches no row of `runs`"
        )
    );
}

#[test]
fn a_loop_over_a_query_gets_its_rows_even_one() {
    let md = "{% for r in sql(\"SELECT variant FROM runs WHERE variant = 'b'\") %}- {{ r.variant }}\n{% endfor %}\
{% for r in rows(\"SELECT variant FROM runs WHERE variant = 'z'\") %}never{% endfor %}\
{% set all = rows(\"SELECT count(*) AS n FROM runs\") %}n = {{ all[0].n }}, {{ all | length }} row\n\
{{ sql(\"SELECT variant, wall_s FROM runs ORDER BY wall_s\")[0].variant }} is fastest\n";
    let out = run(md);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    assert_eq!(out.text, "- b\nn = 3, 1 row\na is fastest\n");
}

#[test]
fn a_value_over_failed_runs_is_warned_about_where_it_shows() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("runs.csv"),
        "variant,rep,wall_s,status\na,1,1.0,ok\na,2,9.0,timeout\nb,1,2.0,ok\n",
    )
    .unwrap();
    let specs = [("runs".to_string(), DatasetSpec::Path("runs.csv".into()))]
        .into_iter()
        .collect();
    let e = Arc::new(Mutex::new(Engine::new(
        dir.path(),
        specs,
        crate::confine::Sandbox::new(dir.path(), &[]),
    )));
    let md = "{% set q = \"SELECT max(wall_s) FROM runs\" %}\n\n\
One {{ sql(\"SELECT wall_s FROM runs WHERE variant = 'b'\") }}\n\n\
{{ 1 }} {{ sql(q) }} and {{ sql(\"SELECT max(wall_s) FROM runs WHERE status = 'ok'\") }}\n";
    let out = expand(Path::new("t.md"), md, &e);
    let found = found(&out);
    // b's value is the same without the timed-out run; max(wall_s) is not; a query that names
    // `status` has dealt with it.
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0, found[0].1), (5, 9), "{found:?}");
    assert!(
        found[0].2.starts_with("sql(): the value includes failed runs: 1 of 3 rows of `runs` have a status other than ok (timeout: 1): a rep 2"),
        "{found:?}"
    );
    assert_eq!(out.text, "\n\nOne 2.0\n\n1 9.0 and 2.0\n");
}

#[test]
fn compare_says_how_much_slower_with_its_interval() {
    let dir = tempfile::tempdir().unwrap();
    // The worked example of results::stats (checked against scipy): a is faster than b.
    let mut csv = String::from("variant,wall_s\n");
    for v in [19.1, 20.3, 18.7, 19.9, 20.1, 19.4] {
        csv.push_str(&format!("a,{v}\n"));
    }
    for v in [21.0, 22.8, 19.9, 20.2, 23.1, 21.5] {
        csv.push_str(&format!("b,{v}\n"));
    }
    std::fs::write(dir.path().join("runs.csv"), csv).unwrap();
    let specs = [("runs".to_string(), DatasetSpec::Path("runs.csv".into()))]
        .into_iter()
        .collect();
    let e = Arc::new(Mutex::new(Engine::new(
        dir.path(),
        specs,
        crate::confine::Sandbox::new(dir.path(), &[]),
    )));
    let md = "{% macro of(v) %}SELECT wall_s FROM runs WHERE variant = '{{ v }}'{% endmacro %}\
{% set c = compare(of('a'), of('b')) %}A is {{ c }}.\n\
B is {{ compare(of('b'), of('a')).strong }} than A.\n\
{{ c.pct | num(2) }} {{ c.ci | num(2) }} {{ c.significant }} {{ c.p | num(4) }} {{ c.df | num(2) }} {{ c.n_a }}\n\
{{ compare([1.0, 1.1, 0.9], [1.0, 1.05, 0.95]) }}\n\
{{ compare(rows(of('a')), of('b'), more='more', less='less', level=0.99, decimals=2) }}\n\
{{ compare(of('a'), of('b'), label=false) }}\n\
SQL {{ sql(\"SELECT 100 * welch_ci(a.sd, a.n, b.sd, b.n) / b.m FROM (SELECT stddev(wall_s) AS sd, count(*) AS n FROM runs WHERE variant = 'a') a CROSS JOIN (SELECT avg(wall_s) AS m, stddev(wall_s) AS sd, count(*) AS n FROM runs WHERE variant = 'b') b\") | num(2) }}\n";
    let out = expand(Path::new("t.md"), md, &e);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    // mean a 19.583, mean b 21.417: -8.56 %; interval ±1.4036 s = ±6.55 % of b. Every
    // figure here is what scipy.stats.ttest_ind(equal_var=False) gives.
    let lines: Vec<&str> = out.text.lines().collect();
    assert_eq!(lines[0], "A is 8.6% faster (± 6.6%, 95% CI, Welch).");
    assert_eq!(
        lines[1],
        "B is **9.4% slower** (± 7.2%, 95% CI, Welch) than A."
    );
    assert_eq!(lines[2], "-8.56 6.55 True 0.0175 7.11 6");
    assert_eq!(
        lines[3],
        "no measurable difference (+0.0% ± 20.8%, 95% CI, Welch)"
    );
    assert_eq!(
        lines[4],
        "no measurable difference (−8.56% ± 9.68%, 99% CI, Welch)"
    );
    assert_eq!(lines[5], "8.6% faster (± 6.6%)");
    assert_eq!(
        lines[6], "SQL 6.55",
        "welch_ci in SQL agrees with compare()"
    );
}

#[test]
fn compare_needs_runs_on_both_sides() {
    let md = "{{ compare(\"SELECT wall_s FROM runs WHERE variant = 'b'\", \"SELECT wall_s FROM runs WHERE variant = 'a'\") }}\n\n\
{{ compare(\"SELECT variant, wall_s FROM runs\", [1, 2]) }}\n";
    let out = run(md);
    let found = found(&out);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].2
            == "compare(): the first group has 1 value: a comparison needs at least 2 runs on each side",
        "{found:?}"
    );
    assert!(
        found[1].2
            == "compare(): the first group is a query of 2 columns (variant, wall_s), not one numeric column",
        "{found:?}"
    );
}

#[test]
fn every_deck_feature_is_registered() {
    let (_d, e) = engine();
    let mut env = Environment::new();
    let calls: functions::Shared = Arc::default();
    functions::register(&mut env, &e, &calls);
    for f in functions::FUNCTIONS {
        let out = env
            .render_str(&format!("{{{{ {f} is defined }}}}"), ())
            .unwrap();
        assert_eq!(out, "True", "{f}");
    }
    for f in functions::FILTERS {
        let r = env.render_str(&format!("{{{{ 1 | {f} }}}}"), ());
        assert!(r.is_ok(), "{f}: {r:?}");
    }
    // And a tag using one is deck's template; one using none is not.
    assert!(uses_deck_features("x {{ 0.5 | percent }}"));
    assert!(uses_deck_features("x {{ rows ( \"q\" ) }}"));
    assert!(!uses_deck_features(
        "Page {{ paginate }} {% if x %}{{ num }}{% endif %} sql() is a word"
    ));
    assert!(uses_deck_features("{{ x }}\n\n```chart\ntype: bar\n```\n"));
}
