//! Distributions: box plots per category and histograms of one column.

use super::*;

pub(super) fn boxplot<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: &Points,
    spec: &Spec,
    frame: &Frame,
    palette: &Palette,
) -> Result<(), FigureError>
where
    DB::ErrorType: 'static,
{
    let n = p.cats.len();
    // One box per category and series (side by side in the category's slot, coloured by
    // series); with one series, one box per category, coloured by category.
    let k = p.series.len();
    let mut groups: BTreeMap<(usize, usize), Vec<f64>> = BTreeMap::new();
    for ((c, s), v) in &p.values {
        groups.entry((*c, *s)).or_default().extend(v);
    }
    let log = frame.log_y;
    let all = groups.values().flatten().map(|v| (*v, None));
    let (lo, hi) = y_bounds(all, frame, spec, false)?;
    let unit = frame.unit();
    // A log axis is labelled at whole decades.
    let whole = log || all_whole(groups.values().flatten().copied());
    let fmt = move |v: &f64| whole_only(tick_label(*v, log, unit), *v, whole);
    let legend_shown = frame.legend && k > 1;
    let ticks = (
        label_count(lo, hi, whole, 6),
        &fmt as &dyn Fn(&f64) -> String,
    );
    let legend_w = legend_width(&p.series, legend_shown);
    let mut chart = CatChart::new(root, &p.cats, (lo, hi), ticks, frame, legend_w)?;
    let slot_px = chart.slot_px();
    for c in 0..n {
        let present: Vec<usize> = (0..k).filter(|s| groups.contains_key(&(c, *s))).collect();
        // The slot's middle half holds the boxes, split among the series present, each at most
        // `MAX_BAR` px wide, centred.
        let w = (0.5 / present.len().max(1) as f64).min(MAX_BAR / slot_px);
        let start = c as f64 + (1.0 - w * present.len() as f64) / 2.0;
        for (j, s) in present.iter().enumerate() {
            let Some(values) = groups.get_mut(&(c, *s)) else {
                continue;
            };
            values.sort_by(f64::total_cmp);
            let color = if k > 1 {
                palette.of(&p.series[*s], *s).0
            } else {
                palette.of_category(&p.cats[c], c).0
            };
            draw_box(&mut chart, values, start + j as f64 * w, w, color, log)?;
        }
    }
    if let Some((b, label)) = &frame.baseline {
        chart.baseline(root, ty(*b, log), label.as_deref())?;
    }
    let named: Vec<(String, Paint)> = p
        .series
        .iter()
        .enumerate()
        .filter(|(_, name)| !name.is_empty())
        .map(|(i, name)| (name.clone(), palette.of(name, i)))
        .collect();
    if legend_shown && named.len() > 1 {
        chart.legend(root, &named)?;
    }
    chart.draw_labels(root)
}

/// One box of sorted `values` from category position `a`, `w` wide: the quartiles, the median,
/// whiskers to the furthest values within 1.5 IQR (their caps in proportion to the box), and
/// the outliers beyond.
fn draw_box<DB: DrawingBackend>(
    chart: &mut CatChart<'_, DB>,
    values: &[f64],
    a: f64,
    w: f64,
    color: RGBColor,
    log: bool,
) -> Result<(), FigureError>
where
    DB::ErrorType: 'static,
{
    let (q1, med, q3) = (
        quantile(values, 0.25),
        quantile(values, 0.5),
        quantile(values, 0.75),
    );
    let iqr = q3 - q1;
    let low = values
        .iter()
        .copied()
        .find(|v| *v >= q1 - 1.5 * iqr)
        .unwrap_or(q1);
    let high = values
        .iter()
        .rev()
        .copied()
        .find(|v| *v <= q3 + 1.5 * iqr)
        .unwrap_or(q3);
    let (b, mid) = (a + w, a + w / 2.0);
    let t = |v: f64| ty(v, log);
    let corners = [chart.pt(a, t(q1)), chart.pt(b, t(q3))];
    chart
        .chart
        .draw_series([
            Rectangle::new(corners, color.mix(0.45).filled()),
            Rectangle::new(corners, color.stroke_width(2)),
        ])
        .map_err(draw_err)?;
    let median = PathElement::new(
        vec![chart.pt(a, t(med)), chart.pt(b, t(med))],
        TEXT.stroke_width(3),
    );
    chart
        .chart
        .draw_series(std::iter::once(median))
        .map_err(draw_err)?;
    let line = TEXT.stroke_width(2);
    // Each whisker from the box out, capped at its end only.
    for (from, to) in [(q3, high), (q1, low)] {
        chart.error_bar(mid, (t(from), t(to)), 0.0, line)?;
        let cap = w * CAP / 2.0;
        let end = PathElement::new(
            vec![chart.pt(mid - cap, t(to)), chart.pt(mid + cap, t(to))],
            line,
        );
        chart
            .chart
            .draw_series(std::iter::once(end))
            .map_err(draw_err)?;
    }
    let outliers: Vec<(f64, f64)> = values
        .iter()
        .filter(|v| **v < low || **v > high)
        .map(|v| chart.pt(mid, t(*v)))
        .collect();
    chart
        .chart
        .draw_series(
            outliers
                .into_iter()
                .map(|pt| Circle::new(pt, 4, color.filled())),
        )
        .map_err(draw_err)?;
    Ok(())
}

/// A histogram's values: the series' names, each value (in the axis's unit) with its series,
/// and whether there is a `series` column.
type Binned = (Vec<String>, Vec<(usize, f64)>, bool);

/// The values a histogram bins, read from the query.
fn histogram_values(
    df: &DataFrame,
    spec: &Spec,
    x: &str,
    frame: &Frame,
) -> Result<Binned, FigureError> {
    let key = if spec.has("x") { "x" } else { "y" };
    let col = numeric(df, spec, key, x)?;
    // With `series`, one histogram per series on the same bins, their bars side by side.
    let series_col = match spec.str("series")? {
        Some(s) => Some(column(df, spec, "series", &s)?),
        None => None,
    };
    let mut names: Vec<String> = Vec::new();
    let mut values: Vec<(usize, f64)> = Vec::new();
    for r in 0..df.height() {
        let Some(v) = cell_f64(col, r).map(|v| v * frame.scale) else {
            continue;
        };
        let name = series_col.map(|c| cell_text(c, r)).unwrap_or_default();
        let si = match names.iter().position(|n| *n == name) {
            Some(i) => i,
            None => {
                names.push(name);
                names.len() - 1
            }
        };
        values.push((si, v));
    }
    if values.is_empty() {
        return Err(FigureError {
            message: format!("column `{x}` has no numbers"),
            help: "check the query".into(),
            span: spec.span(key),
        });
    }
    Ok((names, values, series_col.is_some()))
}

pub(super) fn histogram<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    df: &DataFrame,
    spec: &Spec,
    x: &str,
    frame: &Frame,
    palette: &Palette,
) -> Result<(), FigureError>
where
    DB::ErrorType: 'static,
{
    let (names, values, by_series) = histogram_values(df, spec, x, frame)?;
    let bins = spec.f64("bins")?.unwrap_or(20.0);
    if !(1.0..=500.0).contains(&bins) {
        return Err(FigureError {
            message: "`bins` must be between 1 and 500".into(),
            help: "e.g. bins: 20".into(),
            span: spec.span("bins"),
        });
    }
    let bins = bins as usize;
    // Small multiples bin the whole data alike.
    let (min, max) = frame.x_fixed.unwrap_or_else(|| {
        values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (_, v)| {
                (lo.min(*v), hi.max(*v))
            })
    });
    let width = if max > min {
        (max - min) / bins as f64
    } else {
        1.0
    };
    let k = names.len();
    let mut counts = vec![vec![0usize; bins]; k];
    for (s, v) in &values {
        let i = (((v - min) / width).max(0.0) as usize).min(bins - 1);
        counts[*s][i] += 1;
    }
    let top = counts.iter().flatten().copied().max().unwrap_or(1) as f64;
    let top = frame.shared_y(0.0, top).1;
    let unit = frame.unit();
    // Bin edges are whole numbers when the data and the bin width are.
    let whole_x = all_whole(values.iter().map(|(_, v)| *v)) && width == width.round();
    let xfmt = move |v: &f64| whole_only(tick_label(*v, false, unit), *v, whole_x);
    // Counts are whole numbers.
    let yfmt = |v: &f64| whole_only(axis_number(*v), *v, true);
    let legend_shown = frame.legend && k > 1;
    let mut builder = ChartBuilder::on(root);
    if let Some(t) = &frame.title {
        builder.caption(t, font(TITLE));
    }
    let x1 = min + width * bins as f64;
    let (y_top, y_labels) = (top * 1.08, label_count(0.0, top * 1.08, true, 6));
    let left = left_area(
        &tick_texts(0.0, y_top, y_labels, &yfmt),
        !frame.y_title.is_empty(),
    );
    builder
        .margin(14)
        .margin_right(24 + legend_width(&names, legend_shown))
        .x_label_area_size(under_area(1, !frame.x_title.is_empty()))
        .y_label_area_size(left);
    let mut chart = builder
        .build_cartesian_2d(min..x1, 0f64..y_top)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID.mix(0.25))
        .axis_style(TEXT)
        .label_style(font(TICK))
        .axis_desc_style(font(LABEL))
        .set_all_tick_mark_size(TICK_MARK)
        .x_desc(frame.x_title.clone())
        .y_desc(frame.y_title.clone())
        .x_labels(label_count(min, x1, whole_x, 8))
        .y_labels(y_labels)
        .x_label_formatter(&xfmt)
        .y_label_formatter(&yfmt)
        .draw()
        .map_err(draw_err)?;
    let part = width / k as f64;
    let mut named = Vec::new();
    for (s, name) in names.iter().enumerate() {
        let paint = if by_series {
            palette.of(name, s)
        } else {
            palette_slot(0)
        };
        named.push((name.clone(), paint));
        let bar = |i: usize| {
            let a = min + i as f64 * width + s as f64 * part;
            [(a, 0.0), (a + part, counts[s][i] as f64)]
        };
        chart
            .draw_series((0..bins).map(|i| Rectangle::new(bar(i), paint.0.filled())))
            .map_err(draw_err)?;
        chart
            .draw_series((0..bins).map(|i| Rectangle::new(bar(i), WHITE.mix(0.9).stroke_width(1))))
            .map_err(draw_err)?;
    }
    if legend_shown {
        let (right, top_px) = chart.backend_coord(&(x1, top * 1.08));
        legend(root, &named, right, top_px)?;
    }
    if let Some((b, label)) = &frame.baseline {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(*b, 0.0), (*b, top * 1.08)],
                TEXT.stroke_width(2),
            )))
            .map_err(draw_err)?;
        if let Some(l) = label {
            let (px, py) = chart.backend_coord(&(*b, top * 1.08));
            root.draw(&Text::new(
                l.clone(),
                (px + 6, py + 4),
                font(TICK).pos(Pos::new(HPos::Left, VPos::Top)),
            ))
            .map_err(draw_err)?;
        }
    }
    Ok(())
}
