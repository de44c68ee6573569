//! `meta.json`: where and how the results were measured — the host, the engine, deck and the
//! project's commit, the configuration's hash, when the run started and ended.

use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use serde::Serialize;

use super::docker::EngineInfo;

#[derive(Debug, Clone, Serialize)]
pub struct Host {
    pub cpu_model: String,
    pub cores: usize,
    pub memory_bytes: u64,
    pub kernel: String,
    pub os: String,
    pub hostname: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Project {
    /// `git rev-parse HEAD` of the project, if it is a git checkout.
    pub git_commit: Option<String>,
    /// Uncommitted changes when the run started, outside the results folder
    /// (which is deck run's own output).
    pub git_dirty: Option<bool>,
    /// SHA-256 of the `[bench]` table as deck read it.
    pub config_sha256: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    pub generator: String,
    pub host: Host,
    /// Every engine whose rows the results hold, by the name in their `host` column (a session
    /// measuring only `local = true` variants on this machine has the `local` engine).
    pub engines: Vec<EngineInfo>,
    pub project: Project,
    /// The command line of the first session and of each `--resume`.
    pub sessions: Vec<Session>,
    /// SHA-256 of each results file as `deck run` left it, so `deck check` can tell data edited
    /// afterwards.
    pub files: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Session {
    pub command: String,
    pub started: String,
    pub ended: Option<String>,
    /// `completed`, `interrupted`, `failed`, `running` while it runs, or `killed` (found running
    /// by a later start, its process gone: SIGKILL, a power cut).
    pub result: String,
    /// The deck process running it (`host:pid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
}

impl Session {
    /// Whether this session is running now, in a deck process that is alive.
    pub fn is_live(&self) -> bool {
        self.result == "running" && super::docker::owner_alive(self.process.as_ref())
    }
}

/// [`Meta::legacy_host`] of a meta.json already read.
fn legacy_host_in(v: Option<&serde_json::Value>) -> String {
    let named = v
        .and_then(|v| v["engine"]["name"].as_str())
        .filter(|n| !n.is_empty() && *n != "default");
    named
        .or_else(|| v.and_then(|v| v["host"]["hostname"].as_str()))
        .filter(|h| !h.is_empty())
        .map_or_else(this_machine_name, str::to_string)
}

/// This machine's name, or `local` when it cannot be read: what results call it.
pub fn this_machine_name() -> String {
    Some(host_name())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "local".into())
}

/// This machine's name (empty when it cannot be read).
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::env::var("HOSTNAME"))
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

pub fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// The CPU model a `/proc/cpuinfo` names (`model name`, or ARM's `Model`/`Hardware`).
pub fn cpu_model_in(cpuinfo: &str) -> Option<String> {
    ["model name", "Model", "Hardware"].iter().find_map(|key| {
        cpuinfo.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == *key && !v.trim().is_empty()).then(|| v.trim().to_string())
        })
    })
}

impl Host {
    pub fn read() -> Host {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpu_model_in(&cpuinfo).unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_bytes = meminfo
            .lines()
            .find_map(|l| {
                let rest = l.strip_prefix("MemTotal:")?;
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map_or(0, |kb| kb * 1024);
        let os = std::fs::read_to_string("/etc/os-release")
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map(|v| v.trim_matches('"').to_string())
            .unwrap_or_else(|| std::env::consts::OS.to_string());
        let read = |p: &str| {
            std::fs::read_to_string(p)
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        Host {
            cpu_model,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_bytes,
            kernel: read("/proc/sys/kernel/osrelease"),
            os,
            hostname: host_name(),
        }
    }
}

impl Project {
    pub fn read(root: &Path, output: &Path, config_sha256: String) -> Project {
        let git = |args: &[&str]| -> Option<String> {
            let dir = if root.as_os_str().is_empty() {
                Path::new(".")
            } else {
                root
            };
            let out = Command::new("git")
                .args(args)
                .current_dir(dir)
                .stdin(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .output()
                .ok()?;
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        };
        let git_commit = git(&["rev-parse", "HEAD"]);
        let exclude = format!(":(exclude){}", output.display());
        let git_dirty = git_commit
            .as_ref()
            .and_then(|_| git(&["status", "--porcelain", "--", ".", &exclude]))
            .map(|s| !s.is_empty());
        Project {
            git_commit,
            git_dirty,
            config_sha256,
        }
    }
}

impl Meta {
    /// The recorded hashes of an earlier `meta.json` (`files`), if any.
    pub fn recorded_files(path: &Path) -> std::collections::BTreeMap<String, String> {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| serde_json::from_value(v.get("files")?.clone()).ok())
            .unwrap_or_default()
    }

    /// The engines an earlier `meta.json` describes (rows carried over from it were measured
    /// there). One written before engines had names (`engine`) is named as its rows are:
    /// [`Meta::legacy_host`].
    pub fn earlier_engines(path: &Path) -> Vec<EngineInfo> {
        let Some(v) = std::fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        else {
            return Vec::new();
        };
        if let Some(list) = v.get("engines") {
            return serde_json::from_value(list.clone()).unwrap_or_default();
        }
        // Its machine's facts are the host's that ran deck (the engine ran there too when it
        // was a Unix socket, or absent: local variants).
        let host = &v["host"];
        let text = |k: &str| host[k].as_str().unwrap_or_default().to_string();
        let mut e = match v.get("engine").filter(|e| !e.is_null()) {
            Some(e) => match serde_json::from_value::<EngineInfo>(e.clone()) {
                Ok(e) => e,
                Err(_) => return Vec::new(),
            },
            None => EngineInfo {
                endpoint: "local".into(),
                os: text("os"),
                kernel: text("kernel"),
                cpus: host["cores"].as_i64().unwrap_or(0),
                memory_bytes: host["memory_bytes"].as_i64().unwrap_or(0),
                ..EngineInfo::default()
            },
        };
        if e.endpoint == "local" || e.endpoint.starts_with("unix://") {
            e.cpu_model = text("cpu_model");
            e.hostname = text("hostname");
        }
        e.name = legacy_host_in(Some(&v));
        e.config_sha256 = v["project"]["config_sha256"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        vec![e]
    }

    /// The `host` of rows written before results had one: the engine's name when the session
    /// named one (`--engine`), else the name of the machine that measured them, as their
    /// `meta.json` records it (this machine's without one).
    pub fn legacy_host(path: &Path) -> String {
        let v = std::fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
        legacy_host_in(v.as_ref())
    }

    /// The sessions recorded by an earlier `meta.json` (kept by `--resume`).
    pub fn earlier_sessions(path: &Path) -> Vec<Session> {
        let Ok(text) = std::fs::read_to_string(path) else {
            return Vec::new();
        };
        serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("sessions").cloned())
            .and_then(|s| serde_json::from_value::<Vec<Session>>(s).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|mut s| {
                if s.result == "running" && !s.is_live() {
                    s.result = "killed".into();
                }
                s
            })
            .collect()
    }

    /// Mark the sessions of `path` that were left `running` by a process now gone as `killed`,
    /// in place (everything else of the file kept as it is). Returns how many.
    pub fn mark_killed(path: &Path) -> anyhow::Result<usize> {
        let Ok(text) = std::fs::read_to_string(path) else {
            return Ok(0);
        };
        let Ok(mut doc) = serde_json::from_str::<serde_json::Value>(&text) else {
            return Ok(0);
        };
        let sessions = Meta::earlier_sessions(path);
        let killed = sessions.iter().filter(|s| s.result == "killed").count();
        let changed = doc
            .get("sessions")
            .and_then(|s| s.as_array())
            .is_some_and(|old| old.iter().any(|s| s["result"] == "running"));
        if killed == 0 || !changed {
            return Ok(0);
        }
        doc["sessions"] = serde_json::to_value(&sessions)?;
        let mut text = serde_json::to_string_pretty(&doc)?;
        text.push('\n');
        crate::output::write_atomic(path, text.as_bytes())?;
        Ok(killed)
    }

    /// Written whole, through a temporary file.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        crate::output::write_atomic(path, text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_facts_are_read() {
        let h = Host::read();
        assert!(h.cores >= 1);
        if cfg!(target_os = "linux") {
            assert!(h.memory_bytes > 0, "{h:?}");
            assert!(!h.kernel.is_empty(), "{h:?}");
        }
    }

    #[test]
    fn sessions_survive_a_rewrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("meta.json");
        let meta = Meta {
            generator: "deck test".into(),
            host: Host::read(),
            engines: Vec::new(),
            project: Project::read(dir.path(), Path::new("data"), "abc".into()),
            files: Default::default(),
            sessions: vec![Session {
                command: "deck run".into(),
                started: now(),
                ended: None,
                result: "interrupted".into(),
                process: None,
            }],
        };
        meta.write(&path).unwrap();
        let earlier = Meta::earlier_sessions(&path);
        assert_eq!(earlier.len(), 1);
        assert_eq!(earlier[0].result, "interrupted");
        assert_eq!(
            meta.project.git_commit, None,
            "a temp folder is no git checkout"
        );
    }
}
