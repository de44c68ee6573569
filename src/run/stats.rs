//! Statistics of repeated runs, as hyperfine computes them: mean, sample standard deviation,
//! median, min and max; outliers flagged (never dropped) by the modified Z-score; and one
//! variant's speed relative to another with the error propagated from both spreads.

#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub n: usize,
    pub mean: f64,
    /// Sample standard deviation (n - 1); 0 for a single run.
    pub stddev: f64,
    pub median: f64,
    pub min: f64,
    pub max: f64,
    /// Runs whose modified Z-score is above 3.5 (Iglewicz and Hoaglin).
    pub outliers: usize,
}

impl Summary {
    pub fn of(xs: &[f64]) -> Option<Summary> {
        if xs.is_empty() || xs.iter().any(|x| !x.is_finite()) {
            return None;
        }
        let n = xs.len();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let stddev = if n > 1 {
            (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        let median = median(xs);
        let deviations: Vec<f64> = xs.iter().map(|x| (x - median).abs()).collect();
        let mad = self::median(&deviations);
        let outliers = if mad > 0.0 {
            xs.iter()
                .filter(|x| (0.6745 * (*x - median) / mad).abs() > 3.5)
                .count()
        } else {
            0
        };
        Some(Summary {
            n,
            mean,
            stddev,
            median,
            min: xs.iter().copied().fold(f64::INFINITY, f64::min),
            max: xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            outliers,
        })
    }
}

pub fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// How many times slower `a` is than `b` (means), with its propagated standard error:
/// `r · sqrt((σa/μa)² + (σb/μb)²)`, as hyperfine's "1.23 ± 0.04 times faster".
pub fn ratio(a: &Summary, b: &Summary) -> (f64, f64) {
    let r = a.mean / b.mean;
    let err = r * ((a.stddev / a.mean).powi(2) + (b.stddev / b.mean).powi(2)).sqrt();
    (r, err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_matches_hand_computed_values() {
        let s = Summary::of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        assert_eq!(s.n, 8);
        assert!((s.mean - 5.0).abs() < 1e-12);
        // Sample variance: 32 / 7.
        assert!((s.stddev - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert_eq!((s.median, s.min, s.max), (4.5, 2.0, 9.0));
        // MAD = 0.5, so 9 scores 0.6745 * 4.5 / 0.5 = 6.07 > 3.5; 2 and 7 score 3.37.
        assert_eq!(s.outliers, 1);
        assert_eq!(Summary::of(&[]), None);
        assert_eq!(Summary::of(&[1.0]).unwrap().stddev, 0.0);
    }

    #[test]
    fn an_outlier_is_flagged() {
        let s = Summary::of(&[10.0, 10.1, 9.9, 10.0, 10.2, 9.8, 30.0]).unwrap();
        assert_eq!(s.outliers, 1);
        let calm = Summary::of(&[10.0, 10.1, 9.9, 10.0, 10.2, 9.8]).unwrap();
        assert_eq!(calm.outliers, 0);
    }

    #[test]
    fn ratio_propagates_both_errors() {
        let a = Summary::of(&[12.0, 12.0]).unwrap();
        let b = Summary::of(&[10.0, 10.0]).unwrap();
        assert_eq!(ratio(&a, &b), (1.2, 0.0));
        let a = Summary { stddev: 0.12, ..a };
        let b = Summary { stddev: 0.1, ..b };
        let (r, e) = ratio(&a, &b);
        assert!((r - 1.2).abs() < 1e-12);
        assert!((e - 1.2 * (0.0001f64 + 0.0001).sqrt()).abs() < 1e-12);
    }
}
