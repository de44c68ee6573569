//! The fuzz targets cannot rot: each target in fuzz/ is one line calling a body of
//! `deck::fuzzing`, every body is listed there and in fuzz/Cargo.toml, and every body runs here
//! on its seed corpus (`fuzz/seeds/TARGET/`) without panicking.

use std::path::Path;

const FUZZ: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz");

#[test]
fn every_target_calls_a_body_of_the_library() {
    let manifest = std::fs::read_to_string(Path::new(FUZZ).join("Cargo.toml")).unwrap();
    let mut files: Vec<String> = std::fs::read_dir(Path::new(FUZZ).join("fuzz_targets"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| {
            e.file_name()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string()
        })
        .collect();
    files.sort();
    let mut names: Vec<String> = deck::fuzzing::TARGETS
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    names.sort();
    assert_eq!(
        files, names,
        "fuzz/fuzz_targets/ and deck::fuzzing::TARGETS differ"
    );
    for name in &names {
        let src = std::fs::read_to_string(Path::new(FUZZ).join(format!("fuzz_targets/{name}.rs")))
            .unwrap();
        assert!(
            src.contains(&format!("deck::fuzzing::{name}(data)")),
            "fuzz_targets/{name}.rs does not call deck::fuzzing::{name}"
        );
        assert!(
            manifest.contains(&format!("name = \"{name}\""))
                && manifest.contains(&format!("fuzz_targets/{name}.rs")),
            "fuzz/Cargo.toml has no [[bin]] for {name}"
        );
    }
}

#[test]
fn every_body_survives_its_seed_corpus() {
    for (name, body) in deck::fuzzing::TARGETS {
        let dir = Path::new(FUZZ).join("seeds").join(name);
        let seeds: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        assert!(seeds.len() >= 5, "{name}: only {} seeds", seeds.len());
        let mut seeds = seeds;
        seeds.extend(corpus_seeds(name));
        for seed in seeds {
            let data = std::fs::read(&seed).unwrap();
            body(&data);
            // And a few cheap mutations: cut short, one byte flipped.
            body(&data[..data.len() / 2]);
            let mut flipped = data.clone();
            if let Some(b) = flipped.get_mut(data.len() / 3) {
                *b ^= 0x20;
            }
            body(&flipped);
        }
    }
}

/// The Marp projects' own theme CSS and config files are seeds too (without copying them).
fn corpus_seeds(target: &str) -> Vec<std::path::PathBuf> {
    let wanted = |p: &Path| {
        let name = p
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        match target {
            "theme_css" => name.ends_with(".css"),
            "marp_config" => {
                name.starts_with(".marprc")
                    || name.starts_with("marp.config")
                    || name == "package.json"
            }
            _ => false,
        }
    };
    let mut found = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/marp-projects")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
        {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if wanted(&p) {
                found.push(p);
            }
        }
    }
    found
}
