//! Axes and what goes around the plot: ranges, tick labels, category labels, the legend and
//! baselines.

use super::*;

/// Axis range with a little headroom, starting at zero for bars.
pub(super) fn nice_range(lo: f64, hi: f64, from_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = if from_zero {
        (lo.min(0.0), hi.max(0.0))
    } else {
        (lo, hi)
    };
    if (hi - lo).abs() < f64::EPSILON {
        lo -= 1.0;
        hi += 1.0;
    }
    let pad = (hi - lo) * 0.08;
    if !(from_zero && lo >= 0.0) {
        lo -= pad;
    }
    hi += pad;
    (lo, hi)
}

pub(super) fn tick_label(v: f64, log: bool, unit: Option<&str>) -> String {
    let v = if log { 10f64.powf(v) } else { v };
    let s = axis_number(v);
    match unit {
        Some(u) if !u.is_empty() => format!("{s} {u}"),
        _ => s,
    }
}

/// A tick value as a person writes it: ticks are round numbers, so up to six significant digits
/// with trailing zeros dropped tells neighbours apart (0.002 and 0.004, never "0" and "0") and
/// hides float noise (0.30000000000000004 is 0.3); thousands get separators; only the very
/// large or very small take an exponent.
pub(super) fn axis_number(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 || !v.is_finite() {
        return if v.is_finite() {
            "0".into()
        } else {
            v.to_string()
        };
    }
    if !(1e-6..1e12).contains(&a) {
        let s = format!("{v:.5e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        return format!("{mantissa}e{exp}");
    }
    let decimals = (5 - a.log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        return "0".into();
    }
    if a >= 1000.0 {
        let (int, frac) = s
            .split_once('.')
            .map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
        let n: f64 = int.parse().unwrap_or(v.trunc());
        let grouped = format::thousands(n, 0, ",");
        return match frac {
            Some(f) => format!("{grouped}.{f}"),
            None => grouped,
        };
    }
    s
}

/// How many labels an axis from `lo` to `hi` may have: `max`, but on an axis of whole numbers
/// (counts, repetitions, threads) never so many that a tick falls between two of them.
pub(super) fn label_count(lo: f64, hi: f64, whole: bool, max: usize) -> usize {
    if !whole || hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return max;
    }
    let span = (hi - lo).floor() as usize + 1;
    span.clamp(2, max)
}

/// A formatter for an axis of whole numbers: a tick between two of them (should the axis ask for
/// one) has no label.
pub(super) fn whole_only(label: String, v: f64, whole: bool) -> String {
    if whole && (v - v.round()).abs() > 1e-9 {
        String::new()
    } else {
        label
    }
}

/// Whether every value is a whole number.
pub(super) fn all_whole(values: impl IntoIterator<Item = f64>) -> bool {
    values.into_iter().all(|v| v.is_finite() && v == v.round())
}

pub(super) fn y_bounds(
    vals: impl Iterator<Item = (f64, Option<f64>)>,
    frame: &Frame,
    spec: &Spec,
    from_zero: bool,
) -> Result<(f64, f64), FigureError> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for (v, e) in vals {
        let e = e.unwrap_or(0.0);
        lo = lo.min(v - e);
        hi = hi.max(v + e);
    }
    if let Some((b, _)) = frame.baseline {
        lo = lo.min(b);
        hi = hi.max(b);
    }
    // Panels of a faceted chart: every one on the range of all.
    let (lo, hi) = frame.shared_y(lo, hi);
    if frame.log_y {
        if lo <= 0.0 {
            return Err(FigureError {
                message: "a log scale needs values above zero".into(),
                help: "remove `log_y`, or filter out zero and negative values in SQL".into(),
                span: spec.span("log_y"),
            });
        }
        let (l, h) = (lo.log10().floor(), hi.log10().ceil());
        return Ok((l, if h <= l { l + 1.0 } else { h }));
    }
    let (mut l, mut h) = nice_range(lo, hi, from_zero);
    if let Some(m) = spec.f64("y_min")? {
        l = m;
    }
    if let Some(m) = spec.f64("y_max")? {
        h = m;
    }
    Ok((l, h))
}

pub(super) fn ty(v: f64, log: bool) -> f64 {
    if log { v.log10() } else { v }
}

pub(super) fn with_unit(title: &str, unit: Option<&str>) -> String {
    match unit {
        // An axis without a title (the panels after the first of a faceted chart) stays bare.
        Some(u) if !u.is_empty() && !title.is_empty() && !title.contains(&format!("({u})")) => {
            format!("{title} ({u})")
        }
        _ => title.to_string(),
    }
}

/// How many categories get a label: at most ~14, every `step`-th.
pub(super) fn label_step(cats: &[String]) -> usize {
    cats.len().div_ceil(14).max(1)
}

/// Whether category labels under a plot `plot_width` pixels wide are wider than their slots, so
/// that every other one goes on a second row (text stays horizontal, readable on a projector).
pub(super) fn stagger_labels(cats: &[String], plot_width: f64) -> bool {
    let step = label_step(cats);
    let shown = cats.len().div_ceil(step).max(1);
    let slot = plot_width / cats.len().max(1) as f64 * step as f64;
    let widest = cats
        .iter()
        .step_by(step)
        .map(|c| c.chars().count().min(24))
        .max()
        .unwrap_or(0) as f64
        * (TICK * 6 / 10) as f64;
    shown > 1 && widest > slot - 8.0
}

/// The extra height of the x label area when labels are staggered on two rows.
pub(super) const STAGGER: i32 = TICK as i32 + 6;

/// Whether a vertical chart's category labels are staggered, from the chart's width less its
/// margins (14 + 24), y label area (96) and legend.
pub(super) fn stagger_in(frame: &Frame, cats: &[String], legend: u32) -> bool {
    stagger_labels(
        cats,
        frame.width as f64 - 14.0 - 24.0 - 96.0 - legend as f64,
    )
}

/// Draw the category labels under (or beside) the plot, thinned to at most ~14; with `stagger`,
/// every other label one row lower.
pub(super) fn category_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cats: &[String],
    at: impl Fn(usize) -> (i32, i32),
    pos: Pos,
    stagger: bool,
) -> Result<(), FigureError> {
    let step = label_step(cats);
    for (k, (i, c)) in cats.iter().enumerate().step_by(step).enumerate() {
        let label: String = if c.chars().count() > 24 {
            format!("{}…", c.chars().take(23).collect::<String>())
        } else {
            c.clone()
        };
        let (x, y) = at(i);
        let y = if stagger && k % 2 == 1 {
            y + STAGGER
        } else {
            y
        };
        root.draw(&Text::new(label, (x, y), font(TICK).pos(pos)))
            .map_err(draw_err)?;
    }
    Ok(())
}

/// Width to keep right of the plot for a legend of these names (0 when none is drawn).
pub(super) fn legend_width(names: &[String], shown: bool) -> u32 {
    let named: Vec<&String> = names.iter().filter(|n| !n.is_empty()).collect();
    if !shown || named.len() < 2 {
        return 0;
    }
    let longest = named
        .iter()
        .map(|n| n.chars().count().min(24))
        .max()
        .unwrap_or(0) as u32;
    48 + longest * LABEL * 6 / 10
}

/// The legend, in the strip kept right of the plot (`right` is the plot's right edge).
pub(super) fn legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    names: &[(String, Paint)],
    right: i32,
    top: i32,
) -> Result<(), FigureError> {
    let x = right + 24;
    for (i, (name, paint)) in names.iter().enumerate() {
        let y = top + 8 + i as i32 * 28;
        root.draw(&Rectangle::new(
            [(x, y + 4), (x + 18, y + 22)],
            paint.0.filled(),
        ))
        .map_err(draw_err)?;
        root.draw(&Text::new(
            name.clone(),
            (x + 26, y + 13),
            font(LABEL).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(draw_err)?;
    }
    Ok(())
}

/// A horizontal reference line across the plot at `y`, its label above the right end.
pub(super) fn horizontal_baseline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    (x0, x1): (f64, f64),
    y: f64,
    label: Option<&str>,
) -> Result<(), FigureError>
where
    DB::ErrorType: 'static,
{
    let line = PathElement::new(vec![(x0, y), (x1, y)], TEXT.stroke_width(2));
    chart.draw_series(std::iter::once(line)).map_err(draw_err)?;
    if let Some(l) = label {
        let (px, py) = chart.backend_coord(&(x1, y));
        let style = font(TICK).pos(Pos::new(HPos::Right, VPos::Bottom));
        root.draw(&Text::new(l.to_string(), (px - 4, py - 6), style))
            .map_err(draw_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_values_as_people_write_them() {
        let cases = [
            (0.0, "0"),
            (0.001, "0.001"),
            (0.000_999_999_999_999_9, "0.001"),
            (0.002, "0.002"),
            (0.30000000000000004, "0.3"),
            (2.5, "2.5"),
            (12.0, "12"),
            (-0.0, "0"),
            (-1.5, "-1.5"),
            (1500.0, "1,500"),
            (2_500_000.0, "2,500,000"),
            (0.00001, "0.00001"),
            (2e-7, "2e-7"),
            (3.5e12, "3.5e12"),
        ];
        for (v, want) in cases {
            assert_eq!(axis_number(v), want, "{v}");
        }
        assert_eq!(tick_label(-3.0, true, Some("s")), "0.001 s");
        assert_eq!(label_count(-0.2, 3.2, true, 6), 4);
        assert_eq!(label_count(0.0, 100.0, true, 6), 6);
        assert_eq!(label_count(0.0, 0.5, false, 6), 6);
        assert_eq!(whole_only("1.5".into(), 1.5, true), "");
    }

    #[test]
    fn long_labels_in_narrow_slots_are_staggered() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // Eight names of up to 18 characters (about 194 px at 18 px) in 866 px: 108 px each.
        let long = names(&[
            "debian",
            "host",
            "src-official",
            "src-opt",
            "src-opt-lto",
            "src-opt-lto-native",
            "src-plain",
            "trixie",
        ]);
        assert!(stagger_labels(&long, 866.0));
        // Three short names have room.
        assert!(!stagger_labels(
            &names(&["debian", "host", "trixie"]),
            866.0
        ));
        // A single label never staggers.
        assert!(!stagger_labels(
            &names(&["a very long category name indeed"]),
            100.0
        ));
    }
}
