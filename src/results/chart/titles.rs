//! The value axis's unit and the axis titles. A column whose unit deck knows (`mean_ms`, a
//! dataset's declared units, hyperfine's seconds) is converted to the unit `unit:` names when it
//! measures the same thing; `unit:` text deck does not know (`req/s`, `%`) is only a label. An
//! axis states its unit once, in its title: `mean_ms` is titled `mean (ms)`, never `mean_ms (ms)`.

use crate::results::units::{Dimension, Unit, Units};

use super::*;

/// What the value axis shows: its unit, and the factors that turn the query's values (and its
/// error column's) into that unit.
pub(super) struct ValueUnit {
    pub(super) shown: Option<String>,
    pub(super) scale: f64,
    pub(super) err_scale: f64,
}

fn measures(d: Dimension) -> &'static str {
    match d {
        Dimension::Time => "a time",
        Dimension::Bytes => "a size in bytes",
    }
}

/// The unit of the value axis drawn from `column` (and the error bars from `err_column`).
pub(super) fn value_unit(
    spec: &Spec,
    units: &Units,
    column: &str,
    err_column: Option<&str>,
) -> Result<ValueUnit, FigureError> {
    let from = units.get(column).copied();
    let same = ValueUnit {
        shown: from.map(|u| u.symbol.to_string()),
        scale: 1.0,
        err_scale: 1.0,
    };
    let Some(written) = spec.str("unit")?.filter(|u| !u.trim().is_empty()) else {
        return Ok(same);
    };
    let written = written.trim().to_string();
    let (Some(to), Some(from)) = (Unit::parse(&written), from) else {
        return Ok(ValueUnit {
            shown: Some(written),
            ..same
        });
    };
    if to.dimension != from.dimension {
        let alike: Vec<&str> = crate::results::units::symbols()
            .into_iter()
            .filter(|s| Unit::parse(s).is_some_and(|u| u.dimension == from.dimension))
            .collect();
        return Err(FigureError {
            message: format!(
                "`unit: {written}` is {}, but `{column}` is {}, in {from}",
                measures(to.dimension),
                measures(from.dimension)
            ),
            help: format!(
                "write a unit of the same kind ({}), or leave `unit` out to show {from}",
                alike.join(", ")
            ),
            span: spec.span("unit"),
        });
    }
    let err_from = err_column
        .and_then(|e| units.get(e))
        .filter(|u| u.dimension == to.dimension)
        .copied()
        .unwrap_or(from);
    Ok(ValueUnit {
        shown: Some(to.symbol.to_string()),
        scale: from.base / to.base,
        err_scale: err_from.base / to.base,
    })
}

/// Whether `title` already says it is in `unit`: `mean (ms)`, `time in seconds`, `CPU %`.
pub(super) fn states_unit(title: &str, unit: &str) -> bool {
    let parsed = Unit::parse(unit);
    if parsed.is_some() && Unit::from_name(title) == parsed {
        return true;
    }
    title
        .split(char::is_whitespace)
        .map(|w| w.trim_matches(|c: char| "()[],.:;".contains(c)))
        .any(|w| {
            w == unit || (w.chars().count() > 1 && parsed.is_some() && Unit::parse(w) == parsed)
        })
}

/// An axis's title: as written (with its unit added unless it states it), or from the column's
/// name, the unit the name states replaced by the one the axis shows.
pub(super) fn axis_title(written: Option<String>, column: &str, unit: Option<&str>) -> String {
    let unit = unit.filter(|u| !u.is_empty());
    if let Some(t) = written {
        return match unit {
            // An axis titled "" stays bare.
            Some(u) if !t.trim().is_empty() && !states_unit(&t, u) => format!("{t} ({u})"),
            _ => t,
        };
    }
    let Some(u) = unit else {
        return column.to_string();
    };
    match Unit::split_name(column) {
        // A column named after its unit: `ms` is titled `ms`, `seconds` `seconds (s)`; shown in
        // another unit, it is titled with that one.
        Some((stem, named)) if stem == column.trim() => {
            if Unit::parse(u) == Some(named) && !stem.eq_ignore_ascii_case(u) {
                format!("{stem} ({u})")
            } else {
                u.to_string()
            }
        }
        Some((stem, _)) => format!("{stem} ({u})"),
        None if states_unit(column, u) => column.to_string(),
        None => format!("{column} ({u})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_state_their_unit_once() {
        let t = |col: &str, u: Option<&str>| axis_title(None, col, u);
        assert_eq!(t("mean_ms", Some("ms")), "mean (ms)");
        assert_eq!(t("mean_ms", Some("s")), "mean (s)");
        assert_eq!(t("mean (ms)", Some("ms")), "mean (ms)");
        assert_eq!(t("ms", Some("ms")), "ms");
        assert_eq!(t("ms", Some("s")), "s");
        assert_eq!(t("seconds", Some("s")), "seconds (s)");
        assert_eq!(t("mb", Some("MB")), "MB");
        assert_eq!(t("throughput", Some("req/s")), "throughput (req/s)");
        assert_eq!(t("wall_s", None), "wall_s");
        let w = |title: &str, u: &str| axis_title(Some(title.into()), "x", Some(u));
        assert_eq!(w("Latency", "ms"), "Latency (ms)");
        assert_eq!(w("Latency (ms)", "ms"), "Latency (ms)");
        assert_eq!(w("time in seconds", "s"), "time in seconds");
        assert_eq!(w("CPU %", "%"), "CPU %");
        assert_eq!(w("CPU's share", "s"), "CPU's share (s)");
        assert_eq!(w("", "ms"), "");
    }
}
