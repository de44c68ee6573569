//! `deck check` on projects with each defect: build errors, data changed since the build, slides
//! that overflow (measured in Chromium), missing notes, remote images and links; exit codes.

mod common;

use std::process::Command;

use common::cdp::chromium_or_skip;
use common::project::Project;
use serde_json::Value;

fn check(p: &Project, args: &[&str]) -> (Option<i32>, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_deck"))
        .arg("check")
        .args(args)
        .args(["--format", "json"])
        .current_dir(p.path(""))
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), doc)
}

fn checks(doc: &Value) -> Vec<String> {
    let mut v: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["check"].as_str().unwrap(),
                f["severity"].as_str().unwrap()
            )
        })
        .collect();
    v.sort();
    v
}

const GOOD: &str = "# Results\n\n```table\nsql: SELECT variant, wall_s FROM runs\n```\n\n<!-- say what the table shows -->\n";

#[test]
fn a_clean_project_passes() {
    let p = Project::new()
        .file("deck.toml", "[datasets]\nruns = \"data/runs.csv\"\n")
        .file("data/runs.csv", "variant,wall_s\na,1.5\n")
        .file("slides/talk.md", GOOD);
    p.deck(&["build"]).ok();
    let (code, doc) = check(&p, &["--strict", "--no-browser"]);
    assert_eq!(code, Some(0), "{doc}");
    assert_eq!(doc["ok"], true);
    assert_eq!(checks(&doc), Vec::<String>::new());
    assert_eq!(doc["slides"], 1);
}

#[test]
fn every_defect_is_reported_and_sets_the_exit_code() {
    let browser = chromium_or_skip("every_defect_is_reported_and_sets_the_exit_code").is_some();
    let long: String = (1..40).map(|i| format!("- line {i}\n")).collect();
    let p = Project::new()
        .file("deck.toml", "[datasets]\nruns = \"data/runs.csv\"\n")
        .file("data/runs.csv", "variant,wall_s\na,1.5\n")
        .file("slides/talk.md", format!("{GOOD}\n---\n\n## No notes here\n\n![](https://example.org/cat.png)\n\nSee [the docs](https://example.org/docs).\n\n---\n\n{long}\n<!-- too long -->\n"));
    p.deck(&["build"]).ok();
    // The data changes after the build.
    std::fs::write(p.path("data/runs.csv"), "variant,wall_s\na,9.5\n").unwrap();

    let (code, doc) = check(&p, &[]);
    assert_eq!(code, Some(0), "warnings alone pass without --strict: {doc}");
    let mut want = vec![
        "data warning",
        "notes warning",
        "remote warning",
        "remote warning",
    ];
    if browser {
        want.push("overflow warning");
    }
    want.sort();
    // The build itself also warns about the remote image.
    let got = checks(&doc);
    for w in &want {
        assert!(got.iter().any(|g| g == w), "missing {w} in {got:?}");
    }
    let text = doc.to_string();
    assert!(text.contains("changed since"), "{text}");
    assert!(text.contains("slide 2 has no speaker notes"), "{text}");
    assert!(text.contains("https://example.org/cat.png"), "{text}");
    assert_eq!(doc["links"][0]["url"], "https://example.org/docs");
    if browser {
        assert!(
            text.contains("slide 3: its content goes outside the slide"),
            "{text}"
        );
    } else {
        assert!(
            doc["skipped"].to_string().contains("overflowing slides"),
            "{doc}"
        );
    }
    let (code, _) = check(&p, &["--strict"]);
    assert_eq!(code, Some(2), "warnings fail with --strict");

    // An error in a deck: exit code 1, with the build's own message and line.
    std::fs::write(
        p.path("slides/broken.md"),
        "# Broken\n\n```chart\ntype: bar\nsql: SELECT x FROM nowhere\nx: x\ny: x\n```\n",
    )
    .unwrap();
    let (code, doc) = check(&p, &["--no-browser"]);
    assert_eq!(code, Some(1), "{doc}");
    let build_error = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "build" && f["severity"] == "error")
        .unwrap();
    assert_eq!(build_error["line"], 5, "the line of the bad query");
    assert!(
        build_error["message"].as_str().unwrap().contains("nowhere"),
        "{build_error}"
    );
}
