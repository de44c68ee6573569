//! ```` ```chart ```` blocks: a query's rows drawn with plotters to an SVG inlined in the slide.
//!
//! plotters is built without font support: it measures text with a fixed estimate and writes
//! `<text>` elements, so the output is the same on every machine and the browser draws the text in
//! the slide's own font. Colours are written as sentinels and then replaced: text and axes become
//! `currentColor` (the theme's text colour), series take the colour deck.toml gives them, or the
//! theme's palette (`var(--deck-chart-N, fallback)`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use polars::prelude::{Column, DataFrame};

use super::data::{cell_f64, cell_text};
use super::format;
use super::spec::Spec;
use crate::markdown::FigureError;

pub const KEYS: &[&str] = &[
    "type",
    "sql",
    "x",
    "y",
    "series",
    "title",
    "unit",
    "x_title",
    "y_title",
    "y_err",
    "error",
    "log_y",
    "baseline",
    "baseline_label",
    "colors",
    "width",
    "height",
    "stacked",
    "bins",
    "caption",
    "legend",
    "y_min",
    "y_max",
];

const TYPES: &[&str] = &["bar", "hbar", "line", "area", "scatter", "box", "histogram"];

/// Default palette (colour-blind safe, Okabe-Ito based), overridable by the theme's
/// `--deck-chart-1` ... `--deck-chart-8`.
const PALETTE: &[&str] = &[
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
];

const TEXT: RGBColor = RGBColor(1, 2, 3);
const GRID: RGBColor = RGBColor(4, 5, 6);
const FONT: &str = "sans-serif";
/// Text sizes in CSS pixels of the slide (at least 18 px, readable on a projector).
const LABEL: u32 = 20;
const TICK: u32 = 18;
const TITLE: u32 = 26;
/// plotters' SVG backend writes `font-size` as the requested size divided by 1.24.
const PLOTTERS_FONT_SCALE: f64 = 1.24;

/// A colour for a series: a sentinel for palette slot `i`, or an explicit colour.
#[derive(Clone, Copy)]
struct Paint(RGBColor);

fn palette_slot(i: usize) -> Paint {
    Paint(RGBColor(10, 11, (i % PALETTE.len()) as u8))
}

fn parse_hex(c: &str) -> Option<RGBColor> {
    let h = c.trim().strip_prefix('#')?;
    let v = |s: &str| u8::from_str_radix(s, 16).ok();
    match h.len() {
        6 => Some(RGBColor(v(&h[0..2])?, v(&h[2..4])?, v(&h[4..6])?)),
        3 => {
            let d = |i: usize| v(&h[i..=i]).map(|x| x * 17);
            Some(RGBColor(d(0)?, d(1)?, d(2)?))
        }
        _ => None,
    }
}

struct Palette {
    named: BTreeMap<String, RGBColor>,
}

impl Palette {
    /// The colour of series `name` (at position `i` among the chart's series).
    fn of(&self, name: &str, i: usize) -> Paint {
        match self.named.get(name) {
            Some(c) => Paint(*c),
            None => palette_slot(i),
        }
    }
}

/// What the chart is drawn from, once read from the query.
struct Points {
    /// Category labels in first-seen order (x for bar/line/box; y for hbar).
    cats: Vec<String>,
    /// Series names in first-seen order (one unnamed series when there is no `series`).
    series: Vec<String>,
    /// (category index, series index) -> y values (several when runs repeat).
    values: BTreeMap<(usize, usize), Vec<f64>>,
    /// (category index, series index) -> explicit error (y_err column).
    errors: BTreeMap<(usize, usize), f64>,
    /// Numeric x per category, when x is numeric.
    numeric_x: Option<Vec<f64>>,
}

fn column<'a>(
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

fn numeric<'a>(
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

fn read_points(df: &DataFrame, spec: &Spec, x: &str, y: &str) -> Result<Points, FigureError> {
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
            p.values.entry((ci, si)).or_default().push(v);
        }
        if let Some(e) = ec.and_then(|c| cell_f64(c, row)) {
            p.errors.insert((ci, si), e);
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

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn stddev(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let m = mean(v);
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

/// (category, series) -> (value, error bar half-height).
type Summary = BTreeMap<(usize, usize), (f64, Option<f64>)>;

/// One value (and its error bar) per (category, series): repeated runs are summarised.
fn summarise(p: &Points, spec: &Spec) -> Result<Summary, FigureError> {
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

/// Axis range with a little headroom, starting at zero for bars.
fn nice_range(lo: f64, hi: f64, from_zero: bool) -> (f64, f64) {
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

struct Frame {
    width: u32,
    height: u32,
    title: Option<String>,
    x_title: String,
    y_title: String,
    unit: Option<String>,
    log_y: bool,
    baseline: Option<(f64, Option<String>)>,
    legend: bool,
}

fn draw_err(e: impl std::fmt::Display) -> FigureError {
    FigureError {
        message: format!("cannot draw the chart: {e}"),
        help: String::new(),
        span: None,
    }
}

fn font(size: u32) -> TextStyle<'static> {
    (FONT, f64::from(size) * PLOTTERS_FONT_SCALE)
        .into_font()
        .color(&TEXT)
}

fn tick_label(v: f64, log: bool, unit: Option<&str>) -> String {
    let v = if log { 10f64.powf(v) } else { v };
    let a = v.abs();
    let s = if a != 0.0 && !(1e-3..1e6).contains(&a) {
        format!("{v:.1e}")
    } else if a >= 1000.0 {
        format::thousands(v, 0, ",")
    } else {
        format::sig3(v)
    };
    let s = if v < 0.0 && !s.starts_with('-') {
        format!("-{s}")
    } else {
        s
    };
    match unit {
        Some(u) if !u.is_empty() => format!("{s} {u}"),
        _ => s,
    }
}

/// How many categories get a label: at most ~14, every `step`-th.
fn label_step(cats: &[String]) -> usize {
    cats.len().div_ceil(14).max(1)
}

/// Whether category labels under a plot `plot_width` pixels wide are wider than their slots, so
/// that every other one goes on a second row (text stays horizontal, readable on a projector).
fn stagger_labels(cats: &[String], plot_width: f64) -> bool {
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
const STAGGER: i32 = TICK as i32 + 6;

/// Whether a vertical chart's category labels are staggered, from the chart's width less its
/// margins (14 + 24), y label area (96) and legend.
fn stagger_in(frame: &Frame, cats: &[String], legend: u32) -> bool {
    stagger_labels(
        cats,
        frame.width as f64 - 14.0 - 24.0 - 96.0 - legend as f64,
    )
}

/// Draw the category labels under (or beside) the plot, thinned to at most ~14; with `stagger`,
/// every other label one row lower.
fn category_labels<DB: DrawingBackend>(
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
fn legend_width(names: &[String], shown: bool) -> u32 {
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
fn legend<DB: DrawingBackend>(
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

pub fn render(
    df: &DataFrame,
    spec: &Spec,
    deck_colors: &BTreeMap<String, String>,
) -> Result<String, FigureError> {
    let kind = spec.str("type")?.unwrap_or_else(|| "bar".into());
    if !TYPES.contains(&kind.as_str()) {
        return Err(FigureError {
            message: format!("unknown chart type `{kind}`"),
            help: format!("chart types: {}", TYPES.join(", ")),
            span: spec.span("type"),
        });
    }
    let mut named = BTreeMap::new();
    let own = spec.map("colors")?;
    let all = deck_colors.iter().map(|(k, v)| (k, v, None)).chain(
        own.iter()
            .map(|(k, e)| (k, &e.value, Some(e.value_at.clone()))),
    );
    for (k, v, at) in all {
        let c = parse_hex(v).ok_or_else(|| FigureError {
            message: format!("colour of `{k}` must be #rrggbb, not `{v}`"),
            help: "write colours as hex, e.g. \"#A80030\"".into(),
            span: at.or_else(|| spec.span("colors")),
        })?;
        named.insert(k.clone(), c);
    }
    let palette = Palette { named };
    let dim = |key: &str, default: f64, max: f64| -> Result<u32, FigureError> {
        let v = spec.f64(key)?.unwrap_or(default);
        if !(100.0..=max).contains(&v) {
            return Err(FigureError {
                message: format!("`{key}` must be between 100 and {max}"),
                help: "sizes are in CSS pixels of a 1280x720 slide".into(),
                span: spec.span(key),
            });
        }
        Ok(v as u32)
    };
    let x_name = if kind == "histogram" {
        spec.str("x")?.or(spec.str("y")?)
    } else {
        spec.str("x")?
    };
    let x_name = x_name.ok_or_else(|| FigureError {
        message: "missing `x`".into(),
        help: "name the column for the x axis: `x: variant`".into(),
        span: None,
    })?;
    let y_name = if kind == "histogram" {
        String::new()
    } else {
        spec.required("y")?
    };
    let frame = Frame {
        width: dim("width", 1000.0, 2560.0)?,
        height: dim("height", 460.0, 1440.0)?,
        title: spec.str("title")?,
        x_title: spec.str("x_title")?.unwrap_or_else(|| x_name.clone()),
        y_title: spec.str("y_title")?.unwrap_or_else(|| {
            if kind == "histogram" {
                "count".into()
            } else {
                y_name.clone()
            }
        }),
        unit: spec.str("unit")?,
        log_y: spec.bool("log_y")?,
        baseline: spec
            .f64("baseline")?
            .map(|b| (b, spec.str("baseline_label").ok().flatten())),
        legend: !spec.has("legend") || spec.bool("legend")?,
    };
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (frame.width, frame.height)).into_drawing_area();
        match kind.as_str() {
            "histogram" => histogram(&root, df, spec, &x_name, &frame)?,
            "box" => boxplot(
                &root,
                &read_points(df, spec, &x_name, &y_name)?,
                spec,
                &frame,
                &palette,
            )?,
            "line" | "area" | "scatter" => lines(
                &root,
                &read_points(df, spec, &x_name, &y_name)?,
                spec,
                &frame,
                &palette,
                &kind,
            )?,
            _ => bars(
                &root,
                &read_points(df, spec, &x_name, &y_name)?,
                spec,
                &frame,
                &palette,
                kind == "hbar",
            )?,
        }
        root.present().map_err(draw_err)?;
    }
    Ok(finish_svg(&svg, &frame))
}

/// Replace sentinel colours: text and axes follow the theme, palette slots use its variables.
fn finish_svg(svg: &str, frame: &Frame) -> String {
    let mut out = svg
        .replace("#010203", "currentColor")
        .replace("#040506", "currentColor");
    for (i, hex) in PALETTE.iter().enumerate() {
        out = out.replace(
            &format!("#0A0B{:02X}", i),
            &format!("var(--deck-chart-{}, {hex})", i + 1),
        );
    }
    let mut out = tidy_text(&out);
    if let Some(title) = &frame.title {
        out = fit_title(&out, title, frame.width);
    }
    let label = frame
        .title
        .clone()
        .unwrap_or_else(|| format!("{} by {}", frame.y_title, frame.x_title));
    let open = out.find("<svg").unwrap_or(0);
    let mut head = String::new();
    let _ = write!(
        head,
        "<svg class=\"deck-chart-svg\" role=\"img\" aria-label=\"{}\"",
        crate::markdown::html::escape(&label)
    );
    out.replacen("<svg", &head, 1)[open..].to_string()
}

/// A title wider than the chart would be cut at its edges: it gets a smaller font, down to the
/// readable minimum, then is squeezed to the chart's width. The browser draws the text, so its
/// width is estimated (0.55 em per character, generous for sans-serif fonts).
fn fit_title(svg: &str, title: &str, width: u32) -> String {
    // As plotters writes it: our escaping, and `'` as `&apos;`.
    let escaped = crate::markdown::html::escape(title).replace('\'', "&apos;");
    let Some(end) = svg.find(&format!(">{escaped}</text>")) else {
        return svg.to_string();
    };
    let Some(start) = svg[..end].rfind("<text") else {
        return svg.to_string();
    };
    let size = f64::from(TITLE);
    let tag = &svg[start..end];
    let sized = format!("font-size=\"{TITLE}\"");
    let available = f64::from(width) - 28.0;
    let em_width = title.chars().count() as f64 * 0.55;
    if !tag.contains(&sized) || em_width * size <= available {
        return svg.to_string();
    }
    let fitted = (available / em_width).floor().max(f64::from(TICK));
    let mut new_tag = tag.replacen(&sized, &format!("font-size=\"{fitted}\""), 1);
    if em_width * fitted > available {
        new_tag.push_str(&format!(
            " textLength=\"{available}\" lengthAdjust=\"spacingAndGlyphs\""
        ));
    }
    format!("{}{new_tag}{}", &svg[..start], &svg[end..])
}

/// plotters writes `<text ...>\nlabel\n</text>`: keep the label alone, and round font sizes.
fn tidy_text(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(open) = rest.find("<text") {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find("</text>").map(|c| open + c) else {
            break;
        };
        let element = &rest[open..close];
        let gt = element.find('>').unwrap_or(element.len().saturating_sub(1));
        let (tag, content) = element.split_at(gt + 1);
        out.push_str(&round_font_size(tag));
        out.push_str(content.trim());
        out.push_str("</text>");
        rest = &rest[close + 7..];
    }
    out.push_str(rest);
    out
}

fn round_font_size(tag: &str) -> String {
    let Some(at) = tag.find("font-size=\"") else {
        return tag.to_string();
    };
    let start = at + 11;
    let Some(len) = tag[start..].find('"') else {
        return tag.to_string();
    };
    match tag[start..start + len].parse::<f64>() {
        Ok(v) => format!(
            "{}{}{}",
            &tag[..start],
            (v * 10.0).round() / 10.0,
            &tag[start + len..]
        ),
        Err(_) => tag.to_string(),
    }
}

fn y_bounds(
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

fn ty(v: f64, log: bool) -> f64 {
    if log { v.log10() } else { v }
}

fn bars<DB: DrawingBackend>(
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
    let fmt = move |v: &f64| tick_label(*v, log, unit);
    let cat_range = 0f64..n as f64;
    let mut builder = ChartBuilder::on(root);
    if let Some(t) = &frame.title {
        builder.caption(t, font(TITLE));
    }
    builder
        .margin(14)
        .margin_right(24 + legend_width(&p.series, frame.legend));
    let longest = p
        .cats
        .iter()
        .map(|c| c.chars().count().min(24))
        .max()
        .unwrap_or(1) as u32;
    let slot = |i: usize, s: usize| -> (f64, f64) {
        let (pad, width) = if stacked || k == 1 {
            (0.18, 0.64)
        } else {
            (0.1, 0.8 / k as f64)
        };
        let start = i as f64
            + pad
            + if stacked || k == 1 {
                0.0
            } else {
                s as f64 * width
            };
        (start, start + width)
    };
    let named: Vec<(String, Paint)> = p
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.is_empty())
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
            .x_labels(6)
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
        let stagger = stagger_in(frame, &p.cats, legend_width(&p.series, frame.legend));
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
            .y_labels(6)
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

/// A horizontal reference line across the plot at `y`, its label above the right end.
fn horizontal_baseline<DB: DrawingBackend>(
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

fn with_unit(title: &str, unit: Option<&str>) -> String {
    match unit {
        Some(u) if !u.is_empty() && !title.contains(&format!("({u})")) => format!("{title} ({u})"),
        _ => title.to_string(),
    }
}

fn lines<DB: DrawingBackend>(
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
    let unit = frame.unit.as_deref();
    let log = frame.log_y;
    let fmt = move |v: &f64| tick_label(*v, log, unit);
    let xfmt = |v: &f64| tick_label(*v, false, None);
    let mut builder = ChartBuilder::on(root);
    if let Some(t) = &frame.title {
        builder.caption(t, font(TITLE));
    }
    let stagger = categorical && stagger_in(frame, &p.cats, legend_width(&p.series, frame.legend));
    builder
        .margin(14)
        .margin_right(24 + legend_width(&p.series, frame.legend))
        .x_label_area_size(70 + if stagger { STAGGER as u32 } else { 0 })
        .y_label_area_size(96);
    let mut chart = builder
        .build_cartesian_2d(x0..x1, lo..hi)
        .map_err(draw_err)?;
    let mut mesh = chart.configure_mesh();
    mesh.light_line_style(TRANSPARENT)
        .bold_line_style(GRID.mix(0.25))
        .axis_style(TEXT)
        .label_style(font(TICK))
        .axis_desc_style(font(LABEL))
        .x_desc(frame.x_title.clone())
        .y_desc(with_unit(&frame.y_title, unit))
        .y_labels(6)
        .y_label_formatter(&fmt);
    if categorical {
        mesh.x_labels(0);
    } else {
        mesh.x_labels(8).x_label_formatter(&xfmt);
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
        match kind {
            "scatter" => {
                chart
                    .draw_series(
                        pts.iter()
                            .map(|(x, y, _)| Circle::new((*x, *y), 5, color.filled())),
                    )
                    .map_err(draw_err)?;
            }
            "area" => {
                let base = lo.max(0.0f64.min(hi));
                chart
                    .draw_series(
                        AreaSeries::new(
                            pts.iter().map(|(x, y, _)| (*x, *y)),
                            base,
                            color.mix(0.35),
                        )
                        .border_style(color.stroke_width(3)),
                    )
                    .map_err(draw_err)?;
            }
            _ => {
                chart
                    .draw_series(LineSeries::new(
                        pts.iter().map(|(x, y, _)| (*x, *y)),
                        color.stroke_width(3),
                    ))
                    .map_err(draw_err)?;
                if pts.len() <= 40 {
                    chart
                        .draw_series(
                            pts.iter()
                                .map(|(x, y, _)| Circle::new((*x, *y), 4, color.filled())),
                        )
                        .map_err(draw_err)?;
                }
            }
        }
        for (x, y, e) in &pts {
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
        if !name.is_empty() {
            named.push((name.clone(), Paint(color)));
        }
    }
    if let Some((b, label)) = &frame.baseline {
        let (x0, x1) = (x0, x1);
        horizontal_baseline(root, &mut chart, (x0, x1), ty(*b, log), label.as_deref())?;
    }
    if categorical {
        let coord = |i: usize| {
            let (x, y) = chart.backend_coord(&(i as f64, lo));
            (x, y + 10)
        };
        category_labels(
            root,
            &p.cats,
            coord,
            Pos::new(HPos::Center, VPos::Top),
            stagger,
        )?;
    }
    if frame.legend && named.len() > 1 {
        let (right, top) = chart.backend_coord(&(x1, hi));
        legend(root, &named, right, top)?;
    }
    Ok(())
}

/// Quartiles by linear interpolation (the same as numpy's default).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (i, f) = (pos.floor() as usize, pos.fract());
    if i + 1 < sorted.len() {
        sorted[i] + f * (sorted[i + 1] - sorted[i])
    } else {
        sorted[i]
    }
}

fn boxplot<DB: DrawingBackend>(
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
    let fmt = move |v: &f64| tick_label(*v, log, unit);
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
        .y_labels(6)
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

fn histogram<DB: DrawingBackend>(
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
    let xfmt = move |v: &f64| tick_label(*v, false, unit);
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
        .x_labels(8)
        .y_labels(6)
        .x_label_formatter(&xfmt)
        .y_label_formatter(&|v: &f64| format::sig3(*v))
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

#[cfg(test)]
mod tests {
    use super::*;

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
