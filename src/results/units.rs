//! Units of measurement: what a column's numbers are counted in (seconds, milliseconds, bytes,
//! KiB...), so formats, chart axes and comparisons convert instead of assuming seconds.
//!
//! A column's unit comes from, in order: the name a query gives it (`mean_ms`, `"mean (ms)"`),
//! the dataset's declaration in deck.toml (`units = { mean = "ms" }`), what an importer knows of
//! the columns it makes (hyperfine's `mean` is in seconds), and the column's own name in the data.

use std::collections::BTreeMap;

/// What a unit measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Time,
    Bytes,
}

/// A unit: its symbol, what it measures, and how many base units (seconds, bytes) it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unit {
    pub symbol: &'static str,
    pub dimension: Dimension,
    pub base: f64,
}

/// Column name → unit.
pub type Units = BTreeMap<String, Unit>;

const fn time(symbol: &'static str, base: f64) -> Unit {
    Unit {
        symbol,
        dimension: Dimension::Time,
        base,
    }
}

const fn bytes(symbol: &'static str, base: f64) -> Unit {
    Unit {
        symbol,
        dimension: Dimension::Bytes,
        base,
    }
}

pub const SECONDS: Unit = time("s", 1.0);
pub const BYTES: Unit = bytes("B", 1.0);

/// Every unit deck knows, with the names it is written with (compared without case, but the
/// decimal/binary byte prefixes and `m`/`M` are kept apart by the symbols themselves).
const KNOWN: &[(Unit, &[&str])] = &[
    (
        time("ns", 1e-9),
        &["ns", "nanosecond", "nanoseconds", "nsec"],
    ),
    (
        time("µs", 1e-6),
        &["us", "µs", "μs", "microsecond", "microseconds", "usec"],
    ),
    (
        time("ms", 1e-3),
        &["ms", "millisecond", "milliseconds", "msec"],
    ),
    (SECONDS, &["s", "sec", "secs", "second", "seconds"]),
    (time("min", 60.0), &["min", "mins", "minute", "minutes"]),
    (time("h", 3600.0), &["h", "hr", "hour", "hours"]),
    (BYTES, &["b", "byte", "bytes"]),
    (bytes("KiB", 1024.0), &["kib", "kibibytes"]),
    (bytes("MiB", 1024.0 * 1024.0), &["mib", "mebibytes"]),
    (
        bytes("GiB", 1024.0 * 1024.0 * 1024.0),
        &["gib", "gibibytes"],
    ),
    (bytes("TiB", 1024.0 * 1024.0 * 1024.0 * 1024.0), &["tib"]),
    (bytes("kB", 1e3), &["kb", "kilobytes"]),
    (bytes("MB", 1e6), &["mb", "megabytes"]),
    (bytes("GB", 1e9), &["gb", "gigabytes"]),
    (bytes("TB", 1e12), &["tb", "terabytes"]),
];

/// The units' symbols, for messages.
pub fn symbols() -> Vec<&'static str> {
    KNOWN.iter().map(|(u, _)| u.symbol).collect()
}

impl Unit {
    /// A unit as deck.toml or a chart's `unit:` writes it: `ms`, `milliseconds`, `KiB`...
    pub fn parse(text: &str) -> Option<Unit> {
        let t = text.trim();
        let lower = t.to_lowercase();
        KNOWN
            .iter()
            .find(|(u, names)| u.symbol == t || names.iter().any(|n| *n == lower))
            .map(|(u, _)| *u)
    }

    /// The unit a column's name states: a suffix (`wall_s`, `mean_ms`, `rss_kib`, `peak-mb`) or a
    /// bracketed one (`mean (ms)`, `size [MiB]`), or the name itself (`ms`, `bytes`).
    /// A rate (`ops_per_s`, `req/s`) states no unit: it is not a time.
    pub fn from_name(name: &str) -> Option<Unit> {
        Self::split_name(name).map(|(_, u)| u)
    }

    /// A column's name without its unit, and the unit: `mean_ms` → (`mean`, ms),
    /// `"mean (ms)"` → (`mean`, ms), `ms` → (`ms`, ms).
    pub fn split_name(name: &str) -> Option<(String, Unit)> {
        let n = name.trim();
        let lower = n.to_lowercase();
        if lower.contains("per_") || lower.contains("per ") || lower.contains('/') {
            return None;
        }
        // `mean (ms)`, `size [MiB]`
        for (open, close) in [('(', ')'), ('[', ']')] {
            if let Some(inner) = n.strip_suffix(close).and_then(|r| r.rsplit_once(open))
                && let Some(u) = Self::parse(inner.1)
            {
                return Some((inner.0.trim_end().to_string(), u));
            }
        }
        // One letter alone is a name, not a unit (`b`, `s` columns), and `_min` is a minimum
        // (`wall_min`), `_b` a second column (`col_b`).
        let ambiguous = |s: &str| matches!(s.to_lowercase().as_str(), "b" | "s" | "h" | "min");
        if !ambiguous(n)
            && let Some(u) = Self::parse(n)
        {
            return Some((n.to_string(), u));
        }
        let cut = n.rfind(['_', '-', ' '])?;
        let (stem, suffix) = (&n[..cut], &n[cut + 1..]);
        if stem.is_empty() || matches!(suffix.to_lowercase().as_str(), "b" | "min" | "h") {
            return None;
        }
        Self::parse(suffix).map(|u| (stem.to_string(), u))
    }

    /// `v` in this unit, in `to` (`None` when they measure different things).
    pub fn convert(&self, v: f64, to: &Unit) -> Option<f64> {
        (self.dimension == to.dimension).then(|| v * self.base / to.base)
    }

    /// `v` in this unit, in seconds or bytes.
    pub fn to_base(&self, v: f64) -> f64 {
        v * self.base
    }
}

impl std::fmt::Display for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.symbol)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_state_their_units() {
        let sym = |n: &str| Unit::from_name(n).map(|u| u.symbol);
        assert_eq!(sym("wall_s"), Some("s"));
        assert_eq!(sym("mean_ms"), Some("ms"));
        assert_eq!(sym("mean (ms)"), Some("ms"));
        assert_eq!(sym("p99 [µs]"), Some("µs"));
        assert_eq!(sym("ms"), Some("ms"));
        assert_eq!(sym("mem_peak_bytes"), Some("B"));
        assert_eq!(sym("rss_kib"), Some("KiB"));
        assert_eq!(sym("heap-MB"), Some("MB"));
        assert_eq!(sym("time_us"), Some("µs"));
        for none in [
            "runs",
            "status",
            "ops_per_s",
            "req/s",
            "variant",
            "_s",
            "mean",
            "seconds_total_rate",
            "b",
            "s",
            "wall_min",
            "col_b",
        ] {
            assert_eq!(sym(none), None, "{none}");
        }
        assert_eq!(
            Unit::split_name("mean (ms)").map(|(t, _)| t),
            Some("mean".to_string())
        );
        assert_eq!(
            Unit::split_name("wall_s").map(|(t, _)| t),
            Some("wall".to_string())
        );
    }

    #[test]
    fn units_convert_within_their_dimension() {
        let ms = Unit::parse("milliseconds").unwrap();
        assert!((ms.convert(45.9, &SECONDS).unwrap() - 0.0459).abs() < 1e-12);
        assert!((Unit::parse("KiB").unwrap().to_base(2.0) - 2048.0).abs() < 1e-9);
        assert_eq!(ms.convert(1.0, &BYTES), None);
        assert_eq!(Unit::parse("MB").unwrap().base, 1e6);
        assert_eq!(Unit::parse("MiB").unwrap().base, 1_048_576.0);
        assert_eq!(Unit::parse("furlongs"), None);
    }
}
