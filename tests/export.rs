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

/// marp-cli's conversions of `deck build`: the files marp-cli writes, where it writes them.
#[test]
fn marp_conversions_write_what_marp_cli_writes() {
    let Some(chrome) = chromium_or_skip("marp_conversions_write_what_marp_cli_writes") else {
        return;
    };
    let md = "---\ntitle: The talk\nauthor: Ada\nkeywords: perf, python\n---\n# One\n## Part a\n<!-- say one -->\n\n---\n\n# Two\n<!-- say two -->\n<!-- and more -->\n\n---\n\n# Three\n";
    let p = Project::new().file("talk.md", md);
    let env = [("CHROME_PATH", &chrome)];
    // PDF: a page per slide, the metadata, notes as annotations, an outline of pages and headings.
    p.deck_env(&["talk.md", "--pdf", "--pdf-notes", "--pdf-outlines"], &env)
        .ok();
    let doc = lopdf::Document::load(p.path("talk.pdf")).unwrap();
    assert_eq!(doc.get_pages().len(), 3);
    let info = doc
        .trailer
        .get(b"Info")
        .and_then(|i| i.as_reference())
        .unwrap();
    let info = doc.get_dictionary(info).unwrap();
    let text =
        |d: &lopdf::Dictionary, k: &[u8]| lopdf::decode_text_string(d.get(k).unwrap()).unwrap();
    assert_eq!(text(info, b"Title"), "The talk");
    assert_eq!(text(info, b"Author"), "Ada");
    assert_eq!(text(info, b"Keywords"), "perf; python");
    let notes: Vec<String> = doc
        .get_pages()
        .values()
        .map(|page| {
            let annots = doc.get_page_annotations(*page).unwrap_or_default();
            annots
                .iter()
                .map(|a| text(a, b"Contents"))
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect();
    assert_eq!(notes, ["say one", "say two\n\nand more", ""]);
    let catalog = doc.catalog().unwrap();
    let outlines = doc
        .get_dictionary(catalog.get(b"Outlines").unwrap().as_reference().unwrap())
        .unwrap();
    let mut titles = Vec::new();
    let mut next = outlines
        .get(b"First")
        .ok()
        .and_then(|f| f.as_reference().ok());
    while let Some(id) = next {
        let entry = doc.get_dictionary(id).unwrap();
        titles.push(text(entry, b"Title"));
        if let Ok(child) = entry.get(b"First").and_then(|f| f.as_reference()) {
            let c = doc.get_dictionary(child).unwrap();
            titles.push(format!("  {}", text(c, b"Title")));
        }
        next = entry.get(b"Next").ok().and_then(|n| n.as_reference().ok());
    }
    assert_eq!(
        titles,
        ["Page 1", "  One", "Page 2", "  Two", "Page 3", "  Three"]
    );
    // --browser-path names the browser (over CHROME_PATH); --browser-timeout is read.
    let chrome_str = chrome.display().to_string();
    p.deck_env(
        &[
            "talk.md",
            "-o",
            "b.pdf",
            "--browser-path",
            &chrome_str,
            "--browser-timeout",
            "60",
        ],
        &[("CHROME_PATH", "/nonexistent/chrome")],
    )
    .ok();
    assert_eq!(pdf_pages(&std::fs::read(p.path("b.pdf")).unwrap()).0, 3);
    // `-o x.pdf` picks the PDF by its name.
    p.deck_env(&["talk.md", "-o", "out/x.pdf"], &env).ok();
    assert_eq!(pdf_pages(&std::fs::read(p.path("out/x.pdf")).unwrap()).0, 3);
    // --image: the first slide as talk.png; --images: talk.001.png... ; JPEG and a scale.
    p.deck_env(&["talk.md", "--image", "png"], &env).ok();
    assert_eq!(
        png_size(&std::fs::read(p.path("talk.png")).unwrap()),
        (1280, 720)
    );
    p.deck_env(
        &["talk.md", "--images", "png", "--image-scale", "0.5"],
        &env,
    )
    .ok();
    for n in 1..=3 {
        let shot = std::fs::read(p.path(&format!("talk.00{n}.png"))).unwrap();
        assert_eq!(png_size(&shot), (640, 360));
    }
    p.deck_env(
        &["talk.md", "--images", "jpeg", "--jpeg-quality", "50"],
        &env,
    )
    .ok();
    assert!(
        std::fs::read(p.path("talk.002.jpg"))
            .unwrap()
            .starts_with(&[0xff, 0xd8, 0xff])
    );
    // PPTX: a slide per slide, each a picture, its notes on the notes page.
    p.deck_env(&["talk.md", "--pptx"], &env).ok();
    let file = std::fs::File::open(p.path("talk.pptx")).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut read = |name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
        s
    };
    assert_eq!(read("ppt/presentation.xml").matches("<p:sldId ").count(), 3);
    assert!(read("ppt/notesSlides/notesSlide2.xml").contains("<a:t>and more</a:t>"));
    assert!(read("docProps/core.xml").contains("<dc:title>The talk</dc:title>"));
    let mut png = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_name("ppt/media/image1.png").unwrap(), &mut png)
        .unwrap();
    assert_eq!(
        png_size(&png),
        (2560, 1440),
        "PPTX pictures at 2x, as marp-cli"
    );
}
