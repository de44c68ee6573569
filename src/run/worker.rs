//! One engine's share of `deck run`: its images, its probes and its runs, one at a time (runs on
//! one machine side by side would disturb each other). A session runs one worker per engine, each
//! on its own thread, all writing to the same results tables under a lock; a worker that fails
//! (its engine goes away, a run cannot start) stops alone, and the others finish.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};

use super::config::{Bench, Variant, VariantKind, Workload};
use super::docker::{self, ContainerRun, Engine, EngineInfo};
use super::local;
use super::measure::{Outcome, Sample, Status};
use super::plan::RunSpec;
use super::record::Table;
use super::report::{Progress, indent, last_lines, one_line};
use super::runner::{RunOptions, slug, variant, workload};
use super::tables::{BUILDS, PROBES, recorded, run_row};

/// The results tables being written, shared by the workers.
pub(super) struct Tables {
    pub(super) builds: Table,
    pub(super) runs: Table,
    pub(super) samples: Table,
    pub(super) probes: Table,
    pub(super) metrics: Table,
}

/// What every worker of a session shares.
pub(super) struct Shared<'a> {
    pub(super) bench: &'a Bench,
    pub(super) opts: &'a RunOptions,
    /// The project folder as loaded (Dockerfiles are relative to it) and resolved.
    pub(super) root: &'a Path,
    pub(super) root_abs: &'a Path,
    /// The results folder.
    pub(super) out: &'a Path,
    /// The project's id on an engine (image tags, container names and labels).
    pub(super) slug: &'a str,
    pub(super) run_id: &'a str,
    pub(super) cancel: &'a AtomicBool,
    pub(super) progress: &'a Progress,
    pub(super) tables: &'a Mutex<Tables>,
    /// Several engines: every line says which.
    pub(super) several: bool,
}

impl Shared<'_> {
    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }

    /// Write to the tables (a poisoned lock is another worker's panic: its rows are whole, so
    /// writing goes on).
    fn write<T>(&self, f: impl FnOnce(&mut Tables) -> std::io::Result<T>) -> anyhow::Result<T> {
        let mut t = self
            .tables
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(f(&mut t)?)
    }
}

/// How a worker ended.
pub(super) enum Ended {
    Completed,
    Interrupted,
    /// It stopped before the end; the rows it recorded are kept.
    Failed(anyhow::Error),
}

/// One engine (or this machine, for `local = true` variants) and what it measures.
pub(super) struct Worker {
    /// The name in the results' `host` column.
    pub(super) host: String,
    pub(super) engine: Option<Engine>,
    /// What meta.json records of it.
    pub(super) info: EngineInfo,
    /// Variant × workload pairs it measures.
    pub(super) pairs: BTreeSet<(String, String)>,
    /// Image reference per container variant.
    images: BTreeMap<String, String>,
    /// Variants whose image could not be built or found (with --keep-going).
    pub(super) broken: BTreeMap<String, String>,
    /// Runs recorded by this session, and how many of them did not end ok.
    pub(super) done: usize,
    pub(super) failed: usize,
}

impl Worker {
    pub(super) fn new(
        host: String,
        engine: Option<Engine>,
        info: EngineInfo,
        pairs: BTreeSet<(String, String)>,
    ) -> Worker {
        Worker {
            host,
            engine,
            info,
            pairs,
            images: BTreeMap::new(),
            broken: BTreeMap::new(),
            done: 0,
            failed: 0,
        }
    }

    /// `line`, naming the engine when there are several.
    fn tagged<'l>(&self, sh: &Shared, line: &'l str) -> std::borrow::Cow<'l, str> {
        if sh.several {
            format!("[{}] {line}", self.host).into()
        } else {
            line.into()
        }
    }

    /// A line for the user.
    fn say(&self, sh: &Shared, line: &str) {
        sh.progress.say(&self.tagged(sh, line));
    }

    /// The current step, on the progress bar.
    fn status(&self, sh: &Shared, line: &str) {
        sh.progress.status(&self.tagged(sh, line));
    }

    /// Images, probes, then `todo` (this worker's runs not recorded yet), in order.
    pub(super) fn measure(&mut self, sh: &Shared, todo: &[&RunSpec]) -> Ended {
        match self.measure_all(sh, todo) {
            Ok(true) => Ended::Completed,
            Ok(false) => Ended::Interrupted,
            Err(e) => Ended::Failed(e),
        }
    }

    /// `Ok(false)`: stopped by Ctrl-C.
    fn measure_all(&mut self, sh: &Shared, todo: &[&RunSpec]) -> anyhow::Result<bool> {
        let bench = sh.bench;
        // Images first: every run of a variant uses the same one.
        let variants: BTreeSet<String> = self.pairs.iter().map(|(v, _)| v.clone()).collect();
        let built_before = if sh.opts.resume || sh.opts.reuse_images {
            recorded(&sh.out.join(BUILDS), &["host", "variant", "image_id"])?
        } else {
            BTreeSet::new()
        };
        for name in &variants {
            if sh.cancelled() {
                return Ok(false);
            }
            let v = variant(bench, name);
            match self.image_for(sh, v, &built_before) {
                Ok(Some(image)) => {
                    self.images.insert(v.name.clone(), image);
                }
                Ok(None) => {}
                Err(e) if sh.opts.keep_going => {
                    self.say(
                        sh,
                        &format!("error: {e:#}\n  (--keep-going: `{name}` is left out)"),
                    );
                    self.broken.insert(v.name.clone(), format!("{e:#}"));
                }
                Err(e) => {
                    bail!(
                        "{e:#}\n  (--keep-going would leave `{name}` out and run the other variants)"
                    );
                }
            }
        }
        if sh.cancelled() {
            return Ok(false);
        }

        // Probes: once per variant and workload.
        let probed = recorded(&sh.out.join(PROBES), &["host", "variant", "workload"])?;
        for (v, w) in &self.pairs {
            let wl = workload(bench, w);
            let Some(probe) = &wl.probe else { continue };
            if self.broken.contains_key(v)
                || probed.contains(&vec![self.host.clone(), v.clone(), w.clone()])
            {
                continue;
            }
            self.status(sh, &format!("probing {v} × {w}"));
            let probe_run = Workload {
                command: probe.clone(),
                ..wl.clone()
            };
            let spec = RunSpec {
                variant: v.clone(),
                workload: w.clone(),
                rep: 0,
                warmup: true,
            };
            let outcome = self.execute(
                sh,
                &spec,
                &probe_run,
                Duration::from_secs(120),
                Duration::from_secs(3600),
                &mut |_| {},
            )?;
            let Outcome::Finished(m) = outcome else {
                return Ok(false);
            };
            let output = if m.status == Status::Ok {
                m.stdout_tail.trim().to_string()
            } else {
                format!(
                    "probe {}: exit {}: {}",
                    m.status.as_str(),
                    m.exit_code.map_or("-".into(), |c| c.to_string()),
                    last_lines(&m.stderr_tail, 3)
                )
            };
            self.say(sh, &format!("probe {v} × {w}: {}", one_line(&output)));
            sh.write(|t| {
                t.probes
                    .row([self.host.as_str(), v.as_str(), w.as_str(), output.as_str()])?;
                t.probes.sync()
            })?;
        }

        // The runs.
        let total = todo.len();
        for (i, r) in todo.iter().enumerate() {
            if self.broken.contains_key(&r.variant) {
                sh.progress.advance();
                continue;
            }
            let label = format!(
                "{} × {} #{}{}",
                r.variant,
                r.workload,
                r.rep,
                if r.warmup { " (warm-up)" } else { "" }
            );
            self.status(sh, &label);
            let wl = workload(bench, &r.workload);
            let rep = r.rep.to_string();
            let mut sample_error = None;
            let host = self.host.clone();
            let outcome = self.execute(
                sh,
                r,
                wl,
                bench.timeout,
                bench.sample_interval,
                &mut |s: &Sample| {
                    let row = sh.write(|t| {
                        t.samples.row([
                            host.as_str(),
                            r.variant.as_str(),
                            r.workload.as_str(),
                            rep.as_str(),
                            &format!("{:.3}", s.t_s),
                            &format!("{:.1}", s.cpu_pct),
                            &s.mem_bytes.to_string(),
                        ])
                    });
                    if let Err(e) = row {
                        sample_error.get_or_insert(e);
                    }
                },
            );
            if let Some(e) = sample_error {
                return Err(e).context("cannot write samples.csv");
            }
            let m = match outcome {
                Ok(Outcome::Finished(m)) => m,
                Ok(Outcome::Interrupted) => {
                    self.say(
                        sh,
                        &format!(
                            "interrupted during {label}: {} run(s) recorded; `deck run --resume` carries on",
                            self.done
                        ),
                    );
                    return Ok(false);
                }
                Err(e) => {
                    if let Some(engine) = self.engine.as_ref().filter(|e| !e.alive()) {
                        // The engine is gone: no next run could start there.
                        bail!(
                            "the Docker engine at {} stopped answering during {label} ({e:#})\n  help: every finished run is kept; start the engine again, then `deck run --resume` carries on from here",
                            engine.endpoint
                        );
                    }
                    if sh.opts.keep_going {
                        self.say(
                            sh,
                            &format!("error: {label}: {e:#} (--keep-going: next run)"),
                        );
                        sh.progress.advance();
                        self.failed += 1;
                        continue;
                    }
                    return Err(e.context(format!("running {label}")));
                }
            };
            // Read once: its rows, or why there are none (a warning and runs.csv's metrics_error).
            let read = m.read_metrics();
            let metrics_error = read.as_ref().err().cloned().unwrap_or_default();
            // A finished run is durable, all its rows together, before the next starts.
            sh.write(|t| {
                for (k, v) in read.as_deref().unwrap_or_default() {
                    t.metrics.row([
                        host.as_str(),
                        r.variant.as_str(),
                        r.workload.as_str(),
                        rep.as_str(),
                        k.as_str(),
                        v.as_str(),
                    ])?;
                }
                t.runs.row(run_row(&host, r, &m, &metrics_error))?;
                t.samples.sync()?;
                t.metrics.sync()?;
                t.runs.sync()
            })?;
            if !metrics_error.is_empty() {
                self.say(
                    sh,
                    &format!(
                        "warning: {label}: its metrics are not recorded: {metrics_error} (runs.csv keeps this as metrics_error)"
                    ),
                );
            }
            self.done += 1;
            let ok = m.status == Status::Ok;
            if !ok {
                self.failed += 1;
            }
            self.say(
                sh,
                &format!(
                    "[{}/{}] {label}: {:.3} s, cpu {:.0}% avg, mem {} peak, {}{}",
                    i + 1,
                    total,
                    m.wall_s,
                    m.cpu_avg_pct,
                    crate::results::format::bytes(m.mem_peak_bytes as f64, 1),
                    m.status.as_str(),
                    if ok {
                        String::new()
                    } else {
                        format!(
                            " (exit {}){}",
                            m.exit_code.map_or("-".into(), |c| c.to_string()),
                            indent(&last_lines(&m.stderr_tail, 5))
                        )
                    }
                ),
            );
            sh.progress.advance();
        }
        Ok(true)
    }

    /// The image a container variant runs (built or found); `None` for local variants.
    fn image_for(
        &self,
        sh: &Shared,
        v: &Variant,
        built_before: &BTreeSet<Vec<String>>,
    ) -> anyhow::Result<Option<String>> {
        let Some(engine) = &self.engine else {
            return Ok(None);
        };
        let host = self.host.as_str();
        let build_row = |kind: &str, seconds: String, image: &docker::Image, cached: &str| {
            sh.write(|t| {
                t.builds.row([
                    host,
                    v.name.as_str(),
                    kind,
                    seconds.as_str(),
                    image.id.as_str(),
                    &image.size_bytes.to_string(),
                    cached,
                ])?;
                t.builds.sync()
            })
        };
        match &v.kind {
            VariantKind::Local => Ok(None),
            VariantKind::Image(image) => {
                self.status(sh, &format!("looking for image {image}"));
                let found = engine.ensure_image(image)?;
                build_row("image", String::new(), &found, "")?;
                Ok(Some(image.clone()))
            }
            VariantKind::Dockerfile(file) => {
                let tag = image_tag(sh.slug, &v.name);
                let is_recorded = |image: &docker::Image| {
                    built_before.contains(&vec![host.to_string(), v.name.clone(), image.id.clone()])
                };
                if sh.opts.reuse_images {
                    let image = image_to_reuse(engine, sh.slug, &v.name)?;
                    if is_recorded(&image) {
                        self.say(
                            sh,
                            &format!(
                                "image of `{}`: {tag} (reused; its build row carried over)",
                                v.name
                            ),
                        );
                    } else {
                        // An image deck's results do not describe: its build time is unknown.
                        self.say(
                            sh,
                            &format!(
                                "warning: image of `{}`: {tag} is not the one builds.csv describes; \
                                 reused with an unknown build time",
                                v.name
                            ),
                        );
                        build_row("dockerfile", String::new(), &image, "")?;
                    }
                    return Ok(Some(tag));
                }
                if sh.opts.resume
                    && engine
                        .inspect_image(&tag)?
                        .as_ref()
                        .is_some_and(is_recorded)
                {
                    self.say(
                        sh,
                        &format!("image of `{}`: {tag} (built before, resumed)", v.name),
                    );
                    return Ok(Some(tag));
                }
                let log = sh.out.join("logs").join(build_log(host, &v.name));
                // The project only: a per-run label would make every build a new image.
                let labels: HashMap<String, String> =
                    [(docker::PROJECT_LABEL.to_string(), sh.slug.to_string())]
                        .into_iter()
                        .collect();
                self.say(
                    sh,
                    &format!(
                        "building `{}` from {}{}",
                        v.name,
                        file.display(),
                        if sh.opts.no_cache { " (no cache)" } else { "" }
                    ),
                );
                let request = docker::BuildRequest {
                    variant: v.name.clone(),
                    dockerfile: sh.root.join(file),
                    tag: tag.clone(),
                    labels,
                    args: v.build_args.clone().into_iter().collect(),
                    network: sh.bench.build_network.clone(),
                    no_cache: sh.opts.no_cache,
                };
                let built = engine.build(&request, &log, sh.cancel, |line| {
                    // Steps on a plain output; every line on the bar.
                    if sh.progress.bar.is_some() {
                        self.status(sh, &format!("{}: {}", v.name, one_line(line)));
                    } else if line.starts_with("Step ") {
                        self.say(sh, &format!("  {line}"));
                    }
                })?;
                let Some(built) = built else {
                    return Ok(None);
                };
                self.say(
                    sh,
                    &format!(
                        "built `{}` in {:.1} s{}: {} ({}), log in {}",
                        v.name,
                        built.seconds,
                        if built.cached { " (all cached)" } else { "" },
                        tag,
                        crate::results::format::bytes(built.image.size_bytes as f64, 1),
                        log.display()
                    ),
                );
                build_row(
                    "dockerfile",
                    format!("{:.3}", built.seconds),
                    &built.image,
                    if built.cached { "true" } else { "false" },
                )?;
                Ok(Some(tag))
            }
        }
    }

    /// One run (or probe) of `wl` in its variant.
    fn execute(
        &self,
        sh: &Shared,
        r: &RunSpec,
        wl: &Workload,
        timeout: Duration,
        interval: Duration,
        on_sample: &mut dyn FnMut(&Sample),
    ) -> anyhow::Result<Outcome> {
        let v = variant(sh.bench, &r.variant);
        let mut env = wl.env.clone();
        env.extend(v.env.clone());
        if v.kind == VariantKind::Local {
            let command = local_command(&wl.command, &wl.mounts, sh.root_abs);
            return local::run(
                &command,
                sh.root_abs,
                &env,
                timeout,
                interval,
                sh.cancel,
                on_sample,
            )
            .with_context(|| format!("cannot run `{}` on this machine", wl.command.join(" ")));
        }
        let (Some(engine), Some(image)) = (&self.engine, self.images.get(&v.name)) else {
            bail!("no image for variant `{}`", v.name);
        };
        let labels: HashMap<String, String> = [
            (docker::PROJECT_LABEL.to_string(), sh.slug.to_string()),
            (docker::RUN_LABEL.to_string(), sh.run_id.to_string()),
            (docker::PID_LABEL.to_string(), docker::this_process()),
        ]
        .into_iter()
        .collect();
        let spec = ContainerRun {
            name: format!(
                "deck-{}-{}-{}-{}-{}",
                sh.slug,
                slug(&r.variant),
                slug(&r.workload),
                if r.rep == 0 {
                    "probe".to_string()
                } else {
                    r.rep.to_string()
                },
                std::process::id()
            ),
            image: image.clone(),
            command: wl.command.clone(),
            env: env.into_iter().collect(),
            mounts: wl
                .mounts
                .iter()
                .map(|(h, t)| (sh.root_abs.join(h), t.clone()))
                .collect(),
            limits: v.limits.clone(),
            network: sh.bench.network.clone(),
            labels,
            timeout,
            interval,
        };
        Ok(engine.run(&spec, sh.cancel, on_sample)?)
    }
}

/// The build log of a variant's image on an engine, in the results' `logs/` (`@` cannot be in
/// a slug: no two hosts' logs share a name).
pub(super) fn build_log(host: &str, variant: &str) -> String {
    format!("build-{}@{}.log", slug(variant), slug(host))
}

/// The tag deck gives the image of a Dockerfile variant.
pub(super) fn image_tag(project: &str, variant: &str) -> String {
    format!("deck-{project}/{}:latest", slug(variant))
}

/// `--reuse-images`: the variant's image as the engine has it, or what to do without one.
pub(super) fn image_to_reuse(
    engine: &Engine,
    project: &str,
    variant: &str,
) -> anyhow::Result<docker::Image> {
    let tag = image_tag(project, variant);
    engine.inspect_image(&tag)?.ok_or_else(|| {
        anyhow::anyhow!(
            "--reuse-images: variant `{variant}` has no image {tag} in the engine at {}\n  \
             (run `deck run` without --reuse-images to build it)",
            engine.endpoint
        )
    })
}

/// The command of a local variant: paths under a mount's container path point at the host folder.
fn local_command(command: &[String], mounts: &[(PathBuf, String)], root: &Path) -> Vec<String> {
    command
        .iter()
        .map(|arg| {
            for (host, target) in mounts {
                let target = target.trim_end_matches('/');
                if arg == target {
                    return root.join(host).display().to_string();
                }
                if let Some(rest) = arg.strip_prefix(&format!("{target}/")) {
                    return root.join(host).join(rest).display().to_string();
                }
            }
            arg.clone()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_commands_see_the_mounted_folders_on_the_host() {
        let cmd: Vec<String> = ["python3", "/bench/w.py", "--out", "/benchmark", "/bench"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mounts = vec![(PathBuf::from("dockerfiles/workload"), "/bench".to_string())];
        assert_eq!(
            local_command(&cmd, &mounts, Path::new("/p")),
            [
                "python3",
                "/p/dockerfiles/workload/w.py",
                "--out",
                "/benchmark",
                "/p/dockerfiles/workload"
            ]
        );
    }
}
