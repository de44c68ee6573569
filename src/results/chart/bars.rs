//! Bar charts: vertical, horizontal (`hbar`), grouped by series or stacked.

use super::*;

pub(super) fn bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: &Points,
    spec: &Spec,
    frame: &Frame,
    palette: &Palette,
    horizontal: bool,
) -> Result<(), FigureError>
where
    DB::ErrorType: 'static,
{
    let stacked = spec.bool("stacked")?;
    let vals = summarise(p, spec)?;
    let n = p.cats.len();
    let k = p.series.len();
    // Stacked bars: per category, the running total of each series.
    let mut tops: BTreeMap<(usize, usize), (f64, f64)> = BTreeMap::new();
    for c in 0..n {
        let mut acc = 0.0;
        for s in 0..k {
            if let Some((v, _)) = vals.get(&(c, s)) {
                let base = if stacked { acc } else { 0.0 };
                tops.insert((c, s), (base, base + v));
                acc += v;
            }
        }
    }
    let (lo, hi) = y_bounds(
        tops.iter().map(|(key, (_, top))| {
            (
                *top,
                if stacked {
                    None
                } else {
                    vals.get(key).and_then(|v| v.1)
                },
            )
        }),
        frame,
        spec,
        true,
    )?;
    // Colour bars by series; with one series, by category when deck.toml names the categories.
    let by_category = k == 1 && p.cats.iter().any(|c| palette.named.contains_key(c));
    let paint = |c: usize, s: usize| {
        if by_category {
            palette.of(&p.cats[c], c)
        } else {
            palette.of(&p.series[s], s)
        }
    };
    let unit = frame.unit.as_deref();
    let log = frame.log_y;
    let whole = !log
        && all_whole(
            tops.values()
                .map(|t| t.1)
                .chain(vals.values().filter_map(|v| v.1)),
        );
    let fmt = move |v: &f64| whole_only(tick_label(*v, log, unit), *v, whole);
    let value_labels = label_count(lo, hi, whole, 6);
    let cat_range = 0f64..n as f64;
    // Each category's bars share its slot: side by side for the series it has (all of them in
    // a grouped chart, one when `series` names the categories themselves), or one stack.
    let present: Vec<Vec<usize>> = (0..n)
        .map(|c| (0..k).filter(|s| vals.contains_key(&(c, *s))).collect())
        .collect();
    // A legend names the series, unless the category labels already do (`series` is `x`).
    let series_are_categories = present.iter().all(|s| s.len() == 1)
        && (0..n).all(|c| {
            present[c]
                .first()
                .is_some_and(|s| p.series[*s] == p.cats[c])
        });
    let legend_shown = frame.legend && !series_are_categories;
    let mut builder = ChartBuilder::on(root);
    if let Some(t) = &frame.title {
        builder.caption(t, font(TITLE));
    }
    builder
        .margin(14)
        .margin_right(24 + legend_width(&p.series, legend_shown));
    let longest = p
        .cats
        .iter()
        .map(|c| c.chars().count().min(24))
        .max()
        .unwrap_or(1) as u32;
    let slot = |i: usize, s: usize| -> (f64, f64) {
        let here = present[i].len().max(1);
        let (pad, width) = if stacked || here == 1 {
            (0.18, 0.64)
        } else {
            (0.1, 0.8 / here as f64)
        };
        let place = present[i].iter().position(|x| *x == s).unwrap_or(0);
        let start = i as f64 + pad + if stacked { 0.0 } else { place as f64 * width };
        (start, start + width)
    };
    let named: Vec<(String, Paint)> = p
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.is_empty() && !series_are_categories)
        .map(|(i, s)| (s.clone(), palette.of(s, i)))
        .collect();
    if horizontal {
        builder
            .x_label_area_size(64)
            .y_label_area_size(30 + longest * TICK * 6 / 10);
        let mut chart = builder
            .build_cartesian_2d(lo..hi, cat_range.clone())
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID.mix(0.25))
            .axis_style(TEXT)
            .label_style(font(TICK))
            .axis_desc_style(font(LABEL))
            .x_desc(with_unit(&frame.y_title, unit))
            .y_labels(0)
            .x_labels(value_labels)
            .x_label_formatter(&fmt)
            .draw()
            .map_err(draw_err)?;
        // First category at the top.
        let row = |i: usize| (n - 1 - i) as f64;
        for ((c, s), (base, top)) in &tops {
            let (a, b) = slot(*c, *s);
            let (a, b) = (row(*c) + (a - *c as f64), row(*c) + (b - *c as f64));
            let color = paint(*c, *s).0;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(ty(*base, log).max(lo), a), (ty(*top, log), b)],
                    color.filled(),
                )))
                .map_err(draw_err)?;
            if let (Some(e), false) = (vals.get(&(*c, *s)).and_then(|v| v.1), stacked) {
                let mid = (a + b) / 2.0;
                let (l, r) = (ty(top - e, log), ty(top + e, log));
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(l, mid), (r, mid)],
                        TEXT.stroke_width(2),
                    )))
                    .map_err(draw_err)?;
            }
        }
        if let Some((b, label)) = &frame.baseline {
            let x = ty(*b, log);
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x, 0.0), (x, n as f64)],
                    TEXT.stroke_width(2),
                )))
                .map_err(draw_err)?;
            if let Some(l) = label {
                let (px, py) = chart.backend_coord(&(x, n as f64));
                root.draw(&Text::new(
                    l.clone(),
                    (px + 6, py + 4),
                    font(TICK).pos(Pos::new(HPos::Left, VPos::Top)),
                ))
                .map_err(draw_err)?;
            }
        }
        let coord = |i: usize| {
            let (x, y) = chart.backend_coord(&(lo, row(i) + 0.5));
            (x - 10, y)
        };
        category_labels(
            root,
            &p.cats,
            coord,
            Pos::new(HPos::Right, VPos::Center),
            false,
        )?;
        if frame.legend && named.len() > 1 {
            let (right, top) = chart.backend_coord(&(hi, n as f64));
            legend(root, &named, right, top)?;
        }
    } else {
        let stagger = stagger_in(frame, &p.cats, legend_width(&p.series, legend_shown));
        let extra = if stagger { STAGGER as u32 } else { 0 };
        builder
            .x_label_area_size(if frame.x_title.is_empty() { 40 } else { 70 } + extra)
            .y_label_area_size(96);
        let mut chart = builder
            .build_cartesian_2d(cat_range.clone(), lo..hi)
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
            .y_labels(value_labels)
            .y_label_formatter(&fmt)
            .draw()
            .map_err(draw_err)?;
        for ((c, s), (base, top)) in &tops {
            let (a, b) = slot(*c, *s);
            let color = paint(*c, *s).0;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(a, ty(*base, log).max(lo)), (b, ty(*top, log))],
                    color.filled(),
                )))
                .map_err(draw_err)?;
            if let (Some(e), false) = (vals.get(&(*c, *s)).and_then(|v| v.1), stacked) {
                let mid = (a + b) / 2.0;
                let cap = (b - a) * 0.2;
                let (l, h) = (ty((top - e).max(f64::MIN_POSITIVE), log), ty(top + e, log));
                let style = TEXT.stroke_width(2);
                chart
                    .draw_series([
                        PathElement::new(vec![(mid, l), (mid, h)], style),
                        PathElement::new(vec![(mid - cap, l), (mid + cap, l)], style),
                        PathElement::new(vec![(mid - cap, h), (mid + cap, h)], style),
                    ])
                    .map_err(draw_err)?;
            }
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
        )?;
        if frame.legend && named.len() > 1 {
            let (right, top) = chart.backend_coord(&(n as f64, hi));
            legend(root, &named, right, top)?;
        }
    }
    Ok(())
}
