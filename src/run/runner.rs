//! `deck run`: the whole matrix, start to end.
//!
//! Load and check `[bench]` → plan the runs → (`--dry-run`: print the plan and stop) → set up the
//! results folder (a fresh run archives the previous results; `--resume` keeps them and skips the
//! finished runs) → build or find the images → probe each variant → run and sample every run,
//! writing each row as soon as it is known → write `variants.csv`, `meta.json` and a summary.
//! Ctrl-C stops the running workload (its container is removed), keeps every finished row, and
//! ends with [`RunEnd::Interrupted`] (exit code 130).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};

use super::config::{Bench, Variant, VariantKind, Workload};
use super::docker::{self, ContainerRun, Engine};
use super::local;
use super::measure::{Measured, Outcome, Sample};
use super::meta::{self, Meta, Session};
use super::plan::{self, RunSpec};
use super::record::{self, Table};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::project::{CONFIG_FILE, Project};

pub const BUILDS: &str = "builds.csv";
pub const RUNS: &str = "runs.csv";
pub const SAMPLES: &str = "samples.csv";
pub const PROBES: &str = "probes.csv";
pub const METRICS: &str = "metrics.csv";
pub const VARIANTS: &str = "variants.csv";
pub const META: &str = "meta.json";

const BUILDS_COLUMNS: &[&str] = &[
    "variant",
    "kind",
    "seconds",
    "image_id",
    "size_bytes",
    "cached",
];
const RUNS_COLUMNS: &[&str] = &[
    "variant",
    "workload",
    "rep",
    "warmup",
    "wall_s",
    "cpu_user_s",
    "cpu_sys_s",
    "cpu_avg_pct",
    "cpu_peak_pct",
    "mem_peak_bytes",
    "exit_code",
    "status",
    "stderr_tail",
];
const SAMPLES_COLUMNS: &[&str] = &["variant", "workload", "rep", "t_s", "cpu_pct", "mem_bytes"];
const PROBES_COLUMNS: &[&str] = &["variant", "workload", "output"];
const METRICS_COLUMNS: &[&str] = &["variant", "workload", "rep", "key", "value"];
const VARIANTS_COLUMNS: &[&str] = &[
    "variant",
    "kind",
    "source",
    "cpus",
    "memory_bytes",
    "cpuset",
    "measured",
    "note",
];

/// The result files, in the order they are archived.
const RESULT_FILES: &[&str] = &[BUILDS, RUNS, SAMPLES, PROBES, METRICS, VARIANTS, META];

#[derive(Debug, Clone, Default)]
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
struct Setup {
    project: Project,
    bench: Bench,
    runs: Vec<RunSpec>,
    config_sha256: String,
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
    let setup = load(opts, &mut diags);
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

fn describe(v: &Variant) -> String {
    let what = match &v.kind {
        VariantKind::Dockerfile(f) if !v.build_args.is_empty() => format!(
            "built from {} with {}",
            f.display(),
            v.build_args
                .iter()
                .map(|(k, v)| format!("{k}={v:?}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        VariantKind::Dockerfile(f) => format!("built from {}", f.display()),
        VariantKind::Image(i) => format!("image {i}"),
        VariantKind::Local => "on this machine".into(),
    };
    let mut limits = Vec::new();
    if let Some(c) = v.limits.cpus {
        limits.push(format!("cpus {c}"));
    }
    if let Some(m) = v.limits.memory {
        limits.push(format!(
            "memory {}",
            crate::results::format::bytes(m as f64, 1)
        ));
    }
    if let Some(s) = &v.limits.cpuset {
        limits.push(format!("cpuset {s}"));
    }
    if limits.is_empty() {
        what
    } else {
        format!("{what}; {}", limits.join(", "))
    }
}

fn print_plan(setup: &Setup, opts: &RunOptions) {
    let bench = &setup.bench;
    let chosen: BTreeSet<&str> = setup.runs.iter().map(|r| r.variant.as_str()).collect();
    println!("deck run — the plan (nothing is run with --dry-run)");
    let width = bench
        .variants
        .iter()
        .map(|v| v.name.len())
        .chain(bench.workloads.iter().map(|w| w.name.len()))
        .max()
        .unwrap_or(8);
    println!("variants:");
    for v in &bench.variants {
        let note = match (&v.skip, chosen.contains(v.name.as_str())) {
            (_, true) => String::new(),
            (Some(why), false) => format!("  [skipped: {why}]"),
            (None, false) => "  [not selected]".into(),
        };
        println!("  {:<width$}  {}{note}", v.name, describe(v));
    }
    println!("workloads:");
    for w in &bench.workloads {
        println!("  {:<width$}  {}", w.name, w.command.join(" "));
    }
    let measured = setup.runs.iter().filter(|r| !r.warmup).count();
    println!(
        "runs: {} ({} measured, {} warm-up), {}, timeout {}, sampled every {}, network {}",
        setup.runs.len(),
        measured,
        setup.runs.len() - measured,
        match bench.order {
            super::config::Order::Interleaved => "interleaved".to_string(),
            super::config::Order::Random => format!("random order (seed {})", bench.seed),
        },
        humantime::format_duration(bench.timeout),
        humantime::format_duration(bench.sample_interval),
        bench.network
    );
    for (i, r) in setup.runs.iter().enumerate() {
        println!(
            "  {:>4}. {} × {} #{}{}",
            i + 1,
            r.variant,
            r.workload,
            r.rep,
            if r.warmup { " (warm-up)" } else { "" }
        );
    }
    let out = setup.project.root.join(&bench.output);
    println!(
        "results: {}{}",
        out.display(),
        if opts.resume {
            " (resumed: finished runs are skipped)"
        } else if opts.reuse_images {
            " (earlier results are archived first; images are reused, their build rows kept)"
        } else {
            " (earlier results are archived first)"
        }
    );
}

/// Lines on the terminal: a progress bar with ETA on a terminal, plain lines otherwise (CI).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new(total: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} runs, ETA {eta}  {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress { bar }
    }

    fn say(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    /// The current step, shown on the bar (a terminal only: plain output says it once).
    fn status(&self, msg: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(msg.to_string());
        }
    }

    fn advance(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
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
        let slug = slug(
            root_abs
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("deck"),
        );
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
        let needs_engine = selected
            .iter()
            .any(|(v, _)| variant(&bench, v).kind != VariantKind::Local);
        if needs_engine {
            let engine = Engine::connect()?;
            self.meta.engine = Some(engine.info()?);
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
        let meta_path = self.out.join(META);
        if self.opts.resume {
            self.meta.sessions = Meta::earlier_sessions(&meta_path);
        } else if let Some(archive) = self.archive()? {
            eprintln!("earlier results moved to {}", archive.display());
            self.carry_over(&archive, &selected)?;
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
                Err(e) => return Err(e.context(format!("running {label}"))),
            };
            for (k, v) in m.metrics() {
                metrics.row([
                    r.variant.as_str(),
                    r.workload.as_str(),
                    rep.as_str(),
                    k.as_str(),
                    v.as_str(),
                ])?;
            }
            runs_t.row(run_row(r, &m))?;
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

fn run_row(r: &RunSpec, m: &Measured) -> Vec<String> {
    vec![
        r.variant.clone(),
        r.workload.clone(),
        r.rep.to_string(),
        r.warmup.to_string(),
        format!("{:.6}", m.wall_s),
        format!("{:.3}", m.cpu_user_s),
        format!("{:.3}", m.cpu_sys_s),
        format!("{:.1}", m.cpu_avg_pct),
        format!("{:.1}", m.cpu_peak_pct),
        m.mem_peak_bytes.to_string(),
        m.exit_code.map_or(String::new(), |c| c.to_string()),
        m.status.as_str().to_string(),
        if m.status == super::measure::Status::Ok {
            String::new()
        } else {
            last_lines(&m.stderr_tail, 10)
        },
    ]
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

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

fn one_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    let mut s: String = line.chars().take(100).collect();
    if line.chars().count() > 100 || text.lines().count() > 1 {
        s.push('…');
    }
    s
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("\n    {l}")).collect()
}

/// The distinct values of `columns` in a results CSV (empty if it does not exist).
fn recorded(path: &Path, columns: &[&str]) -> anyhow::Result<BTreeSet<Vec<String>>> {
    let mut out = BTreeSet::new();
    if !path.exists() {
        return Ok(out);
    }
    let mut reader = csv::Reader::from_path(path)?;
    let headers = reader.headers()?.clone();
    let idx: Vec<usize> = columns
        .iter()
        .filter_map(|c| headers.iter().position(|h| h == *c))
        .collect();
    if idx.len() != columns.len() {
        return Ok(out);
    }
    for rec in reader.records().flatten() {
        out.insert(
            idx.iter()
                .map(|i| rec.get(*i).unwrap_or("").to_string())
                .collect(),
        );
    }
    Ok(out)
}

/// The variants with a row whose `column` is `value`.
fn recorded_where(path: &Path, column: &str, value: &str) -> anyhow::Result<BTreeSet<String>> {
    Ok(recorded(path, &["variant", column])?
        .into_iter()
        .filter(|r| r[1] == value)
        .map(|mut r| r.swap_remove(0))
        .collect())
}

/// Rows of a per-run table (samples, metrics) whose run never finished are dropped, so a
/// resumed run does not leave the samples of its cut-short attempt beside the new ones.
fn drop_unfinished(path: &Path, finished: &BTreeSet<(String, String, u32)>) -> anyhow::Result<()> {
    if !path.exists() {
        return Ok(());
    }
    let mut reader = csv::Reader::from_path(path)?;
    let headers = reader.headers()?.clone();
    let col = |n: &str| headers.iter().position(|h| h == n);
    let (Some(v), Some(w), Some(r)) = (col("variant"), col("workload"), col("rep")) else {
        return Ok(());
    };
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    out.write_record(&headers)?;
    let mut dropped = 0;
    for rec in reader.records() {
        // A row cut short by a crash goes too.
        let Ok(rec) = rec else {
            dropped += 1;
            continue;
        };
        let key = (
            rec.get(v).unwrap_or("").to_string(),
            rec.get(w).unwrap_or("").to_string(),
            rec.get(r).and_then(|x| x.parse().ok()).unwrap_or(0),
        );
        if finished.contains(&key) {
            out.write_record(&rec)?;
        } else {
            dropped += 1;
        }
    }
    if dropped > 0 {
        let bytes = out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
        crate::output::write_atomic(path, &bytes)?;
    }
    Ok(())
}

/// Per variant and workload, the measured runs: median wall time with its spread, as hyperfine
/// prints it, and each variant relative to the fastest.
fn summary(runs_csv: &Path) {
    let Ok(mut reader) = csv::Reader::from_path(runs_csv) else {
        return;
    };
    let Ok(headers) = reader.headers().cloned() else {
        return;
    };
    let col = |n: &str| headers.iter().position(|h| h == n);
    let (Some(v), Some(w), Some(warm), Some(wall), Some(st)) = (
        col("variant"),
        col("workload"),
        col("warmup"),
        col("wall_s"),
        col("status"),
    ) else {
        return;
    };
    let mut by: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    for rec in reader.records().flatten() {
        if rec.get(warm) == Some("true") || rec.get(st) != Some("ok") {
            continue;
        }
        if let Some(x) = rec.get(wall).and_then(|x| x.parse::<f64>().ok()) {
            by.entry((
                rec.get(w).unwrap_or("").to_string(),
                rec.get(v).unwrap_or("").to_string(),
            ))
            .or_default()
            .push(x);
        }
    }
    let mut workloads: BTreeMap<String, Vec<(String, super::stats::Summary)>> = BTreeMap::new();
    for ((w, v), xs) in by {
        if let Some(s) = super::stats::Summary::of(&xs) {
            workloads.entry(w).or_default().push((v, s));
        }
    }
    for (w, mut rows) in workloads {
        rows.sort_by(|a, b| a.1.median.total_cmp(&b.1.median));
        eprintln!("\n{w}: wall time of the measured runs");
        let best = rows[0].1.clone();
        for (v, s) in &rows {
            let rel = super::stats::ratio(s, &best);
            eprintln!(
                "  {v:<16} median {:>9.3} s   mean {:>9.3} ± {:.3} s   range {:.3} … {:.3} s   n={}   {}{}",
                s.median,
                s.mean,
                s.stddev,
                s.min,
                s.max,
                s.n,
                if v == &rows[0].0 {
                    "fastest".to_string()
                } else {
                    format!("{:.2} ± {:.2} times slower", rel.0, rel.1)
                },
                if s.outliers > 0 {
                    format!(
                        "   warning: {} outlier(s) (modified Z-score > 3.5): rerun on a quieter machine",
                        s.outliers
                    )
                } else {
                    String::new()
                }
            );
        }
    }
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

    #[test]
    fn unfinished_rows_are_dropped_on_resume() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("samples.csv");
        std::fs::write(
            &path,
            "variant,workload,rep,t_s,cpu_pct,mem_bytes\na,x,1,0.25,99.0,100\na,x,2,0.25,98.0,100\na,x,2,0.50,97",
        )
        .unwrap();
        let finished: BTreeSet<_> = [("a".to_string(), "x".to_string(), 1)]
            .into_iter()
            .collect();
        drop_unfinished(&path, &finished).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "variant,workload,rep,t_s,cpu_pct,mem_bytes\na,x,1,0.25,99.0,100\n"
        );
    }
}
