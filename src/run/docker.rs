//! Containers through the Docker Engine API (bollard): build an image from a folder, run a
//! workload in a container with limits while sampling its CPU and memory, and clean up.
//!
//! bollard is async; deck is not. [`Engine`] owns a single-threaded tokio runtime and offers a
//! blocking API, so the runner stays plain sequential code. CPU and memory are computed as the
//! Docker CLI computes them (`docker stats`): CPU % from the deltas of the cgroup's CPU time and of
//! the host's CPU time times the online CPUs (100 % = one core), memory without the page cache
//! (`inactive_file`, or `total_inactive_file` on cgroup v1). On an engine of this machine the
//! counters are read from the container's cgroup ([`super::cgroup`]) every 20 ms and sampled every
//! `sample_interval`; on a remote engine they come from the engine's stats stream, which it feeds
//! about once a second (a `sample_interval` below one second then gives one sample per frame).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::{ContainerCreateBody, ContainerStatsResponse, HostConfig};
use bollard::query_parameters::{
    BuildImageOptionsBuilder, CreateContainerOptionsBuilder, CreateImageOptionsBuilder,
    KillContainerOptionsBuilder, ListContainersOptionsBuilder, LogsOptionsBuilder,
    RemoveContainerOptionsBuilder, StatsOptionsBuilder, UploadToContainerOptionsBuilder,
    WaitContainerOptionsBuilder,
};
use futures_util::StreamExt;

use super::cgroup::Cgroup;
use super::engines::{Endpoint, Target, Tls};
use super::measure::{Measured, Outcome, Sample, Status};

/// The label every container deck creates carries: the run's id.
pub const RUN_LABEL: &str = "deck.run";
/// The label naming the project (its folder), so leftovers of a crashed run can be found.
pub const PROJECT_LABEL: &str = "deck.project";

/// The label naming the deck process that started a container (`host:pid`): a container whose
/// process is gone is a leftover; one whose process runs belongs to a run going on.
pub const PID_LABEL: &str = "deck.pid";

/// This process, as [`PID_LABEL`] names it.
pub fn this_process() -> String {
    format!("{}:{}", super::meta::host_name(), std::process::id())
}

/// Whether the deck process named by a [`PID_LABEL`] value still runs (on another host, or
/// without the label, deck cannot tell: it is taken as gone, as before the label existed).
pub fn owner_alive(label: Option<&String>) -> bool {
    let Some((host, pid)) = label.and_then(|l| l.rsplit_once(':')) else {
        return false;
    };
    host == super::meta::host_name() && pid.parse().is_ok_and(crate::output::process_alive)
}

const TAIL: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(
        "cannot reach a Docker engine at {endpoint}: {reason}\n  help: deck looked at {endpoint} ({source_of}). Start the engine (`sudo systemctl start docker`, or `sudo dockerd &`), or point DOCKER_HOST at one (tcp://host:2376 with DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH for TLS). Variants with `local = true` run without an engine: `deck run --variant <name>`"
    )]
    Unreachable {
        endpoint: String,
        source_of: String,
        reason: String,
    },
    #[error(
        "cannot set up TLS for {endpoint}: {reason}\n  help: DOCKER_TLS_VERIFY is set, so DOCKER_CERT_PATH ({cert_path}) must hold ca.pem, cert.pem and key.pem, as `docker --tlsverify` reads them"
    )]
    Tls {
        endpoint: String,
        cert_path: String,
        reason: String,
    },
    #[error("building the image of `{variant}` failed: {message}{}\n  help: the whole log is in {}", tail_text(.log_tail), .log.display())]
    Build {
        variant: String,
        message: String,
        log_tail: Vec<String>,
        log: PathBuf,
    },
    #[error(
        "image {image} is not on the engine and cannot be pulled: {reason}\n  help: pull it where a registry is reachable (`docker pull {image}`), or leave this variant out (`--variant`)"
    )]
    Pull { image: String, reason: String },
    #[error("{what}: {source}")]
    Api {
        what: String,
        #[source]
        source: bollard::errors::Error,
    },
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

fn tail_text(lines: &[String]) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let mut s = String::from("\n  last lines of the build log:");
    for l in lines {
        s.push_str("\n    ");
        s.push_str(l);
    }
    s
}

fn api(what: impl Into<String>) -> impl FnOnce(bollard::errors::Error) -> EngineError {
    let what = what.into();
    move |source| EngineError::Api { what, source }
}

/// What `meta.json` records of the engine.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct EngineInfo {
    /// The name it was given (`--engine`, `[bench.engines]`, the context's); `default` for the
    /// Docker CLI's default context. Empty in results written before engines had names.
    #[serde(default)]
    pub name: String,
    pub endpoint: String,
    pub version: String,
    pub api_version: String,
    pub os: String,
    pub kernel: String,
    pub storage_driver: String,
    pub cgroup_version: String,
    pub cgroup_driver: String,
    pub cpus: i64,
    pub memory_bytes: i64,
    /// The name of the machine the engine runs on (Docker's `Name`).
    #[serde(default)]
    pub hostname: String,
    #[serde(default)]
    pub architecture: String,
    /// Read where it can be (this machine for a Unix socket, over ssh for `ssh://`): the Docker
    /// API does not tell. Empty when unknown.
    #[serde(default)]
    pub cpu_model: String,
    /// SHA-256 of the `[bench]` table its rows were measured with (empty before deck recorded it).
    #[serde(default)]
    pub config_sha256: String,
    /// Why its runs stopped before the end (the engine went away, a run failed), if they did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

impl EngineInfo {
    /// The machine deck runs on, measuring without Docker (the `local` engine).
    pub fn this_machine(name: &str) -> EngineInfo {
        let host = super::meta::Host::read();
        EngineInfo {
            name: name.to_string(),
            endpoint: "local".into(),
            version: String::new(),
            api_version: String::new(),
            os: host.os,
            kernel: host.kernel,
            storage_driver: String::new(),
            cgroup_version: if std::path::Path::new("/sys/fs/cgroup/cgroup.controllers").exists() {
                "2".into()
            } else {
                "1".into()
            },
            cgroup_driver: String::new(),
            cpus: host.cores as i64,
            memory_bytes: host.memory_bytes as i64,
            hostname: host.hostname,
            architecture: std::env::consts::ARCH.into(),
            cpu_model: host.cpu_model,
            config_sha256: String::new(),
            failed: None,
        }
    }
}

/// A built or found image.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    pub id: String,
    pub size_bytes: u64,
}

/// The result of a build.
#[derive(Debug, Clone, PartialEq)]
pub struct Built {
    pub image: Image,
    pub seconds: f64,
    /// Every step came from the build cache: the image is the one that was already there.
    pub cached: bool,
}

/// Resource limits of a container.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    pub cpus: Option<f64>,
    pub memory: Option<u64>,
    pub cpuset: Option<String>,
}

impl Limits {
    /// How many CPUs a container under these limits may keep busy: its CPU limit, else the
    /// CPUs of its cpuset, else `online` (the machine's).
    pub fn cpu_allowance(&self, online: f64) -> f64 {
        let set = self.cpuset.as_deref().map(|s| {
            s.split(',')
                .map(|part| match part.split_once('-') {
                    Some((a, b)) => {
                        b.trim().parse::<f64>().unwrap_or(0.0)
                            - a.trim().parse::<f64>().unwrap_or(0.0)
                            + 1.0
                    }
                    None => 1.0,
                })
                .sum::<f64>()
        });
        let mut cap = online;
        if let Some(n) = set {
            cap = cap.min(n);
        }
        if let Some(c) = self.cpus {
            cap = cap.min(c);
        }
        cap.max(0.01)
    }
}

/// This machine's CPUs (the local engine's).
fn online_cpus() -> f64 {
    std::thread::available_parallelism().map_or(1.0, |n| n.get() as f64)
}

/// One image to build.
#[derive(Debug, Clone)]
pub struct BuildRequest {
    pub variant: String,
    pub dockerfile: PathBuf,
    pub tag: String,
    pub labels: HashMap<String, String>,
    /// `ARG` values.
    pub args: HashMap<String, String>,
    /// Network mode of the build's RUN steps (`None`: the engine's default).
    pub network: Option<String>,
    pub no_cache: bool,
}

/// One container to run.
#[derive(Debug, Clone)]
pub struct ContainerRun {
    pub name: String,
    pub image: String,
    pub command: Vec<String>,
    pub env: Vec<(String, String)>,
    /// Host folder (absolute) -> path in the container; read-only.
    pub mounts: Vec<(PathBuf, String)>,
    pub limits: Limits,
    pub network: String,
    pub labels: HashMap<String, String>,
    pub timeout: Duration,
    pub interval: Duration,
}

pub struct Engine {
    docker: Docker,
    rt: tokio::runtime::Runtime,
    pub endpoint: String,
    /// The engine runs on this machine (a Unix socket): mounts are bind mounts. A remote engine
    /// (DOCKER_HOST=tcp://...) cannot see this machine's folders: they are copied in instead.
    local_socket: bool,
}

impl Engine {
    /// Whether the engine still answers (within 5 s): after a failed call, this tells an engine
    /// that went away from an error of the call itself.
    pub fn alive(&self) -> bool {
        self.rt.block_on(async {
            matches!(
                tokio::time::timeout(Duration::from_secs(5), self.docker.ping()).await,
                Ok(Ok(_))
            )
        })
    }

    /// Connect to a resolved engine (`engines::resolve`, the Docker CLI's rules) and agree on an
    /// API version with it.
    pub fn connect(target: &Target) -> Result<Engine, EngineError> {
        let Endpoint::Docker { host, tls } = &target.endpoint else {
            return Err(EngineError::Unreachable {
                endpoint: target.name.clone(),
                source_of: target.source.clone(),
                reason: "`local` is this machine, not a Docker engine".into(),
            });
        };
        let endpoint = host.clone();
        let unreachable = |reason: String| EngineError::Unreachable {
            endpoint: endpoint.clone(),
            source_of: target.source.clone(),
            reason,
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| unreachable(format!("cannot start an async runtime: {e}")))?;
        let timeout = Duration::from_secs(120);
        let mut ssh_errors = None;
        let docker = if endpoint.starts_with("ssh://") {
            super::ssh::connect(&endpoint, timeout.as_secs())
                .map(|(docker, errors)| {
                    ssh_errors = Some(errors);
                    docker
                })
                .map_err(&unreachable)
        } else if let Tls::Files(dir) = tls {
            Docker::connect_with_ssl(
                &endpoint,
                &dir.join("key.pem"),
                &dir.join("cert.pem"),
                &dir.join("ca.pem"),
                timeout.as_secs(),
                bollard::API_DEFAULT_VERSION,
            )
            .map_err(|e| EngineError::Tls {
                endpoint: endpoint.clone(),
                cert_path: format!("{} ({})", dir.display(), target.source),
                reason: e.to_string(),
            })
        } else {
            let tls = endpoint.starts_with("https://")
                || std::env::var_os("DOCKER_TLS_VERIFY").is_some_and(|v| !v.is_empty());
            Docker::connect_with_host(&endpoint).map_err(|e| {
                if tls {
                    EngineError::Tls {
                        endpoint: endpoint.clone(),
                        cert_path: std::env::var("DOCKER_CERT_PATH")
                            .unwrap_or_else(|_| "~/.docker, as DOCKER_CERT_PATH is not set".into()),
                        reason: e.to_string(),
                    }
                } else {
                    unreachable(e.to_string())
                }
            })
        }?
        .with_timeout(timeout);
        // Over ssh the first answer waits for a login and a `docker` started remotely.
        let wait = Duration::from_secs(if ssh_errors.is_some() { 30 } else { 10 });
        let docker = rt
            .block_on(async {
                let answer = async {
                    let d = tokio::time::timeout(wait, docker.negotiate_version())
                        .await
                        .map_err(|_| format!("no answer within {} s", wait.as_secs()))?
                        .map_err(|e| e.to_string())?;
                    tokio::time::timeout(wait, d.ping())
                        .await
                        .map_err(|_| format!("no answer within {} s", wait.as_secs()))?
                        .map_err(|e| e.to_string())?;
                    Ok::<_, String>(d)
                }
                .await;
                let Err(reason) = answer else {
                    return answer;
                };
                // ssh's reason arrives on its stderr as it exits: give it a moment.
                let Some(errors) = &ssh_errors else {
                    return Err(reason);
                };
                for _ in 0..40 {
                    if !errors.last().is_empty() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
                match errors.last() {
                    said if said.is_empty() => Err(reason),
                    said => Err(format!("{reason}; ssh said: {said}")),
                }
            })
            .map_err(unreachable)?;
        Ok(Engine {
            docker,
            rt,
            local_socket: endpoint.starts_with("unix://"),
            endpoint,
        })
    }

    pub fn info(&self) -> Result<EngineInfo, EngineError> {
        self.rt.block_on(async {
            let info = self.docker.info().await.map_err(api("asking the engine"))?;
            let version = self
                .docker
                .version()
                .await
                .map_err(api("asking the engine"))?;
            let text = |v: Option<String>| v.unwrap_or_default();
            Ok(EngineInfo {
                name: String::new(),
                endpoint: self.endpoint.clone(),
                version: text(version.version),
                api_version: text(version.api_version),
                os: text(info.operating_system),
                kernel: text(info.kernel_version),
                storage_driver: text(info.driver),
                cgroup_version: enum_text(info.cgroup_version),
                cgroup_driver: enum_text(info.cgroup_driver),
                cpus: info.ncpu.unwrap_or(0),
                memory_bytes: info.mem_total.unwrap_or(0),
                hostname: text(info.name),
                architecture: text(info.architecture),
                cpu_model: if self.local_socket {
                    super::meta::Host::read().cpu_model
                } else if self.endpoint.starts_with("ssh://") {
                    super::ssh::cpu_model(&self.endpoint).unwrap_or_default()
                } else {
                    String::new()
                },
                config_sha256: String::new(),
                failed: None,
            })
        })
    }

    /// The image's id and size, or `None` if the engine does not have it.
    pub fn inspect_image(&self, image: &str) -> Result<Option<Image>, EngineError> {
        self.rt.block_on(async {
            match self.docker.inspect_image(image).await {
                Ok(i) => Ok(Some(Image {
                    id: i.id.unwrap_or_default(),
                    size_bytes: i.size.unwrap_or(0).max(0) as u64,
                })),
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 404, ..
                }) => Ok(None),
                Err(e) => Err(api(format!("inspecting image {image}"))(e)),
            }
        })
    }

    /// The image, pulled first if the engine does not have it.
    pub fn ensure_image(&self, image: &str) -> Result<Image, EngineError> {
        if let Some(found) = self.inspect_image(image)? {
            return Ok(found);
        }
        let (name, tag) = split_tag(image);
        self.rt.block_on(async {
            let options = CreateImageOptionsBuilder::default()
                .from_image(name)
                .tag(tag)
                .build();
            let mut pull = self.docker.create_image(Some(options), None, None);
            while let Some(item) = pull.next().await {
                item.map_err(|e| EngineError::Pull {
                    image: image.to_string(),
                    reason: e.to_string(),
                })?;
            }
            Ok::<_, EngineError>(())
        })?;
        self.inspect_image(image)?.ok_or_else(|| EngineError::Pull {
            image: image.to_string(),
            reason: "the engine does not list it after the pull".into(),
        })
    }

    /// Build `req.dockerfile` with its folder as context (`.dockerignore` applied), the log written
    /// to `log_path` as it streams and each line handed to `on_line`. `None`: stopped by Ctrl-C.
    pub fn build(
        &self,
        req: &BuildRequest,
        log_path: &Path,
        cancel: &AtomicBool,
        mut on_line: impl FnMut(&str),
    ) -> Result<Option<Built>, EngineError> {
        let BuildRequest {
            variant,
            dockerfile,
            tag,
            ..
        } = req;
        let io = |what: String| move |source| EngineError::Io { what, source };
        let context = dockerfile.parent().unwrap_or(Path::new("."));
        let name = dockerfile
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("Dockerfile")
            .to_string();
        let tar = context_tar(context, &name).map_err(io(format!(
            "packing the build context {}",
            context.display()
        )))?;
        if let Some(dir) = log_path.parent() {
            std::fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
        }
        let mut log = std::fs::File::create(log_path)
            .map_err(io(format!("creating {}", log_path.display())))?;
        let before = self.inspect_image(tag)?.map(|i| i.id);
        let started = Instant::now();
        let mut options = BuildImageOptionsBuilder::default()
            .dockerfile(&name)
            .t(tag)
            .rm(true)
            .forcerm(true)
            .nocache(req.no_cache)
            .labels(&req.labels)
            .buildargs(&req.args);
        if let Some(network) = &req.network {
            options = options.networkmode(network);
        }
        let options = options.build();
        let mut last: Vec<String> = Vec::new();
        let mut failure: Option<String> = None;
        let mut interrupted = false;
        self.rt.block_on(async {
            let mut stream =
                self.docker
                    .build_image(options, None, Some(bollard::body_full(tar.into())));
            loop {
                let item = tokio::select! {
                    item = stream.next() => item,
                    _ = tokio::time::sleep(Duration::from_millis(200)) => {
                        if cancel.load(Ordering::SeqCst) {
                            interrupted = true;
                            break;
                        }
                        continue;
                    }
                };
                let Some(item) = item else { break };
                match item {
                    Ok(info) => {
                        // The classic builder colours a RUN step's stderr with ANSI codes.
                        let text = strip_ansi(&info.stream.or(info.status).unwrap_or_default());
                        if !text.is_empty() {
                            let _ = log.write_all(text.as_bytes());
                            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                                on_line(line.trim_end());
                                last.push(line.trim_end().to_string());
                                if last.len() > 12 {
                                    last.remove(0);
                                }
                            }
                        }
                        if let Some(e) = info.error_detail.and_then(|d| d.message) {
                            failure = Some(e);
                        }
                    }
                    Err(e) => {
                        let message = match e {
                            bollard::errors::Error::DockerStreamError { error } => error,
                            other => other.to_string(),
                        };
                        let _ = writeln!(log, "{message}");
                        failure = Some(message);
                        break;
                    }
                }
            }
        });
        let _ = log.flush();
        if interrupted {
            return Ok(None);
        }
        if let Some(message) = failure {
            return Err(EngineError::Build {
                variant: variant.to_string(),
                message: message.trim().to_string(),
                log_tail: last,
                log: log_path.to_path_buf(),
            });
        }
        let seconds = started.elapsed().as_secs_f64();
        let image = self.inspect_image(tag)?.ok_or_else(|| EngineError::Build {
            variant: variant.to_string(),
            message: format!("the engine has no image {tag} after the build"),
            log_tail: last.clone(),
            log: log_path.to_path_buf(),
        })?;
        Ok(Some(Built {
            cached: before.as_deref() == Some(image.id.as_str()),
            image,
            seconds,
        }))
    }

    /// Remove the containers of this project left by a run that crashed.
    pub fn remove_leftovers(&self, project: &str) -> Result<usize, EngineError> {
        self.rt.block_on(async {
            let list = self.labelled(PROJECT_LABEL, project).await?;
            let mut removed = 0;
            for c in &list {
                // A run of this project going on in another deck process is left alone.
                let owner = c.labels.as_ref().and_then(|l| l.get(PID_LABEL));
                if owner_alive(owner) {
                    continue;
                }
                if let Some(id) = &c.id {
                    self.remove(id).await;
                    removed += 1;
                }
            }
            Ok(removed)
        })
    }

    /// Names of the containers carrying this label value, running or not.
    pub fn containers_labelled(&self, key: &str, value: &str) -> Result<Vec<String>, EngineError> {
        let list = self.rt.block_on(self.labelled(key, value))?;
        Ok(list
            .into_iter()
            .flat_map(|c| c.names.unwrap_or_default())
            .collect())
    }

    async fn labelled(
        &self,
        key: &str,
        value: &str,
    ) -> Result<Vec<bollard::models::ContainerSummary>, EngineError> {
        let mut filters = HashMap::new();
        filters.insert("label", vec![format!("{key}={value}")]);
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        self.docker
            .list_containers(Some(options))
            .await
            .map_err(api("listing containers"))
    }

    async fn remove(&self, id: &str) {
        let options = RemoveContainerOptionsBuilder::default()
            .force(true)
            .v(true)
            .build();
        let _ = self.docker.remove_container(id, Some(options)).await;
    }

    /// Run one container to its end (or its timeout, or Ctrl-C), sampling it every interval.
    /// The container is removed in every case.
    pub fn run(
        &self,
        spec: &ContainerRun,
        cancel: &AtomicBool,
        on_sample: impl FnMut(&Sample),
    ) -> Result<Outcome, EngineError> {
        self.rt.block_on(async {
            let id = self.create(spec).await?;
            let result = self.run_created(&id, spec, cancel, on_sample).await;
            self.remove(&id).await;
            result
        })
    }

    async fn create(&self, spec: &ContainerRun) -> Result<String, EngineError> {
        let mut host = HostConfig {
            network_mode: Some(spec.network.clone()),
            nano_cpus: spec.limits.cpus.map(|c| (c * 1e9).round() as i64),
            memory: spec.limits.memory.map(|m| m as i64),
            // Swap as large as the memory limit: none at all, so the limit is real.
            memory_swap: spec.limits.memory.map(|m| m as i64),
            cpuset_cpus: spec.limits.cpuset.clone(),
            ..Default::default()
        };
        if self.local_socket && !spec.mounts.is_empty() {
            host.binds = Some(
                spec.mounts
                    .iter()
                    .map(|(h, t)| format!("{}:{t}:ro", h.display()))
                    .collect(),
            );
        }
        let body = ContainerCreateBody {
            image: Some(spec.image.clone()),
            cmd: Some(spec.command.clone()),
            env: Some(spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
            labels: Some(spec.labels.clone()),
            host_config: Some(host),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            ..Default::default()
        };
        let options = CreateContainerOptionsBuilder::default()
            .name(&spec.name)
            .build();
        let created = self
            .docker
            .create_container(Some(options), body)
            .await
            .map_err(api(format!("creating container {}", spec.name)))?;
        if !self.local_socket {
            for (host_dir, target) in &spec.mounts {
                let tar = mount_tar(host_dir, target).map_err(|source| EngineError::Io {
                    what: format!("packing {}", host_dir.display()),
                    source,
                })?;
                let options = UploadToContainerOptionsBuilder::default().path("/").build();
                if let Err(e) = self
                    .docker
                    .upload_to_container(&created.id, Some(options), bollard::body_full(tar.into()))
                    .await
                {
                    self.remove(&created.id).await;
                    return Err(api(format!(
                        "copying {} into the container",
                        host_dir.display()
                    ))(e));
                }
            }
        }
        Ok(created.id)
    }

    async fn run_created(
        &self,
        id: &str,
        spec: &ContainerRun,
        cancel: &AtomicBool,
        mut on_sample: impl FnMut(&Sample),
    ) -> Result<Outcome, EngineError> {
        self.docker
            .start_container(id, None)
            .await
            .map_err(api(format!("starting container {}", spec.name)))?;
        let started = Instant::now();
        // Asked after the start: "not-running" answers at once if the workload already ended.
        let options = WaitContainerOptionsBuilder::default()
            .condition("not-running")
            .build();
        let mut wait = Box::pin(self.docker.wait_container(id, Some(options)));
        // The stats stream, as `docker stats` reads it: the engine sends a frame about once a
        // second with the previous frame's counters as `precpu_stats`. Asked for only when the
        // cgroup cannot be read (a stream is requested when first polled).
        let options = StatsOptionsBuilder::default().stream(true).build();
        let mut stats = Box::pin(self.docker.stats(id, Some(options)));
        // Sample times are on the engine's clock, from the workload's start.
        let state = self
            .docker
            .inspect_container(id, None)
            .await
            .ok()
            .and_then(|i| i.state);
        let started_at = state
            .as_ref()
            .and_then(|s| s.started_at.as_deref())
            .and_then(|t| humantime::parse_rfc3339(t).ok());
        // On this machine, the cgroup's own counters: read every 20 ms, sampled every interval.
        let cgroup = if self.local_socket {
            state
                .as_ref()
                .and_then(|s| s.pid)
                .filter(|p| *p > 0)
                .and_then(|p| Cgroup::of(p as u32))
        } else {
            None
        };
        let mut stats_open = cgroup.is_none();
        // Every 20 ms: the CPU time of the last reading before the exit misses at most that.
        let mut check = tokio::time::interval(Duration::from_millis(20).min(spec.interval));
        let deadline = tokio::time::Instant::from_std(started + spec.timeout);
        let mut next_sample = 0.0f64;
        let mut peak_cpu = 0.0f64;
        let mut peak_mem = 0u64;
        let mut last_cpu: Option<CpuReading> = None;
        // 100% per CPU the container may use: its CPU limit, else its cpuset, else the machine.
        let cpu_cap = 100.0 * spec.limits.cpu_allowance(online_cpus());
        // The cgroup reading at the last sample, for the CPU % over the interval.
        let mut sampled: Option<(f64, u64)> = None;
        let mut timed_out = false;
        loop {
            tokio::select! {
                // Ends with the exit; bollard reports a non-zero exit as an error, which is the
                // workload's business, read from the inspection below.
                // Ends with the exit; bollard reports a non-zero exit as an error, which is the
                // workload's business, read from the inspection below. The cgroup is read once
                // more at once, for the CPU time up to the exit.
                _ = wait.next() => {
                    if let Some(cpu) = cgroup.as_ref().and_then(|cg| cg.cpu()) {
                        last_cpu = Some(CpuReading {
                            t_s: started.elapsed().as_secs_f64(),
                            total_ns: cpu.total_ns,
                            user_ns: cpu.user_ns,
                            sys_ns: cpu.sys_ns,
                            system_ns: 0,
                            online_cpus: 0,
                        });
                    }
                    break;
                }
                _ = tokio::time::sleep_until(deadline), if !timed_out => {
                    timed_out = true;
                    self.kill(id).await;
                }
                _ = check.tick() => {
                    if cancel.load(Ordering::SeqCst) {
                        self.kill(id).await;
                        return Ok(Outcome::Interrupted);
                    }
                    let Some(cg) = &cgroup else { continue };
                    let Some(cpu) = cg.cpu() else { continue };
                    let t_s = started.elapsed().as_secs_f64();
                    last_cpu = Some(CpuReading {
                        t_s,
                        total_ns: cpu.total_ns,
                        user_ns: cpu.user_ns,
                        sys_ns: cpu.sys_ns,
                        system_ns: 0,
                        online_cpus: 0,
                    });
                    let mem = cg.memory().unwrap_or(0);
                    peak_mem = peak_mem.max(mem);
                    if t_s + 1e-3 < next_sample {
                        continue;
                    }
                    next_sample = t_s + spec.interval.as_secs_f64();
                    // The first reading is the baseline: the counters also hold what the container
                    // used before `started`, so no CPU % can be computed from them alone.
                    let Some((t0, c0)) = sampled.replace((t_s, cpu.total_ns)) else {
                        continue;
                    };
                    if t_s > t0 {
                        // 100% = one core, as `docker stats` counts; never more than the CPUs the
                        // container may use (two readings a few ms apart can round up past it).
                        let cpu_pct = (cpu.total_ns.saturating_sub(c0) as f64 / 1e9 / (t_s - t0) * 100.0)
                            .min(cpu_cap);
                        peak_cpu = peak_cpu.max(cpu_pct);
                        on_sample(&Sample { t_s, cpu_pct, mem_bytes: mem });
                    }
                }
                frame = stats.next(), if stats_open => {
                    let Some(Ok(frame)) = frame else {
                        stats_open = false;
                        continue;
                    };
                    let t_s = match (started_at, frame.read.as_deref().and_then(|r| humantime::parse_rfc3339(r).ok())) {
                        (Some(a), Some(b)) => b.duration_since(a).map_or(0.0, |d| d.as_secs_f64()),
                        _ => started.elapsed().as_secs_f64(),
                    };
                    let Some(now) = CpuReading::of(frame.cpu_stats.as_ref(), t_s) else { continue };
                    // A frame sent after the exit has no counters: not a sample.
                    if now.total_ns == 0 && last_cpu.is_some() {
                        continue;
                    }
                    last_cpu = Some(now);
                    let mem = memory_used(&frame);
                    peak_mem = peak_mem.max(mem);
                    // The first frame has no `precpu`: no CPU % yet.
                    let Some(before) = CpuReading::of(frame.precpu_stats.as_ref(), 0.0) else { continue };
                    let cpu_pct = cpu_percent(&before, &now).min(cpu_cap);
                    peak_cpu = peak_cpu.max(cpu_pct);
                    if t_s + 1e-3 >= next_sample {
                        next_sample = t_s + spec.interval.as_secs_f64();
                        on_sample(&Sample { t_s, cpu_pct, mem_bytes: mem });
                    }
                }
            }
        }
        let ended = Instant::now();
        let inspected = self
            .docker
            .inspect_container(id, None)
            .await
            .map_err(api(format!("inspecting container {}", spec.name)))?;
        let state = inspected.state.unwrap_or_default();
        let exit_code = state.exit_code.map(|c| c as i32);
        // The engine's own start and exit times (nanoseconds): no API round trip in them.
        let wall_s = match (state.started_at.as_deref(), state.finished_at.as_deref()) {
            (Some(a), Some(b)) => engine_seconds(a, b),
            _ => None,
        }
        .unwrap_or_else(|| ended.duration_since(started).as_secs_f64());
        let (stdout_tail, stderr_tail) = self.logs(id).await;
        let status = if timed_out {
            Status::Timeout
        } else if state.oom_killed == Some(true) {
            Status::Oom
        } else if exit_code == Some(0) {
            Status::Ok
        } else {
            Status::Failed
        };
        // CPU times are those of the last reading: the cgroup read as the exit was seen (or at
        // most a second before it, from the engine's stats stream). The average is the CPU time
        // over the workload's wall time; the peak, the busiest sampled interval, is never below
        // it (a run too short for two samples has the average as its peak).
        let (user, sys, total) = last_cpu
            .map(|c| {
                (
                    c.user_ns as f64 / 1e9,
                    c.sys_ns as f64 / 1e9,
                    c.total_ns as f64 / 1e9,
                )
            })
            .unwrap_or((0.0, 0.0, 0.0));
        let avg = if wall_s > 0.0 {
            (total / wall_s * 100.0).min(cpu_cap)
        } else {
            0.0
        };
        Ok(Outcome::Finished(Measured {
            wall_s,
            cpu_user_s: user,
            cpu_sys_s: sys,
            cpu_avg_pct: avg,
            cpu_peak_pct: peak_cpu.max(avg),
            mem_peak_bytes: peak_mem,
            exit_code,
            status,
            stdout_tail,
            stderr_tail,
        }))
    }

    async fn kill(&self, id: &str) {
        let options = KillContainerOptionsBuilder::default()
            .signal("SIGKILL")
            .build();
        let _ = self.docker.kill_container(id, Some(options)).await;
    }

    async fn logs(&self, id: &str) -> (String, String) {
        let options = LogsOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .follow(false)
            .tail("500")
            .build();
        let mut out = Vec::new();
        let mut err = Vec::new();
        let mut logs = self.docker.logs(id, Some(options));
        while let Some(Ok(item)) = logs.next().await {
            match item {
                bollard::container::LogOutput::StdOut { message }
                | bollard::container::LogOutput::Console { message } => {
                    out.extend_from_slice(&message)
                }
                bollard::container::LogOutput::StdErr { message } => {
                    err.extend_from_slice(&message)
                }
                bollard::container::LogOutput::StdIn { .. } => {}
            }
        }
        (tail(&out), tail(&err))
    }
}

/// Text without ANSI escape sequences (`ESC [ ... letter`), as a log file and a terminal message
/// should be.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                // Parameters and intermediates, up to the final byte (@ to ~).
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

fn tail(bytes: &[u8]) -> String {
    let start = bytes.len().saturating_sub(TAIL);
    String::from_utf8_lossy(&bytes[start..]).into_owned()
}

fn split_tag(image: &str) -> (&str, &str) {
    // A colon after the last slash separates the tag (a colon before it is a registry port).
    let slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[slash..].rfind(':') {
        Some(i) => (&image[..slash + i], &image[slash + i + 1..]),
        None => (image, "latest"),
    }
}

/// One reading of a container's CPU counters.
#[derive(Debug, Clone, Copy, PartialEq)]
struct CpuReading {
    t_s: f64,
    total_ns: u64,
    user_ns: u64,
    sys_ns: u64,
    system_ns: u64,
    online_cpus: u32,
}

impl CpuReading {
    fn of(cpu: Option<&bollard::models::ContainerCpuStats>, t_s: f64) -> Option<CpuReading> {
        let cpu = cpu?;
        let usage = cpu.cpu_usage.as_ref()?;
        let online = match cpu.online_cpus {
            Some(n) if n > 0 => n,
            _ => usage.percpu_usage.as_ref().map_or(0, |p| p.len() as u32),
        };
        Some(CpuReading {
            t_s,
            total_ns: usage.total_usage?,
            user_ns: usage.usage_in_usermode.unwrap_or(0),
            sys_ns: usage.usage_in_kernelmode.unwrap_or(0),
            system_ns: cpu.system_cpu_usage.filter(|s| *s > 0)?,
            online_cpus: online,
        })
    }
}

/// The Docker CLI's formula (cli/command/container/stats_helpers.go), with the reading before
/// as `precpu`: the container's share of all the host's CPU time, times the online CPUs.
fn cpu_percent(before: &CpuReading, now: &CpuReading) -> f64 {
    let cpu = now.total_ns as f64 - before.total_ns as f64;
    let system = now.system_ns as f64 - before.system_ns as f64;
    if cpu > 0.0 && system > 0.0 {
        cpu / system * now.online_cpus as f64 * 100.0
    } else {
        0.0
    }
}

/// Memory in use without the page cache, as `docker stats` shows it (cgroup v1 and v2).
fn memory_used(stats: &ContainerStatsResponse) -> u64 {
    let Some(mem) = stats.memory_stats.as_ref() else {
        return 0;
    };
    let usage = mem.usage.unwrap_or(0);
    let cache = mem.stats.as_ref().and_then(|s| {
        s.get("total_inactive_file")
            .or_else(|| s.get("inactive_file"))
            .copied()
    });
    match cache {
        Some(c) if c < usage => usage - c,
        _ => usage,
    }
}

/// Seconds between two of the engine's RFC 3339 timestamps.
fn engine_seconds(start: &str, end: &str) -> Option<f64> {
    let a = humantime::parse_rfc3339(start).ok()?;
    let b = humantime::parse_rfc3339(end).ok()?;
    b.duration_since(a).ok().map(|d| d.as_secs_f64())
}

/// The build context as a tar: every file of `dir` but those `.dockerignore` excludes (the
/// Dockerfile and `.dockerignore` always go in, as with `docker build`), in a fixed order.
pub fn context_tar(dir: &Path, dockerfile: &str) -> std::io::Result<Vec<u8>> {
    let ignore = DockerIgnore::read(dir);
    let mut files = Vec::new();
    walk(dir, dir, &mut files)?;
    files.sort();
    let mut tar = tar::Builder::new(Vec::new());
    tar.follow_symlinks(false);
    for rel in files {
        let name = rel.to_string_lossy().replace('\\', "/");
        if name != dockerfile && name != ".dockerignore" && ignore.excludes(&name) {
            continue;
        }
        tar.append_path_with_name(dir.join(&rel), &rel)?;
    }
    tar.into_inner()
}

/// A host folder as a tar placing it at `target` (for engines that cannot bind-mount it).
fn mount_tar(dir: &Path, target: &str) -> std::io::Result<Vec<u8>> {
    let mut tar = tar::Builder::new(Vec::new());
    tar.append_dir_all(target.trim_start_matches('/'), dir)?;
    tar.into_inner()
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(root, &path, out)?;
        } else {
            out.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
        }
    }
    Ok(())
}

/// `.dockerignore` patterns: Go `filepath.Match` globs plus `**`, `!` exceptions, the last
/// matching line wins, and a pattern matching a folder excludes what is inside it.
struct DockerIgnore {
    rules: Vec<(glob::Pattern, bool)>,
}

impl DockerIgnore {
    fn read(dir: &Path) -> DockerIgnore {
        let text = std::fs::read_to_string(dir.join(".dockerignore")).unwrap_or_default();
        let rules = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let (keep, pat) = match l.strip_prefix('!') {
                    Some(p) => (true, p.trim()),
                    None => (false, l),
                };
                let pat = pat.trim_start_matches("./").trim_start_matches('/');
                let pat = pat.trim_end_matches('/');
                glob::Pattern::new(pat).ok().map(|p| (p, keep))
            })
            .collect();
        DockerIgnore { rules }
    }

    fn excludes(&self, name: &str) -> bool {
        let opts = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: false,
        };
        let mut excluded = false;
        for (pattern, keep) in &self.rules {
            // The file itself, or any folder above it.
            let hit = std::iter::successors(Some(name), |n| n.rfind('/').map(|i| &n[..i]))
                .any(|p| pattern.matches_with(p, opts));
            if hit {
                excluded = !keep;
            }
        }
        excluded
    }
}

/// An engine enum (serialised as a JSON string) as its text; empty when absent.
fn enum_text<T: serde::Serialize>(value: Option<T>) -> String {
    value
        .and_then(|v| serde_json::to_value(v).ok())
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(t_s: f64, total_ns: u64, system_ns: u64) -> CpuReading {
        CpuReading {
            t_s,
            total_ns,
            user_ns: 0,
            sys_ns: 0,
            system_ns,
            online_cpus: 2,
        }
    }

    #[test]
    fn cpu_percent_is_the_docker_cli_formula() {
        // One full core busy on a 2-CPU host: the container used 1 s of CPU while the host
        // counted 2 s (two CPUs for one second).
        let a = reading(0.0, 1_000_000_000, 10_000_000_000);
        let b = reading(1.0, 2_000_000_000, 12_000_000_000);
        assert!((cpu_percent(&a, &b) - 100.0).abs() < 1e-9);
        // No host time passed: 0, not a division by zero.
        assert_eq!(cpu_percent(&a, &a), 0.0);
    }

    #[test]
    fn memory_leaves_out_the_page_cache() {
        let stats = |usage: u64, key: &str, cache: u64| ContainerStatsResponse {
            memory_stats: Some(bollard::models::ContainerMemoryStats {
                usage: Some(usage),
                stats: Some([(key.to_string(), cache)].into_iter().collect()),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(memory_used(&stats(1000, "total_inactive_file", 300)), 700);
        assert_eq!(memory_used(&stats(1000, "inactive_file", 200)), 800);
        assert_eq!(memory_used(&stats(1000, "inactive_file", 2000)), 1000);
        assert_eq!(memory_used(&ContainerStatsResponse::default()), 0);
    }

    #[test]
    fn ansi_colours_are_taken_out_of_build_output() {
        assert_eq!(
            strip_ansi("\u{1b}[91m+ tar -xf x\u{1b}[0m\n\u{1b}[1;31mtar: Cannot open\u{1b}[0m"),
            "+ tar -xf x\ntar: Cannot open"
        );
        assert_eq!(strip_ansi("plain [91m text"), "plain [91m text");
    }

    #[test]
    fn engine_times_and_image_tags() {
        let s = engine_seconds(
            "2026-11-22T20:10:01.250000000Z",
            "2026-11-22T20:10:03.750000001Z",
        )
        .unwrap();
        assert!((s - 2.5).abs() < 1e-6, "{s}");
        assert_eq!(split_tag("python:3.12-slim"), ("python", "3.12-slim"));
        assert_eq!(split_tag("debian"), ("debian", "latest"));
        assert_eq!(
            split_tag("registry:5000/team/img"),
            ("registry:5000/team/img", "latest")
        );
    }

    #[test]
    fn the_context_honours_dockerignore() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in [
            "Dockerfile",
            "app.py",
            "notes.md",
            "cache/big.bin",
            "cache/keep.txt",
            "sub/x.pyc",
        ] {
            std::fs::create_dir_all(d.join(f).parent().unwrap()).unwrap();
            std::fs::write(d.join(f), f).unwrap();
        }
        std::fs::write(
            d.join(".dockerignore"),
            "# comment\n*.md\ncache\n!cache/keep.txt\n**/*.pyc\nDockerfile\n",
        )
        .unwrap();
        let tar = context_tar(d, "Dockerfile").unwrap();
        let mut names: Vec<String> = tar::Archive::new(&tar[..])
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [".dockerignore", "Dockerfile", "app.py", "cache/keep.txt"]
        );
    }
}
