//! `deck run`: the whole matrix, start to end.
//!
//! Load and check `[bench]` → plan the runs → (`--dry-run`: print the plan and stop) → resolve
//! and connect the engines, each with what it measures → set up the results folder ([`folder`]:
//! a fresh run archives the previous results; `--resume` keeps them and skips the finished runs;
//! a partial or `--append` run keeps the rows it does not measure again) → one [`Worker`] per
//! engine, all at once, each building its images, probing and running its share one run at a
//! time, writing each row as soon as it is known → write `variants.csv`, `meta.json` and a
//! summary. Ctrl-C stops the running workload on every engine (its container is removed), keeps
//! every finished row, and ends with [`RunEnd::Interrupted`] (exit code 130).
//!
//! [`folder`]: super::folder
//! [`Worker`]: super::worker::Worker

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, bail};

use super::config::{Bench, Variant, VariantKind, Workload};
use super::docker::{self, Engine, EngineInfo};
use super::engines;
use super::folder;
use super::meta::{self, Meta, Session};
use super::plan::{self, RunSpec};
use super::record::{self, Table};
use super::report::{Progress, one_line, print_plan, summary};
pub use super::tables::{BUILDS, META, METRICS, PROBES, RUNS, SAMPLES, VARIANTS};
use super::tables::{
    BUILDS_COLUMNS, METRICS_COLUMNS, PROBES_COLUMNS, RESULT_FILES, RUNS_COLUMNS, SAMPLES_COLUMNS,
    drop_unfinished,
};
use super::worker::{self, Ended, Shared, Tables, Worker};
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
    /// `--engine` (each): a `[bench.engines]` name, Docker context, URL or `local` (none: the
    /// Docker CLI's current context, as the machine's host name).
    pub engines: Vec<String>,
    /// `--append`: keep the rows of the hosts this session does not measure.
    pub append: bool,
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
/// not change it; nor does `[bench.engines]`, which says where to measure, not what.
pub fn config_hash(text: &str) -> String {
    let bench = toml::from_str::<toml::Table>(text)
        .ok()
        .and_then(|t| t.get("bench").cloned())
        .map(|mut b| {
            if let Some(t) = b.as_table_mut() {
                t.remove("engines");
            }
            b
        })
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
            session_to_resume(&Meta::earlier_sessions(&meta))
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

/// The session a `--resume` carries on: the last one that was not itself a `--resume` (whose
/// command line says none of what the chain measures).
fn session_to_resume(sessions: &[Session]) -> Option<&Session> {
    sessions
        .iter()
        .rev()
        .find(|s| !s.command.split_whitespace().any(|w| w == "--resume"))
        .or(sessions.last())
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
    if o.engines.is_empty() {
        o.engines = values("--engine");
    }
    o.no_cache |= words.contains(&"--no-cache");
    o.keep_going |= words.contains(&"--keep-going");
    o
}

pub(super) fn variant<'a>(bench: &'a Bench, name: &str) -> &'a Variant {
    bench
        .variants
        .iter()
        .find(|v| v.name == name)
        .expect("planned variants exist")
}

pub(super) fn workload<'a>(bench: &'a Bench, name: &str) -> &'a Workload {
    bench
        .workloads
        .iter()
        .find(|w| w.name == name)
        .expect("planned workloads exist")
}

/// The engines of a session, resolved, each with the variant × workload pairs it measures.
struct Assignment {
    target: engines::Target,
    pairs: BTreeSet<(String, String)>,
    /// It needs a Docker connection (some pair runs in a container).
    docker: bool,
}

/// Which engine measures what. One engine measures everything, as before engines had names;
/// with several, container variants run on each Docker engine and `local = true` variants on
/// the `local` engine (this machine), so every engine measures the same matrix it can run.
fn assign(
    bench: &Bench,
    opts: &RunOptions,
    selected: &BTreeSet<(String, String)>,
) -> anyhow::Result<Vec<Assignment>> {
    let env = engines::Env::from_process();
    let mut names: Vec<Option<&str>> = Vec::new();
    for e in &opts.engines {
        if !names.contains(&Some(e.as_str())) {
            names.push(Some(e.as_str()));
        }
    }
    if names.is_empty() {
        names.push(None);
    }
    let mut targets = Vec::new();
    let mut problems = Vec::new();
    for name in names {
        match engines::resolve(name, &bench.engines, &env) {
            Ok(t) => targets.push(t),
            Err(e) => problems.push(e.to_string()),
        }
    }
    if !problems.is_empty() {
        bail!("{}", problems.join("\n"));
    }
    // Two names for one engine: its runs would disturb each other, its rows be two "hosts".
    for (i, a) in targets.iter().enumerate() {
        if let Some(b) = targets[..i].iter().find(|b| b.endpoint == a.endpoint) {
            bail!(
                "engines `{}` and `{}` are the same engine ({}): measuring on both would run two workloads side by side on one machine\n  help: name each engine once",
                b.name,
                a.name,
                match &a.endpoint {
                    engines::Endpoint::Docker { host, .. } => host.as_str(),
                    engines::Endpoint::Local => "this machine",
                }
            );
        }
    }
    let is_local = |v: &str| variant(bench, v).kind == VariantKind::Local;
    let local_pairs: BTreeSet<(String, String)> = selected
        .iter()
        .filter(|(v, _)| is_local(v))
        .cloned()
        .collect();
    let container_pairs: BTreeSet<(String, String)> = selected
        .iter()
        .filter(|(v, _)| !is_local(v))
        .cloned()
        .collect();
    let names_of = |pairs: &BTreeSet<(String, String)>| {
        pairs
            .iter()
            .map(|(v, _)| v.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let [target] = targets.as_slice() {
        let local_engine = target.endpoint == engines::Endpoint::Local;
        if local_engine && !container_pairs.is_empty() {
            bail!(
                "engine `{}` is this machine without Docker, but {} run in containers\n  help: pick the local variants (`--variant NAME` for each variant with local = true), or name a Docker engine",
                target.name,
                names_of(&container_pairs)
            );
        }
        if let engines::Endpoint::Docker { host, .. } = &target.endpoint
            && !host.starts_with("unix://")
            && !local_pairs.is_empty()
        {
            bail!(
                "{} run on this machine, not on the engine `{}` at {host}: their rows would name the wrong machine\n  help: measure both (`--engine local --engine {}`), or pick the container variants (`--variant NAME`)",
                names_of(&local_pairs),
                target.name,
                target.name
            );
        }
        return Ok(vec![Assignment {
            docker: !container_pairs.is_empty(),
            target: targets.remove(0),
            pairs: selected.clone(),
        }]);
    }
    let has_local = targets
        .iter()
        .any(|t| t.endpoint == engines::Endpoint::Local);
    if !local_pairs.is_empty() && !has_local {
        bail!(
            "{} run on this machine (local = true), which is none of the engines named\n  help: add `--engine local` to measure them here, or pick the container variants (`--variant NAME`)",
            names_of(&local_pairs)
        );
    }
    let mut out = Vec::new();
    for target in targets {
        let local = target.endpoint == engines::Endpoint::Local;
        let pairs = if local {
            &local_pairs
        } else {
            &container_pairs
        };
        if pairs.is_empty() {
            bail!(
                "engine `{}` has nothing to measure: {}\n  help: leave it out, or select variants it can run",
                target.name,
                if local {
                    "no variant with local = true is selected"
                } else {
                    "no container variant is selected"
                }
            );
        }
        out.push(Assignment {
            docker: !local,
            pairs: pairs.clone(),
            target,
        });
    }
    Ok(out)
}

struct Runner<'a> {
    setup: Setup,
    opts: &'a RunOptions,
    out: PathBuf,
    root_abs: PathBuf,
    /// Folder name of the project, for image tags and labels.
    slug: String,
    run_id: String,
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
            engines: Vec::new(),
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
            meta,
        })
    }

    /// Connect to each engine (a Docker engine that cannot be reached, when there are several,
    /// is reported and left out: the others measure) and make its worker.
    fn workers(
        &self,
        assignments: Vec<Assignment>,
        lost: &mut Vec<EngineInfo>,
    ) -> anyhow::Result<Vec<Worker>> {
        let several = assignments.len() > 1;
        let earlier = Meta::earlier_engines(&self.out.join(META));
        let named = !self.opts.engines.is_empty();
        let mut workers = Vec::new();
        for a in assignments {
            let connected = if a.docker {
                Engine::connect(&a.target)
                    .and_then(|engine| Ok((engine.info()?, engine)))
                    .map(|(info, engine)| (info, Some(engine)))
            } else {
                Ok((EngineInfo::this_machine(&a.target.name), None))
            };
            let (mut info, engine) = match connected {
                Ok(c) => c,
                Err(e) if several => {
                    eprintln!(
                        "error: engine `{}`: {e}\n  (the other engines measure; its rows are missing, and meta.json says why)",
                        a.target.name
                    );
                    // What the results knew of it stays (its rows, if any, are kept).
                    let mut info = earlier
                        .iter()
                        .find(|e| e.name == a.target.name)
                        .cloned()
                        .unwrap_or_else(|| EngineInfo {
                            name: a.target.name.clone(),
                            endpoint: a.target.endpoint.address().to_string(),
                            ..EngineInfo::default()
                        });
                    info.failed = Some(one_line(&e.to_string()));
                    lost.push(info);
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            // Named engines are their names; the Docker CLI's own choice is the name of the
            // machine it runs on, so an attendee's rows and the speaker's stay apart without
            // naming anything: this machine's for a Unix socket (Docker Desktop, colima and the
            // like call every user's engine alike), the engine's own for a remote one.
            let host = if named {
                a.target.name.clone()
            } else if engine.is_some()
                && !info.endpoint.starts_with("unix://")
                && !info.hostname.is_empty()
            {
                info.hostname.clone()
            } else {
                meta::this_machine_name()
            };
            info.name = host.clone();
            info.config_sha256 = self.setup.config_sha256.clone();
            if let Some(engine) = &engine {
                let left = engine.remove_leftovers(&self.slug)?;
                if left > 0 {
                    eprintln!(
                        "removed {left} container(s) left on `{host}` by an earlier run that did not finish"
                    );
                }
                if self.opts.reuse_images {
                    // Before anything is archived: a missing image must leave the results as they are.
                    for name in a.pairs.iter().map(|(v, _)| v).collect::<BTreeSet<_>>() {
                        if let VariantKind::Dockerfile(_) = variant(&self.setup.bench, name).kind {
                            worker::image_to_reuse(engine, &self.slug, name)?;
                        }
                    }
                }
            }
            workers.push(Worker::new(host, engine, info, a.pairs));
        }
        if workers.is_empty() {
            bail!(
                "no engine could be reached: {}",
                lost.iter()
                    .map(|e| format!("`{}` ({})", e.name, e.failed.as_deref().unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        Ok(workers)
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
        let assignments = assign(&bench, self.opts, &selected)?;
        let mut lost = Vec::new();
        let mut workers = self.workers(assignments, &mut lost)?;
        let hosts: BTreeSet<String> = workers
            .iter()
            .map(|w| w.host.clone())
            .chain(lost.iter().map(|e| e.name.clone()))
            .collect();

        // The results folder: archived and started afresh, or resumed.
        let earlier = Meta::earlier_engines(&meta_path);
        let mut archived = None;
        let partial = !self.opts.variants.is_empty() || !self.opts.workloads.is_empty();
        // Rows this session does not measure again stay (resumed, partial, --append): so do
        // the engines and sessions that measured them.
        let mut keep_earlier = self.opts.resume;
        if self.opts.append {
            // Another machine under this session's host name would lose its rows.
            for w in &workers {
                if let Some(before) = earlier.iter().find(|e| e.name == w.host)
                    && let Some(what) = other_machine(before, &w.info)
                {
                    bail!(
                        "the results already hold host `{}`, measured on another machine ({what}): --append would replace its rows with this one's\n  help: give this machine a name of its own: `mine = \"default\"` under [bench.engines] (or a Docker context's name), then `deck run --append --engine mine`",
                        w.host
                    );
                }
            }
        }
        if self.opts.resume {
            // Rows from two engines under one name could not be told apart.
            for w in &workers {
                if let Some(before) = earlier.iter().find(|e| e.name == w.host)
                    && !before.endpoint.is_empty()
                    && before.endpoint != w.info.endpoint
                {
                    bail!(
                        "the rows of `{}` in {} were measured on {}, not on {}: resuming would mix two machines' rows\n  help: resume with the same engine (`--engine`), or start afresh without --resume",
                        w.host,
                        self.out.display(),
                        before.endpoint,
                        w.info.endpoint
                    );
                }
            }
        }
        // Tables from before results named their host get the column, then the folder is set up.
        folder::add_hosts(&self.out)?;
        if self.opts.resume {
            self.meta.sessions = Meta::earlier_sessions(&meta_path);
        } else if let Some(archive) = folder::archive(&self.out)? {
            eprintln!("earlier results moved to {}", archive.display());
            archived = Some(archive.clone());
            if partial || self.opts.append {
                let measured: BTreeSet<(String, String, String)> = workers
                    .iter()
                    .flat_map(|w| {
                        w.pairs
                            .iter()
                            .map(|(v, l)| (w.host.clone(), v.clone(), l.clone()))
                    })
                    .collect();
                folder::carry_over(&self.out, &archive, &measured)?;
                folder::carry_logs(&self.out, &archive)?;
                keep_earlier = true;
            }
            if self.opts.reuse_images {
                // The build rows of the images this session reuses, on its engines.
                folder::carry_builds(&self.out, &archive, &hosts)?;
            }
            if keep_earlier || self.opts.reuse_images {
                self.meta.sessions = Meta::earlier_sessions(&archive.join(META));
            }
        }
        if keep_earlier {
            self.meta.engines = earlier
                .into_iter()
                .filter(|e| !hosts.contains(&e.name))
                .collect();
        }
        self.meta
            .engines
            .extend(workers.iter().map(|w| w.info.clone()).chain(lost.clone()));
        self.meta.engines.sort_by(|a, b| a.name.cmp(&b.name));

        let finished = record::finished_runs(&self.out.join(RUNS))?;
        if self.opts.resume {
            drop_unfinished(&self.out.join(SAMPLES), &finished)?;
            drop_unfinished(&self.out.join(METRICS), &finished)?;
        }
        let open = |name: &str, columns: &[&str]| {
            Table::open(&self.out.join(name), columns)
                .with_context(|| format!("cannot open {}", self.out.join(name).display()))
        };
        let tables = Mutex::new(Tables {
            builds: open(BUILDS, BUILDS_COLUMNS)?,
            runs: open(RUNS, RUNS_COLUMNS)?,
            samples: open(SAMPLES, SAMPLES_COLUMNS)?,
            probes: open(PROBES, PROBES_COLUMNS)?,
            metrics: open(METRICS, METRICS_COLUMNS)?,
        });
        self.meta.sessions.push(Session {
            command: self.opts.command_line.clone(),
            started: meta::now(),
            ended: None,
            result: "running".into(),
            process: Some(docker::this_process()),
        });
        self.meta.write(&meta_path)?;

        // Each worker's share of the plan, and of it the runs not recorded yet, in order.
        let mut planned = 0;
        let todos: Vec<Vec<&RunSpec>> = workers
            .iter()
            .map(|w| {
                let share = runs
                    .iter()
                    .filter(|r| w.pairs.contains(&(r.variant.clone(), r.workload.clone())));
                planned += share.clone().count();
                share
                    .filter(|r| {
                        !finished.contains(&(
                            w.host.clone(),
                            r.variant.clone(),
                            r.workload.clone(),
                            r.rep,
                        ))
                    })
                    .collect()
            })
            .collect();
        let todo: usize = todos.iter().map(Vec::len).sum();
        if self.opts.resume && todo < planned {
            eprintln!(
                "resuming: {} of {} runs already recorded in {}",
                planned - todo,
                planned,
                self.out.join(RUNS).display()
            );
        }
        let progress = Progress::new(todo as u64);
        let shared = Shared {
            bench: &bench,
            opts: self.opts,
            root: &self.setup.project.root,
            root_abs: &self.root_abs,
            out: &self.out,
            slug: &self.slug,
            run_id: &self.run_id,
            cancel,
            progress: &progress,
            tables: &tables,
            several: workers.len() + lost.len() > 1,
        };
        // Every engine at once, each on its own thread; one run at a time on each.
        let ends: Vec<Ended> = std::thread::scope(|scope| {
            let handles: Vec<_> = workers
                .iter_mut()
                .zip(&todos)
                .map(|(w, todo)| {
                    let shared = &shared;
                    scope.spawn(move || w.measure(shared, todo))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Ended::Failed(anyhow::anyhow!("its thread panicked")))
                })
                .collect()
        });
        progress.finish();
        drop(tables);
        let done: usize = workers.iter().map(|w| w.done).sum();
        let failed: usize = workers.iter().map(|w| w.failed).sum();
        let mut errors = Vec::new();
        for (w, end) in workers.iter().zip(ends) {
            if let Ended::Failed(e) = end {
                if let Some(info) = self.meta.engines.iter_mut().find(|e| e.name == w.host) {
                    info.failed = Some(one_line(&format!("{e:#}")));
                }
                errors.push((w.host.clone(), e));
            }
        }
        let interrupted = cancel.load(Ordering::SeqCst);
        if interrupted
            && done == 0
            && let Some(archive) = &archived
        {
            // Stopped before this session measured anything (during an image build, say): the
            // earlier results go back where they were, as if this run had not started.
            folder::restore(&self.out, archive)?;
            eprintln!(
                "nothing was measured: the earlier results are back in {}",
                self.out.display()
            );
            return Ok(RunEnd::Interrupted { runs: 0 });
        }
        let notes: BTreeMap<String, String> = workers
            .iter()
            .flat_map(|w| {
                w.broken.iter().map(|(v, e)| {
                    let e = if workers.len() > 1 {
                        format!("{}: {e}", w.host)
                    } else {
                        e.clone()
                    };
                    (v.clone(), e)
                })
            })
            .collect();
        let wrote = folder::write_variants(&self.out, &bench, &notes);
        let stopped = !errors.is_empty() || !lost.is_empty();
        let result = if interrupted {
            "interrupted"
        } else if stopped {
            "failed"
        } else {
            "completed"
        };
        self.close(result, &meta_path);
        wrote?;
        summary(&self.out.join(RUNS));
        if interrupted {
            return Ok(RunEnd::Interrupted { runs: done });
        }
        // One engine: its error as it is.
        if workers.len() == 1 && lost.is_empty() && errors.len() == 1 {
            return Err(errors.remove(0).1);
        }
        if stopped {
            let mut why: Vec<String> = lost
                .iter()
                .map(|e| {
                    format!(
                        "engine `{}` could not be reached: {}",
                        e.name,
                        e.failed.as_deref().unwrap_or("")
                    )
                })
                .collect();
            why.extend(
                errors
                    .iter()
                    .map(|(host, e)| format!("engine `{host}` stopped: {e:#}")),
            );
            bail!(
                "{}\n  the other engines' runs are recorded ({done} run(s) this session); once the engine is back, `deck run --resume` measures what is missing",
                why.join("\n")
            );
        }
        Ok(RunEnd::Completed { runs: done, failed })
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
}

/// How the machine `before` describes differs from `now`'s (CPU model, cores), when both are
/// known: rows under one host name from two machines.
fn other_machine(before: &EngineInfo, now: &EngineInfo) -> Option<String> {
    let known = |a: &str, b: &str| !a.is_empty() && !b.is_empty() && a != b;
    if known(&before.cpu_model, &now.cpu_model) {
        return Some(format!("{}, this one {}", before.cpu_model, now.cpu_model));
    }
    (before.cpus > 0 && now.cpus > 0 && before.cpus != now.cpus)
        .then(|| format!("{} CPUs, this one {}", before.cpus, now.cpus))
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
            "deck run --no-cache --variant a --variant=b --workload w --engine lab --engine=ci",
        );
        assert!(o.no_cache && !o.keep_going && o.resume);
        assert_eq!(o.engines, ["lab", "ci"]);
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
    fn a_resumed_resume_carries_on_the_session_that_chose_the_engines() {
        let session = |command: &str| Session {
            command: command.into(),
            started: String::new(),
            ended: None,
            result: "interrupted".into(),
            process: None,
        };
        let sessions = [
            session("deck run --engine a --engine b"),
            session("deck run --resume"),
            session("deck run --resume"),
        ];
        let s = session_to_resume(&sessions).unwrap();
        assert_eq!(s.command, "deck run --engine a --engine b");
        assert_eq!(
            resumed_options(&RunOptions::default(), &s.command).engines,
            ["a", "b"]
        );
        assert!(session_to_resume(&[]).is_none());
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
        let d = config_hash("[bench]\nrepeat = 3\n[bench.engines]\nlab = \"ssh://me@lab\"\n");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, d, "where to measure is not what");
    }
}
