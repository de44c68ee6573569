//! github-action-benchmark's generic JSON (its `customSmallerIsBetter` and
//! `customBiggerIsBetter` tools): a list of `{name, unit, value, range?, extra?}`, the
//! `BenchmarkResult` that benchmark-action/github-action-benchmark's `src/extract.ts` reads
//! (`extractCustomBenchmarkResult`). A value whose
//! unit is a time (`ms`, `ns/iter`, `us/op`...) is converted to seconds; any other keeps its
//! number and unit.

use std::path::Path;

use serde_json::Value;

use super::columns::{Cell, Row, frame};
use super::{Imported, Table};
use crate::results::units::{Dimension, SECONDS, Unit, Units};

/// The unit a benchmark-action `unit` counts a value in: `ms`, or the time per operation of
/// `ns/iter`, `ns/op` (a rate like `ops/sec` is no time).
pub fn unit_of(text: &str) -> Option<Unit> {
    let t = text.trim();
    if let Some(u) = Unit::parse(t) {
        return Some(u);
    }
    let (amount, per) = t.split_once('/')?;
    let per = per.trim().to_ascii_lowercase();
    matches!(
        per.as_str(),
        "iter" | "iteration" | "op" | "operation" | "call" | "run"
    )
    .then(|| Unit::parse(amount))
    .flatten()
}

/// `± 0.25`, `+/- 3`, `0.1`: the number of a range (`None` for a percentage or text).
fn range_number(text: &str) -> Option<f64> {
    let t = text.trim();
    let t = t
        .strip_prefix('±')
        .or_else(|| t.strip_prefix("+/-"))
        .or_else(|| t.strip_prefix("+-"))
        .unwrap_or(t);
    // `+/- 2,802`: cargo bench separates thousands.
    t.trim().replace(',', "").parse().ok()
}

pub fn read(path: &Path) -> Result<Imported, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let doc: Value = serde_json::from_str(&text)
        .map_err(|e| format!("not github-action-benchmark's JSON: {e}"))?;
    let list = doc
        .as_array()
        .ok_or("not github-action-benchmark's JSON: a list of {name, unit, value} is expected")?;
    let mut rows = Vec::new();
    let mut units_written: Vec<String> = Vec::new();
    for (i, b) in list.iter().enumerate() {
        let name = b["name"]
            .as_str()
            .ok_or_else(|| format!("entry {} has no `name`", i + 1))?;
        // A number; a number in quotes too (the action's JavaScript takes either).
        let written = b["value"]
            .as_f64()
            .or_else(|| b["value"].as_str().and_then(|v| v.trim().parse().ok()))
            .ok_or_else(|| format!("`{name}` has no number `value`"))?;
        let unit = b["unit"].as_str().unwrap_or("");
        let time = unit_of(unit).filter(|u| u.dimension == Dimension::Time);
        let value = time.map_or(written, |u| u.to_base(written));
        let range = b["range"]
            .as_str()
            .map(str::to_string)
            .or_else(|| b["range"].as_f64().map(|r| r.to_string()));
        let range_value = range
            .as_deref()
            .and_then(range_number)
            .map(|r| time.map_or(r, |u| u.to_base(r)));
        let mut row = Row::default();
        row.set("name", Cell::text(Some(name)));
        let t = time.map(|_| value);
        row.set("mean", Cell::float(t));
        for core in ["median", "stddev", "min", "max"] {
            row.set(core, Cell::float(None));
        }
        row.set("value", Cell::Float(value));
        row.set(
            "unit",
            Cell::text(Some(if time.is_some() { "s" } else { unit })),
        );
        row.set("range", Cell::text(range.as_deref()));
        row.set("range_value", Cell::float(range_value));
        row.set("value_written", Cell::Float(written));
        row.set("unit_written", Cell::text(Some(unit)));
        row.set(
            "extra",
            match &b["extra"] {
                Value::Null => Cell::text(None),
                Value::String(s) => Cell::text(Some(s)),
                other => Cell::Text(other.to_string()),
            },
        );
        units_written.push(if time.is_some() {
            "s".into()
        } else {
            unit.into()
        });
        rows.push(row);
    }
    let mut units = Units::new();
    units.insert("mean".into(), SECONDS);
    // `value` has a unit when every entry's is the same (after times became seconds).
    if let Some(first) = units_written.first()
        && units_written.iter().all(|u| u == first)
        && let Some(u) = unit_of(first)
    {
        units.insert("value".into(), u);
        units.insert("range_value".into(), u);
    }
    Ok(Imported {
        main: Table {
            df: frame(&rows)?,
            units,
            good: None,
        },
        runs: None,
        failures: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn units_per_operation_are_times() {
        let sym = |t: &str| super::unit_of(t).map(|u| u.symbol);
        assert_eq!(sym("ns/iter"), Some("ns"));
        assert_eq!(sym("us/op"), Some("µs"));
        assert_eq!(sym("ms"), Some("ms"));
        assert_eq!(sym("ops/sec"), None);
        assert_eq!(sym("B/op"), Some("B"));
        assert_eq!(sym("req/s"), None);
        assert_eq!(super::range_number("± 0.25"), Some(0.25));
        assert_eq!(super::range_number("+/- 3"), Some(3.0));
        assert_eq!(super::range_number("+/- 2,802"), Some(2802.0));
        assert_eq!(super::range_number("5%"), None);
    }
}
