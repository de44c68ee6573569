//! `deck new NAME`: a deck project that builds at once — deck.toml with datasets, colours and a
//! `[bench]`, a first deck with a chart, a table and a computed sentence over example data, a
//! Dockerfile and workload for `deck run`, a .gitignore, and a CI workflow that checks, builds and
//! publishes the decks.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// (path in the project, template)
const FILES: &[(&str, &str)] = &[
    ("deck.toml", include_str!("../templates/new/deck.toml")),
    (
        "data/example.csv",
        include_str!("../templates/new/example.csv"),
    ),
    (
        "dockerfiles/example/Dockerfile",
        include_str!("../templates/new/Dockerfile"),
    ),
    (
        "dockerfiles/workload/bench.py",
        include_str!("../templates/new/bench.py"),
    ),
    (".gitignore", include_str!("../templates/new/gitignore")),
    (
        ".github/workflows/deck.yml",
        include_str!("../templates/new/workflow.yml"),
    ),
    ("README.md", include_str!("../templates/new/README.md")),
];

const SLIDES: &str = include_str!("../templates/new/slides.md");

/// Create the project at `dir`; returns the files written. `deck_git` is where the CI workflow
/// installs deck from (empty: from the repository variable DECK_GIT).
pub fn create(dir: &Path, deck_git: &str) -> anyhow::Result<Vec<PathBuf>> {
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty())
        .with_context(|| format!("{} has no folder name to call the project", dir.display()))?
        .to_string();
    if dir.exists()
        && std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_some()
    {
        bail!(
            "{} exists and is not empty\n  help: choose a new name, or empty the folder first: deck new never overwrites files",
            dir.display()
        );
    }
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    // The workflow installs deck from the URL given, else from the repository variable.
    let deck_git = if deck_git.is_empty() {
        "${{ vars.DECK_GIT }}".to_string()
    } else {
        format!("'{}'", deck_git.replace('\'', "''"))
    };
    let fill = |text: &str| {
        text.replace("{{ name }}", &name)
            .replace("{{ deck_git }}", &deck_git)
    };
    let mut written = Vec::new();
    let slides = (format!("slides/{slug}.md"), SLIDES);
    for (rel, text) in FILES
        .iter()
        .map(|(r, t)| (r.to_string(), *t))
        .chain([slides])
    {
        let path = dir.join(&rel);
        crate::output::write_atomic(&path, fill(text).as_bytes())?;
        written.push(path);
    }
    Ok(written)
}
