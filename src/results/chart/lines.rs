//! Line, area and scatter charts, over a numeric x axis or ordered categories.

use super::*;

pub(super) fn lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: &Points,
    spec: &Spec,
    frame: &Frame,
    palette: &Palette,
    kind: &str,
) -> Result<(), FigureError>
where
    DB::ErrorType: 'static,
{
    // Numeric x on a numeric axis; anything else (text, dates) as ordered positions.
    let xs: Vec<f64> = match &p.numeric_x {
        Some(v) if v.iter().all(|x| x.is_finite()) => v.clone(),
        _ => (0..p.cats.len()).map(|i| i as f64).collect(),
    };
    let categorical = !matches!(&p.numeric_x, Some(v) if v.iter().all(|x| x.is_finite()));
    let vals = if kind == "scatter" {
        p.values
            .iter()
            .flat_map(|(k, v)| v.iter().map(move |y| (*k, (*y, None))))
            .collect::<Vec<_>>()
    } else {
        summarise(p, spec)?.into_iter().collect::<Vec<_>>()
    };
    let (x0, x1) = {
        let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if categorical {
            (-0.5, xs.len() as f64 - 0.5)
        } else {
            nice_range(lo, hi, false)
        }
    };
    let (lo, hi) = y_bounds(vals.iter().map(|(_, v)| *v), frame, spec, kind == "area")?;
    let unit = frame.unit();
    let log = frame.log_y;
    // A log axis is labelled at whole decades.
    let whole_y = log || all_whole(vals.iter().flat_map(|(_, (y, e))| [Some(*y), *e]).flatten());
    let whole_x = !categorical && all_whole(xs.iter().copied());
    let fmt = move |v: &f64| whole_only(tick_label(*v, log, unit), *v, whole_y);
    let xfmt = move |v: &f64| whole_only(tick_label(*v, false, None), *v, whole_x);
    let mut builder = ChartBuilder::on(root);
    if let Some(t) = &frame.title {
        builder.caption(t, font(TITLE));
    }
    let y_labels = label_count(lo, hi, whole_y, 6);
    let left = left_area(
        &tick_texts(lo, hi, y_labels, &fmt),
        !frame.y_title.is_empty(),
    );
    let legend_w = legend_width(&p.series, frame.legend);
    // Ordered categories: a slot per category, its label on up to two lines.
    let labels = categorical.then(|| {
        let plot_width = f64::from(frame.width) - 14.0 - f64::from(left + 24 + legend_w);
        under_labels(&p.cats, plot_width)
    });
    let rows = labels.as_ref().map_or(1, |l| l.rows);
    builder
        .margin(14)
        .margin_right(24 + legend_w)
        .x_label_area_size(under_area(rows, !frame.x_title.is_empty()))
        .y_label_area_size(left);
    let mut chart = builder
        .build_cartesian_2d(x0..x1, lo..hi)
        .map_err(draw_err)?;
    let mut mesh = chart.configure_mesh();
    mesh.light_line_style(TRANSPARENT)
        .bold_line_style(GRID.mix(0.25))
        .axis_style(TEXT)
        .label_style(font(TICK))
        .axis_desc_style(font(LABEL))
        .set_all_tick_mark_size(TICK_MARK)
        .x_desc(frame.x_title.clone())
        .y_desc(frame.y_title.clone())
        .y_labels(y_labels)
        .y_label_formatter(&fmt);
    if categorical {
        mesh.x_labels(0);
    } else {
        mesh.x_labels(label_count(x0, x1, whole_x, 8))
            .x_label_formatter(&xfmt);
    }
    mesh.draw().map_err(draw_err)?;
    let mut named = Vec::new();
    for (s, name) in p.series.iter().enumerate() {
        let color = palette.of(name, s).0;
        let mut pts: Vec<(f64, f64, Option<f64>)> = vals
            .iter()
            .filter(|((_, si), _)| *si == s)
            .map(|((c, _), (y, e))| (xs[*c], ty(*y, log), *e))
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        one_series(&mut chart, kind, &pts, color, (lo, hi), log)?;
        if !name.is_empty() {
            named.push((name.clone(), Paint(color)));
        }
    }
    if let Some((b, label)) = &frame.baseline {
        let (x0, x1) = (x0, x1);
        horizontal_baseline(root, &mut chart, (x0, x1), ty(*b, log), label.as_deref())?;
    }
    if let Some(labels) = &labels {
        let coord = |i: usize| {
            let (x, y) = chart.backend_coord(&(i as f64, lo));
            (x, y + UNDER_GAP)
        };
        category_labels(root, labels, coord, Pos::new(HPos::Center, VPos::Top))?;
    }
    if frame.legend && named.len() > 1 {
        let (right, top) = chart.backend_coord(&(x1, hi));
        legend(root, &named, right, top)?;
    }
    Ok(())
}

/// One series' points (x, y on the axis, error) drawn as `kind`, with their error bars.
fn one_series<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    kind: &str,
    pts: &[(f64, f64, Option<f64>)],
    color: RGBColor,
    (lo, hi): (f64, f64),
    log: bool,
) -> Result<(), FigureError>
where
    DB::ErrorType: 'static,
{
    let xy = || pts.iter().map(|(x, y, _)| (*x, *y));
    match kind {
        "scatter" => {
            chart
                .draw_series(xy().map(|p| Circle::new(p, 5, color.filled())))
                .map_err(draw_err)?;
        }
        "area" => {
            let base = lo.max(0.0f64.min(hi));
            chart
                .draw_series(
                    AreaSeries::new(xy(), base, color.mix(0.35))
                        .border_style(color.stroke_width(3)),
                )
                .map_err(draw_err)?;
        }
        _ => {
            chart
                .draw_series(LineSeries::new(xy(), color.stroke_width(3)))
                .map_err(draw_err)?;
            if pts.len() <= 40 {
                chart
                    .draw_series(xy().map(|p| Circle::new(p, 4, color.filled())))
                    .map_err(draw_err)?;
            }
        }
    }
    for (x, y, e) in pts {
        if let Some(e) = e {
            let raw = if log { 10f64.powf(*y) } else { *y };
            let (l, h) = (ty((raw - e).max(f64::MIN_POSITIVE), log), ty(raw + e, log));
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(*x, l), (*x, h)],
                    color.stroke_width(2),
                )))
                .map_err(draw_err)?;
        }
    }
    Ok(())
}
