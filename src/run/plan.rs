//! The run matrix: which variant runs which workload, in which order, how many times.

use super::config::{Bench, Order};

/// One run of the matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSpec {
    pub variant: String,
    pub workload: String,
    /// 1-based within the variant x workload pair; warm-up runs come first.
    pub rep: u32,
    pub warmup: bool,
}

/// A variant or workload named on the command line that the config does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    pub what: &'static str,
    pub name: String,
    pub known: Vec<String>,
}

impl std::fmt::Display for UnknownName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unknown {} `{}`; deck.toml has: {}",
            self.what,
            self.name,
            self.known.join(", ")
        )
    }
}

/// Every run, round by round: each round runs every selected pair once, so drift over time hits
/// all variants alike; `random` shuffles each round (seeded, so a rerun has the same order).
pub fn plan(
    bench: &Bench,
    variants: &[String],
    workloads: &[String],
) -> Result<Vec<RunSpec>, Vec<UnknownName>> {
    // A variant marked `skip` runs only when asked for by name.
    let skipped: Vec<&str> = bench
        .variants
        .iter()
        .filter(|v| v.skip.is_some())
        .map(|v| v.name.as_str())
        .collect();
    let pick = |what: &'static str, asked: &[String], all: Vec<String>| {
        let unknown: Vec<UnknownName> = asked
            .iter()
            .filter(|a| !all.contains(a))
            .map(|a| UnknownName {
                what,
                name: a.clone(),
                known: all.clone(),
            })
            .collect();
        let chosen: Vec<String> = all
            .iter()
            .filter(|n| {
                if asked.is_empty() {
                    what != "variant" || !skipped.contains(&n.as_str())
                } else {
                    asked.contains(n)
                }
            })
            .cloned()
            .collect();
        (chosen, unknown)
    };
    let (vs, mut unknown) = pick(
        "variant",
        variants,
        bench.variants.iter().map(|v| v.name.clone()).collect(),
    );
    let (ws, unknown_w) = pick(
        "workload",
        workloads,
        bench.workloads.iter().map(|w| w.name.clone()).collect(),
    );
    unknown.extend(unknown_w);
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let mut rng = fastrand::Rng::with_seed(bench.seed);
    let mut runs = Vec::new();
    for rep in 1..=bench.warmup + bench.repeat {
        let mut round: Vec<RunSpec> = ws
            .iter()
            .flat_map(|w| {
                vs.iter().map(move |v| RunSpec {
                    variant: v.clone(),
                    workload: w.clone(),
                    rep,
                    warmup: rep <= bench.warmup,
                })
            })
            .collect();
        if bench.order == Order::Random {
            rng.shuffle(&mut round);
        }
        runs.extend(round);
    }
    Ok(runs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::config::{Variant, VariantKind, Workload};
    use std::time::Duration;

    fn bench(order: Order) -> Bench {
        let variant = |n: &str| Variant {
            name: n.into(),
            kind: VariantKind::Local,
            limits: Default::default(),
            skip: None,
            build_args: Default::default(),
            env: Default::default(),
        };
        let workload = |n: &str| Workload {
            name: n.into(),
            command: vec!["true".into()],
            mounts: vec![],
            probe: None,
            env: Default::default(),
        };
        Bench {
            repeat: 2,
            warmup: 1,
            order,
            seed: 7,
            timeout: Duration::from_secs(1),
            network: "none".into(),
            build_network: None,
            sample_interval: Duration::from_millis(100),
            output: "data".into(),
            variants: vec![variant("a"), variant("b")],
            workloads: vec![workload("x"), workload("y")],
            engines: Default::default(),
        }
    }

    fn names(runs: &[RunSpec]) -> Vec<String> {
        runs.iter()
            .map(|r| {
                format!(
                    "{}{}{}{}",
                    r.variant,
                    r.workload,
                    r.rep,
                    if r.warmup { "w" } else { "" }
                )
            })
            .collect()
    }

    #[test]
    fn interleaved_rounds_alternate_variants() {
        let runs = plan(&bench(Order::Interleaved), &[], &[]).unwrap();
        assert_eq!(
            names(&runs),
            [
                "ax1w", "bx1w", "ay1w", "by1w", "ax2", "bx2", "ay2", "by2", "ax3", "bx3", "ay3",
                "by3"
            ]
        );
    }

    #[test]
    fn random_order_is_seeded_and_keeps_rounds() {
        let b = bench(Order::Random);
        let one = plan(&b, &[], &[]).unwrap();
        assert_eq!(one, plan(&b, &[], &[]).unwrap(), "same seed, same order");
        assert_eq!(one.len(), 12);
        for (i, chunk) in one.chunks(4).enumerate() {
            assert!(
                chunk.iter().all(|r| r.rep == i as u32 + 1),
                "rounds stay whole"
            );
        }
        let mut other = b.clone();
        other.seed = 8;
        assert_ne!(names(&one), names(&plan(&other, &[], &[]).unwrap()));
    }

    #[test]
    fn skipped_variants_run_only_when_named() {
        let mut b = bench(Order::Interleaved);
        b.variants[0].skip = Some("needs Docker Hub".into());
        let runs = plan(&b, &[], &["x".into()]).unwrap();
        assert_eq!(names(&runs), ["bx1w", "bx2", "bx3"]);
        let runs = plan(&b, &["a".into()], &["x".into()]).unwrap();
        assert_eq!(names(&runs), ["ax1w", "ax2", "ax3"]);
    }

    #[test]
    fn selection_and_unknown_names() {
        let runs = plan(&bench(Order::Interleaved), &["b".into()], &["y".into()]).unwrap();
        assert_eq!(names(&runs), ["by1w", "by2", "by3"]);
        let err = plan(&bench(Order::Interleaved), &["c".into()], &["z".into()]).unwrap_err();
        assert_eq!(err.len(), 2);
        assert_eq!(
            err[0].to_string(),
            "unknown variant `c`; deck.toml has: a, b"
        );
        assert_eq!(
            err[1].to_string(),
            "unknown workload `z`; deck.toml has: x, y"
        );
    }
}
