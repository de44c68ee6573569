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
