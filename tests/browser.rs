//! The built page in a real browser (Debian's Chromium, headless): the viewer script runs, the
//! URL hash names the slide, fit headings are sized, and printing gives one page per slide at the
//! slide's size.
//!
//! Without Chromium these tests print why and pass, except when `DECK_REQUIRE_BROWSER=1` (set by
//! `.ci/run`): then a missing browser is a failure, so CI never skips them silently.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::cdp::{chromium_or_skip as browser, pdf_pages};

fn run_chromium(bin: &Path, args: &[&str], url: &str) -> Vec<u8> {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(bin)
        .args(deck::browser::HEADLESS_ARGS)
        .arg("--virtual-time-budget=3000")
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn build(dir: &Path, name: &str, md: &str) -> PathBuf {
    let src = dir.join(format!("{name}.md"));
    std::fs::write(&src, md).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_deck"))
        .arg("build")
        .arg(&src)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join(format!("{name}.html"))
}

fn file_url(p: &Path) -> String {
    format!("file://{}", p.display())
}

#[test]
fn hash_names_the_shown_slide() {
    let Some(bin) = browser("hash_names_the_shown_slide") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = build(
        dir.path(),
        "t",
        "# 1\n\n---\n\n# 2\n\n---\n\n# 3\n\n---\n\n# 4\n\n---\n\n# 5\n",
    );
    let dump = |hash: &str| {
        let url = format!("{}{hash}", file_url(&page));
        String::from_utf8(run_chromium(&bin, &["--dump-dom"], &url)).unwrap()
    };
    let dom = dump("#4");
    assert!(
        dom.contains("class=\"deck-js"),
        "viewer script did not run:\n{dom}"
    );
    assert_eq!(current_slides(&dom), vec!["slide-4"]);
    // Out of range goes to the last slide; no hash opens the first.
    assert_eq!(current_slides(&dump("#99")), vec!["slide-5"]);
    assert_eq!(current_slides(&dump("")), vec!["slide-1"]);
}

/// Ids of the slide wrappers marked `aria-current` in a dumped DOM.
fn current_slides(dom: &str) -> Vec<String> {
    dom.match_indices("<div class=\"deck-slide\"")
        .filter_map(|(i, _)| {
            let tag = &dom[i..i + dom[i..].find('>')?];
            let id_at = tag.find(" id=\"")? + 5;
            let id = &tag[id_at..id_at + tag[id_at..].find('"')?];
            tag.contains("aria-current=\"true\"")
                .then(|| id.to_string())
        })
        .collect()
}

#[test]
fn fit_heading_is_sized_to_the_slide() {
    let Some(bin) = browser("fit_heading_is_sized_to_the_slide") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = build(dir.path(), "t", "# <!-- fit --> Short\n");
    let dom = String::from_utf8(run_chromium(&bin, &["--dump-dom"], &file_url(&page))).unwrap();
    let at = dom
        .find("data-deck-fit-content=\"\" style=\"font-size: ")
        .expect("fit applied");
    let rest = &dom[at + "data-deck-fit-content=\"\" style=\"font-size: ".len()..];
    let px: f64 = rest[..rest.find("px").unwrap()].parse().unwrap();
    // "Short" at the theme's h1 size is far narrower than the slide: it must grow.
    assert!(px > 150.0, "fit heading font-size {px}px");
}

#[test]
fn printing_gives_one_page_per_slide_at_slide_size() {
    let Some(bin) = browser("printing_gives_one_page_per_slide_at_slide_size") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (name, md, media) in [
        (
            "wide",
            "![bg](#123)\n# a\n\n---\n\n* b\n* c\n\n---\n\nc\n",
            "0 0 960 540",
        ),
        (
            "std",
            "---\nsize: 4:3\n---\n# a\n\n---\n\nb\n",
            "0 0 720 540",
        ),
    ] {
        let page = build(dir.path(), name, md);
        let pdf = dir.path().join(format!("{name}.pdf"));
        run_chromium(
            &bin,
            &[
                "--no-pdf-header-footer",
                &format!("--print-to-pdf={}", pdf.display()),
            ],
            &file_url(&page),
        );
        let (pages, size) = pdf_pages(&std::fs::read(&pdf).unwrap());
        let slides = md.matches("\n---\n\n").count() + 1;
        assert_eq!(pages, slides, "{name}: pages");
        assert_eq!(size, media, "{name}: page size in points (1px = 0.75pt)");
    }
}
