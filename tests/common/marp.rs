//! Differential comparison with marp-cli itself: the same deck built by both tools, opened in
//! the same Chromium, compared slide by slide on structure (count, classes, the directives'
//! attributes, text) and on looks (SSIM of 320x180 greyscale thumbnails of 1280x720 renderings).
//!
//! Used by tests/marp.rs (fails on a difference) and bench/marp-compare.sh (prints the table).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

use super::cdp::Browser;

/// marp-cli to compare with: `MARP_CLI`, else the copy `.ci/run` installs, else `marp` on the
/// PATH.
pub fn marp() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MARP_CLI").map(PathBuf::from)
        && p.is_file()
    {
        return Some(p);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let cached = home.join(".cache/deck-ci/marp/node_modules/.bin/marp");
    if cached.is_file() {
        return Some(cached);
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("marp"))
        .find(|p| p.is_file())
}

/// marp-cli's path, or `None` after saying why the test is skipped; with
/// `DECK_REQUIRE_MARP=1` (set by `.ci/run`) a missing marp-cli fails instead.
pub fn marp_or_skip(test: &str) -> Option<PathBuf> {
    let found = marp();
    if found.is_none() {
        if std::env::var_os("DECK_REQUIRE_MARP").is_some_and(|v| v == "1") {
            panic!(
                "{test}: DECK_REQUIRE_MARP=1 but marp-cli was not found (npm install @marp-team/marp-cli@4.5.1, or set MARP_CLI)"
            );
        }
        eprintln!(
            "SKIPPED {test}: marp-cli not found (npm install @marp-team/marp-cli@4.5.1, or set MARP_CLI)"
        );
    }
    found
}

/// One slide as a tool drew it.
#[derive(Debug, Clone, PartialEq)]
pub struct Slide {
    pub classes: Vec<String>,
    /// Marp's attributes of the slide's section: `data-*` and the custom properties of `style`.
    pub attrs: BTreeMap<String, String>,
    pub text: String,
    /// 320x180 greyscale thumbnail.
    pub gray: Vec<f64>,
    /// Areas left out of the visual comparison (math: MathML in deck, SVG in Marp), in the
    /// slide's 1280x720 coordinates.
    pub excluded: Vec<[f64; 4]>,
}

/// The comparison of one slide.
#[derive(Debug, Clone)]
pub struct SlideResult {
    pub ssim: f64,
    pub differences: Vec<String>,
    /// The slide shows math: masked out, but MathML (deck) and MathJax (Marp) differ in height,
    /// so the lines around it sit a little apart.
    pub math: bool,
}

impl SlideResult {
    /// The lowest SSIM a slide may have: 0.90, or 0.80 for a slide with math (see `math`).
    pub fn threshold(&self) -> f64 {
        if self.math { 0.80 } else { 0.90 }
    }
}

#[derive(Debug, Clone)]
pub struct DeckResult {
    pub name: String,
    pub slides: Vec<SlideResult>,
    /// Structural differences of the whole deck (slide count).
    pub differences: Vec<String>,
}

/// Build every deck of `dir` (a copy of the corpus) with marp-cli and with deck, and compare.
pub fn compare_corpus(
    marp: &Path,
    browser: &Browser,
    dir: &Path,
    decks: &[PathBuf],
) -> Vec<DeckResult> {
    let html_decks: Vec<&PathBuf> = decks.iter().filter(|d| is_html(d)).collect();
    let plain: Vec<&PathBuf> = decks.iter().filter(|d| !is_html(d)).collect();
    run_marp(marp, dir, &plain, false);
    run_marp(marp, dir, &html_decks, true);
    let out = dir.join("deck-out");
    let mut results = Vec::new();
    for deck in decks {
        let name = deck.file_name().unwrap().to_string_lossy().into_owned();
        let mut args = vec![
            "build".to_string(),
            name.clone(),
            "-o".into(),
            out.display().to_string(),
        ];
        if is_html(deck) {
            args.push("--html".into());
        }
        let run = Command::new(env!("CARGO_BIN_EXE_deck"))
            .args(&args)
            .current_dir(dir)
            .output()
            .unwrap();
        let html_name = name.replace(".md", ".html");
        let marp_page = dir.join(&html_name);
        let deck_page = out.join(&html_name);
        if !run.status.success() || !marp_page.is_file() {
            results.push(DeckResult {
                name,
                slides: Vec::new(),
                differences: vec![format!(
                    "did not build: deck {}, marp {}\n{}",
                    run.status,
                    marp_page.is_file(),
                    String::from_utf8_lossy(&run.stderr)
                )],
            });
            continue;
        }
        results.push(compare_pages(browser, name, &marp_page, &deck_page));
    }
    results
}

/// One page built by both tools, compared slide by slide.
pub fn compare_pages(
    browser: &Browser,
    name: String,
    marp_page: &Path,
    deck_page: &Path,
) -> DeckResult {
    let theirs = slides(browser, marp_page, Tool::Marp);
    let ours = slides(browser, deck_page, Tool::Deck);
    compare(name, &theirs, &ours)
}

/// A Marp project of the corpus: its folder, the marp-cli command line it is built with (the
/// words after `marp`), and what deck must say about it.
pub struct Project {
    pub name: String,
    pub dir: PathBuf,
    pub args: Vec<String>,
    pub expect: Vec<String>,
}

/// The projects of `tests/corpus/marp-projects/` (with `DECK_MARP_ONLY`, those whose name
/// contains it).
pub fn projects() -> Vec<Project> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/marp-projects");
    let mut found: Vec<Project> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("command").is_file())
        .filter(|p| {
            std::env::var("DECK_MARP_ONLY").map_or(true, |only| {
                p.file_name().unwrap().to_string_lossy().contains(&only)
            })
        })
        .map(|dir| {
            let line = std::fs::read_to_string(dir.join("command")).unwrap();
            let mut args = words(line.trim());
            assert_eq!(
                args.first().map(String::as_str),
                Some("marp"),
                "{}",
                dir.display()
            );
            args.remove(0);
            let expect = std::fs::read_to_string(dir.join("expect"))
                .map(|t| {
                    t.lines()
                        .filter(|l| !l.trim().is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            Project {
                name: dir.file_name().unwrap().to_string_lossy().into_owned(),
                dir,
                args,
                expect,
            }
        })
        .collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
}

/// A command line split into words, as a shell splits it (single and double quotes group).
pub fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any || !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
                any = false;
            }
            (None, c) => word.push(c),
        }
    }
    if any || !word.is_empty() {
        out.push(word);
    }
    out
}

/// The project's own files (what is compared are the files each tool writes).
const NOT_PROJECT: &[&str] = &["command", "ABOUT", "expect"];

fn files_under(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

fn copy_project(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().filter_map(Result::ok) {
        let p = e.path();
        let name = e.file_name();
        if NOT_PROJECT.iter().any(|n| name == *n) {
            continue;
        }
        let dest = to.join(&name);
        if p.is_dir() {
            copy_project(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// marp-cli leaves a deck's relative image paths as written, so a page written into another
/// folder (`-I decks -o public`) shows broken images until the assets are published beside it;
/// deck inlines them. To compare the looks, the files beside each source deck are copied
/// beside marp's page, as a publisher of marp's output does.
fn publish_assets(dir: &Path, before: &BTreeMap<PathBuf, Vec<u8>>, page: &Path) {
    let stem = page.file_stem().unwrap().to_string_lossy().into_owned();
    let page_dir = page.parent().unwrap_or(Path::new(""));
    // The source: a Markdown file of the same name, under the deepest matching folders.
    let score = |md: &Path| {
        md.parent()
            .unwrap_or(Path::new(""))
            .components()
            .rev()
            .zip(page_dir.components().rev())
            .take_while(|(a, b)| a == b)
            .count()
    };
    let Some(source) = before
        .keys()
        .filter(|p| is_markdown(p) && p.file_stem().is_some_and(|s| s.to_string_lossy() == stem))
        .max_by_key(|p| score(p))
    else {
        return;
    };
    let src_dir = source.parent().unwrap_or(Path::new(""));
    if src_dir == page_dir {
        return;
    }
    for (rel, bytes) in before {
        if let Ok(inner) = rel.strip_prefix(src_dir)
            && !is_markdown(rel)
            && !dir.join(page_dir).join(inner).exists()
        {
            let dest = dir.join(page_dir).join(inner);
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::write(dest, bytes).unwrap();
        }
    }
}

pub fn is_markdown(p: &Path) -> bool {
    p.extension().is_some_and(|e| {
        ["md", "mdown", "markdown", "markdn"]
            .iter()
            .any(|m| e == *m)
    })
}

/// A project built by marp-cli and by deck with its command line, in two copies of it: the same
/// files must be written, notes byte for byte, each page compared slide by slide.
pub fn compare_project(marp: &Path, browser: &Browser, project: &Project) -> Vec<DeckResult> {
    let tmp = tempfile::tempdir().unwrap();
    let (m, d) = (tmp.path().join("marp"), tmp.path().join("deck"));
    copy_project(&project.dir, &m);
    copy_project(&project.dir, &d);
    let before = files_under(&m);
    let marp_run = Command::new(marp)
        .args(&project.args)
        .current_dir(&m)
        .stdin(std::process::Stdio::null())
        .env("NO_COLOR", "1")
        .output()
        .expect("marp-cli runs");
    let deck_run = Command::new(env!("CARGO_BIN_EXE_deck"))
        .args(&project.args)
        .current_dir(&d)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let mut whole = DeckResult {
        name: project.name.clone(),
        slides: Vec::new(),
        differences: Vec::new(),
    };
    let stderr = String::from_utf8_lossy(&deck_run.stderr).into_owned();
    if !marp_run.status.success() {
        whole.differences.push(format!(
            "marp-cli failed:\n{}",
            String::from_utf8_lossy(&marp_run.stderr)
        ));
    }
    if !deck_run.status.success() {
        whole.differences.push(format!("deck failed:\n{stderr}"));
    }
    for e in &project.expect {
        if !stderr.contains(e.as_str()) {
            whole
                .differences
                .push(format!("deck did not say {e:?}:\n{stderr}"));
        }
    }
    let written = |dir: &Path| -> BTreeMap<PathBuf, Vec<u8>> {
        files_under(dir)
            .into_iter()
            .filter(|(p, bytes)| before.get(p) != Some(bytes))
            .collect()
    };
    let (theirs, ours) = (written(&m), written(&d));
    let names = |w: &BTreeMap<PathBuf, Vec<u8>>| w.keys().cloned().collect::<Vec<_>>();
    if names(&theirs) != names(&ours) {
        whole.differences.push(format!(
            "files written: marp {:?}, deck {:?}",
            names(&theirs),
            names(&ours)
        ));
    }
    let mut results = vec![whole];
    for (rel, bytes) in &theirs {
        let Some(mine) = ours.get(rel) else {
            continue;
        };
        let name = format!("{}/{}", project.name, rel.display());
        match rel.extension().and_then(|e| e.to_str()) {
            Some("html") => {
                publish_assets(&m, &before, rel);
                results.push(compare_pages(browser, name, &m.join(rel), &d.join(rel)));
            }
            _ => {
                if bytes != mine {
                    results.push(DeckResult {
                        name,
                        slides: Vec::new(),
                        differences: vec![format!(
                            "differs:\n  marp {:?}\n  deck {:?}",
                            String::from_utf8_lossy(bytes),
                            String::from_utf8_lossy(mine)
                        )],
                    });
                }
            }
        }
    }
    results
}

fn is_html(deck: &Path) -> bool {
    deck.file_name()
        .is_some_and(|n| n.to_string_lossy().contains("-html"))
}

fn run_marp(marp: &Path, dir: &Path, decks: &[&PathBuf], html: bool) {
    if decks.is_empty() {
        return;
    }
    let mut cmd = Command::new(marp);
    cmd.arg("--no-config").current_dir(dir);
    if html {
        cmd.arg("--html");
    }
    for d in decks {
        cmd.arg(d.file_name().unwrap());
    }
    let out = cmd.output().expect("marp-cli runs");
    assert!(
        out.status.success(),
        "marp-cli failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[derive(Clone, Copy, PartialEq)]
enum Tool {
    Marp,
    Deck,
}

/// Structure of every slide, from the page laid out for print (slides one under the other at
/// 1280x720, as both tools print).
const COLLECT_JS: &str = r#"
(() => {
  const marp = MARP;
  const sections = [...document.querySelectorAll(marp ? 'svg[data-marpit-svg] > foreignObject > section[id]' : 'div.deck-slide > section')];
  // marp-cli's bespoke template has no div.marpit: a slide's frame is its svg, which holds the
  // background, content and pseudo layers of a slide with advanced backgrounds (the content
  // section of a split slide is only its part of the width).
  // The first foreignObject of the svg is the slide's box (the svg itself is as wide as the page,
  // with a 4:3 slide letterboxed in it).
  const frames = marp ? sections.map(s => s.closest('svg[data-marpit-svg]').querySelector(':scope > foreignObject')) : sections;
  const mathSel = 'math, mjx-container, .katex, .katex-display';
  return sections.map((s, i) => {
    const frame = frames[i] || s;
    const fr = frame.getBoundingClientRect();
    const attrs = {};
    for (const a of s.attributes) {
      // data-marpit-scope-*: Marp's random id for a slide's scoped style (deck's ids are
      // deterministic, and scoped style is compared by its effect, in the screenshots).
      if (a.name.startsWith('data-') && !a.name.startsWith('data-marpit-advanced-background')
          && !a.name.startsWith('data-marpit-scope-')
          && !a.name.startsWith('data-deck') && a.name !== 'data-theme') attrs[a.name] = a.value;
    }
    for (const key of s.style) {
      if (key.startsWith('--') && !key.startsWith('--marpit-advanced-background') && !key.startsWith('--deck'))
        attrs[key] = s.style.getPropertyValue(key).replace(/\s+/g, ' ').trim();
    }
    for (const k of Object.keys(attrs)) if (k.startsWith('data-')) attrs[k] = attrs[k].replace(/\s+/g, ' ').trim();
    const clone = s.cloneNode(true);
    clone.querySelectorAll('img.emoji, img[data-marp-twemoji]').forEach(e => e.replaceWith(e.getAttribute('alt') || ''));
    clone.querySelectorAll('br').forEach(e => e.replaceWith(' \u23ce '));
    clone.querySelectorAll(mathSel + ', style, script, .deck-source').forEach(e => e.remove());
    // Whitespace between elements differs by tool and means nothing: it is left out.
    const text = clone.textContent.replace(/\s+/g, '');
    const excluded = [...s.querySelectorAll(mathSel)].filter(m => !m.parentElement.closest(mathSel)).map(m => {
      const r = m.getBoundingClientRect();
      return [r.left - fr.left, r.top - fr.top, r.width, r.height];
    });
    return { classes: [...s.classList].filter(c => !c.startsWith('deck-')).sort(), attrs, text, excluded,
             rect: [fr.left + scrollX, fr.top + scrollY, fr.width, fr.height] };
  });
})()
"#;

/// A PNG screenshot as a 320x180 greyscale thumbnail (4x4 box average), decoded by the page.
const GRAY_JS: &str = r#"
(async (url) => {
  const img = new Image();
  img.src = url;
  await img.decode();
  const c = document.createElement('canvas');
  c.width = 1280; c.height = 720;
  const g = c.getContext('2d');
  g.drawImage(img, 0, 0, 1280, 720);
  const d = g.getImageData(0, 0, 1280, 720).data;
  const out = new Array(320 * 180).fill(0);
  for (let y = 0; y < 720; y++) for (let x = 0; x < 1280; x++) {
    const i = (y * 1280 + x) * 4;
    out[(y >> 2) * 320 + (x >> 2)] += (0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2]) / 16;
  }
  return out.map(v => Math.round(v * 100) / 100);
})
"#;

/// With `DECK_MARP_SHOTS=DIR`, every slide's screenshot is saved there as
/// `DECK-NN-marp.png` and `DECK-NN-deck.png`, to look at side by side.
fn save_shot(page: &Path, tool: Tool, n: usize, png_base64: &str) {
    use base64::Engine as _;
    let Some(dir) = std::env::var_os("DECK_MARP_SHOTS").map(PathBuf::from) else {
        return;
    };
    let stem = page.file_stem().unwrap_or_default().to_string_lossy();
    let who = if tool == Tool::Marp { "marp" } else { "deck" };
    if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(png_base64) {
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join(format!("{stem}-{:02}-{who}.png", n + 1)), bytes);
    }
}

/// A file's `file://` URL, percent-encoded (decks named in Japanese...).
fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

fn slides(browser: &Browser, page: &Path, tool: Tool) -> Vec<Slide> {
    let tab = browser.open(&file_url(page));
    tab.call("Emulation.setEmulatedMedia", json!({ "media": "print" }));
    tab.call(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": 1280, "height": 720, "deviceScaleFactor": 1, "mobile": false }),
    );
    if tool == Tool::Marp {
        // Marp draws emoji as Twemoji images from a CDN, which no test can reach: offline they
        // are broken-image icons. deck embeds emoji; the harness compares the emoji as text.
        tab.eval("document.querySelectorAll('img[data-marp-twemoji]').forEach(e => e.replaceWith(e.getAttribute('alt') || '')), true");
    }
    // Fonts (installed ones; no network) and images settled.
    tab.eval("document.fonts.ready.then(() => true)");
    let js = COLLECT_JS.replace("MARP", if tool == Tool::Marp { "true" } else { "false" });
    let found = tab.eval(&js);
    let mut out = Vec::new();
    for s in found.as_array().cloned().unwrap_or_default() {
        let r: Vec<f64> = s["rect"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap_or(0.0))
            .collect();
        let shot = tab.call(
            "Page.captureScreenshot",
            json!({
                "format": "png",
                "captureBeyondViewport": true,
                "clip": { "x": r[0], "y": r[1], "width": r[2].max(1.0), "height": r[3].max(1.0), "scale": 1280.0 / r[2].max(1.0) },
            }),
        );
        save_shot(page, tool, out.len(), shot["data"].as_str().unwrap_or(""));
        let url = format!(
            "data:image/png;base64,{}",
            shot["data"].as_str().unwrap_or("")
        );
        let gray = tab.eval(&format!("({GRAY_JS})({})", json!(url)));
        let scale = 1280.0 / r[2].max(1.0);
        out.push(Slide {
            classes: s["classes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_string())
                .collect(),
            attrs: s["attrs"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect(),
            text: s["text"].as_str().unwrap_or("").to_string(),
            gray: gray
                .as_array()
                .map(|a| a.iter().map(|v| v.as_f64().unwrap_or(0.0)).collect())
                .unwrap_or_default(),
            excluded: s["excluded"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    let n = |i: usize| r[i].as_f64().unwrap_or(0.0) * scale;
                    [n(0), n(1), n(2), n(3)]
                })
                .collect(),
        });
    }
    tab.close();
    out
}

fn compare(name: String, theirs: &[Slide], ours: &[Slide]) -> DeckResult {
    let mut differences = Vec::new();
    if theirs.len() != ours.len() {
        differences.push(format!(
            "slide count: marp {}, deck {}",
            theirs.len(),
            ours.len()
        ));
    }
    let slides = theirs
        .iter()
        .zip(ours)
        .map(|(m, d)| {
            let mut diffs = Vec::new();
            if m.classes != d.classes {
                diffs.push(format!(
                    "classes: marp {:?}, deck {:?}",
                    m.classes, d.classes
                ));
            }
            // `--theme FILE`: marp-cli names the theme at random on every run (40-odd letters
            // and digits); deck's name is stable. The name is not compared then.
            let random = |v: &String| {
                v.len() >= 30
                    && v.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            };
            let (mut ma, mut da) = (m.attrs.clone(), d.attrs.clone());
            if ma.get("--theme").is_some_and(random) {
                ma.remove("--theme");
                da.remove("--theme");
            }
            if ma != da {
                diffs.push(format!("attributes: marp {ma:?}, deck {da:?}"));
            }
            if m.text != d.text {
                diffs.push(format!("text:\n  marp {:?}\n  deck {:?}", m.text, d.text));
            }
            let mask: Vec<[f64; 4]> = m.excluded.iter().chain(&d.excluded).copied().collect();
            SlideResult {
                ssim: ssim(&masked(&m.gray, &mask), &masked(&d.gray, &mask)),
                differences: diffs,
                math: !mask.is_empty(),
            }
        })
        .collect();
    DeckResult {
        name,
        slides,
        differences,
    }
}

/// The thumbnail with the excluded areas (in 1280x720 coordinates) painted white.
fn masked(gray: &[f64], areas: &[[f64; 4]]) -> Vec<f64> {
    let mut g = gray.to_vec();
    for a in areas {
        let (x0, y0) = (
            (a[0] / 4.0).floor().max(0.0) as usize,
            (a[1] / 4.0).floor().max(0.0) as usize,
        );
        let (x1, y1) = (
            (((a[0] + a[2]) / 4.0).ceil() as usize).min(320),
            (((a[1] + a[3]) / 4.0).ceil() as usize).min(180),
        );
        for y in y0..y1 {
            for x in x0..x1 {
                if let Some(p) = g.get_mut(y * 320 + x) {
                    *p = 255.0;
                }
            }
        }
    }
    g
}

/// Mean SSIM (Wang et al. 2004) over 8x8 windows with a step of 4 pixels, on 320x180 images.
pub fn ssim(a: &[f64], b: &[f64]) -> f64 {
    const W: usize = 320;
    const H: usize = 180;
    const N: usize = 8;
    if a.len() != W * H || b.len() != W * H {
        return 0.0;
    }
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let mut total = 0.0;
    let mut count = 0.0;
    for y in (0..=H - N).step_by(4) {
        for x in (0..=W - N).step_by(4) {
            let (mut ma, mut mb) = (0.0, 0.0);
            for dy in 0..N {
                for dx in 0..N {
                    ma += a[(y + dy) * W + x + dx];
                    mb += b[(y + dy) * W + x + dx];
                }
            }
            let n = (N * N) as f64;
            ma /= n;
            mb /= n;
            let (mut va, mut vb, mut cov) = (0.0, 0.0, 0.0);
            for dy in 0..N {
                for dx in 0..N {
                    let (p, q) = (a[(y + dy) * W + x + dx] - ma, b[(y + dy) * W + x + dx] - mb);
                    va += p * p;
                    vb += q * q;
                    cov += p * q;
                }
            }
            va /= n - 1.0;
            vb /= n - 1.0;
            cov /= n - 1.0;
            total += ((2.0 * ma * mb + c1) * (2.0 * cov + c2))
                / ((ma * ma + mb * mb + c1) * (va + vb + c2));
            count += 1.0;
        }
    }
    total / count
}

/// The table of results, as bench/marp-compare.sh prints it.
pub fn table(results: &[DeckResult]) -> String {
    let mut out = String::from(
        "| deck | slides | structure | min SSIM | median SSIM |\n|---|---|---|---|---|\n",
    );
    let mut all: Vec<f64> = Vec::new();
    for r in results {
        let mut s: Vec<f64> = r.slides.iter().map(|s| s.ssim).collect();
        all.extend(&s);
        s.sort_by(f64::total_cmp);
        let structure =
            r.differences.len() + r.slides.iter().map(|s| s.differences.len()).sum::<usize>();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            r.name,
            r.slides.len(),
            if structure == 0 {
                "same".to_string()
            } else {
                format!("{structure} differences")
            },
            s.first().map_or("-".into(), |v| format!("{v:.3}")),
            median(&s).map_or("-".into(), |v| format!("{v:.3}")),
        ));
    }
    all.sort_by(f64::total_cmp);
    out.push_str(&format!(
        "\nAll {} slides: median SSIM {}, lowest {}, below 0.90: {}\n",
        all.len(),
        median(&all).map_or("-".into(), |v| format!("{v:.3}")),
        all.first().map_or("-".into(), |v| format!("{v:.3}")),
        all.iter().filter(|v| **v < 0.90).count()
    ));
    out
}

/// The projects' table: a row per project (its pages together), as the closing note gives it.
pub fn project_table(results: &[DeckResult]) -> String {
    let mut out = String::from(
        "| project | pages | slides | structure | min SSIM | median SSIM |\n|---|---|---|---|---|---|\n",
    );
    let mut names: Vec<&str> = results
        .iter()
        .map(|r| r.name.split('/').next().unwrap_or(""))
        .collect();
    names.dedup();
    let mut all = Vec::new();
    for name in names {
        let of: Vec<&DeckResult> = results
            .iter()
            .filter(|r| r.name.split('/').next() == Some(name))
            .collect();
        let pages = of.iter().filter(|r| r.name.contains('/')).count();
        let mut s: Vec<f64> = of
            .iter()
            .flat_map(|r| r.slides.iter().map(|s| s.ssim))
            .collect();
        all.extend(&s);
        s.sort_by(f64::total_cmp);
        let structure: usize = of
            .iter()
            .map(|r| {
                r.differences.len() + r.slides.iter().map(|s| s.differences.len()).sum::<usize>()
            })
            .sum();
        out.push_str(&format!(
            "| {name} | {pages} | {} | {} | {} | {} |\n",
            s.len(),
            if structure == 0 {
                "same".to_string()
            } else {
                format!("{structure} differences")
            },
            s.first().map_or("-".into(), |v| format!("{v:.3}")),
            median(&s).map_or("-".into(), |v| format!("{v:.3}")),
        ));
    }
    all.sort_by(f64::total_cmp);
    out.push_str(&format!(
        "\nAll {} slides: median SSIM {}, lowest {}, below 0.90: {}\n",
        all.len(),
        median(&all).map_or("-".into(), |v| format!("{v:.3}")),
        all.first().map_or("-".into(), |v| format!("{v:.3}")),
        all.iter().filter(|v| **v < 0.90).count()
    ));
    out
}

pub fn median(sorted: &[f64]) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    Some(if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    })
}
