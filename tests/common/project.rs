//! A throwaway project folder: write files, run the real `deck` binary in it, read what it wrote.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::{Command, Output};

/// A throwaway project folder: write files, run deck in it, read what it wrote.
pub struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    pub fn new() -> Self {
        Project {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn file(self, path: &str, contents: impl AsRef<[u8]>) -> Self {
        let p = self.dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, contents).unwrap();
        self
    }

    pub fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    pub fn deck(&self, args: &[&str]) -> Run {
        self.deck_env(args, &[] as &[(&str, &str)])
    }

    /// `deck ARGS` with these environment variables set.
    pub fn deck_env(&self, args: &[&str], env: &[(&str, impl AsRef<OsStr>)]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_deck"));
        cmd.args(args).current_dir(self.dir.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        Run(cmd.output().unwrap())
    }

    pub fn read(&self, p: &str) -> String {
        std::fs::read_to_string(self.path(p)).unwrap_or_else(|e| panic!("{p}: {e}"))
    }
}

pub struct Run(pub Output);

impl Run {
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }

    pub fn ok(self) -> Self {
        assert!(self.0.status.success(), "deck failed:\n{}", self.stderr());
        self
    }

    pub fn fails(self) -> Self {
        assert_eq!(
            self.0.status.code(),
            Some(1),
            "deck should fail:\n{}",
            self.stderr()
        );
        self
    }
}
