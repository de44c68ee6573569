//! What `deck run` tells the user: the plan (`--dry-run`), progress on the terminal, the summary
//! at the end, and the short forms of a workload's output.

use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use super::config::{Variant, VariantKind};
use super::runner::{RunOptions, Setup};

pub(super) fn describe(v: &Variant) -> String {
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

pub(super) fn print_plan(setup: &Setup, opts: &RunOptions) {
    let bench = &setup.bench;
    let chosen: BTreeSet<&str> = setup.runs.iter().map(|r| r.variant.as_str()).collect();
    println!("deck run — the plan (nothing is run with --dry-run)");
    let named: Vec<Option<&str>> = if opts.engines.is_empty() {
        vec![None]
    } else {
        opts.engines.iter().map(|e| Some(e.as_str())).collect()
    };
    for name in named {
        match super::engines::resolve(name, &bench.engines, &super::engines::Env::from_process()) {
            Ok(t) => match &t.endpoint {
                super::engines::Endpoint::Docker { host, .. } => {
                    println!("engine: {} at {host} ({})", t.name, t.source)
                }
                super::engines::Endpoint::Local => {
                    println!("engine: {} (this machine, no Docker)", t.name)
                }
            },
            Err(e) => println!("engine: {e}"),
        }
    }
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
        } else if opts.append {
            " (--append: the rows of other hosts are kept; earlier results are archived first)"
        } else if opts.reuse_images {
            " (earlier results are archived first; images are reused, their build rows kept)"
        } else {
            " (earlier results are archived first)"
        }
    );
}

/// Lines on the terminal: a progress bar with ETA on a terminal, plain lines otherwise (CI).
pub(super) struct Progress {
    pub(super) bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    pub(super) fn new(total: u64) -> Progress {
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

    pub(super) fn say(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    /// The current step, shown on the bar (a terminal only: plain output says it once).
    pub(super) fn status(&self, msg: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(msg.to_string());
        }
    }

    pub(super) fn advance(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

pub(super) fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

pub(super) fn one_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    let mut s: String = line.chars().take(100).collect();
    if line.chars().count() > 100 || text.lines().count() > 1 {
        s.push('…');
    }
    s
}

pub(super) fn indent(text: &str) -> String {
    text.lines().map(|l| format!("\n    {l}")).collect()
}

/// Per variant and workload, the measured runs: median wall time with its spread, as hyperfine
/// prints it, and each variant relative to the fastest; with several hosts, per variant and host
/// (`debian @ laptop`), so hosts compare as variants do.
pub(super) fn summary(runs_csv: &Path) {
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
    let h = col(super::tables::HOST);
    let records: Vec<csv::StringRecord> = reader.records().flatten().collect();
    let hosts: BTreeSet<&str> = records.iter().filter_map(|r| r.get(h?)).collect();
    let mut by: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    for rec in &records {
        if rec.get(warm) == Some("true") || rec.get(st) != Some("ok") {
            continue;
        }
        let mut label = rec.get(v).unwrap_or("").to_string();
        if hosts.len() > 1 {
            label = format!("{label} @ {}", h.and_then(|h| rec.get(h)).unwrap_or(""));
        }
        if let Some(x) = rec.get(wall).and_then(|x| x.parse::<f64>().ok()) {
            by.entry((rec.get(w).unwrap_or("").to_string(), label))
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
        let width = rows
            .iter()
            .map(|(v, _)| v.chars().count())
            .max()
            .unwrap_or(0)
            .max(16);
        for (v, s) in &rows {
            let rel = super::stats::ratio(s, &best);
            eprintln!(
                "  {v:<width$} median {:>9.3} s   mean {:>9.3} ± {:.3} s   range {:.3} … {:.3} s   n={}   {}{}",
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
