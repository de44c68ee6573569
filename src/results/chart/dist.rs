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
    let mut per_cat: Vec<Vec<f64>> = vec![Vec::new(); n];
    for ((c, _), v) in &p.values {
        per_cat[*c].extend(v);
    }
    let log = frame.log_y;
    let all = per_cat.iter().flatten().map(|v| (*v, None));
    let (lo, hi) = y_bounds(all, frame, spec, false)?;
    let unit = frame.unit.as_deref();
    let whole = !log && all_whole(per_cat.iter().flatten().copied());
    let fmt = move |v: &f64| whole_only(tick_label(*v, log, unit), *v, whole);
    let mut builder = ChartBuilder::on(root);
    if let Some(t) = &frame.title {
        builder.caption(t, font(TITLE));
    }
    let stagger = stagger_in(frame, &p.cats, 0);
    builder
        .margin(14)
        .margin_right(24)
        .x_label_area_size(70 + if stagger { STAGGER as u32 } else { 0 })
        .y_label_area_size(96);
    let mut chart = builder
        .build_cartesian_2d(0f64..n as f64, lo..hi)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID.mix(0.25))
        .axis_style(TEXT)
        .label_style(font(TICK))
        .axis_desc_style(font(LABEL))
        .x_desc(frame.x_title.clone())
        .y_desc(with_unit(&frame.y_title, unit))
        .x_labels(0)
        .y_labels(label_count(lo, hi, whole, 6))
        .y_label_formatter(&fmt)
        .draw()
        .map_err(draw_err)?;
    for (i, values) in per_cat.iter_mut().enumerate() {
        if values.is_empty() {
            continue;
        }
        values.sort_by(f64::total_cmp);
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
        let color = palette.of(&p.cats[i], i).0;
        let (a, b) = (i as f64 + 0.25, i as f64 + 0.75);
        let mid = i as f64 + 0.5;
        let t = |v: f64| ty(v, log);
        let line = TEXT.stroke_width(2);
        chart
            .draw_series([
                Rectangle::new([(a, t(q1)), (b, t(q3))], color.mix(0.45).filled()),
                Rectangle::new([(a, t(q1)), (b, t(q3))], color.stroke_width(2)),
            ])
            .map_err(draw_err)?;
        chart
            .draw_series([
                PathElement::new(vec![(a, t(med)), (b, t(med))], TEXT.stroke_width(3)),
                PathElement::new(vec![(mid, t(q3)), (mid, t(high))], line),
                PathElement::new(vec![(mid, t(q1)), (mid, t(low))], line),
                PathElement::new(vec![(mid - 0.1, t(high)), (mid + 0.1, t(high))], line),
                PathElement::new(vec![(mid - 0.1, t(low)), (mid + 0.1, t(low))], line),
            ])
            .map_err(draw_err)?;
        let outliers = values.iter().filter(|v| **v < low || **v > high);
        chart
            .draw_series(outliers.map(|v| Circle::new((mid, t(*v)), 4, color.filled())))
            .map_err(draw_err)?;
    }
    if let Some((b, label)) = &frame.baseline {
        let (x0, x1) = (0.0, n as f64);
        horizontal_baseline(root, &mut chart, (x0, x1), ty(*b, log), label.as_deref())?;
    }
    let coord = |i: usize| {
        let (x, y) = chart.backend_coord(&(i as f64 + 0.5, lo));
        (x, y + 10)
    };
    category_labels(
        root,
        &p.cats,
        coord,
        Pos::new(HPos::Center, VPos::Top),
        stagger,
    )
}

pub(super) fn histogram<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    df: &DataFrame,
    spec: &Spec,
    x: &str,
    frame: &Frame,
) -> Result<(), FigureError>
where
    DB::ErrorType: 'static,
{
    let key = if spec.has("x") { "x" } else { "y" };
    let col = numeric(df, spec, key, x)?;
    let values: Vec<f64> = (0..df.height()).filter_map(|r| cell_f64(col, r)).collect();
    if values.is_empty() {
        return Err(FigureError {
            message: format!("column `{x}` has no numbers"),
            help: "check the query".into(),
            span: spec.span(key),
        });
    }
    let bins = spec.f64("bins")?.unwrap_or(20.0);
    if !(1.0..=500.0).contains(&bins) {
        return Err(FigureError {
            message: "`bins` must be between 1 and 500".into(),
            help: "e.g. bins: 20".into(),
            span: spec.span("bins"),
        });
    }
    let bins = bins as usize;
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let width = if max > min {
        (max - min) / bins as f64
    } else {
        1.0
    };
    let mut counts = vec![0usize; bins];
    for v in &values {
        let i = (((v - min) / width) as usize).min(bins - 1);
        counts[i] += 1;
    }
    let top = *counts.iter().max().unwrap_or(&1) as f64;
    let unit = frame.unit.as_deref();
    // Bin edges are whole numbers when the data and the bin width are.
    let whole_x = all_whole(values.iter().copied()) && width == width.round();
    let xfmt = move |v: &f64| whole_only(tick_label(*v, false, unit), *v, whole_x);
    // Counts are whole numbers.
    let yfmt = |v: &f64| whole_only(axis_number(*v), *v, true);
    let mut builder = ChartBuilder::on(root);
    if let Some(t) = &frame.title {
        builder.caption(t, font(TITLE));
    }
    builder
        .margin(14)
        .margin_right(24)
        .x_label_area_size(70)
        .y_label_area_size(96);
    let x1 = min + width * bins as f64;
    let mut chart = builder
        .build_cartesian_2d(min..x1, 0f64..top * 1.08)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID.mix(0.25))
        .axis_style(TEXT)
        .label_style(font(TICK))
        .axis_desc_style(font(LABEL))
        .x_desc(with_unit(&frame.x_title, unit))
        .y_desc(frame.y_title.clone())
        .x_labels(label_count(min, x1, whole_x, 8))
        .y_labels(label_count(0.0, top * 1.08, true, 6))
        .x_label_formatter(&xfmt)
        .y_label_formatter(&yfmt)
        .draw()
        .map_err(draw_err)?;
    let color = palette_slot(0).0;
    chart
        .draw_series(counts.iter().enumerate().map(|(i, c)| {
            let a = min + i as f64 * width;
            Rectangle::new([(a, 0.0), (a + width, *c as f64)], color.filled())
        }))
        .map_err(draw_err)?;
    chart
        .draw_series(counts.iter().enumerate().map(|(i, c)| {
            let a = min + i as f64 * width;
            Rectangle::new(
                [(a, 0.0), (a + width, *c as f64)],
                WHITE.mix(0.9).stroke_width(1),
            )
        }))
        .map_err(draw_err)?;
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
