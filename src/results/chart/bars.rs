//! Bar charts: vertical, horizontal (`hbar`, or a bar chart whose labels do not fit under it),
//! grouped by series or stacked.

use super::*;

/// A bar chart's values, read and laid out.
struct Bars<'a> {
    p: &'a Points,
    stacked: bool,
    vals: Summary,
    /// (category, series) -> where the bar starts and ends (a stack's segments on each other).
    tops: BTreeMap<(usize, usize), (f64, f64)>,
    /// Each category's series, in order: its bars side by side in its slot.
    present: Vec<Vec<usize>>,
    /// Colour by category (one series, and deck.toml names categories).
    by_category: bool,
    /// The legend names the series, unless the category labels already do.
    legend_shown: bool,
    whole: bool,
}

impl<'a> Bars<'a> {
    fn new(
        p: &'a Points,
        spec: &Spec,
        frame: &Frame,
        palette: &Palette,
    ) -> Result<Self, FigureError> {
        let stacked = spec.bool("stacked")?;
        let vals = summarise(p, spec)?;
        let (n, k) = (p.cats.len(), p.series.len());
        let mut tops = BTreeMap::new();
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
        let present: Vec<Vec<usize>> = (0..n)
            .map(|c| (0..k).filter(|s| vals.contains_key(&(c, *s))).collect())
            .collect();
        let series_are_categories = present.iter().all(|s| s.len() == 1)
            && (0..n).all(|c| {
                present[c]
                    .first()
                    .is_some_and(|s| p.series[*s] == p.cats[c])
            });
        // A log axis is labelled at whole decades.
        let whole = frame.log_y
            || all_whole(
                tops.values()
                    .map(|t: &(f64, f64)| t.1)
                    .chain(vals.values().filter_map(|v| v.1)),
            );
        Ok(Bars {
            p,
            stacked,
            by_category: k == 1 && p.cats.iter().any(|c| palette.named.contains_key(c)),
            legend_shown: frame.legend && !series_are_categories,
            vals,
            tops,
            present,
            whole,
        })
    }

    fn paint(&self, palette: &Palette, c: usize, s: usize) -> Paint {
        if self.by_category {
            palette.of_category(&self.p.cats[c], c)
        } else {
            palette.of(&self.p.series[s], s)
        }
    }

    /// Where bar (`c`, `s`) sits in its category's slot (`slot_px` wide): its start from the
    /// slot's start and its width, in category units. A category's bars are side by side (or
    /// one stack), at most `MAX_BAR` px each, centred in the slot.
    fn place(&self, c: usize, s: usize, slot_px: f64) -> (f64, f64) {
        let here = self.present[c].len().max(1);
        let single = self.stacked || here == 1;
        let bar = if single { 0.64 } else { 0.8 / here as f64 }.min(MAX_BAR / slot_px);
        let group = if single { bar } else { bar * here as f64 };
        let at = if single {
            0
        } else {
            self.present[c].iter().position(|x| *x == s).unwrap_or(0)
        };
        ((1.0 - group) / 2.0 + at as f64 * bar, bar)
    }
}

pub(super) fn bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: &Points,
    spec: &Spec,
    frame: &Frame,
    palette: &Palette,
) -> Result<(), FigureError>
where
    DB::ErrorType: 'static,
{
    let b = Bars::new(p, spec, frame, palette)?;
    let (lo, hi) = y_bounds(
        b.tops.iter().map(|(key, (_, top))| {
            let err = b.vals.get(key).and_then(|v| v.1);
            (*top, if b.stacked { None } else { err })
        }),
        frame,
        spec,
        true,
    )?;
    let (log, unit, whole) = (frame.log_y, frame.unit(), b.whole);
    let fmt = move |v: &f64| whole_only(tick_label(*v, log, unit), *v, whole);
    let legend_w = legend_width(&p.series, b.legend_shown);
    let ticks = (
        label_count(lo, hi, whole, 6),
        &fmt as &dyn Fn(&f64) -> String,
    );
    let mut chart = CatChart::new(root, &p.cats, (lo, hi), ticks, frame, legend_w)?;
    let slot_px = chart.slot_px();
    for ((c, s), (base, top)) in &b.tops {
        let (off, w) = b.place(*c, *s, slot_px);
        let a = *c as f64 + off;
        let color = b.paint(palette, *c, *s).0;
        let rect = Rectangle::new(
            [
                chart.pt(a, ty(*base, log).max(lo)),
                chart.pt(a + w, ty(*top, log)),
            ],
            color.filled(),
        );
        chart
            .chart
            .draw_series(std::iter::once(rect))
            .map_err(draw_err)?;
        if let (Some(e), false) = (b.vals.get(&(*c, *s)).and_then(|v| v.1), b.stacked) {
            let ends = (ty((top - e).max(f64::MIN_POSITIVE), log), ty(top + e, log));
            chart.error_bar(a + w / 2.0, ends, w * CAP, TEXT.stroke_width(2))?;
        }
    }
    if let Some((v, label)) = &frame.baseline {
        chart.baseline(root, ty(*v, log), label.as_deref())?;
    }
    chart.draw_labels(root)?;
    let named: Vec<(String, Paint)> = p
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.is_empty())
        .map(|(i, s)| (s.clone(), palette.of(s, i)))
        .collect();
    if b.legend_shown && named.len() > 1 {
        chart.legend(root, &named)?;
    }
    Ok(())
}
