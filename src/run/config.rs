//! The `[bench]` table of deck.toml: what `deck run` measures, checked into typed values.
//!
//! serde reads the raw table ([`BenchToml`], unknown keys refused with their line); [`Bench::from_toml`]
//! then checks what types cannot say (durations, sizes, one kind per variant, mounts inside the
//! project) and reports every problem at once, each at its key.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::diagnostics::Diagnostics;

pub use super::docker::Limits;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchToml {
    #[serde(default)]
    pub repeat: Option<i64>,
    #[serde(default)]
    pub warmup: Option<i64>,
    #[serde(default)]
    pub order: Option<String>,
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub timeout: Option<String>,
    #[serde(default)]
    pub cpus: Option<f64>,
    #[serde(default)]
    pub cpuset: Option<String>,
    #[serde(default)]
    pub memory: Option<toml::Value>,
    #[serde(default)]
    pub network: Option<String>,
    /// Network of the image builds (e.g. "host" for `apt-get` in a RUN step); the engine's
    /// default when absent.
    #[serde(default)]
    pub build_network: Option<String>,
    #[serde(default)]
    pub sample_interval: Option<String>,
    /// Where results go, relative to the project root.
    #[serde(default)]
    pub output: Option<PathBuf>,
    #[serde(default)]
    pub variants: BTreeMap<String, VariantToml>,
    #[serde(default)]
    pub workloads: BTreeMap<String, WorkloadToml>,
    /// Named engines for `--engine NAME`: a Docker context, a URL, or `local`.
    #[serde(default)]
    pub engines: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantToml {
    #[serde(default)]
    pub dockerfile: Option<PathBuf>,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub local: Option<bool>,
    /// Limits for this variant's containers, over the `[bench]` ones.
    #[serde(default)]
    pub cpus: Option<f64>,
    #[serde(default)]
    pub cpuset: Option<String>,
    #[serde(default)]
    pub memory: Option<toml::Value>,
    /// Why this variant is not run by default (e.g. it needs a registry): it runs only when
    /// named with `--variant`.
    #[serde(default)]
    pub skip: Option<String>,
    /// `ARG` values for the build of a `dockerfile` variant.
    #[serde(default)]
    pub build_args: BTreeMap<String, String>,
    /// Environment of this variant's runs, over the workload's.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadToml {
    pub command: Vec<String>,
    #[serde(default)]
    pub mount: BTreeMap<String, String>,
    #[serde(default)]
    pub probe: Option<Vec<String>>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// In which order the runs of a round go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Variants alternate within each round, so drift hits all alike.
    Interleaved,
    /// Each round shuffled (seeded: the same seed, the same order).
    Random,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VariantKind {
    /// Built by deck from this Dockerfile (context: its folder).
    Dockerfile(PathBuf),
    /// An existing image.
    Image(String),
    /// No container: run on this machine.
    Local,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub name: String,
    pub kind: VariantKind,
    /// Container limits, the variant's own over the `[bench]` ones.
    pub limits: Limits,
    /// Not run unless named on the command line, for this reason.
    pub skip: Option<String>,
    /// `ARG` values for the image build (dockerfile variants).
    pub build_args: BTreeMap<String, String>,
    /// Environment of this variant's runs, over the workload's.
    pub env: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    pub name: String,
    pub command: Vec<String>,
    /// Host folder (relative to the project) -> path in the container; read-only.
    pub mounts: Vec<(PathBuf, String)>,
    pub probe: Option<Vec<String>>,
    pub env: BTreeMap<String, String>,
}

/// The checked `[bench]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Bench {
    pub repeat: u32,
    pub warmup: u32,
    pub order: Order,
    pub seed: u64,
    pub timeout: Duration,
    pub network: String,
    pub build_network: Option<String>,
    pub sample_interval: Duration,
    pub output: PathBuf,
    pub variants: Vec<Variant>,
    pub workloads: Vec<Workload>,
    /// `[bench.engines]`: name → Docker context, URL or `local` (resolved by `run::engines`).
    pub engines: BTreeMap<String, String>,
}

impl Bench {
    /// Check the raw table; `None` (with every problem in `diags`) if anything is wrong.
    pub fn from_toml(
        raw: &BenchToml,
        root: &Path,
        path: &Path,
        text: &str,
        diags: &mut Diagnostics,
    ) -> Option<Bench> {
        let before = diags.error_count();
        let doc = crate::toml_doc::TomlDoc::new(path, text);
        // `at`: the key's path under [bench], e.g. ["variants", "debian", "cpus"].
        let mut error = |at: &[&str], message: String, help: &str| {
            let mut full = vec!["bench"];
            full.extend_from_slice(at);
            diags.push(doc.error(&full, message).help(help));
        };
        let count = |v: Option<i64>,
                     default: u32,
                     key: &str,
                     min: i64,
                     error: &mut dyn FnMut(&[&str], String, &str)| {
            match v {
                None => default,
                Some(n) if n >= min && n <= 10_000 => n as u32,
                Some(n) => {
                    error(
                        &[key],
                        format!("`{key} = {n}` is out of range"),
                        &format!("use a whole number from {min} to 10000"),
                    );
                    default
                }
            }
        };
        let repeat = count(raw.repeat, 5, "repeat", 1, &mut error);
        let warmup = count(raw.warmup, 1, "warmup", 0, &mut error);
        let order = match raw.order.as_deref() {
            None | Some("interleaved") => Order::Interleaved,
            Some("random") => Order::Random,
            Some(other) => {
                error(
                    &["order"],
                    format!("unknown order {other:?}"),
                    "use \"interleaved\" or \"random\"",
                );
                Order::Interleaved
            }
        };
        let duration = |v: &Option<String>,
                        default: Duration,
                        key: &str,
                        error: &mut dyn FnMut(&[&str], String, &str)| match v
        {
            None => default,
            Some(s) => parse_duration(s).unwrap_or_else(|| {
                error(
                    &[key],
                    format!("`{key} = {s:?}` is not a duration"),
                    "write a number and a unit: \"250ms\", \"30s\", \"10m\", \"1h\", \"1m30s\"",
                );
                default
            }),
        };
        let timeout = duration(
            &raw.timeout,
            Duration::from_secs(600),
            "timeout",
            &mut error,
        );
        let sample_interval = duration(
            &raw.sample_interval,
            Duration::from_millis(250),
            "sample_interval",
            &mut error,
        );
        if sample_interval < Duration::from_millis(10) {
            error(
                &["sample_interval"],
                "`sample_interval` is below 10ms".into(),
                "sample every 10ms or slower; 250ms is usual",
            );
        }
        let limits = check_limits(
            raw.cpus,
            raw.cpuset.as_ref(),
            raw.memory.as_ref(),
            &[],
            &mut error,
        );
        let network = raw.network.clone().unwrap_or_else(|| "none".into());
        let output = raw.output.clone().unwrap_or_else(|| PathBuf::from("data"));
        if !inside_project(&output) {
            error(
                &["output"],
                format!(
                    "`output = {:?}` leaves the project",
                    output.display().to_string()
                ),
                "use a folder inside the project, such as \"data\"",
            );
        }

        let mut variants = Vec::new();
        if raw.variants.is_empty() {
            error(
                &["variants"],
                "no variant in [bench.variants]".into(),
                "add one, e.g. [bench.variants.host] with local = true",
            );
        }
        for (name, v) in &raw.variants {
            let key = ["variants", name.as_str()];
            let at = |k: &'static str| ["variants", name.as_str(), k];
            let kinds = [
                v.dockerfile.is_some(),
                v.image.is_some(),
                v.local == Some(true),
            ]
            .iter()
            .filter(|k| **k)
            .count();
            if kinds != 1 {
                error(
                    &key,
                    format!(
                        "variant `{name}` needs exactly one of dockerfile, image or local = true"
                    ),
                    "dockerfile = \"dockerfiles/x/Dockerfile\" (built by deck), image = \"name:tag\", or local = true",
                );
                continue;
            }
            if !v.build_args.is_empty() && v.dockerfile.is_none() {
                error(
                    &at("build_args"),
                    format!("variant `{name}` has build_args but no dockerfile"),
                    "build_args are ARG values for a Dockerfile deck builds: remove them or add dockerfile = \"...\"",
                );
            }
            if !valid_name(name) {
                error(
                    &key,
                    format!(
                        "variant name `{name}` has characters other than letters, digits, - and _"
                    ),
                    "rename it: the name goes into image tags and CSV files",
                );
            }
            let own = check_limits(
                v.cpus,
                v.cpuset.as_ref(),
                v.memory.as_ref(),
                &key,
                &mut error,
            );
            if v.local == Some(true) && own != Limits::default() {
                error(
                    &at("local"),
                    format!(
                        "variant `{name}` runs on the host (local = true) and cannot have limits"
                    ),
                    "limits apply to containers: remove cpus, cpuset and memory here, or run this variant in a container",
                );
            }
            let limits = Limits {
                cpus: own.cpus.or(limits.cpus),
                memory: own.memory.or(limits.memory),
                cpuset: own.cpuset.or_else(|| limits.cpuset.clone()),
            };
            let kind = if let Some(file) = &v.dockerfile {
                if !inside_project(file) {
                    error(
                        &at("dockerfile"),
                        format!(
                            "dockerfile {:?} leaves the project",
                            file.display().to_string()
                        ),
                        "keep benchmark images under dockerfiles/",
                    );
                } else if !root.join(file).is_file() {
                    error(
                        &at("dockerfile"),
                        format!("dockerfile {:?} does not exist", file.display().to_string()),
                        "check the path (relative to the project root)",
                    );
                }
                VariantKind::Dockerfile(file.clone())
            } else if let Some(image) = &v.image {
                VariantKind::Image(image.clone())
            } else {
                VariantKind::Local
            };
            let limits = if kind == VariantKind::Local {
                Limits::default()
            } else {
                limits
            };
            variants.push(Variant {
                name: name.clone(),
                kind,
                limits,
                skip: v.skip.clone().filter(|s| !s.trim().is_empty()),
                build_args: v.build_args.clone(),
                env: v.env.clone(),
            });
        }

        let mut workloads = Vec::new();
        if raw.workloads.is_empty() {
            error(
                &["workloads"],
                "no workload in [bench.workloads]".into(),
                "add one, e.g. [bench.workloads.hello] with command = [\"echo\", \"hi\"]",
            );
        }
        for (name, w) in &raw.workloads {
            let key = ["workloads", name.as_str()];
            let at = |k: &'static str| ["workloads", name.as_str(), k];
            if !valid_name(name) {
                error(
                    &key,
                    format!(
                        "workload name `{name}` has characters other than letters, digits, - and _"
                    ),
                    "rename it: the name goes into CSV files",
                );
            }
            if w.command.is_empty() || w.command[0].is_empty() {
                error(
                    &at("command"),
                    format!("workload `{name}` has an empty command"),
                    "command = [\"program\", \"arg\", ...]",
                );
            }
            if w.probe.as_ref().is_some_and(|p| p.is_empty()) {
                error(
                    &at("probe"),
                    format!("workload `{name}` has an empty probe"),
                    "remove `probe` or give a command",
                );
            }
            let mut mounts = Vec::new();
            for (host, target) in &w.mount {
                let host_path = PathBuf::from(host);
                let at_mount = ["workloads", name.as_str(), "mount", host.as_str()];
                // The host folder is the key: `""` points at it.
                let at_host = ["workloads", name.as_str(), "mount", host.as_str(), ""];
                if !inside_project(&host_path) {
                    error(
                        &at_host,
                        format!("mount {host:?} leaves the project"),
                        "mount folders inside the project only, so anyone can rerun the benchmark from a clone",
                    );
                } else if !root.join(&host_path).exists() {
                    error(
                        &at_host,
                        format!("mount {host:?} does not exist"),
                        "check the path (relative to the project root)",
                    );
                }
                if !target.starts_with('/') {
                    error(
                        &at_mount,
                        format!("mount target {target:?} is not an absolute path"),
                        "mount to an absolute path in the container, e.g. \"/bench\"",
                    );
                }
                mounts.push((host_path, target.clone()));
            }
            workloads.push(Workload {
                name: name.clone(),
                command: w.command.clone(),
                mounts,
                probe: w.probe.clone(),
                env: w.env.clone(),
            });
        }
        for (name, value) in &raw.engines {
            let at = ["engines", name.as_str()];
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            {
                error(
                    &at,
                    format!("engine name {name:?} is not a plain name"),
                    "name engines with letters, digits, '-', '_' and '.': the name is what the results' host column holds",
                );
            }
            let scheme = value.split_once("://").map(|(s, _)| s);
            if value.trim().is_empty()
                || scheme.is_some_and(|s| !super::engines::SCHEMES.contains(&s))
            {
                error(
                    &at,
                    format!(
                        "engine {name} = {value:?} is neither a Docker context, an address nor `local`"
                    ),
                    "give a context name (`docker context ls`), unix:///path/docker.sock, tcp://host:2376, ssh://user@host, or \"local\"",
                );
            }
        }
        (diags.error_count() == before).then_some(Bench {
            repeat,
            warmup,
            order,
            seed: raw.seed.unwrap_or(1),
            timeout,
            network,
            build_network: raw.build_network.clone().filter(|n| !n.is_empty()),
            sample_interval,
            output,
            variants,
            workloads,
            engines: raw.engines.clone(),
        })
    }
}

/// `cpus`, `cpuset` and `memory` checked, at the `[bench]` level (`table` empty) or a variant's.
fn check_limits(
    cpus: Option<f64>,
    cpuset: Option<&String>,
    memory: Option<&toml::Value>,
    table: &[&str],
    error: &mut dyn FnMut(&[&str], String, &str),
) -> Limits {
    // The key inside its table: ["variants", "debian", "cpus"].
    let at = |key: &'static str| {
        let mut full = table.to_vec();
        full.push(key);
        full
    };
    if let Some(c) = cpus
        && !(c > 0.0 && c <= 1024.0)
    {
        error(
            &at("cpus"),
            format!("`cpus = {c}` must be more than 0"),
            "a number of CPUs such as 1.5 or 2",
        );
    }
    if let Some(set) = cpuset
        && !valid_cpuset(set)
    {
        error(
            &at("cpuset"),
            format!("`cpuset = {set:?}` is not a CPU list"),
            "list CPUs and ranges: \"0\", \"0-3\", \"0,2\"",
        );
    }
    let memory = match memory {
        None => None,
        Some(v) => match parse_size(v) {
            Some(b) if b >= 6 * 1024 * 1024 => Some(b),
            Some(_) => {
                error(
                    &at("memory"),
                    "`memory` is below 6m, the smallest limit Docker accepts".into(),
                    "give at least \"6m\"",
                );
                None
            }
            None => {
                error(
                    &at("memory"),
                    format!("`memory = {v}` is not a size"),
                    "write bytes or a size with a unit: \"512m\", \"2g\"",
                );
                None
            }
        },
    };
    Limits {
        cpus: cpus.filter(|c| *c > 0.0 && *c <= 1024.0),
        cpuset: cpuset.filter(|s| valid_cpuset(s)).cloned(),
        memory,
    }
}

fn inside_project(p: &Path) -> bool {
    !p.as_os_str().is_empty()
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn valid_cpuset(s: &str) -> bool {
    !s.is_empty()
        && s.split(',').all(|part| {
            let mut ends = part.splitn(2, '-');
            let a = ends.next().and_then(|x| x.trim().parse::<u32>().ok());
            match (a, ends.next()) {
                (Some(_), None) => true,
                (Some(a), Some(b)) => b.trim().parse::<u32>().is_ok_and(|b| b >= a),
                _ => false,
            }
        })
}

/// "250ms", "30s", "10m", "1h", "1m30s", "1.5s".
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total = 0.0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let value: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match rest[..unit_len].trim() {
            "ms" => 0.001,
            "s" => 1.0,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += value * scale;
    }
    (total > 0.0 && total.is_finite()).then(|| Duration::from_secs_f64(total))
}

/// Bytes, or "512m", "2g", "1.5g", "256k", "2GiB"-style sizes (binary units, as Docker's).
pub fn parse_size(v: &toml::Value) -> Option<u64> {
    match v {
        toml::Value::Integer(n) if *n > 0 => Some(*n as u64),
        toml::Value::String(s) => {
            let s = s.trim().to_ascii_lowercase();
            let num_len = s
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(s.len());
            let value: f64 = s[..num_len].parse().ok()?;
            let scale: f64 = match s[num_len..]
                .trim()
                .trim_end_matches("ib")
                .trim_end_matches('b')
            {
                "" => 1.0,
                "k" => 1024.0,
                "m" => 1024.0 * 1024.0,
                "g" => 1024.0 * 1024.0 * 1024.0,
                "t" => 1024.0f64.powi(4),
                _ => return None,
            };
            let bytes = value * scale;
            (bytes >= 1.0 && bytes.is_finite()).then_some(bytes as u64)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes() {
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("10m"), Some(Duration::from_secs(600)));
        assert_eq!(parse_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        for bad in ["", "10", "ten s", "5x", "0s", "-1s"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        let s = |x: &str| parse_size(&toml::Value::String(x.into()));
        assert_eq!(s("2g"), Some(2 << 30));
        assert_eq!(s("512m"), Some(512 << 20));
        assert_eq!(s("1.5GiB"), Some(3 << 29));
        assert_eq!(s("64k"), Some(64 << 10));
        assert_eq!(parse_size(&toml::Value::Integer(1000)), Some(1000));
        assert_eq!(s("lots"), None);
        assert_eq!(s("2x"), None);
        assert!(valid_cpuset("0-3,5"));
        assert!(!valid_cpuset("3-1"));
        assert!(!valid_cpuset("a"));
    }

    fn check(text: &str) -> (Option<Bench>, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("dockerfiles/debian")).unwrap();
        std::fs::write(
            dir.path().join("dockerfiles/debian/Dockerfile"),
            "FROM scratch\n",
        )
        .unwrap();
        #[derive(Deserialize)]
        struct T {
            bench: BenchToml,
        }
        let raw: T = toml::from_str(text).unwrap();
        let mut diags = Diagnostics::default();
        let b = Bench::from_toml(
            &raw.bench,
            dir.path(),
            Path::new("deck.toml"),
            text,
            &mut diags,
        );
        (b, diags.iter().map(|d| d.to_string()).collect())
    }

    #[test]
    fn a_full_table_is_read() {
        let (b, errors) = check(
            "[bench]\nrepeat = 3\nwarmup = 0\norder = \"random\"\ntimeout = \"2m\"\ncpus = 1.5\nmemory = \"512m\"\nsample_interval = \"100ms\"\n\n[bench.variants.debian]\ndockerfile = \"dockerfiles/debian/Dockerfile\"\n[bench.variants.official]\nimage = \"python:3.12-slim\"\n[bench.variants.host]\nlocal = true\n\n[bench.workloads.hello]\ncommand = [\"echo\", \"hi\"]\nmount = { \"dockerfiles\" = \"/bench\" }\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        let b = b.unwrap();
        assert_eq!((b.repeat, b.warmup, b.order), (3, 0, Order::Random));
        assert_eq!(b.timeout, Duration::from_secs(120));
        assert_eq!(b.variants[0].limits.memory, Some(512 << 20));
        assert_eq!(b.variants[0].limits.cpus, Some(1.5));
        assert_eq!(b.variants[1].limits, Limits::default(), "local: no limits");
        assert_eq!(b.network, "none");
        assert_eq!(b.variants.len(), 3);
        assert_eq!(b.variants[1].kind, VariantKind::Local);
        assert_eq!(
            b.workloads[0].mounts,
            vec![(PathBuf::from("dockerfiles"), "/bench".to_string())]
        );
    }

    #[test]
    fn every_problem_is_reported_at_its_key() {
        let text = "[bench]\nrepeat = 0\ntimeout = \"soon\"\nmemory = \"1k\"\norder = \"backwards\"\n\n[bench.variants.both]\nimage = \"x\"\nlocal = true\n[bench.variants.missing]\ndockerfile = \"dockerfiles/nope/Dockerfile\"\n[bench.variants.tight]\nimage = \"y\"\ncpus = 0\n\n[bench.workloads.w]\ncommand = []\nmount = { \"../outside\" = \"bench\" }\n";
        let (b, errors) = check(text);
        assert!(b.is_none());
        let all = errors.join("\n");
        for (want, at) in [
            ("`repeat = 0` is out of range", "deck.toml:2:10"),
            ("`timeout = \"soon\"` is not a duration", "deck.toml:3:11"),
            ("below 6m", "deck.toml:4:10"),
            ("unknown order \"backwards\"", "deck.toml:5:9"),
            (
                "variant `both` needs exactly one of dockerfile, image or local = true",
                "deck.toml:7:17",
            ),
            ("does not exist", "deck.toml:11:14"),
            ("`cpus = 0` must be more than 0", "deck.toml:14:8"),
            ("workload `w` has an empty command", "deck.toml:17:11"),
            ("mount \"../outside\" leaves the project", "deck.toml:18:11"),
            (
                "mount target \"bench\" is not an absolute path",
                "deck.toml:18:26",
            ),
        ] {
            let hit = errors
                .iter()
                .find(|e| e.contains(want))
                .unwrap_or_else(|| panic!("missing {want:?} in:\n{all}"));
            assert!(
                hit.contains(&format!("--> {at}\n")),
                "{want:?} not at {at}:\n{hit}"
            );
        }
    }
}
