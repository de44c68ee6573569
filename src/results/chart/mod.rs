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
use crate::results::units::Units;

mod axis;
mod bars;
mod dist;
mod layout;
mod lines;
mod points;
mod svg;
mod titles;

use axis::*;
use bars::bars;
use dist::{boxplot, histogram};
use layout::*;
use lines::lines;
use points::*;
use svg::finish_svg;

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
    "facet",
    "sort",
];

/// Small multiples side by side on a slide: more would be too narrow to read.
const MAX_PANELS: usize = 6;

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
    /// The series (or categories, when there is no `series`) of the whole chart in the query's
    /// order: each keeps its colour in every panel of a faceted chart, and when sorted.
    order: Vec<String>,
    /// The categories (`x`) of the whole chart in the query's order, for charts coloured by
    /// category.
    categories: Vec<String>,
}

impl Palette {
    /// The colour of series `name` (at position `i` among the chart's series).
    fn of(&self, name: &str, i: usize) -> Paint {
        Self::pick(&self.named, &self.order, name, i)
    }

    /// The colour of category `name` (at position `i` among the chart's categories).
    fn of_category(&self, name: &str, i: usize) -> Paint {
        Self::pick(&self.named, &self.categories, name, i)
    }

    fn pick(named: &BTreeMap<String, RGBColor>, order: &[String], name: &str, i: usize) -> Paint {
        match named.get(name) {
            Some(c) => Paint(*c),
            None => palette_slot(order.iter().position(|o| o == name).unwrap_or(i)),
        }
    }
}

#[derive(Clone)]
struct Frame {
    width: u32,
    height: u32,
    title: Option<String>,
    /// The axes' titles as drawn, each stating its unit once.
    x_title: String,
    y_title: String,
    /// The value axis's unit on every tick label, when the axis has no title to state it.
    tick_unit: Option<String>,
    /// Factors from the query's values (and its `y_err` column's) to the value axis's unit.
    scale: f64,
    err_scale: f64,
    log_y: bool,
    baseline: Option<(f64, Option<String>)>,
    legend: bool,
    /// A bar or box chart drawn sideways: `hbar`, or category labels too long to fit under it.
    horizontal: bool,
    /// `sort`: the categories by value, descending when true.
    sort: Option<bool>,
    /// The sorted categories of a faceted chart, by their mean value over the panels: every
    /// panel shows them in this order.
    order: Option<Vec<String>>,
    /// Small multiples (`facet`) share their value axis: a first pass collects each panel's
    /// range in `y_seen`, the second draws every panel on their union, `y_fixed`.
    y_seen: std::cell::Cell<Option<(f64, f64)>>,
    y_fixed: Option<(f64, f64)>,
    /// A histogram's bins over the whole data, not a panel's.
    x_fixed: Option<(f64, f64)>,
}

impl Frame {
    /// The value range a chart computed from its data, noted for the panels' union; the union
    /// itself once it is known.
    fn shared_y(&self, lo: f64, hi: f64) -> (f64, f64) {
        let seen = match self.y_seen.get() {
            Some((l, h)) => (l.min(lo), h.max(hi)),
            None => (lo, hi),
        };
        self.y_seen.set(Some(seen));
        self.y_fixed.unwrap_or((lo, hi))
    }

    /// The value axis's unit for its tick labels (none when its title states it).
    fn unit(&self) -> Option<&str> {
        self.tick_unit.as_deref()
    }
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

/// Draw a chart block's query result. `units`: what the result's columns are counted in (from
/// the query and its datasets; see `results::units`).
pub fn render(
    df: &DataFrame,
    spec: &Spec,
    deck_colors: &BTreeMap<String, String>,
    units: &Units,
) -> Result<String, FigureError> {
    let kind = spec.str("type")?.unwrap_or_else(|| "bar".into());
    if !TYPES.contains(&kind.as_str()) {
        return Err(FigureError {
            message: format!("unknown chart type `{kind}`"),
            help: format!("chart types: {}", TYPES.join(", ")),
            span: spec.span("type"),
        });
    }
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
    let mut frame = frame(spec, units, &kind, &x_name, &y_name)?;
    // Colours by the whole chart's series (or categories), in the query's order.
    let coloured = spec.str("series")?.unwrap_or_else(|| x_name.clone());
    let palette = Palette {
        named: named_colors(spec, deck_colors)?,
        order: first_seen(df, &coloured),
        categories: first_seen(df, &x_name),
    };
    let chart = Chart {
        df,
        spec,
        kind: &kind,
        x_name: &x_name,
        y_name: &y_name,
        palette: &palette,
    };
    let Some(name) = spec.str("facet")? else {
        frame.horizontal = chart.turns_horizontal(frame.width)?;
        let mut svg = String::new();
        let root =
            SVGBackend::with_string(&mut svg, (frame.width, frame.height)).into_drawing_area();
        chart.draw(&root, df, &frame)?;
        root.present().map_err(draw_err)?;
        drop(root);
        return Ok(finish_svg(&svg, &frame));
    };
    let facet = points::column(df, spec, "facet", &name)?;
    facets(&chart, facet, spec.span("facet"), frame)
}

/// The colours deck.toml and the block's `colors` give series and categories.
fn named_colors(
    spec: &Spec,
    deck_colors: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, RGBColor>, FigureError> {
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
    Ok(named)
}

/// A column's values as text, each once, in the order the query gives them (none when there is
/// no such column: reading the points reports it).
fn first_seen(df: &DataFrame, name: &str) -> Vec<String> {
    let Ok(c) = df.column(name) else {
        return Vec::new();
    };
    let mut seen: Vec<String> = Vec::new();
    for r in 0..df.height() {
        let v = cell_text(c, r);
        if !seen.contains(&v) {
            seen.push(v);
        }
    }
    seen
}

/// The block's keys read into a frame: sizes, titles, the value axis's unit, the reference line.
fn frame(
    spec: &Spec,
    units: &Units,
    kind: &str,
    x_name: &str,
    y_name: &str,
) -> Result<Frame, FigureError> {
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
    let histogram = kind == "histogram";
    let value_column = if histogram { x_name } else { y_name };
    let err_column = spec.str("y_err")?;
    let value = titles::value_unit(spec, units, value_column, err_column.as_deref())?;
    let shown = value.shown.as_deref();
    let x_unit = if histogram {
        shown
    } else {
        units.get(x_name).map(|u| u.symbol)
    };
    let x_title = titles::axis_title(spec.str("x_title")?, x_name, x_unit);
    let y_title = if histogram {
        spec.str("y_title")?.unwrap_or_else(|| "count".into())
    } else {
        titles::axis_title(spec.str("y_title")?, y_name, shown)
    };
    // A value axis without a title (`y_title: ""`) says its unit on each tick label.
    let value_title = if histogram { &x_title } else { &y_title };
    let tick_unit = value
        .shown
        .clone()
        .filter(|_| value_title.trim().is_empty());
    Ok(Frame {
        width: dim("width", 1000.0, 2560.0)?,
        height: dim("height", 460.0, 1440.0)?,
        title: spec.str("title")?,
        x_title,
        y_title,
        tick_unit,
        scale: value.scale,
        err_scale: value.err_scale,
        log_y: spec.bool("log_y")?,
        baseline: spec
            .f64("baseline")?
            .map(|b| (b, spec.str("baseline_label").ok().flatten())),
        legend: !spec.has("legend") || spec.bool("legend")?,
        horizontal: kind == "hbar",
        sort: sort_order(spec, kind)?,
        order: None,
        y_seen: std::cell::Cell::new(None),
        y_fixed: None,
        x_fixed: None,
    })
}

/// What every panel of a chart is drawn from.
struct Chart<'a> {
    df: &'a DataFrame,
    spec: &'a Spec,
    kind: &'a str,
    x_name: &'a str,
    y_name: &'a str,
    palette: &'a Palette,
}

impl Chart<'_> {
    /// Whether a bar or box chart `width` px wide is drawn sideways: its category labels do not
    /// fit under it even on two lines (decided once for all the panels of a faceted chart).
    fn turns_horizontal(&self, width: u32) -> Result<bool, FigureError> {
        match self.kind {
            "hbar" => return Ok(true),
            "bar" | "box" => {}
            _ => return Ok(false),
        }
        let cats = first_seen(self.df, self.x_name);
        let series = match self.spec.str("series")? {
            Some(s) => first_seen(self.df, &s),
            None => Vec::new(),
        };
        let legend = legend_width(
            &series,
            !self.spec.has("legend") || self.spec.bool("legend")?,
        );
        // The plot's width less the margins and a usual value label area.
        let plot = f64::from(width) - 14.0 - 24.0 - 96.0 - f64::from(legend);
        Ok(!cats.is_empty() && !layout::under_labels(&cats, plot).fit)
    }

    /// With `sort`, the categories of all the panels in one order: by the mean over the panels
    /// of each category's value in a panel.
    fn panels_order(
        &self,
        panels: &[DataFrame],
        frame: &Frame,
    ) -> Result<Option<Vec<String>>, FigureError> {
        let Some(descending) = frame.sort else {
            return Ok(None);
        };
        let mut sums: Vec<(String, f64, usize)> = Vec::new();
        for panel in panels {
            let p = read_points(panel, self.spec, self.x_name, self.y_name, frame)?;
            let values = category_values(&p, self.spec, self.kind == "box")?;
            for (cat, v) in p.cats.iter().zip(values) {
                let at = match sums.iter().position(|s| s.0 == *cat) {
                    Some(i) => i,
                    None => {
                        sums.push((cat.clone(), 0.0, 0));
                        sums.len() - 1
                    }
                };
                if !v.is_nan() {
                    sums[at].1 += v;
                    sums[at].2 += 1;
                }
            }
        }
        let mut all = Points {
            cats: sums.iter().map(|s| s.0.clone()).collect(),
            series: Vec::new(),
            values: BTreeMap::new(),
            errors: BTreeMap::new(),
            numeric_x: None,
        };
        let means: Vec<f64> = sums
            .iter()
            .map(|(_, sum, n)| if *n == 0 { f64::NAN } else { sum / *n as f64 })
            .collect();
        sort_categories(&mut all, |c| means[c], descending);
        Ok(Some(all.cats))
    }

    /// One chart (or one panel of a faceted one) of `df` on `area`.
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        df: &DataFrame,
        frame: &Frame,
    ) -> Result<(), FigureError>
    where
        DB::ErrorType: 'static,
    {
        let (spec, palette) = (self.spec, self.palette);
        if self.kind == "histogram" {
            return histogram(area, df, spec, self.x_name, frame, palette);
        }
        let mut p = read_points(df, spec, self.x_name, self.y_name, frame)?;
        match self.kind {
            "box" => {
                sort_points(&mut p, spec, frame, true)?;
                boxplot(area, &p, spec, frame, palette)
            }
            "line" | "area" | "scatter" => lines(area, &p, spec, frame, palette, self.kind),
            _ => {
                sort_points(&mut p, spec, frame, false)?;
                bars(area, &p, spec, frame, palette)
            }
        }
    }
}

/// Small multiples: one panel per value of the facet column, in the order the query gives
/// them, side by side on one value axis.
fn facets(
    chart: &Chart,
    facet: &Column,
    facet_at: Option<std::ops::Range<usize>>,
    frame: Frame,
) -> Result<String, FigureError> {
    let df = chart.df;
    let mut values: Vec<String> = Vec::new();
    let mut rows: Vec<Vec<bool>> = Vec::new();
    for r in 0..df.height() {
        let v = cell_text(facet, r);
        let i = match values.iter().position(|x| *x == v) {
            Some(i) => i,
            None => {
                values.push(v);
                rows.push(vec![false; df.height()]);
                values.len() - 1
            }
        };
        rows[i][r] = true;
    }
    if values.is_empty() || values.len() > MAX_PANELS {
        return Err(FigureError {
            message: if values.is_empty() {
                "the query gave no rows to split into panels".into()
            } else {
                format!(
                    "`facet` gives {} panels; at most {MAX_PANELS} fit side by side on a slide",
                    values.len()
                )
            },
            help: "filter the rows in SQL (WHERE ...), or facet by a column with fewer values"
                .into(),
            span: facet_at,
        });
    }
    let panels: Vec<DataFrame> = rows
        .into_iter()
        .map(|mask| {
            use polars::prelude::NewChunkedArray;
            df.filter(&polars::prelude::BooleanChunked::from_slice(
                "facet".into(),
                &mask,
            ))
        })
        .collect::<Result<_, _>>()
        .map_err(draw_err)?;
    let mut base = frame.clone();
    let width = frame.width / values.len() as u32;
    base.horizontal = chart.turns_horizontal(width)?;
    base.order = chart.panels_order(&panels, &base)?;
    if chart.kind == "histogram" {
        let key = if chart.spec.has("x") { "x" } else { "y" };
        let col = points::numeric(df, chart.spec, key, chart.x_name)?;
        let (lo, hi) = (0..df.height())
            .filter_map(|r| cell_f64(col, r))
            .map(|v| v * frame.scale)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                (l.min(v), h.max(v))
            });
        base.x_fixed = lo.is_finite().then_some((lo, hi));
    }
    let panel_frame = |i: usize, base: &Frame| {
        let mut f = base.clone();
        f.width = width;
        f.title = Some(values[i].clone());
        // One legend, on the last panel; the value axis named once, on the first.
        f.legend = base.legend && i + 1 == values.len();
        if i > 0 {
            f.y_title = String::new();
        }
        f
    };
    // First pass: each panel's value range; the panels are then drawn on their union.
    let mut union: Option<(f64, f64)> = None;
    for (i, panel) in panels.iter().enumerate() {
        let mut scratch = String::new();
        let area = SVGBackend::with_string(&mut scratch, (width, frame.height)).into_drawing_area();
        let f = panel_frame(i, &base);
        chart.draw(&area, panel, &f)?;
        if let Some((l, h)) = f.y_seen.get() {
            union = Some(union.map_or((l, h), |(a, b)| (a.min(l), b.max(h))));
        }
    }
    base.y_fixed = union;
    // The chart's title across the top, then each panel drawn on its own and placed beside the
    // others as a nested <svg> (its coordinates its own).
    let title_h = if frame.title.is_some() { 48 } else { 0 };
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (frame.width, frame.height)).into_drawing_area();
        if let Some(t) = &frame.title {
            root.draw(&Text::new(
                t.clone(),
                (frame.width as i32 / 2, 10),
                font(TITLE).pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .map_err(draw_err)?;
        }
        root.present().map_err(draw_err)?;
    }
    let mut nested = String::new();
    for (i, panel) in panels.iter().enumerate() {
        let mut one = String::new();
        {
            let area = SVGBackend::with_string(&mut one, (width, frame.height - title_h))
                .into_drawing_area();
            chart.draw(&area, panel, &panel_frame(i, &base))?;
            area.present().map_err(draw_err)?;
        }
        nested.push_str(&one.replacen(
            "<svg ",
            &format!("<svg x=\"{}\" y=\"{title_h}\" ", i as u32 * width),
            1,
        ));
    }
    let end = svg.rfind("</svg>").unwrap_or(svg.len());
    svg.insert_str(end, &nested);
    Ok(finish_svg(&svg, &frame))
}
