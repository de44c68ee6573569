//! Marp decks look as Marp draws them: every deck of the corpus (tests/corpus/marp/) built by
//! marp-cli and by deck, compared in Chromium slide by slide. Any structural difference (slide
//! count, classes, the directives' attributes, text) fails, and so does a slide whose SSIM is
//! below 0.90 (0.80 on a slide with math: the math itself is masked, but deck's MathML and Marp's
//! MathJax are not the same height, so the lines around it move). `DECK_MARP_REPORT=FILE` writes the whole table there (bench/marp-compare.sh).

mod common;

use std::path::{Path, PathBuf};

use common::cdp::browser_or_skip;
use common::marp::{
    DeckResult, compare_corpus, compare_project, marp_or_skip, project_table, projects, table,
};

fn corpus_copy() -> (tempfile::TempDir, Vec<PathBuf>) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/marp");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&src, dir.path());
    let mut decks: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .filter(|p| p.file_name().is_some_and(|n| n != "README.md"))
        .filter(|p| {
            std::env::var("DECK_MARP_ONLY").map_or(true, |only| {
                p.file_name().unwrap().to_string_lossy().contains(&only)
            })
        })
        .collect();
    decks.sort();
    (dir, decks)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().filter_map(Result::ok) {
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

#[test]
fn the_corpus_looks_as_marp_draws_it() {
    let Some(marp) = marp_or_skip("the_corpus_looks_as_marp_draws_it") else {
        return;
    };
    let Some(browser) = browser_or_skip("the_corpus_looks_as_marp_draws_it") else {
        return;
    };
    let (dir, decks) = corpus_copy();
    let results = compare_corpus(&marp, &browser, dir.path(), &decks);
    let report = table(&results);
    if let Ok(path) = std::env::var("DECK_MARP_REPORT") {
        let mut details = report.clone();
        for r in &results {
            for d in &r.differences {
                details.push_str(&format!("\n{}: {d}", r.name));
            }
            for (i, s) in r.slides.iter().enumerate() {
                for d in &s.differences {
                    details.push_str(&format!("\n{} slide {}: {d}", r.name, i + 1));
                }
                if s.ssim < s.threshold() {
                    details.push_str(&format!("\n{} slide {}: SSIM {:.3}", r.name, i + 1, s.ssim));
                }
            }
        }
        std::fs::write(path, details).unwrap();
    }
    let failures = failures(&results);
    assert!(failures.is_empty(), "{report}\n{}", failures.join("\n"));
}

/// Every structural difference, and every slide below its SSIM threshold.
fn failures(results: &[DeckResult]) -> Vec<String> {
    let mut failures = Vec::new();
    for r in results {
        for d in &r.differences {
            failures.push(format!("{}: {d}", r.name));
        }
        for (i, s) in r.slides.iter().enumerate() {
            for d in &s.differences {
                failures.push(format!("{} slide {}: {d}", r.name, i + 1));
            }
            if s.ssim < s.threshold() {
                failures.push(format!(
                    "{} slide {}: SSIM {:.3} < {:.2}",
                    r.name,
                    i + 1,
                    s.ssim,
                    s.threshold()
                ));
            }
        }
    }
    failures
}

/// Marp projects (theme sets, config files, marp-cli's command line) build as marp-cli builds
/// them: each project of tests/corpus/marp-projects/ is built by marp-cli 4.5.1 and by deck with
/// the same command line, in copies of it; both must write the same files, the notes byte for
/// byte, and every page is compared as the single-file corpus is.
#[test]
fn marp_projects_build_as_marp_cli_builds_them() {
    let Some(marp) = marp_or_skip("marp_projects_build_as_marp_cli_builds_them") else {
        return;
    };
    let Some(browser) = browser_or_skip("marp_projects_build_as_marp_cli_builds_them") else {
        return;
    };
    let all = projects();
    if std::env::var_os("DECK_MARP_ONLY").is_none() {
        assert!(all.len() >= 20, "the corpus has {} projects", all.len());
    }
    let results: Vec<DeckResult> = all
        .iter()
        .flat_map(|p| compare_project(&marp, &browser, p))
        .collect();
    let report = project_table(&results);
    if let Ok(path) = std::env::var("DECK_MARP_PROJECTS_REPORT") {
        let mut details = report.clone();
        for f in failures(&results) {
            details.push_str(&format!("\n{f}"));
        }
        std::fs::write(path, details).unwrap();
    }
    let failures = failures(&results);
    assert!(failures.is_empty(), "{report}\n{}", failures.join("\n"));
}
