//! Number formatting for slides: the filters of `{{ }}` expressions and the cells of tables.

/// `1234567.891` with `decimals = 2` -> `1,234,567.89` (thousands separated by `sep`).
pub fn thousands(x: f64, decimals: usize, sep: &str) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s.as_str(), None),
    };
    let mut out = String::with_capacity(s.len() + int.len() / 3);
    if x < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.push('-');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push_str(sep);
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// Round half away from zero to `decimals` places.
pub fn round(x: f64, decimals: i32) -> f64 {
    let m = 10f64.powi(decimals);
    (x * m).round() / m
}

/// A ratio as a percentage: `0.234` -> `23.4%` (`decimals` places).
pub fn percent(ratio: f64, decimals: usize) -> String {
    format!("{:.*}%", decimals, ratio * 100.0)
}

/// Bytes in binary units: `1536` -> `1.5 KiB`, `3.2e9` -> `3.0 GiB`.
pub fn bytes(n: f64, decimals: usize) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = n;
    let mut unit = 0;
    while v.abs() >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{} B", n.round())
    } else {
        format!("{:.*} {}", decimals, v, UNITS[unit])
    }
}

/// Seconds for people: `0.0123` -> `12.3 ms`, `4.56` -> `4.56 s`, `125` -> `2 min 5 s`.
pub fn duration(seconds: f64) -> String {
    let s = seconds.abs();
    let sign = if seconds < 0.0 { "-" } else { "" };
    if s == 0.0 {
        "0 s".into()
    } else if s < 1e-6 {
        format!("{sign}{:.3} ns", s * 1e9)
    } else if s < 1e-3 {
        format!("{sign}{} µs", sig3(s * 1e6))
    } else if s < 1.0 {
        format!("{sign}{} ms", sig3(s * 1e3))
    } else if s < 60.0 {
        format!("{sign}{} s", sig3(s))
    } else if s < 3600.0 {
        let m = (s / 60.0).floor();
        format!("{sign}{m} min {} s", (s - m * 60.0).round())
    } else {
        let h = (s / 3600.0).floor();
        format!("{sign}{h} h {} min", ((s - h * 3600.0) / 60.0).round())
    }
}

/// Three significant digits, without trailing zeros: 12.345 -> 12.3, 1.5 -> 1.5, 0.001234 ->
/// 0.00123; the digits before the point are all kept (1234.6 -> 1235).
pub fn sig3(x: f64) -> String {
    let a = x.abs();
    let digits = if a == 0.0 || !a.is_finite() {
        0
    } else {
        (2 - a.log10().floor() as i32).clamp(0, 15) as usize
    };
    let s = format!("{x:.digits$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

/// A number for a table cell or a slide: integers as integers, others with up to `decimals` places
/// (trailing zeros kept so a column lines up).
pub fn number(x: f64, decimals: usize) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        thousands(x, 0, ",")
    } else {
        thousands(x, decimals, ",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(thousands(1234567.891, 2, ","), "1,234,567.89");
        assert_eq!(thousands(-1234.6, 0, " "), "-1 235");
        assert_eq!(thousands(999.0, 0, ","), "999");
        assert_eq!(thousands(-0.001, 1, ","), "0.0");
        assert_eq!(round(2.345, 2), 2.35);
        assert_eq!(percent(0.2345, 1), "23.4%");
        assert_eq!(bytes(1536.0, 1), "1.5 KiB");
        assert_eq!(bytes(3.2e9, 1), "3.0 GiB");
        assert_eq!(bytes(12.0, 1), "12 B");
        assert_eq!(duration(0.0123), "12.3 ms");
        assert_eq!(duration(4.56), "4.56 s");
        assert_eq!(duration(125.0), "2 min 5 s");
        assert_eq!(duration(0.000_45), "450 µs");
        assert_eq!(number(3.0, 2), "3");
        assert_eq!(number(12345.678, 2), "12,345.68");
        for (x, want) in [
            (12.345, "12.3"),
            (1.5, "1.5"),
            (123.4, "123"),
            (1234.6, "1235"),
            (0.001234, "0.00123"),
            (0.5, "0.5"),
            (0.0, "0"),
            (-0.0456, "-0.0456"),
            (99.96, "100"),
        ] {
            assert_eq!(sig3(x), want, "{x}");
        }
    }
}
