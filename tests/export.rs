//! `deck export` with the installed Chromium: page count and page size of the PDF, the PNGs'
//! count and pixel size.

mod common;

use common::cdp::{chromium_or_skip, pdf_pages};
use common::project::Project;

/// Width and height of a PNG, from its IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[1..4], b"PNG", "not a PNG");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

fn deck(slides: usize, size: &str) -> String {
    let mut md =
        format!("---\nsize: {size}\npaginate: true\n---\n\n# Slide 1\n\n* a fragment\n* another\n");
    for i in 2..=slides {
        md.push_str(&format!("\n---\n\n## Slide {i}\n\nText of slide {i}.\n"));
    }
    md
}

#[test]
fn pdf_has_a_page_per_slide_at_the_slides_size() {
    let Some(chrome) = chromium_or_skip("pdf_has_a_page_per_slide_at_the_slides_size") else {
        return;
    };
    let p = Project::new()
        .file("wide.md", deck(5, "16:9"))
        .file("square.md", deck(3, "4:3"));
    for (file, pages, media) in [("wide", 5, "0 0 960 540"), ("square", 3, "0 0 720 540")] {
        let err = p
            .deck_env(
                &["export", "pdf", &format!("{file}.md"), "-o", "out"],
                &[("CHROME_PATH", &chrome)],
            )
            .ok()
            .stderr();
        assert!(err.contains(&format!("wrote out/{file}.pdf")), "{err}");
        let pdf = std::fs::read(p.path(&format!("out/{file}.pdf"))).unwrap();
        assert_eq!(pdf_pages(&pdf), (pages, media.to_string()), "{file}");
    }
    // --notes: also a notes PDF, a page per slide, A4 landscape (841.92 x 594.96 pt).
    let err = p
        .deck_env(
            &["export", "pdf", "wide.md", "-o", "out", "--notes"],
            &[("CHROME_PATH", &chrome)],
        )
        .ok()
        .stderr();
    assert!(err.contains("out/wide.notes.pdf"), "{err}");
    let (pages, media) = pdf_pages(&std::fs::read(p.path("out/wide.notes.pdf")).unwrap());
    assert_eq!(pages, 5);
    assert!(
        media.starts_with("0 0 841.9") && media.contains(" 594.9"),
        "{media}"
    );
}

#[test]
fn png_has_an_image_per_slide_at_the_scale_asked() {
    let Some(chrome) = chromium_or_skip("png_has_an_image_per_slide_at_the_scale_asked") else {
        return;
    };
    let p = Project::new().file("talk.md", deck(4, "16:9"));
    p.deck_env(
        &["export", "png", "talk.md", "-o", "shots", "--scale", "2"],
        &[("CHROME_PATH", &chrome)],
    )
    .ok();
    let mut names: Vec<String> = std::fs::read_dir(p.path("shots/talk"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["01.png", "02.png", "03.png", "04.png"]);
    for n in &names {
        let png = std::fs::read(p.path(&format!("shots/talk/{n}"))).unwrap();
        assert_eq!(png_size(&png), (2560, 1440), "{n}");
    }
    // With -o, only the images are written, and only there: no talk.html beside talk.md.
    assert!(!p.path("talk.html").exists());
    let mut written: Vec<String> = std::fs::read_dir(p.path("shots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, ["talk"]);
    // A scale out of range is refused before anything runs.
    let out = p.deck(&["export", "png", "talk.md", "--scale", "0"]);
    assert_eq!(out.0.status.code(), Some(2));
    assert!(out.stderr().contains("not a scale from 0.25 to 8"));
}

#[test]
fn without_a_browser_export_says_what_to_install() {
    let p = Project::new().file("talk.md", deck(2, "16:9"));
    let err = p
        .deck_env(
            &["export", "pdf", "talk.md"],
            &[("CHROME_PATH", p.path("no-such-browser"))],
        )
        .fails()
        .stderr();
    assert!(err.contains("which is not a file"), "{err}");
    assert!(err.contains("apt-get install chromium"), "{err}");
}
