//! What a chart is drawn from: the query's rows read into categories, series and values, and
//! repeated runs summarised (mean and error bars).

use super::*;

/// What the chart is drawn from, once read from the query.
pub(super) struct Points {
    /// Category labels in first-seen order (x for bar/line/box; y for hbar).
    pub(super) cats: Vec<String>,
    /// Series names in first-seen order (one unnamed series when there is no `series`).
    pub(super) series: Vec<String>,
    /// (category index, series index) -> y values (several when runs repeat).
    pub(super) values: BTreeMap<(usize, usize), Vec<f64>>,
    /// (category index, series index) -> explicit error (y_err column).
    pub(super) errors: BTreeMap<(usize, usize), f64>,
    /// Numeric x per category, when x is numeric.
    pub(super) numeric_x: Option<Vec<f64>>,
}

pub(super) fn column<'a>(
    df: &'a DataFrame,
    spec: &Spec,
    key: &str,
    name: &str,
) -> Result<&'a Column, FigureError> {
    df.column(name).map_err(|_| FigureError {
        message: format!("unknown column `{name}` in `{key}`"),
        help: format!(
            "columns of the query: {}",
            df.get_column_names()
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        span: spec.span(key),
    })
}

pub(super) fn numeric<'a>(
    df: &'a DataFrame,
    spec: &Spec,
    key: &str,
    name: &str,
) -> Result<&'a Column, FigureError> {
    let c = column(df, spec, key, name)?;
    if !c.dtype().is_primitive_numeric() {
        return Err(FigureError {
            message: format!(
                "column `{name}` in `{key}` must be numeric, but it is {}",
                c.dtype()
            ),
            help: "cast it in SQL (CAST(x AS DOUBLE)) or pick a numeric column".into(),
            span: spec.span(key),
        });
    }
    Ok(c)
}

/// The chart's points, values and errors in the value axis's unit (`frame.scale`).
pub(super) fn read_points(
    df: &DataFrame,
    spec: &Spec,
    x: &str,
    y: &str,
    frame: &Frame,
) -> Result<Points, FigureError> {
    let xc = column(df, spec, "x", x)?;
    let yc = numeric(df, spec, "y", y)?;
    let sc = match spec.str("series")? {
        Some(s) => Some(column(df, spec, "series", &s)?),
        None => None,
    };
    let ec = match spec.str("y_err")? {
        Some(e) => Some(numeric(df, spec, "y_err", &e)?),
        None => None,
    };
    let mut p = Points {
        cats: Vec::new(),
        series: Vec::new(),
        values: BTreeMap::new(),
        errors: BTreeMap::new(),
        numeric_x: xc.dtype().is_primitive_numeric().then(Vec::new),
    };
    for row in 0..df.height() {
        let cat = cell_text(xc, row);
        let ci = match p.cats.iter().position(|c| *c == cat) {
            Some(i) => i,
            None => {
                p.cats.push(cat);
                if let Some(nx) = p.numeric_x.as_mut() {
                    nx.push(cell_f64(xc, row).unwrap_or(f64::NAN));
                }
                p.cats.len() - 1
            }
        };
        let name = sc.map(|c| cell_text(c, row)).unwrap_or_default();
        let si = match p.series.iter().position(|s| *s == name) {
            Some(i) => i,
            None => {
                p.series.push(name);
                p.series.len() - 1
            }
        };
        if let Some(v) = cell_f64(yc, row) {
            p.values.entry((ci, si)).or_default().push(v * frame.scale);
        }
        if let Some(e) = ec.and_then(|c| cell_f64(c, row)) {
            p.errors.insert((ci, si), e * frame.err_scale);
        }
    }
    if p.values.is_empty() {
        return Err(FigureError {
            message: format!("column `{y}` has no numbers"),
            help: "check the query: every `y` is null".into(),
            span: spec.span("y"),
        });
    }
    Ok(p)
}

/// `sort: value` (smallest first) or `sort: -value` (largest first): whether the categories
/// are sorted, and descending. Bar and box charts only.
pub(super) fn sort_order(spec: &Spec, kind: &str) -> Result<Option<bool>, FigureError> {
    let Some(written) = spec.str("sort")? else {
        return Ok(None);
    };
    let descending = match written.trim() {
        "value" => false,
        "-value" => true,
        other => {
            return Err(FigureError {
                message: format!("unknown sort `{other}`"),
                help: "`sort: value` puts the smallest first, `sort: -value` the largest; without \
                       `sort` the categories keep the query's order"
                    .into(),
                span: spec.span("sort"),
            });
        }
    };
    if !matches!(kind, "bar" | "hbar" | "box") {
        return Err(FigureError {
            message: format!(
                "`sort` orders the categories of bar, hbar and box charts, not {kind}"
            ),
            help: "order the rows in SQL (ORDER BY) instead".into(),
            span: spec.span("sort"),
        });
    }
    Ok(Some(descending))
}

/// The categories reordered by `key` (ascending, or descending), ties and missing values (NaN,
/// last) keeping the query's order.
pub(super) fn sort_categories(p: &mut Points, key: impl Fn(usize) -> f64, descending: bool) {
    let keys: Vec<f64> = (0..p.cats.len()).map(key).collect();
    let mut order: Vec<usize> = (0..p.cats.len()).collect();
    order.sort_by(|a, b| {
        let (x, y) = (keys[*a], keys[*b]);
        match (x.is_nan(), y.is_nan()) {
            (false, false) if descending => y.total_cmp(&x),
            (false, false) => x.total_cmp(&y),
            (nx, ny) => nx.cmp(&ny),
        }
    });
    let mut place = vec![0; order.len()];
    for (new, old) in order.iter().enumerate() {
        place[*old] = new;
    }
    p.cats = order.iter().map(|o| p.cats[*o].clone()).collect();
    if let Some(nx) = p.numeric_x.as_mut() {
        *nx = order.iter().map(|o| nx[*o]).collect();
    }
    p.values = remap(std::mem::take(&mut p.values), &place);
    p.errors = remap(std::mem::take(&mut p.errors), &place);
}

fn remap<V>(m: BTreeMap<(usize, usize), V>, place: &[usize]) -> BTreeMap<(usize, usize), V> {
    m.into_iter()
        .map(|((c, s), v)| ((place[c], s), v))
        .collect()
}

/// `sort`: the categories in the chart's order (`frame.order`, the same in every panel of a
/// faceted chart), else by their own values.
pub(super) fn sort_points(
    p: &mut Points,
    spec: &Spec,
    frame: &Frame,
    boxes: bool,
) -> Result<(), FigureError> {
    if let Some(order) = &frame.order {
        let at = |c: usize| {
            order
                .iter()
                .position(|o| *o == p.cats[c])
                .unwrap_or(order.len()) as f64
        };
        let keys: Vec<f64> = (0..p.cats.len()).map(at).collect();
        sort_categories(p, |c| keys[c], false);
    } else if let Some(descending) = frame.sort {
        let keys = category_values(p, spec, boxes)?;
        sort_categories(p, |c| keys[c], descending);
    }
    Ok(())
}

/// Each category's value, what `sort` orders by: a bar's (a stack's total, the mean of a
/// group's bars) or a box's median (over all its series); NaN for a category without values.
pub(super) fn category_values(
    p: &Points,
    spec: &Spec,
    boxes: bool,
) -> Result<Vec<f64>, FigureError> {
    let n = p.cats.len();
    if boxes {
        return Ok((0..n)
            .map(|c| {
                let mut v: Vec<f64> = p
                    .values
                    .iter()
                    .filter(|((ci, _), _)| *ci == c)
                    .flat_map(|(_, v)| v.iter().copied())
                    .collect();
                v.sort_by(f64::total_cmp);
                if v.is_empty() {
                    f64::NAN
                } else {
                    quantile(&v, 0.5)
                }
            })
            .collect());
    }
    let vals = summarise(p, spec)?;
    let stacked = spec.bool("stacked")?;
    Ok((0..n)
        .map(|c| {
            let bars: Vec<f64> = vals
                .iter()
                .filter(|((ci, _), _)| *ci == c)
                .map(|(_, (v, _))| *v)
                .collect();
            match (bars.is_empty(), stacked) {
                (true, _) => f64::NAN,
                (false, true) => bars.iter().sum(),
                (false, false) => mean(&bars),
            }
        })
        .collect())
}

pub(super) fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

pub(super) fn stddev(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let m = mean(v);
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

/// (category, series) -> (value, error bar half-height).
pub(super) type Summary = BTreeMap<(usize, usize), (f64, Option<f64>)>;

/// One value (and its error bar) per (category, series): repeated runs are summarised.
pub(super) fn summarise(p: &Points, spec: &Spec) -> Result<Summary, FigureError> {
    let error = spec.str("error")?;
    if let Some(e) = &error
        && !["stddev", "sem", "ci95", "minmax"].contains(&e.as_str())
    {
        return Err(FigureError {
            message: format!("unknown error `{e}`"),
            help: "use stddev, sem, ci95 or minmax".into(),
            span: spec.span("error"),
        });
    }
    let mut out = BTreeMap::new();
    for (k, v) in &p.values {
        if v.len() > 1 && error.is_none() && !p.errors.contains_key(k) {
            return Err(FigureError {
                message: format!(
                    "{} rows for `{}`{}: a bar needs one value",
                    v.len(),
                    p.cats[k.0],
                    if p.series[k.1].is_empty() { String::new() } else { format!(" / `{}`", p.series[k.1]) }
                ),
                help: "aggregate in SQL (GROUP BY), or add `error: stddev` to plot the mean of the runs with error bars".into(),
                span: spec.span("sql"),
            });
        }
        let m = mean(v);
        let err = match (p.errors.get(k), error.as_deref()) {
            (Some(e), _) => Some(*e),
            (None, Some("stddev")) => Some(stddev(v)),
            (None, Some("sem")) => Some(stddev(v) / (v.len() as f64).sqrt()),
            (None, Some("ci95")) => Some(1.96 * stddev(v) / (v.len() as f64).sqrt()),
            (None, Some("minmax")) => {
                let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                Some((hi - lo) / 2.0)
            }
            _ => None,
        };
        out.insert(*k, (m, err));
    }
    Ok(out)
}

/// Quartiles by linear interpolation (the same as numpy's default).
pub(super) fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (i, f) = (pos.floor() as usize, pos.fract());
    if i + 1 < sorted.len() {
        sorted[i] + f * (sorted[i + 1] - sorted[i])
    } else {
        sorted[i]
    }
}
