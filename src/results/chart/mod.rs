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

mod axis;
mod bars;
mod dist;
mod lines;
mod points;
mod svg;

use axis::*;
use bars::bars;
use dist::{boxplot, histogram};
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
    /// The series (or categories) of the whole chart in order, when a panel of a faceted chart
    /// holds only some: each keeps its colour in every panel.
    order: Vec<String>,
}

impl Palette {
    /// The colour of series `name` (at position `i` among the chart's series).
    fn of(&self, name: &str, i: usize) -> Paint {
        match self.named.get(name) {
            Some(c) => Paint(*c),
            None => palette_slot(self.order.iter().position(|o| o == name).unwrap_or(i)),
        }
    }
}

#[derive(Clone)]
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
    units: &crate::results::units::Units,
) -> Result<String, FigureError> {
    let _ = units;
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
    let palette = Palette {
        named,
        order: Vec::new(),
    };
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
        y_seen: std::cell::Cell::new(None),
        y_fixed: None,
        x_fixed: None,
    };
    let facet = match spec.str("facet")? {
        Some(name) => Some((
            points::column(df, spec, "facet", &name)?,
            spec.span("facet"),
        )),
        None => None,
    };
    let mut svg = String::new();
    let Some((facet, facet_at)) = facet else {
        let root =
            SVGBackend::with_string(&mut svg, (frame.width, frame.height)).into_drawing_area();
        draw(&root, df, spec, &kind, &x_name, &y_name, &frame, &palette)?;
        root.present().map_err(draw_err)?;
        drop(root);
        return Ok(finish_svg(&svg, &frame));
    };
    // Small multiples: one panel per value of the facet column, in the order the query gives
    // them, side by side on one value axis.
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
    // Colours by the whole chart's series (or categories), not each panel's.
    let coloured = spec.str("series")?.unwrap_or_else(|| x_name.clone());
    let palette = Palette {
        order: match df.column(&coloured) {
            Ok(c) => {
                let mut seen: Vec<String> = Vec::new();
                for r in 0..df.height() {
                    let v = cell_text(c, r);
                    if !seen.contains(&v) {
                        seen.push(v);
                    }
                }
                seen
            }
            Err(_) => Vec::new(),
        },
        ..palette
    };
    if kind == "histogram" {
        let col = points::numeric(df, spec, if spec.has("x") { "x" } else { "y" }, &x_name)?;
        let (lo, hi) = (0..df.height())
            .filter_map(|r| cell_f64(col, r))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                (l.min(v), h.max(v))
            });
        base.x_fixed = lo.is_finite().then_some((lo, hi));
    }
    let width = frame.width / values.len() as u32;
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
        draw(&area, panel, spec, &kind, &x_name, &y_name, &f, &palette)?;
        if let Some((l, h)) = f.y_seen.get() {
            union = Some(union.map_or((l, h), |(a, b)| (a.min(l), b.max(h))));
        }
    }
    base.y_fixed = union;
    // The chart's title across the top, then each panel drawn on its own and placed beside the
    // others as a nested <svg> (its coordinates its own).
    let title_h = if frame.title.is_some() { 48 } else { 0 };
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
            draw(
                &area,
                panel,
                spec,
                &kind,
                &x_name,
                &y_name,
                &panel_frame(i, &base),
                &palette,
            )?;
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

/// One chart (or one panel of a faceted one) of `kind` on `area`.
#[allow(clippy::too_many_arguments)]
fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    df: &DataFrame,
    spec: &Spec,
    kind: &str,
    x_name: &str,
    y_name: &str,
    frame: &Frame,
    palette: &Palette,
) -> Result<(), FigureError>
where
    DB::ErrorType: 'static,
{
    match kind {
        "histogram" => histogram(area, df, spec, x_name, frame, palette),
        "box" => boxplot(
            area,
            &read_points(df, spec, x_name, y_name)?,
            spec,
            frame,
            palette,
        ),
        "line" | "area" | "scatter" => lines(
            area,
            &read_points(df, spec, x_name, y_name)?,
            spec,
            frame,
            palette,
            kind,
        ),
        _ => bars(
            area,
            &read_points(df, spec, x_name, y_name)?,
            spec,
            frame,
            palette,
            kind == "hbar",
        ),
    }
}
