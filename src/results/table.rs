//! ```` ```table ```` blocks: a query's rows as an HTML table, numbers formatted and right-aligned,
//! the best value of chosen columns highlighted.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use polars::prelude::DataFrame;

use super::data::{cell_f64, cell_text};
use super::format;
use super::spec::MapEntry;
use crate::markdown::FigureError;
use crate::markdown::html::escape;

pub const KEYS: &[&str] = &["sql", "decimals", "highlight", "format", "caption"];

/// The named number formats of `format:` (besides a number of decimal places).
const FORMATS: &[&str] = &["percent", "bytes", "duration", "thousands", "integer"];

/// Column -> its choice, with where it was written in the block.
pub type Choices = BTreeMap<String, MapEntry>;

pub struct TableOptions {
    pub decimals: usize,
    /// Column -> `min` or `max`: the best value of that column is highlighted.
    pub highlight: Choices,
    /// Column -> `percent`, `bytes`, `duration`, `thousands`, `integer`, or a number of decimal
    /// places that every value of the column gets (`3`: 1 is written 1.000).
    pub format: Choices,
    /// What the result's columns are counted in: `duration` and `bytes` convert from it.
    pub units: super::units::Units,
}

pub fn render(df: &DataFrame, opts: &TableOptions) -> Result<String, FigureError> {
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let named = opts
        .highlight
        .iter()
        .map(|c| ("highlight", c))
        .chain(opts.format.iter().map(|c| ("format", c)));
    for (key, (col, entry)) in named {
        if !names.contains(col) {
            let mut help = format!("columns of the query: {}", names.join(", "));
            if let Some(s) = crate::template::closest(col, names.iter().map(String::as_str)) {
                help = format!("did you mean `{s}`? {help}");
            }
            return Err(FigureError {
                message: format!("unknown column `{col}` in `{key}`"),
                help,
                span: Some(entry.name_at.clone()),
            });
        }
    }
    for (
        col,
        MapEntry {
            value: how,
            value_at: at,
            ..
        },
    ) in &opts.format
    {
        let places = how.parse::<usize>().is_ok_and(|n| n <= 12);
        if !places && !FORMATS.contains(&how.as_str()) {
            return Err(FigureError {
                message: format!("unknown format `{how}` for column `{col}`"),
                help: format!(
                    "write one of {}, or a number of decimal places (e.g. `{col}: 3`)",
                    FORMATS.join(", ")
                ),
                span: Some(at.clone()),
            });
        }
    }
    for (
        col,
        MapEntry {
            value: how,
            value_at: at,
            ..
        },
    ) in &opts.highlight
    {
        if how != "min" && how != "max" {
            return Err(FigureError {
                message: format!("highlight of `{col}` must be `min` or `max`, not `{how}`"),
                help: "write e.g. `highlight: { median: min }`".into(),
                span: Some(at.clone()),
            });
        }
    }
    let cols = df.columns();
    let numeric: Vec<bool> = cols
        .iter()
        .map(|c| c.dtype().is_primitive_numeric())
        .collect();
    // Row index of the best value, per highlighted column.
    let mut best: BTreeMap<usize, usize> = BTreeMap::new();
    for (col, MapEntry { value: how, .. }) in &opts.highlight {
        let i = names.iter().position(|n| n == col).unwrap_or(0);
        let values = (0..df.height()).filter_map(|r| cell_f64(&cols[i], r).map(|v| (r, v)));
        let pick = if how == "min" {
            values.min_by(|a, b| a.1.total_cmp(&b.1))
        } else {
            values.max_by(|a, b| a.1.total_cmp(&b.1))
        };
        if let Some((row, _)) = pick {
            best.insert(i, row);
        }
    }
    let mut html = String::from("<table class=\"deck-table\">\n<thead><tr>");
    for (i, name) in names.iter().enumerate() {
        // Both alignments explicit: a theme that centres figures does not centre a column.
        let align = if numeric[i] {
            " class=\"deck-num\" style=\"text-align: right\""
        } else {
            " style=\"text-align: left\""
        };
        let _ = write!(html, "<th{align}>{}</th>", escape(name));
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    for row in 0..df.height() {
        html.push_str("<tr>");
        for (i, col) in cols.iter().enumerate() {
            let text = match (numeric[i], cell_f64(col, row)) {
                (true, Some(v)) => format_cell(
                    v,
                    opts.format.get(&names[i]).map(|f| f.value.as_str()),
                    opts.decimals,
                    opts.units.get(&names[i]),
                ),
                _ => cell_text(col, row),
            };
            let mut classes = Vec::new();
            if numeric[i] {
                classes.push("deck-num");
            }
            if best.get(&i) == Some(&row) {
                classes.push("deck-best");
            }
            let class = if classes.is_empty() {
                String::new()
            } else {
                format!(" class=\"{}\"", classes.join(" "))
            };
            let align = if numeric[i] {
                " style=\"text-align: right\""
            } else {
                " style=\"text-align: left\""
            };
            let _ = write!(html, "<td{class}{align}>{}</td>", escape(&text));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody>\n</table>");
    Ok(html)
}

/// The problems of `format:` with units: a `duration` or `bytes` of a column whose unit is not
/// known (read as seconds or bytes: a warning saying how to declare it), or of a column that
/// measures the other thing (an error). Returns the warnings.
pub fn check_units(opts: &TableOptions) -> Result<Vec<FigureError>, FigureError> {
    use super::units::Dimension;
    let mut warnings = Vec::new();
    for (col, entry) in &opts.format {
        let want = match entry.value.as_str() {
            "duration" => Dimension::Time,
            "bytes" => Dimension::Bytes,
            _ => continue,
        };
        let (what, base) = match want {
            Dimension::Time => ("time", "seconds"),
            Dimension::Bytes => ("size", "bytes"),
        };
        match opts.units.get(col) {
            Some(u) if u.dimension == want => {}
            Some(u) => {
                return Err(FigureError {
                    message: format!("`{}` of `{col}`: the column is in {}, not a {what}", entry.value, u.symbol),
                    help: format!("use a format that fits {}, or another column", u.symbol),
                    span: Some(entry.value_at.clone()),
                });
            }
            None => warnings.push(FigureError {
                message: format!("`{}` of `{col}`: deck does not know the column's unit and reads it as {base}", entry.value),
                help: format!(
                    "say the unit: name the column with it in the query (`AS \"{col} (ms)\"`, `{col}_ms`), or declare the dataset's column in deck.toml: units = {{ {col} = \"{}\" }}",
                    if want == Dimension::Time { "ms" } else { "KiB" }
                ),
                span: Some(entry.value_at.clone()),
            }),
        }
    }
    Ok(warnings)
}

fn format_cell(
    v: f64,
    how: Option<&str>,
    decimals: usize,
    unit: Option<&super::units::Unit>,
) -> String {
    // `duration` and `bytes` count in seconds and bytes: a column in ms or KiB is converted.
    let base = unit.map_or(v, |u| u.to_base(v));
    match how {
        Some("percent") => format::percent(v, decimals.min(1)),
        Some("bytes") => format::bytes(base, 1),
        Some("duration") => format::duration(base),
        Some("integer") => format::thousands(v, 0, ","),
        // A number of decimal places (checked in `render`), or `thousands`/no format.
        Some(how) => match how.parse::<usize>() {
            Ok(places) => format::thousands(v, places, ","),
            Err(_) => format::number(v, decimals),
        },
        None => format::number(v, decimals),
    }
}
