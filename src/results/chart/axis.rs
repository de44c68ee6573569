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

/// The room plotters takes for a chart's title (`caption`) above the plot.
const CAPTION_ROOM: f64 = 42.0;

/// A chart of categories against values, upright (categories along x) or sideways (along y,
/// the first at the top): its plot, mesh and value axis drawn, its category labels laid out.
pub(super) struct CatChart<'a, DB: DrawingBackend> {
    pub(super) chart: ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    labels: CatLabels,
    n: f64,
    horizontal: bool,
    pub(super) lo: f64,
    pub(super) hi: f64,
}

impl<'a, DB: DrawingBackend> CatChart<'a, DB>
where
    DB::ErrorType: 'static,
{
    /// The chart on `root`: the value axis from `lo` to `hi` with `ticks` (how many labels, and
    /// their formatter), a legend `legend` px wide kept right of the plot. The label areas are
    /// sized from their labels: the value axis's title clear of the widest tick label, category
    /// labels on as many lines as they take.
    pub(super) fn new(
        root: &'a DrawingArea<DB, Shift>,
        cats: &[String],
        (lo, hi): (f64, f64),
        (n_ticks, fmt): (usize, &dyn Fn(&f64) -> String),
        frame: &Frame,
        legend: u32,
    ) -> Result<Self, FigureError> {
        let horizontal = frame.horizontal;
        let mut builder = ChartBuilder::on(root);
        if let Some(t) = &frame.title {
            builder.caption(t, font(TITLE));
        }
        builder.margin(14).margin_right(24 + legend);
        let labels = if horizontal {
            let under = under_area(1, !frame.y_title.is_empty());
            let caption = if frame.title.is_some() {
                CAPTION_ROOM
            } else {
                0.0
            };
            let plot_height = f64::from(frame.height) - 28.0 - caption - f64::from(under);
            let (labels, left) = row_labels(cats, frame, plot_height);
            builder.x_label_area_size(under).y_label_area_size(left);
            labels
        } else {
            let ticks = tick_texts(lo, hi, n_ticks, fmt);
            let left = left_area(&ticks, !frame.y_title.is_empty());
            let plot_width = f64::from(frame.width) - 14.0 - f64::from(left + 24 + legend);
            let labels = under_labels(cats, plot_width);
            builder
                .x_label_area_size(under_area(labels.rows, !frame.x_title.is_empty()))
                .y_label_area_size(left);
            labels
        };
        let n = cats.len() as f64;
        let mut chart = if horizontal {
            builder.build_cartesian_2d(lo..hi, 0.0..n)
        } else {
            builder.build_cartesian_2d(0.0..n, lo..hi)
        }
        .map_err(draw_err)?;
        let mut mesh = chart.configure_mesh();
        mesh.light_line_style(TRANSPARENT)
            .bold_line_style(GRID.mix(0.25))
            .axis_style(TEXT)
            .label_style(font(TICK))
            .axis_desc_style(font(LABEL))
            .set_all_tick_mark_size(TICK_MARK);
        if horizontal {
            mesh.disable_y_mesh()
                .x_desc(frame.y_title.clone())
                .y_labels(0)
                .x_labels(n_ticks)
                .x_label_formatter(fmt);
        } else {
            mesh.disable_x_mesh()
                .x_desc(frame.x_title.clone())
                .y_desc(frame.y_title.clone())
                .x_labels(0)
                .y_labels(n_ticks)
                .y_label_formatter(fmt);
        }
        mesh.draw().map_err(draw_err)?;
        Ok(CatChart {
            chart,
            labels,
            n,
            horizontal,
            lo,
            hi,
        })
    }

    /// A point at category position `c` (category `i` spans `i..i + 1`, the first at the left
    /// or at the top) and value `v`.
    pub(super) fn pt(&self, c: f64, v: f64) -> (f64, f64) {
        if self.horizontal {
            (v, self.n - c)
        } else {
            (c, v)
        }
    }

    /// A category's slot, in pixels (its width, or its height when sideways).
    pub(super) fn slot_px(&self) -> f64 {
        let (a, b) = (self.pt(0.0, self.lo), self.pt(1.0, self.lo));
        let (a, b) = (self.chart.backend_coord(&a), self.chart.backend_coord(&b));
        f64::from((b.0 - a.0).abs().max((b.1 - a.1).abs())).max(1.0)
    }

    /// A reference line across the plot at value `v`, its label at the far end.
    pub(super) fn baseline(
        &mut self,
        root: &DrawingArea<DB, Shift>,
        v: f64,
        label: Option<&str>,
    ) -> Result<(), FigureError> {
        if !self.horizontal {
            return horizontal_baseline(root, &mut self.chart, (0.0, self.n), v, label);
        }
        let line = PathElement::new(vec![(v, 0.0), (v, self.n)], TEXT.stroke_width(2));
        self.chart
            .draw_series(std::iter::once(line))
            .map_err(draw_err)?;
        if let Some(l) = label {
            let (px, py) = self.chart.backend_coord(&(v, self.n));
            let style = font(TICK).pos(Pos::new(HPos::Left, VPos::Top));
            root.draw(&Text::new(l.to_string(), (px + 6, py + 4), style))
                .map_err(draw_err)?;
        }
        Ok(())
    }

    /// An error bar (or whisker) at category position `c` from value `from` to `to`, with a cap
    /// `cap` wide (in category units, so in proportion to the bar) at each end (none when 0).
    pub(super) fn error_bar(
        &mut self,
        c: f64,
        (from, to): (f64, f64),
        cap: f64,
        style: ShapeStyle,
    ) -> Result<(), FigureError> {
        let mut strokes = vec![PathElement::new(
            vec![self.pt(c, from), self.pt(c, to)],
            style,
        )];
        if cap > 0.0 {
            for v in [from, to] {
                strokes.push(PathElement::new(
                    vec![self.pt(c - cap / 2.0, v), self.pt(c + cap / 2.0, v)],
                    style,
                ));
            }
        }
        self.chart.draw_series(strokes).map_err(draw_err)?;
        Ok(())
    }

    /// The category labels, under the plot or left of it.
    pub(super) fn draw_labels(&self, root: &DrawingArea<DB, Shift>) -> Result<(), FigureError> {
        let at = |i: usize| {
            let (x, y) = self.chart.backend_coord(&self.pt(i as f64 + 0.5, self.lo));
            if self.horizontal {
                (x - UNDER_GAP, y)
            } else {
                (x, y + UNDER_GAP)
            }
        };
        let pos = if self.horizontal {
            Pos::new(HPos::Right, VPos::Center)
        } else {
            Pos::new(HPos::Center, VPos::Top)
        };
        category_labels(root, &self.labels, at, pos)
    }

    /// The legend, right of the plot's top right corner.
    pub(super) fn legend(
        &self,
        root: &DrawingArea<DB, Shift>,
        names: &[(String, Paint)],
    ) -> Result<(), FigureError> {
        let corner = if self.horizontal {
            (self.hi, self.n)
        } else {
            (self.n, self.hi)
        };
        let (right, top) = self.chart.backend_coord(&corner);
        legend(root, names, right, top)
    }
}

/// An error bar's caps (and a box plot's whiskers) are this share of the bar's width.
pub(super) const CAP: f64 = 0.5;

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
}
