//! Comparing two groups of runs as a benchmark report should: Welch's t-test (unequal variances,
//! Welch–Satterthwaite degrees of freedom), the difference of the means in % of the reference's
//! mean, and its confidence interval from Student's t distribution.
//!
//! The interval is that of the difference of the means, divided by the reference mean (the
//! reference mean's own uncertainty is not propagated into the ratio, as hyperfine and most
//! benchmark reports do); "significant" means the interval excludes zero, which is Welch's test
//! at the same level.

/// Two groups compared: `a` against the reference `b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Welch {
    pub mean_a: f64,
    pub mean_b: f64,
    pub sd_a: f64,
    pub sd_b: f64,
    pub n_a: usize,
    pub n_b: usize,
    /// Confidence level of the interval (0.95).
    pub level: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    /// Welch's t statistic of mean_a - mean_b.
    pub t: f64,
    /// Two-sided p-value.
    pub p: f64,
    /// Half the width of the interval of mean_a - mean_b.
    pub half_width: f64,
}

impl Welch {
    /// mean_a - mean_b in % of mean_b: positive when `a` is larger (slower, for times).
    pub fn pct(&self) -> f64 {
        100.0 * (self.mean_a / self.mean_b - 1.0)
    }

    /// Half the interval's width, in % of mean_b.
    pub fn ci_pct(&self) -> f64 {
        100.0 * self.half_width / self.mean_b.abs()
    }

    /// Whether the interval excludes zero.
    pub fn significant(&self) -> bool {
        (self.mean_a - self.mean_b).abs() > self.half_width
    }
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, var.sqrt())
}

/// Welch's comparison of `a` against the reference `b` at confidence `level` (0.95).
pub fn welch(a: &[f64], b: &[f64], level: f64) -> Result<Welch, String> {
    if !(0.5..1.0).contains(&level) {
        return Err(format!(
            "a confidence level is between 0.5 and 1, not {level}"
        ));
    }
    for (name, v) in [("first", a), ("second", b)] {
        if v.len() < 2 {
            return Err(format!(
                "the {name} group has {} value{}: a comparison needs at least 2 runs on each side",
                v.len(),
                if v.len() == 1 { "" } else { "s" }
            ));
        }
        if v.iter().any(|x| !x.is_finite()) {
            return Err(format!("the {name} group has a value that is not a number"));
        }
    }
    let (mean_a, sd_a) = mean_sd(a);
    let (mean_b, sd_b) = mean_sd(b);
    if mean_b == 0.0 {
        return Err("the reference group's mean is 0: no difference in % of it".into());
    }
    let (n_a, n_b) = (a.len(), b.len());
    Ok(from_summary(mean_a, sd_a, n_a, mean_b, sd_b, n_b, level))
}

/// The comparison from each group's mean, standard deviation and size.
pub fn from_summary(
    mean_a: f64,
    sd_a: f64,
    n_a: usize,
    mean_b: f64,
    sd_b: f64,
    n_b: usize,
    level: f64,
) -> Welch {
    let (va, vb) = (sd_a * sd_a / n_a as f64, sd_b * sd_b / n_b as f64);
    let se = (va + vb).sqrt();
    let df = welch_df(sd_a, n_a as f64, sd_b, n_b as f64);
    let diff = mean_a - mean_b;
    let (t, p) = if se > 0.0 {
        let t = diff / se;
        (t, 2.0 * (1.0 - t_cdf(t.abs(), df)))
    } else {
        // No spread at all: equal means are no difference, others are certain.
        (0.0, if diff == 0.0 { 1.0 } else { 0.0 })
    };
    let half_width = if se > 0.0 {
        t_quantile(0.5 + level / 2.0, df) * se
    } else {
        0.0
    };
    Welch {
        mean_a,
        mean_b,
        sd_a,
        sd_b,
        n_a,
        n_b,
        level,
        df,
        t,
        p: p.clamp(0.0, 1.0),
        half_width,
    }
}

/// Welch–Satterthwaite degrees of freedom.
pub fn welch_df(sd_a: f64, n_a: f64, sd_b: f64, n_b: f64) -> f64 {
    let (va, vb) = (sd_a * sd_a / n_a, sd_b * sd_b / n_b);
    let den = va * va / (n_a - 1.0) + vb * vb / (n_b - 1.0);
    if den > 0.0 {
        (va + vb).powi(2) / den
    } else {
        n_a + n_b - 2.0
    }
}

/// The CDF of Student's t distribution with `df` degrees of freedom.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    if !t.is_finite() {
        return if t > 0.0 { 1.0 } else { 0.0 };
    }
    let x = df / (df + t * t);
    let tail = 0.5 * incomplete_beta(df / 2.0, 0.5, x);
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// The `p` quantile of Student's t distribution with `df` degrees of freedom (bisection on the
/// CDF: exact to the last digits that matter here).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if p == 0.5 {
        return 0.0;
    }
    if p < 0.5 {
        return -t_quantile(1.0 - p, df);
    }
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    while t_cdf(hi, df) < p && hi < 1e12 {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-12 * hi {
            break;
        }
    }
    (lo + hi) / 2.0
}

/// ln Γ(x), Lanczos (g = 7, n = 9), for x > 0.
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection.
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The regularized incomplete beta function I_x(a, b), by its continued fraction.
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

/// Lentz's method for the incomplete beta continued fraction.
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=300 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn student_t_quantiles_match_the_tables() {
        // Two-sided 95% critical values, as scipy.stats.t.ppf(0.975, df) gives them.
        for (df, want) in [
            (1.0, 12.706_204_736),
            (2.0, 4.302_652_730),
            (3.0, 3.182_446_305),
            (5.0, 2.570_581_836),
            (10.0, 2.228_138_852),
            (30.0, 2.042_272_456),
            (100.0, 1.983_971_519),
            (1e7, 1.959_964_222),
        ] {
            let got = t_quantile(0.975, df);
            assert!(close(got, want, 1e-6), "df {df}: {got} vs {want}");
        }
        // A fractional df, as Welch gives: t.ppf(0.995, 7.5).
        assert!(
            close(t_quantile(0.995, 7.5), 3.421_422_688, 1e-6),
            "{}",
            t_quantile(0.995, 7.5)
        );
        assert!(close(t_cdf(0.0, 4.0), 0.5, 1e-15));
        assert!(close(t_cdf(2.776_445_105, 4.0), 0.975, 1e-8));
    }

    #[test]
    fn welch_matches_a_worked_example() {
        // scipy.stats.ttest_ind(a, b, equal_var=False) (scipy 1.17.1) gives t = -3.0789262577,
        // df = 7.1108513435, p = 0.0174963070, and the 95% interval of the difference
        // -3.2369012710 .. -0.4297653956.
        let a = [19.1, 20.3, 18.7, 19.9, 20.1, 19.4];
        let b = [21.0, 22.8, 19.9, 20.2, 23.1, 21.5];
        let w = welch(&a, &b, 0.95).unwrap();
        let diff = w.mean_a - w.mean_b;
        assert!(close(w.t, -3.078_926_258, 1e-8), "t {}", w.t);
        assert!(close(w.df, 7.110_851_344, 1e-8), "df {}", w.df);
        assert!(close(w.p, 0.017_496_307, 1e-8), "p {}", w.p);
        let (lo, hi) = (diff - w.half_width, diff + w.half_width);
        assert!(close(lo, -3.236_901_271, 1e-7), "{lo}");
        assert!(close(hi, -0.429_765_396, 1e-7), "{hi}");
        assert!(w.significant());
        assert!(w.pct() < 0.0);
    }

    #[test]
    fn groups_too_small_or_without_spread() {
        assert!(
            welch(&[1.0], &[1.0, 2.0], 0.95)
                .unwrap_err()
                .contains("at least 2 runs")
        );
        let same = welch(&[2.0, 2.0], &[2.0, 2.0], 0.95).unwrap();
        assert!(!same.significant() && same.p == 1.0 && same.pct() == 0.0);
        let apart = welch(&[3.0, 3.0], &[2.0, 2.0], 0.95).unwrap();
        assert!(apart.significant() && close(apart.pct(), 50.0, 1e-12));
    }
}
