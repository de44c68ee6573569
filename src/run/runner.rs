//! `deck run`: the whole matrix, start to end.
//!
//! Load and check `[bench]` → plan the runs → (`--dry-run`: print the plan and stop) → set up the
//! results folder (a fresh run archives the previous results; `--resume` keeps them and skips the
//! finished runs) → build or find the images → probe each variant → run and sample every run,
//! writing each row as soon as it is known → write `variants.csv`, `meta.json` and a summary.
//! Ctrl-C stops the running workload (its container is removed), keeps every finished row, and
//! ends with [`RunEnd::Interrupted`] (exit code 130).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};

use super::config::{Bench, Variant, VariantKind, Workload};
use super::docker::{self, ContainerRun, Engine};
use super::engines;
use super::local;
use super::measure::{Outcome, Sample};
use super::meta::{self, Meta, Session};
use super::plan::{self, RunSpec};
use super::record::{self, Table};
use super::report::{Progress, indent, last_lines, one_line, print_plan, summary};
pub use super::tables::{BUILDS, META, METRICS, PROBES, RUNS, SAMPLES, VARIANTS};
use super::tables::{
    BUILDS_COLUMNS, METRICS_COLUMNS, PROBES_COLUMNS, RESULT_FILES, RUNS_COLUMNS, SAMPLES_COLUMNS,
    VARIANTS_COLUMNS, drop_unfinished, recorded, recorded_where, run_row,
};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::project::{CONFIG_FILE, Project};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunOptions {
    /// The project folder.
    pub path: PathBuf,
    pub variants: Vec<String>,
    pub workloads: Vec<String>,
    pub resume: bool,
    pub dry_run: bool,
    pub no_cache: bool,
    /// Use the images built before and carry their build rows over; build nothing.
    pub reuse_images: bool,
    pub keep_going: bool,
    /// `--engine`: a `[bench.engines]` name, Docker context, URL or `local` (`None`: the Docker
    /// CLI's current context).
    pub engine: Option<String>,
    /// As typed, for meta.json.
    pub command_line: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RunEnd {
    /// Every planned run was made (`failed` of them did not end `ok`).
    Completed { runs: usize, failed: usize },
    /// The plan was printed (`--dry-run`).
    Planned,
    /// deck.toml or the command line has problems (already printed).
    Invalid,
    /// Ctrl-C: finished runs are kept.
    Interrupted { runs: usize },
}

/// The checked configuration and the plan.
pub(super) struct Setup {
    pub(super) project: Project,
    pub(super) bench: Bench,
    pub(super) runs: Vec<RunSpec>,
    pub(super) config_sha256: String,
}

fn load(opts: &RunOptions, diags: &mut Diagnostics) -> Option<Setup> {
    let project = Project::load(&opts.path, diags)?;
    let config_path = project.config_path.clone()?;
    let text = std::fs::read_to_string(&config_path).ok()?;
    let Some(raw) = project.config.bench.clone() else {
        diags.push(
            Diagnostic::error(&config_path, format!("{CONFIG_FILE} has no [bench] table"))
                .help("declare what to measure: [bench.variants.host] with local = true, and [bench.workloads.NAME] with command = [...]; see README.md"),
        );
        return None;
    };
    let bench = Bench::from_toml(&raw, &project.root, &config_path, &text, diags)?;
    let runs = match plan::plan(&bench, &opts.variants, &opts.workloads) {
        Ok(r) => r,
        Err(unknown) => {
            for u in unknown {
                diags.push(
                    Diagnostic::error(&config_path, u.to_string())
                        .help("name variants and workloads as deck.toml's [bench] tables do"),
                );
            }
            return None;
        }
    };
    Some(Setup {
        config_sha256: config_hash(&text),
        project,
        bench,
        runs,
    })
}

/// SHA-256 of the `[bench]` table (as JSON with sorted keys), so comments and other tables do
/// not change it.
fn config_hash(text: &str) -> String {
    let bench = toml::from_str::<toml::Table>(text)
        .ok()
        .and_then(|t| t.get("bench").cloned())
        .map(|b| serde_json::to_string(&b).unwrap_or_default())
        .unwrap_or_default();
    crate::results::sha256_bytes(bench.as_bytes())
}

/// Run `deck run`; `cancel` is set by Ctrl-C.
pub fn run(opts: &RunOptions, cancel: &AtomicBool) -> anyhow::Result<RunEnd> {
    let mut diags = Diagnostics::default();
    let mut setup = load(opts, &mut diags);
    // `--resume` carries on the session it resumes, with that session's options.
    let resumed = match &setup {
        Some(s) if opts.resume => {
            let meta = s.project.root.join(&s.bench.output).join(META);
            Meta::earlier_sessions(&meta)
                .last()
                .map(|last| (resumed_options(opts, &last.command), last.command.clone()))
                .filter(|(o, _)| o != opts)
        }
        _ => None,
    };
    let opts = match &resumed {
        Some((o, command)) => {
            eprintln!("resuming with the options of `{command}`");
            diags = Diagnostics::default();
            setup = load(o, &mut diags);
            o
        }
        None => opts,
    };
    for d in diags.iter() {
        eprintln!("{d}");
    }
    let Some(setup) = setup else {
        return Ok(RunEnd::Invalid);
    };
    if opts.dry_run {
        print_plan(&setup, opts);
        return Ok(RunEnd::Planned);
    }
    Runner::new(setup, opts)?.go(cancel)
}

/// `opts` with what the resumed session's command line chose and this one does not say: its
/// variants and workloads, `--no-cache`, `--keep-going`.
fn resumed_options(opts: &RunOptions, command: &str) -> RunOptions {
    let words: Vec<&str> = command.split_whitespace().collect();
    let values = |flag: &str| -> Vec<String> {
        let mut out = Vec::new();
        for (i, w) in words.iter().enumerate() {
            if *w == flag {
                if let Some(v) = words.get(i + 1) {
                    out.push((*v).to_string());
                }
            } else if let Some(v) = w.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
                out.push(v.to_string());
            }
        }
        out
    };
    let mut o = opts.clone();
    if o.variants.is_empty() {
        o.variants = values("--variant");
    }
    if o.workloads.is_empty() {
        o.workloads = values("--workload");
    }
    if o.engine.is_none() {
        o.engine = values("--engine").into_iter().next();
    }
    o.no_cache |= words.contains(&"--no-cache");
    o.keep_going |= words.contains(&"--keep-going");
    o
}

fn variant<'a>(bench: &'a Bench, name: &str) -> &'a Variant {
    bench
        .variants
        .iter()
        .find(|v| v.name == name)
        .expect("planned variants exist")
}

fn workload<'a>(bench: &'a Bench, name: &str) -> &'a Workload {
    bench
        .workloads
        .iter()
        .find(|w| w.name == name)
        .expect("planned workloads exist")
}

struct Runner<'a> {
    setup: Setup,
    opts: &'a RunOptions,
    out: PathBuf,
    root_abs: PathBuf,
    /// Folder name of the project, for image tags and labels.
    slug: String,
    run_id: String,
    engine: Option<Engine>,
    /// Image reference per container variant.
    images: BTreeMap<String, String>,
    /// Variants whose image could not be built or found (with --keep-going).
    broken: BTreeMap<String, String>,
    meta: Meta,
}

impl<'a> Runner<'a> {
    fn new(setup: Setup, opts: &'a RunOptions) -> anyhow::Result<Runner<'a>> {
        let root = if setup.project.root.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            setup.project.root.clone()
        };
        let root_abs = root
            .canonicalize()
            .with_context(|| format!("cannot resolve {}", root.display()))?;
        let slug = project_id(&root_abs);
        let out = setup.project.root.join(&setup.bench.output);
        let run_id = format!(
            "{}-{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            std::process::id()
        );
        let meta = Meta {
            generator: format!("deck {}", env!("CARGO_PKG_VERSION")),
            host: meta::Host::read(),
            engine: None,
            project: meta::Project::read(
                &setup.project.root,
                &setup.bench.output,
                setup.config_sha256.clone(),
            ),
            sessions: Vec::new(),
            files: Default::default(),
        };
        Ok(Runner {
            setup,
            opts,
            out,
            root_abs,
            slug,
            run_id,
            engine: None,
            images: BTreeMap::new(),
            broken: BTreeMap::new(),
            meta,
        })
    }

    fn go(mut self, cancel: &AtomicBool) -> anyhow::Result<RunEnd> {
        let bench = self.setup.bench.clone();
        let runs = self.setup.runs.clone();
        let selected: BTreeSet<(String, String)> = runs
            .iter()
            .map(|r| (r.variant.clone(), r.workload.clone()))
            .collect();
        // One `deck run` at a time on a results folder: another one's rows would be mixed in.
        let meta_path = self.out.join(META);
        if let Some(live) = Meta::earlier_sessions(&meta_path)
            .iter()
            .find(|s| s.is_live())
        {
            bail!(
                "another `{}` is running on {} (process {}, started {})\n  help: wait for it to end, or stop it (Ctrl-C in its terminal)",
                live.command,
                self.out.display(),
                live.process.as_deref().unwrap_or("?"),
                live.started
            );
        }
        if Meta::mark_killed(&meta_path)? > 0 {
            eprintln!(
                "the previous `deck run` on {} was killed before it could finish: meta.json says so",
                self.out.display()
            );
        }
        let needs_engine = selected
            .iter()
            .any(|(v, _)| variant(&bench, v).kind != VariantKind::Local);
        let target = engines::resolve(
            self.opts.engine.as_deref(),
            &bench.engines,
            &engines::Env::from_process(),
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        if needs_engine && target.endpoint == engines::Endpoint::Local {
            let containers: Vec<&str> = selected
                .iter()
                .map(|(v, _)| v.as_str())
                .filter(|v| variant(&bench, v).kind != VariantKind::Local)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            bail!(
                "engine `{}` is this machine without Docker, but {} run in containers\n  help: pick the local variants (`--variant NAME` for each variant with local = true), or name a Docker engine",
                target.name,
                containers.join(", ")
            );
        }
        if needs_engine {
            let engine = Engine::connect(&target)?;
            let mut info = engine.info()?;
            info.name = target.name.clone();
            self.meta.engine = Some(info);
            let left = engine.remove_leftovers(&self.slug)?;
            if left > 0 {
                eprintln!("removed {left} container(s) left by an earlier run that did not finish");
            }
            if self.opts.reuse_images {
                // Before anything is archived: a missing image must leave the results as they are.
                for name in selected.iter().map(|(v, _)| v).collect::<BTreeSet<_>>() {
                    if let VariantKind::Dockerfile(_) = variant(&bench, name).kind {
                        self.image_to_reuse(&engine, name)?;
                    }
                }
            }
            self.engine = Some(engine);
        }

        // The results folder: archived and started afresh, or resumed.
        let mut archived = None;
        if self.opts.resume {
            // Rows from two engines in one table could not be told apart.
            if let (Some(now), Some(before)) = (&self.meta.engine, Meta::earlier_engine(&meta_path))
                && now.endpoint != before.endpoint
            {
                bail!(
                    "the results in {} were measured on {}, not on {}: resuming would mix two machines' rows\n  help: resume with the same engine (`--engine`), or start afresh without --resume",
                    self.out.display(),
                    before.endpoint,
                    now.endpoint
                );
            }
            self.meta.sessions = Meta::earlier_sessions(&meta_path);
            if self.meta.engine.is_none() {
                self.meta.engine = Meta::earlier_engine(&meta_path);
            }
        } else if let Some(archive) = self.archive()? {
            eprintln!("earlier results moved to {}", archive.display());
            archived = Some(archive.clone());
            self.carry_over(&archive, &selected)?;
            let partial = !self.opts.variants.is_empty() || !self.opts.workloads.is_empty();
            if self.meta.engine.is_none() && partial {
                self.meta.engine = Meta::earlier_engine(&archive.join(META));
            }
            if self.opts.reuse_images {
                self.carry_builds(&archive)?;
                // The build rows kept come from those sessions: meta.json keeps saying so.
                self.meta.sessions = Meta::earlier_sessions(&archive.join(META));
            }
        }
        let finished = record::finished_runs(&self.out.join(RUNS))?;
        if self.opts.resume {
            drop_unfinished(&self.out.join(SAMPLES), &finished)?;
            drop_unfinished(&self.out.join(METRICS), &finished)?;
        }
        let open = |name: &str, columns: &[&str]| {
            Table::open(&self.out.join(name), columns)
                .with_context(|| format!("cannot open {}", self.out.join(name).display()))
        };
        let mut builds = open(BUILDS, BUILDS_COLUMNS)?;
        let mut runs_t = open(RUNS, RUNS_COLUMNS)?;
        let mut samples = open(SAMPLES, SAMPLES_COLUMNS)?;
        let mut probes = open(PROBES, PROBES_COLUMNS)?;
        let mut metrics = open(METRICS, METRICS_COLUMNS)?;
        self.meta.sessions.push(Session {
            command: self.opts.command_line.clone(),
            started: meta::now(),
            ended: None,
            result: "running".into(),
            process: Some(docker::this_process()),
        });
        self.meta.write(&meta_path)?;

        let todo: Vec<&RunSpec> = runs
            .iter()
            .filter(|r| !finished.contains(&(r.variant.clone(), r.workload.clone(), r.rep)))
            .collect();
        if self.opts.resume && todo.len() < runs.len() {
            eprintln!(
                "resuming: {} of {} runs already recorded in {}",
                runs.len() - todo.len(),
                runs.len(),
                self.out.join(RUNS).display()
            );
        }
        let progress = Progress::new(todo.len() as u64);
        let end = self.measure(
            &bench,
            &selected,
            &todo,
            cancel,
            &progress,
            &mut builds,
            &mut runs_t,
            &mut samples,
            &mut probes,
            &mut metrics,
        );
        progress.finish();
        let end = match end {
            Ok(end) => end,
            Err(e) => {
                self.close("failed", &meta_path);
                return Err(e);
            }
        };
        if let (RunEnd::Interrupted { runs: 0 }, Some(archive)) = (&end, &archived) {
            // Stopped before this session measured anything (during an image build, say): the
            // earlier results go back where they were, as if this run had not started.
            drop((builds, runs_t, samples, probes, metrics));
            self.restore(archive)?;
            eprintln!(
                "nothing was measured: the earlier results are back in {}",
                self.out.display()
            );
            return Ok(end);
        }
        self.write_variants(&bench)?;
        self.close(
            match end {
                RunEnd::Interrupted { .. } => "interrupted",
                _ => "completed",
            },
            &meta_path,
        );
        summary(&self.out.join(RUNS));
        Ok(end)
    }

    /// Record how the session ended and the results files' hashes (best effort: the rows are
    /// what matter).
    fn close(&mut self, result: &str, meta_path: &Path) {
        if let Some(s) = self.meta.sessions.last_mut() {
            s.ended = Some(meta::now());
            s.result = result.to_string();
        }
        self.meta.files = RESULT_FILES
            .iter()
            .filter(|f| **f != META)
            .filter_map(|f| {
                let hash = crate::results::sha256_file(&self.out.join(f)).ok()?;
                Some((f.to_string(), hash))
            })
            .collect();
        if let Err(e) = self.meta.write(meta_path) {
            eprintln!("warning: cannot write {}: {e:#}", meta_path.display());
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn measure(
        &mut self,
        bench: &Bench,
        selected: &BTreeSet<(String, String)>,
        todo: &[&RunSpec],
        cancel: &AtomicBool,
        progress: &Progress,
        builds: &mut Table,
        runs_t: &mut Table,
        samples: &mut Table,
        probes: &mut Table,
        metrics: &mut Table,
    ) -> anyhow::Result<RunEnd> {
        // Images first: every run of a variant uses the same one.
        let variants: BTreeSet<&str> = selected.iter().map(|(v, _)| v.as_str()).collect();
        let built_before = if self.opts.resume || self.opts.reuse_images {
            recorded(&self.out.join(BUILDS), &["variant", "image_id"])?
        } else {
            BTreeSet::new()
        };
        for name in &variants {
            if cancel.load(Ordering::SeqCst) {
                return Ok(RunEnd::Interrupted { runs: 0 });
            }
            let v = variant(bench, name);
            match self.image_for(bench, v, &built_before, cancel, progress, builds) {
                Ok(Some(image)) => {
                    self.images.insert(v.name.clone(), image);
                }
                Ok(None) => {}
                Err(e) if self.opts.keep_going => {
                    progress.say(&format!(
                        "error: {e:#}\n  (--keep-going: `{name}` is left out)"
                    ));
                    self.broken.insert(v.name.clone(), format!("{e:#}"));
                }
                Err(e) => {
                    anyhow::bail!(
                        "{e:#}\n  (--keep-going would leave `{name}` out and run the other variants)"
                    );
                }
            }
        }
        if cancel.load(Ordering::SeqCst) {
            return Ok(RunEnd::Interrupted { runs: 0 });
        }

        // Probes: once per variant and workload.
        let probed = recorded(&self.out.join(PROBES), &["variant", "workload"])?;
        for (v, w) in selected {
            let wl = workload(bench, w);
            let Some(probe) = &wl.probe else { continue };
            if self.broken.contains_key(v) || probed.contains(&vec![v.clone(), w.clone()]) {
                continue;
            }
            progress.status(&format!("probing {v} × {w}"));
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
                bench,
                &spec,
                &probe_run,
                Duration::from_secs(120),
                Duration::from_secs(3600),
                cancel,
                &mut |_| {},
            )?;
            let Outcome::Finished(m) = outcome else {
                return Ok(RunEnd::Interrupted { runs: 0 });
            };
            let output = if m.status == super::measure::Status::Ok {
                m.stdout_tail.trim().to_string()
            } else {
                format!(
                    "probe {}: exit {}: {}",
                    m.status.as_str(),
                    m.exit_code.map_or("-".into(), |c| c.to_string()),
                    last_lines(&m.stderr_tail, 3)
                )
            };
            progress.say(&format!("probe {v} × {w}: {}", one_line(&output)));
            probes.row([v.as_str(), w.as_str(), output.as_str()])?;
        }
        probes.sync()?;

        // The runs.
        let total = todo.len();
        let mut done = 0;
        let mut failed = 0;
        for (i, r) in todo.iter().enumerate() {
            if self.broken.contains_key(&r.variant) {
                progress.advance();
                continue;
            }
            let label = format!(
                "{} × {} #{}{}",
                r.variant,
                r.workload,
                r.rep,
                if r.warmup { " (warm-up)" } else { "" }
            );
            progress.status(&label);
            let wl = workload(bench, &r.workload);
            let rep = r.rep.to_string();
            let mut sample_error = None;
            let outcome = self.execute(
                bench,
                r,
                wl,
                bench.timeout,
                bench.sample_interval,
                cancel,
                &mut |s: &Sample| {
                    let row = samples.row([
                        r.variant.as_str(),
                        r.workload.as_str(),
                        rep.as_str(),
                        &format!("{:.3}", s.t_s),
                        &format!("{:.1}", s.cpu_pct),
                        &s.mem_bytes.to_string(),
                    ]);
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
                    progress.say(&format!(
                        "interrupted during {label}: {done} run(s) recorded; `deck run --resume` carries on"
                    ));
                    return Ok(RunEnd::Interrupted { runs: done });
                }
                Err(e) if self.opts.keep_going => {
                    progress.say(&format!("error: {label}: {e:#} (--keep-going: next run)"));
                    progress.advance();
                    failed += 1;
                    continue;
                }
                Err(e) => {
                    if let Some(engine) = self.engine.as_ref().filter(|e| !e.alive()) {
                        bail!(
                            "the Docker engine at {} stopped answering during {label} ({e:#})\n  help: every finished run is kept; start the engine again, then `deck run --resume` carries on from here",
                            engine.endpoint
                        );
                    }
                    return Err(e.context(format!("running {label}")));
                }
            };
            // Read once: its rows, or why there are none (a warning and runs.csv's metrics_error).
            let read = m.read_metrics();
            for (k, v) in read.as_deref().unwrap_or_default() {
                metrics.row([
                    r.variant.as_str(),
                    r.workload.as_str(),
                    rep.as_str(),
                    k.as_str(),
                    v.as_str(),
                ])?;
            }
            let metrics_error = read.err().unwrap_or_default();
            if !metrics_error.is_empty() {
                progress.say(&format!(
                    "warning: {label}: its metrics are not recorded: {metrics_error} (runs.csv keeps this as metrics_error)"
                ));
            }
            runs_t.row(run_row(r, &m, &metrics_error))?;
            // A finished run is durable before the next starts.
            samples.sync()?;
            metrics.sync()?;
            runs_t.sync()?;
            done += 1;
            let ok = m.status == super::measure::Status::Ok;
            if !ok {
                failed += 1;
            }
            progress.say(&format!(
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
            ));
            progress.advance();
        }
        Ok(RunEnd::Completed { runs: done, failed })
    }

    /// The image a container variant runs (built or found); `None` for local variants.
    fn image_for(
        &self,
        bench: &Bench,
        v: &Variant,
        built_before: &BTreeSet<Vec<String>>,
        cancel: &AtomicBool,
        progress: &Progress,
        builds: &mut Table,
    ) -> anyhow::Result<Option<String>> {
        let Some(engine) = &self.engine else {
            return Ok(None);
        };
        match &v.kind {
            VariantKind::Local => Ok(None),
            VariantKind::Image(image) => {
                progress.status(&format!("looking for image {image}"));
                let found = engine.ensure_image(image)?;
                builds.row([
                    v.name.as_str(),
                    "image",
                    "",
                    found.id.as_str(),
                    &found.size_bytes.to_string(),
                    "",
                ])?;
                builds.sync()?;
                Ok(Some(image.clone()))
            }
            VariantKind::Dockerfile(file) => {
                let tag = self.image_tag(&v.name);
                let is_recorded = |image: &docker::Image| {
                    built_before.contains(&vec![v.name.clone(), image.id.clone()])
                };
                if self.opts.reuse_images {
                    let image = self.image_to_reuse(engine, &v.name)?;
                    if is_recorded(&image) {
                        progress.say(&format!(
                            "image of `{}`: {tag} (reused; its build row carried over)",
                            v.name
                        ));
                    } else {
                        // An image deck's results do not describe: its build time is unknown.
                        progress.say(&format!(
                            "warning: image of `{}`: {tag} is not the one builds.csv describes; \
                             reused with an unknown build time",
                            v.name
                        ));
                        builds.row([
                            v.name.as_str(),
                            "dockerfile",
                            "",
                            image.id.as_str(),
                            &image.size_bytes.to_string(),
                            "",
                        ])?;
                        builds.sync()?;
                    }
                    return Ok(Some(tag));
                }
                if self.opts.resume
                    && engine
                        .inspect_image(&tag)?
                        .as_ref()
                        .is_some_and(is_recorded)
                {
                    progress.say(&format!(
                        "image of `{}`: {tag} (built before, resumed)",
                        v.name
                    ));
                    return Ok(Some(tag));
                }
                let log = self.out.join("logs").join(format!("build-{}.log", v.name));
                // The project only: a per-run label would make every build a new image.
                let labels: HashMap<String, String> =
                    [(docker::PROJECT_LABEL.to_string(), self.slug.clone())]
                        .into_iter()
                        .collect();
                progress.say(&format!(
                    "building `{}` from {}{}",
                    v.name,
                    file.display(),
                    if self.opts.no_cache {
                        " (no cache)"
                    } else {
                        ""
                    }
                ));
                let request = docker::BuildRequest {
                    variant: v.name.clone(),
                    dockerfile: self.setup.project.root.join(file),
                    tag: tag.clone(),
                    labels,
                    args: v.build_args.clone().into_iter().collect(),
                    network: bench.build_network.clone(),
                    no_cache: self.opts.no_cache,
                };
                let built = engine.build(&request, &log, cancel, |line| {
                    // Steps on a plain output; every line on the bar.
                    if progress.bar.is_some() {
                        progress.status(&format!("{}: {}", v.name, one_line(line)));
                    } else if line.starts_with("Step ") {
                        progress.say(&format!("  {line}"));
                    }
                })?;
                let Some(built) = built else {
                    return Ok(None);
                };
                progress.say(&format!(
                    "built `{}` in {:.1} s{}: {} ({}), log in {}",
                    v.name,
                    built.seconds,
                    if built.cached { " (all cached)" } else { "" },
                    tag,
                    crate::results::format::bytes(built.image.size_bytes as f64, 1),
                    log.display()
                ));
                builds.row([
                    v.name.as_str(),
                    "dockerfile",
                    &format!("{:.3}", built.seconds),
                    built.image.id.as_str(),
                    &built.image.size_bytes.to_string(),
                    if built.cached { "true" } else { "false" },
                ])?;
                builds.sync()?;
                Ok(Some(tag))
            }
        }
    }

    /// One run (or probe) of `wl` in its variant.
    #[allow(clippy::too_many_arguments)]
    fn execute(
        &self,
        bench: &Bench,
        r: &RunSpec,
        wl: &Workload,
        timeout: Duration,
        interval: Duration,
        cancel: &AtomicBool,
        on_sample: &mut dyn FnMut(&Sample),
    ) -> anyhow::Result<Outcome> {
        let v = variant(bench, &r.variant);
        let mut env = wl.env.clone();
        env.extend(v.env.clone());
        if v.kind == VariantKind::Local {
            let command = local_command(&wl.command, &wl.mounts, &self.root_abs);
            return local::run(
                &command,
                &self.root_abs,
                &env,
                timeout,
                interval,
                cancel,
                on_sample,
            )
            .with_context(|| format!("cannot run `{}` on this machine", wl.command.join(" ")));
        }
        let (Some(engine), Some(image)) = (&self.engine, self.images.get(&v.name)) else {
            bail!("no image for variant `{}`", v.name);
        };
        let labels: HashMap<String, String> = [
            (docker::PROJECT_LABEL.to_string(), self.slug.clone()),
            (docker::RUN_LABEL.to_string(), self.run_id.clone()),
            (docker::PID_LABEL.to_string(), docker::this_process()),
        ]
        .into_iter()
        .collect();
        let spec = ContainerRun {
            name: format!(
                "deck-{}-{}-{}-{}-{}",
                self.slug,
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
                .map(|(h, t)| (self.root_abs.join(h), t.clone()))
                .collect(),
            limits: v.limits.clone(),
            network: bench.network.clone(),
            labels,
            timeout,
            interval,
        };
        Ok(engine.run(&spec, cancel, on_sample)?)
    }

    /// Move the previous results into `archive/<time>/`; `None` if there were none.
    fn archive(&self) -> anyhow::Result<Option<PathBuf>> {
        let present: Vec<&str> = RESULT_FILES
            .iter()
            .copied()
            .filter(|f| self.out.join(f).exists())
            .collect();
        if present.is_empty() {
            return Ok(None);
        }
        let stamp = meta::now().replace(':', "-");
        let mut dir = self.out.join("archive").join(&stamp);
        let mut n = 1;
        while dir.exists() {
            n += 1;
            dir = self.out.join("archive").join(format!("{stamp}-{n}"));
        }
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        for f in present.iter().copied().chain(["logs"]) {
            let from = self.out.join(f);
            if from.exists() {
                std::fs::rename(&from, dir.join(f)).with_context(|| {
                    format!("cannot move {} to {}", from.display(), dir.display())
                })?;
            }
        }
        Ok(Some(dir))
    }

    /// Undo [`Runner::archive`]: this session's files removed, the archived ones moved back.
    fn restore(&self, archive: &Path) -> anyhow::Result<()> {
        for f in RESULT_FILES.iter().copied().chain(["logs"]) {
            let here = self.out.join(f);
            if here.is_dir() {
                std::fs::remove_dir_all(&here)?;
            } else if here.exists() {
                std::fs::remove_file(&here)?;
            }
            let back = archive.join(f);
            if back.exists() {
                std::fs::rename(&back, &here)
                    .with_context(|| format!("cannot move {} back", back.display()))?;
            }
        }
        std::fs::remove_dir(archive).ok();
        if let Some(parent) = archive.parent() {
            std::fs::remove_dir(parent).ok();
        }
        Ok(())
    }

    /// The tag deck gives the image of a Dockerfile variant.
    fn image_tag(&self, variant: &str) -> String {
        format!("deck-{}/{}:latest", self.slug, slug(variant))
    }

    /// `--reuse-images`: the variant's image as the engine has it, or what to do without one.
    fn image_to_reuse(&self, engine: &Engine, variant: &str) -> anyhow::Result<docker::Image> {
        let tag = self.image_tag(variant);
        engine.inspect_image(&tag)?.ok_or_else(|| {
            anyhow::anyhow!(
                "--reuse-images: variant `{variant}` has no image {tag} in the engine\n  \
                 (run `deck run` without --reuse-images to build it)"
            )
        })
    }

    /// Append the rows of an archived results file that `keep` accepts to the new one; a file from
    /// another version of deck (other columns than `columns`) is left in the archive.
    fn copy_rows(
        &self,
        archive: &Path,
        file: &str,
        columns: &[&str],
        mut keep: impl FnMut(&csv::StringRecord) -> bool,
    ) -> anyhow::Result<()> {
        let from = archive.join(file);
        if !from.exists() {
            return Ok(());
        }
        let mut reader = csv::Reader::from_path(&from)?;
        let headers = reader.headers()?.clone();
        if headers.iter().ne(columns.iter().copied()) {
            return Ok(());
        }
        let mut table = Table::open(&self.out.join(file), columns)?;
        for rec in reader.records() {
            let Ok(rec) = rec else { continue };
            if keep(&rec) {
                table.row(rec.iter())?;
            }
        }
        table.sync()?;
        Ok(())
    }

    /// After archiving for a partial run (`--variant`/`--workload`), the rows of the pairs not
    /// rerun come back, so the results stay whole.
    fn carry_over(
        &self,
        archive: &Path,
        selected: &BTreeSet<(String, String)>,
    ) -> anyhow::Result<()> {
        if self.opts.variants.is_empty() && self.opts.workloads.is_empty() {
            return Ok(());
        }
        let variants: BTreeSet<&str> = selected.iter().map(|(v, _)| v.as_str()).collect();
        for (file, columns) in [
            (RUNS, RUNS_COLUMNS),
            (SAMPLES, SAMPLES_COLUMNS),
            (PROBES, PROBES_COLUMNS),
            (METRICS, METRICS_COLUMNS),
            (BUILDS, BUILDS_COLUMNS),
        ] {
            let v_col = columns.iter().position(|c| *c == "variant");
            let w_col = columns.iter().position(|c| *c == "workload");
            self.copy_rows(archive, file, columns, |rec| {
                let v = v_col.and_then(|i| rec.get(i)).unwrap_or_default();
                match w_col.and_then(|i| rec.get(i)) {
                    Some(w) => !selected.contains(&(v.to_string(), w.to_string())),
                    None => !variants.contains(v),
                }
            })?;
        }
        Ok(())
    }

    /// `--reuse-images`: the build rows and logs of the images reused come back from the archive
    /// (rows a partial run already carried over are not doubled).
    fn carry_builds(&self, archive: &Path) -> anyhow::Result<()> {
        let have = recorded(&self.out.join(BUILDS), &["variant", "image_id"])?;
        // BUILDS_COLUMNS: variant first, image_id fourth.
        self.copy_rows(archive, BUILDS, BUILDS_COLUMNS, |rec| {
            !have.contains(&vec![rec[0].to_string(), rec[3].to_string()])
        })?;
        let logs = archive.join("logs");
        if let Ok(entries) = std::fs::read_dir(&logs) {
            let dest = self.out.join("logs");
            std::fs::create_dir_all(&dest)?;
            for e in entries.flatten() {
                let name = e.file_name();
                if name.to_string_lossy().starts_with("build-") && !dest.join(&name).exists() {
                    std::fs::copy(e.path(), dest.join(&name))
                        .with_context(|| format!("cannot copy {}", e.path().display()))?;
                }
            }
        }
        Ok(())
    }

    /// `variants.csv`: every variant of deck.toml, how it is made, and whether it was measured.
    fn write_variants(&self, bench: &Bench) -> anyhow::Result<()> {
        let ok_runs = recorded_where(&self.out.join(RUNS), "status", "ok")?;
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        w.write_record(VARIANTS_COLUMNS)?;
        for v in &bench.variants {
            let (kind, source) = match &v.kind {
                VariantKind::Dockerfile(f) => ("dockerfile", f.display().to_string()),
                VariantKind::Image(i) => ("image", i.clone()),
                VariantKind::Local => ("local", String::new()),
            };
            let measured = ok_runs.contains(&v.name);
            let note = self
                .broken
                .get(&v.name)
                .map(|e| one_line(e))
                .or_else(|| v.skip.clone())
                .unwrap_or_default();
            w.write_record([
                v.name.as_str(),
                kind,
                source.as_str(),
                &v.limits.cpus.map_or(String::new(), |c| c.to_string()),
                &v.limits.memory.map_or(String::new(), |m| m.to_string()),
                v.limits.cpuset.as_deref().unwrap_or(""),
                if measured { "true" } else { "false" },
                note.as_str(),
            ])?;
        }
        let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
        crate::output::write_atomic(&self.out.join(VARIANTS), &bytes)
    }
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

/// The project's id on an engine (image tags, container names and labels): its folder's name and
/// a hash of its full path, so two projects named alike never share images or containers.
pub fn project_id(root: &Path) -> String {
    let name = slug(root.file_name().and_then(|n| n.to_str()).unwrap_or("deck"));
    let hash = crate::results::sha256_bytes(root.as_os_str().as_encoded_bytes());
    format!("{name}-{}", &hash[..8])
}

/// Lowercase letters, digits and dashes: valid in image names and container names.
pub fn slug(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while out.contains("--") {
        out = out.replace("--", "-");
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() { "deck".into() } else { out }
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

    #[test]
    fn projects_named_alike_get_their_own_ids() {
        let a = project_id(Path::new("/home/a/talk"));
        let b = project_id(Path::new("/home/b/talk"));
        assert!(
            a.starts_with("talk-") && b.starts_with("talk-") && a != b,
            "{a} {b}"
        );
        assert_eq!(a.len(), "talk-".len() + 8);
        assert_eq!(a, project_id(Path::new("/home/a/talk")));
    }

    #[test]
    fn resume_takes_the_options_of_the_session_it_resumes() {
        let now = RunOptions {
            resume: true,
            ..RunOptions::default()
        };
        let o = resumed_options(
            &now,
            "deck run --no-cache --variant a --variant=b --workload w --engine lab",
        );
        assert!(o.no_cache && !o.keep_going && o.resume);
        assert_eq!(o.engine.as_deref(), Some("lab"));
        assert_eq!(o.variants, ["a", "b"]);
        assert_eq!(o.workloads, ["w"]);
        // What this command says wins.
        let mine = RunOptions {
            variants: vec!["c".into()],
            ..now.clone()
        };
        assert_eq!(
            resumed_options(&mine, "deck run --variant a").variants,
            ["c"]
        );
    }

    #[test]
    fn slugs_are_valid_docker_names() {
        assert_eq!(slug("My Talk_2025"), "my-talk-2025");
        assert_eq!(slug("--"), "deck");
        assert_eq!(slug("debian"), "debian");
    }

    #[test]
    fn the_config_hash_ignores_other_tables_and_comments() {
        let a = config_hash("title = \"x\"\n[bench]\nrepeat = 3\n");
        let b = config_hash("title = \"y\" # other\n\n[bench]\nrepeat   = 3 # three\n");
        let c = config_hash("[bench]\nrepeat = 4\n");
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
