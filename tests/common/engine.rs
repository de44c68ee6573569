//! The Docker engine for the `deck run` tests: reachable, and a static busybox to build test
//! images `FROM scratch` (no registry is needed). Without them the tests skip with a message,
//! except under `DECK_REQUIRE_DOCKER=1` (set by `.ci/run`), where they fail.

use std::io::{Read, Write};
use std::path::PathBuf;

/// Where a static busybox may be (Debian's `busybox-static`).
const BUSYBOX: &[&str] = &["/bin/busybox", "/usr/bin/busybox"];

/// The static busybox to copy into test images, or `None` after saying why the test is skipped.
pub fn engine_or_skip(test: &str) -> Option<PathBuf> {
    let problem = match (engine_answers(), static_busybox()) {
        (Err(e), _) => format!("no Docker engine answers ({e}); start dockerd"),
        (Ok(()), None) => {
            "no static busybox to build test images (apt-get install busybox-static)".to_string()
        }
        (Ok(()), Some(bb)) => return Some(bb),
    };
    if std::env::var_os("DECK_REQUIRE_DOCKER").is_some_and(|v| v == "1") {
        panic!("{test}: DECK_REQUIRE_DOCKER=1 but {problem}");
    }
    eprintln!("SKIPPED {test}: {problem}");
    None
}

/// `GET /_ping` on the engine's Unix socket (DOCKER_HOST's, or the default one).
fn engine_answers() -> Result<(), String> {
    let host =
        std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
    let Some(path) = host.strip_prefix("unix://") else {
        // A remote engine: let deck itself find out.
        return Ok(());
    };
    let mut s =
        std::os::unix::net::UnixStream::connect(path).map_err(|e| format!("{path}: {e}"))?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    s.write_all(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    if answer.starts_with("HTTP/1.") && answer.contains(" 200 ") {
        Ok(())
    } else {
        Err(format!(
            "{path} answered {:?}",
            answer.lines().next().unwrap_or("")
        ))
    }
}

/// A busybox without a program interpreter (ELF `PT_INTERP`): it runs in an empty image.
fn static_busybox() -> Option<PathBuf> {
    BUSYBOX.iter().map(PathBuf::from).find(|p| {
        let Ok(elf) = std::fs::read(p) else {
            return false;
        };
        if elf.len() < 64 || &elf[..4] != b"\x7fELF" || elf[4] != 2 {
            return false;
        }
        let u16_at = |o: usize| u16::from_le_bytes([elf[o], elf[o + 1]]) as usize;
        let phoff = u64::from_le_bytes(elf[0x20..0x28].try_into().unwrap()) as usize;
        let (size, count) = (u16_at(0x36), u16_at(0x38));
        (0..count).all(|i| {
            let at = phoff + i * size;
            elf.get(at..at + 4)
                .is_some_and(|t| u32::from_le_bytes(t.try_into().unwrap()) != 3)
        })
    })
}

/// The Dockerfile of the test image: busybox and its applets, nothing else.
pub const DOCKERFILE: &str = "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n";
