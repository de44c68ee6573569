//! `deck run`: rerun the measurements (containers through the Docker Engine API, or local
//! processes) and write the results into the project's data folder.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::run::runner::{self, RunEnd, RunOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The deck project folder (with deck.toml and its [bench] table) [default: the current folder]
    pub path: Option<PathBuf>,
    /// Run only this variant (repeat the flag for several)
    #[arg(long = "variant", value_name = "NAME")]
    pub variants: Vec<String>,
    /// Run only this workload (repeat the flag for several)
    #[arg(long = "workload", value_name = "NAME")]
    pub workloads: Vec<String>,
    /// Carry on from the results already in the data folder: finished runs are not run again
    #[arg(long)]
    pub resume: bool,
    /// Print the plan (images, runs, order, limits) and run nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Build images without the engine's build cache (honest build times)
    #[arg(long)]
    pub no_cache: bool,
    /// Measure again with the images built before, without building: their build time and size
    /// are carried over from the previous results (the runs themselves start afresh)
    #[arg(long, conflicts_with_all = ["no_cache", "resume"])]
    pub reuse_images: bool,
    /// When an image cannot be built or found, or the engine fails a run, go on with the rest
    #[arg(long)]
    pub keep_going: bool,
    /// An engine to measure on: a name from [bench.engines] in deck.toml, a Docker context
    /// (`docker context ls`), an address (unix://, tcp://, ssh://user@host), or `local` for this
    /// machine without Docker. Repeat the flag to measure on several at once (one run at a time
    /// on each); the results' host column holds the name [default: the Docker CLI's current
    /// context, named by its machine's host name]
    #[arg(long = "engine", value_name = "NAME")]
    pub engines: Vec<String>,
    /// Keep the results of the hosts this run does not measure (an attendee adds their machine
    /// next to the speaker's); the rows of the hosts it measures are replaced. Earlier results
    /// are archived first, as always
    #[arg(long, conflicts_with = "resume")]
    pub append: bool,
}

/// What the process exits with: 0 all runs ok, 1 a problem (or a run that did not end ok),
/// 130 stopped by Ctrl-C, 143 by SIGTERM, 129 by SIGHUP.
pub fn execute(args: Args) -> anyhow::Result<u8> {
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let cancel = cancel.clone();
        ctrlc::set_handler(move || {
            if cancel.swap(true, Ordering::SeqCst) {
                eprintln!("\nstopping… (the running workload is being removed)");
            } else {
                eprintln!("\nCtrl-C: stopping after removing the running workload");
            }
        })?;
    }
    // SIGTERM (a service manager, `kill`) and SIGHUP (the terminal closed) stop the run as Ctrl-C
    // does: the running workload is removed and every finished run kept.
    let term = Arc::new(AtomicBool::new(false));
    let hup = Arc::new(AtomicBool::new(false));
    for (signal, flag) in [
        (signal_hook::consts::SIGTERM, &term),
        (signal_hook::consts::SIGHUP, &hup),
    ] {
        signal_hook::flag::register(signal, flag.clone())?;
        signal_hook::flag::register(signal, cancel.clone())?;
    }
    let opts = RunOptions {
        path: args.path.unwrap_or_else(|| PathBuf::from(".")),
        variants: args.variants,
        workloads: args.workloads,
        resume: args.resume,
        dry_run: args.dry_run,
        no_cache: args.no_cache,
        reuse_images: args.reuse_images,
        keep_going: args.keep_going,
        engines: args.engines,
        append: args.append,
        // As a user would type it again: `deck run --resume`, whatever path the binary has.
        command_line: std::iter::once("deck".to_string())
            .chain(std::env::args().skip(1))
            .collect::<Vec<_>>()
            .join(" "),
    };
    Ok(match runner::run(&opts, &cancel)? {
        RunEnd::Planned => 0,
        RunEnd::Invalid => 1,
        RunEnd::Completed { runs, failed } => {
            eprintln!(
                "\n{runs} run(s) recorded{}",
                if failed > 0 {
                    format!(", {failed} did not end ok (see status in runs.csv)")
                } else {
                    String::new()
                }
            );
            u8::from(failed > 0)
        }
        RunEnd::Interrupted { runs } => {
            let (why, code) = if term.load(Ordering::SeqCst) {
                ("SIGTERM", 143)
            } else if hup.load(Ordering::SeqCst) {
                ("SIGHUP", 129)
            } else {
                ("Ctrl-C", 130)
            };
            eprintln!(
                "stopped ({why}): {runs} run(s) of this session recorded; `deck run --resume` carries on"
            );
            code
        }
    })
}
