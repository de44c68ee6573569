//! Building a deck someone else wrote reads nothing outside its project: every path form a
//! hostile deck can use is refused with its message, and nothing of the outside file reaches
//! dist/ or an export. `deck check` fails on each.

mod common;

use std::path::Path;

use common::project::Project;
use serde_json::Value;

/// A secret outside every project: its text must never appear in an output.
const SECRET: &str = "TOP-SECRET-7f3a9c";

struct Outside {
    dir: tempfile::TempDir,
}

impl Outside {
    fn new() -> Outside {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("secret.txt"), SECRET).unwrap();
        std::fs::write(
            dir.path().join("secret.csv"),
            format!("variant,wall_s\n{SECRET},1\n"),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("secret.json"),
            format!("{{\"k\": \"{SECRET}\"}}"),
        )
        .unwrap();
        // An image outside: its bytes must not be inlined either.
        std::fs::write(dir.path().join("secret.png"), png_with(SECRET)).unwrap();
        Outside { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

/// A valid PNG signature followed by a marker text (enough for deck's sniffing).
fn png_with(text: &str) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.extend_from_slice(text.as_bytes());
    v
}

fn link(target: &str, at: &Path) {
    std::fs::create_dir_all(at.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(target, at).unwrap();
}

/// Every file under `dir`, read whole: none may hold the secret (plain or base64).
fn assert_clean(dir: &Path) {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(png_with(SECRET));
    let needle = &b64[12..32];
    for entry in walk(dir) {
        let bytes = std::fs::read(&entry).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(SECRET),
            "{} holds the secret",
            entry.display()
        );
        assert!(
            !text.contains(needle),
            "{} holds the secret image",
            entry.display()
        );
        assert!(
            !text.contains("root:x:0:0"),
            "{} holds /etc/passwd",
            entry.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// `deck check --format json` findings as (file:line:col, severity, message).
fn check(p: &Project, extra: &[&str]) -> (i32, Vec<(String, String, String)>) {
    let mut args = vec!["check", "--no-browser", "--format", "json"];
    args.extend_from_slice(extra);
    let run = p.deck(&args);
    let json: Value = serde_json::from_slice(&run.0.stdout).unwrap();
    let findings = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                format!(
                    "{}:{}:{}",
                    f["file"].as_str().unwrap_or(""),
                    f["line"].as_u64().unwrap_or(0),
                    f["column"].as_u64().unwrap_or(0)
                ),
                f["severity"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (run.0.status.code().unwrap_or(-1), findings)
}

#[track_caller]
fn has(findings: &[(String, String, String)], at: &str, message: &str) {
    assert!(
        findings
            .iter()
            .any(|(a, s, m)| a == at && s == "error" && m.starts_with(message)),
        "no error {message:?} at {at}; findings:\n{findings:#?}"
    );
}

#[test]
fn images_outside_the_project_are_refused_in_every_form() {
    let out = Outside::new();
    let secret_png = out.path("secret.png");
    let p = Project::new()
        .file("deck.toml", "")
        .file("notes.png", "this is text, not an image")
        .file(
            "slides/h.md",
            format!(
                "# Hostile\n\n![](../../../../../../../../etc/passwd)\n![]({secret_png})\n![](/proc/self/environ)\n![](%2Fetc%2Fhostname)\n![](/dev/zero)\n![](file://{secret_png})\n![](link.png)\n![](loop.png)\n![](fifo.png)\n![](../notes.png)\n\n<!-- backgroundImage: \"url({secret_png})\" -->\n\n---\n\n<style>\nsection {{ background: url({secret_png}); }}\n</style>\n\n![bg]({secret_png})\n"
            ),
        );
    link(&secret_png, &p.path("slides/link.png"));
    link(
        &p.path("slides/loop2.png").display().to_string(),
        &p.path("slides/loop.png"),
    );
    link(
        &p.path("slides/loop.png").display().to_string(),
        &p.path("slides/loop2.png"),
    );
    let fifo = std::ffi::CString::new(p.path("slides/fifo.png").to_str().unwrap()).unwrap();
    // SAFETY: a valid C string.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);

    // Build: warnings, a broken image each, and the deck is written.
    let err = p.deck(&["build"]).ok().stderr();
    assert_clean(&p.path("dist"));
    for want in [
        "image ../../../../../../../../etc/passwd is not read: it is outside the project (/etc/passwd)",
        "is not read: it is outside the project",
        "image /proc/self/environ is not read: it is a kernel file",
        "image %2Fetc%2Fhostname is not read: it is outside the project (/etc/hostname)",
        "image /dev/zero is not read: it is a device, not a regular file",
        "image link.png is not read: it is outside the project",
        "image loop.png is not read: it is a symlink loop",
        "image fifo.png is not read: it is a FIFO, not a regular file",
        "../notes.png is not an image",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    assert!(err.contains("--allow-outside"), "{err}");
    let html = p.read("dist/h.html");
    assert!(
        html.contains("src=\"data:,\""),
        "refused images are broken images"
    );

    // Check: each is an error, so CI fails.
    let (code, f) = check(&p, &[]);
    assert_eq!(code, 1, "{f:#?}");
    has(
        &f,
        "slides/h.md:3:5",
        "image ../../../../../../../../etc/passwd is not read",
    );
    has(
        &f,
        "slides/h.md:5:5",
        "image /proc/self/environ is not read",
    );
    has(&f, "slides/h.md:6:5", "image %2Fetc%2Fhostname is not read");
    has(&f, "slides/h.md:7:5", "image /dev/zero is not read");
    has(&f, "slides/h.md:9:5", "image link.png is not read");
    has(&f, "slides/h.md:10:5", "image loop.png is not read");
    has(&f, "slides/h.md:11:5", "image fifo.png is not read");
    has(&f, "slides/h.md:12:5", "../notes.png is not an image");
    has(&f, "slides/h.md:14:28", "image ");
    has(&f, "slides/h.md:19:27", "image ");
    has(&f, "slides/h.md:22:7", "image ");

    // Allowed explicitly: read.
    let err = p
        .deck(&["build", "--allow-outside", out.dir.path().to_str().unwrap()])
        .ok()
        .stderr();
    assert!(!err.contains("link.png is not read"), "{err}");
    assert!(p.read("dist/h.html").contains("data:image/png;base64,"));
}

#[test]
fn datasets_outside_the_project_are_errors_at_their_entry() {
    let out = Outside::new();
    let p = Project::new()
        .file(
            "deck.toml",
            format!(
                "[datasets]\nabs = \"{}\"\nup = \"../{}/secret.csv\"\nlink = \"data/link.csv\"\nglob = \"data/*/*.csv\"\nok = \"data/ok.csv\"\nnone = \"../nowhere/*.csv\"\n",
                out.path("secret.csv"),
                out.dir.path().file_name().unwrap().to_string_lossy()
            ),
        )
        .file("data/ok.csv", "variant,wall_s\na,1\n")
        .file(
            "slides/t.md",
            "# T\n\n```table\nsql: SELECT * FROM ok\n```\n\n```table\nsql: SELECT * FROM link\n```\n",
        );
    link(&out.path("secret.csv"), &p.path("data/link.csv"));
    link(
        &out.dir.path().display().to_string(),
        &p.path("data/escape"),
    );
    let err = p.deck(&["build"]).fails().stderr();
    assert_clean(&p.path("dist"));
    let (code, f) = check(&p, &[]);
    assert_eq!(code, 1);
    has(&f, "deck.toml:2:7", "dataset `abs`:");
    has(&f, "deck.toml:3:6", "dataset `up`: ../");
    has(
        &f,
        "deck.toml:7:8",
        "dataset `none`: ../nowhere/*.csv points outside the project",
    );
    has(
        &f,
        "deck.toml:4:8",
        "dataset `link`: data/link.csv is not read: it is outside the project",
    );
    has(
        &f,
        "deck.toml:5:8",
        "dataset `glob`: data/escape/secret.csv is not read: it is outside the project",
    );
    has(
        &f,
        "slides/t.md:8:6",
        "table: dataset `link`: data/link.csv is not read",
    );
    assert!(err.contains("--allow-outside"), "{err}");
    assert!(!p.path("dist/data/link.csv").exists());
}

#[test]
fn sql_table_functions_are_refused() {
    let out = Outside::new();
    let p = Project::new()
        .file("deck.toml", "[datasets]\nruns = \"data/runs.csv\"\n")
        .file("data/runs.csv", "variant,wall_s\na,1\n")
        .file(
            "slides/t.md",
            format!(
                "# T\n\n{{{{ sql(\"SELECT count(*) FROM read_csv('{}')\") }}}}\n\n```table\nsql: SELECT * FROM read_parquet('x.parquet')\n```\n",
                out.path("secret.csv")
            ),
        );
    p.deck(&["build"]).fails();
    assert_clean(&p.path("dist"));
    let (_, f) = check(&p, &[]);
    has(
        &f,
        "slides/t.md:3:4",
        "`read_csv(...)` reads a file directly",
    );
    has(
        &f,
        "slides/t.md:6:6",
        "table: `read_parquet(...)` reads a file directly",
    );
}

#[test]
fn json_and_sha256_do_not_follow_symlinks_out() {
    let out = Outside::new();
    let p = Project::new().file("deck.toml", "").file(
        "slides/t.md",
        "# T\n\n{{ sha256(\"data/etc/secret.txt\") }}\n\n{{ json(\"data/etc/secret.json\").k }}\n",
    );
    link(&out.dir.path().display().to_string(), &p.path("data/etc"));
    p.deck(&["build"]).fails();
    assert_clean(&p.path("dist"));
    let (_, f) = check(&p, &[]);
    has(
        &f,
        "slides/t.md:3:4",
        "data/etc/secret.txt is not read: it is outside the project",
    );
    has(
        &f,
        "slides/t.md:5:4",
        "data/etc/secret.json is not read: it is outside the project",
    );
}

#[test]
fn themes_and_templates_that_leave_the_project_are_not_read() {
    let out = Outside::new();
    let p = Project::new()
        .file("deck.toml", "theme = \"gaia\"\n")
        .file("slides/t.md", "# T\n")
        .file(
            "themes/ok.css",
            "/* @theme ok */\nsection { background: url(../secret.png); }\n",
        );
    link(&out.path("secret.txt"), &p.path("themes/leak.css"));
    link(&out.path("secret.txt"), &p.path("templates/deck.html"));
    let err = p.deck(&["build"]).ok().stderr();
    assert_clean(&p.path("dist"));
    assert!(
        err.contains("theme not read: it is outside the project"),
        "{err}"
    );
    assert!(
        err.contains("template not read: it is outside the project"),
        "{err}"
    );
    assert!(err.contains("themes/ok.css:2:27"), "{err}");
}

#[test]
fn yaml_aliases_cannot_explode() {
    // 440 bytes: nine levels of nine aliases, 387 million values if expanded.
    let mut yaml = String::from("x0: &a0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n");
    for i in 1..9 {
        let r = format!("*a{}", i - 1);
        yaml.push_str(&format!("x{i}: &a{i} [{}]\n", [r.as_str(); 9].join(",")));
    }
    let p = Project::new()
        .file("deck.toml", "")
        .file("slides/front.md", format!("---\n{yaml}---\n# F\n"))
        .file("slides/comment.md", format!("# C\n\n<!--\n{yaml}-->\n"))
        .file("slides/chart.md", format!("# C\n\n```chart\n{yaml}```\n"));
    let started = std::time::Instant::now();
    let err = p.deck(&["build"]).fails().stderr();
    assert!(started.elapsed().as_secs() < 10);
    assert!(
        err.contains("slides/front.md:")
            && err.contains("aliases expand to more than 10000 values"),
        "{err}"
    );
    assert!(err.contains("slides/chart.md:"), "{err}");
    assert!(err.contains("deck reads at most 10000 values"), "{err}");
}

#[test]
fn export_loads_nothing_but_the_deck() {
    let Some(_) = common::cdp::chromium_or_skip("export_loads_nothing_but_the_deck") else {
        return;
    };
    let out = Outside::new();
    let p = Project::new().file("deck.toml", "html = true\n").file(
        "slides/x.md",
        format!(
            "# Export\n\n<iframe src=\"file://{}\"></iframe>\n\n<img src=\"file://{}\">\n\n<style>@import \"file://{}\";</style>\n",
            out.path("secret.txt"),
            out.path("secret.png"),
            out.path("secret.txt"),
        ),
    );
    for format in ["pdf", "png"] {
        let run = p.deck(&["export", format]);
        let err = run.stderr();
        assert!(run.0.status.success(), "{err}");
        assert!(
            err.contains(&format!(
                "the exported page asked for file://{}: refused",
                out.path("secret.txt")
            )),
            "{err}"
        );
        // A raw <img> is refused when the deck is built, before Chromium could ask for it.
        assert!(
            err.contains(&format!(
                "image file://{} is not read: it is outside the project",
                out.path("secret.png")
            )),
            "{err}"
        );
    }
    assert_clean(&p.path("dist"));
}
