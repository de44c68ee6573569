//! deck's own container image (the Dockerfile at the root), on the real engine: its runtime stage
//! around the deck built here (`--target prebuilt`: no registry is reachable for the Rust image),
//! on the `debian:bookworm-slim` base that `dockerfiles/offline-base.sh` makes. The image builds
//! the repository's decks, exports one with its Chromium, and serves them on loopback.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .output()
        .expect("docker CLI")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Removes the test's container and image, whatever happens.
struct Cleanup {
    image: String,
    container: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", &self.container]);
        let _ = docker(&["rmi", "-f", &self.image]);
    }
}

fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut raw = String::new();
    s.read_to_string(&mut raw).ok()?;
    let status = raw.split(' ').nth(1)?.parse().ok()?;
    Some((status, raw))
}

#[test]
fn the_runtime_image_builds_exports_and_serves_the_repository() {
    let test = "the_runtime_image_builds_exports_and_serves_the_repository";
    if common::engine::engine_or_skip(test).is_none() {
        return;
    }
    if !docker(&["image", "inspect", "debian:bookworm-slim"])
        .status
        .success()
    {
        let problem = "no debian:bookworm-slim image (sudo dockerfiles/offline-base.sh makes it)";
        if std::env::var_os("DECK_REQUIRE_DOCKER").is_some_and(|v| v == "1") {
            panic!("{test}: DECK_REQUIRE_DOCKER=1 but {problem}");
        }
        eprintln!("SKIPPED {test}: {problem}");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().unwrap();
    let context = work.path().join("context");
    std::fs::create_dir_all(&context).unwrap();
    std::fs::copy(root.join("Dockerfile"), context.join("Dockerfile")).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_deck"), context.join("deck")).unwrap();
    let id = std::process::id();
    let guard = Cleanup {
        image: format!("deck-image-test:{id}"),
        container: format!("deck-image-test-{id}"),
    };
    // The base stage installs Chromium from Debian's archive: the build gets the host's network.
    let context_arg = context.display().to_string();
    let built = docker(&[
        "build",
        "--network",
        "host",
        "--target",
        "prebuilt",
        "-t",
        &guard.image,
        &context_arg,
    ]);
    assert!(
        built.status.success(),
        "docker build:\n{}\n{}",
        String::from_utf8_lossy(&built.stdout),
        String::from_utf8_lossy(&built.stderr)
    );
    let version = docker(&[
        "run",
        "--rm",
        "--network",
        "none",
        &guard.image,
        "--version",
    ]);
    assert!(
        String::from_utf8_lossy(&version.stdout).starts_with("deck "),
        "{version:?}"
    );

    // The repository's project, copied (the container writes dist/ into it).
    let project: PathBuf = work.path().join("project");
    for dir in [
        "slides",
        "data",
        "themes",
        "templates",
        "dockerfiles",
        "docs",
        "examples",
    ] {
        if root.join(dir).is_dir() {
            copy_dir(&root.join(dir), &project.join(dir));
        }
    }
    std::fs::copy(root.join("deck.toml"), project.join("deck.toml")).unwrap();
    let volume = format!("{}:/deck", project.display());
    // SAFETY: getuid and getgid cannot fail.
    let user = unsafe { format!("{}:{}", libc::getuid(), libc::getgid()) };
    let run = |args: &[&str]| {
        let mut all = vec![
            "run",
            "--rm",
            "--network",
            "none",
            "--user",
            &user,
            "-v",
            &volume,
        ];
        all.push(&guard.image);
        all.extend_from_slice(args);
        let out = docker(&all);
        assert!(
            out.status.success(),
            "deck {args:?} in the image:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["build"]);
    for page in ["index.html", "python-in-containers.html", "deck.html"] {
        assert!(project.join("dist").join(page).is_file(), "dist/{page}");
    }
    // The image's Chromium prints the decks (the project's: they read its datasets).
    run(&["export", "pdf", ".", "-o", "pdf"]);
    let pdf = std::fs::read(project.join("pdf/deck.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));

    // deck serve in the container, answering on this machine's loopback.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port().to_string()
    };
    let started = docker(&[
        "run",
        "-d",
        "--name",
        &guard.container,
        "--network",
        "host",
        "-v",
        &volume,
        &guard.image,
        "serve",
        "--port",
        &port,
    ]);
    assert!(started.status.success(), "{started:?}");
    let port: u16 = port.parse().unwrap();
    let t0 = Instant::now();
    let index = loop {
        if let Some((200, body)) = get(port, "/") {
            break body;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "deck serve in the container did not answer: {}",
            String::from_utf8_lossy(&docker(&["logs", &guard.container]).stderr)
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    assert!(index.contains("python-in-containers.html"), "{index}");
    let (status, page) = get(port, "/python-in-containers.html").unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("<section"));
    drop(guard);
}
