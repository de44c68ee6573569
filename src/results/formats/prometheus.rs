//! A Prometheus HTTP API answer saved to a file (`/api/v1/query_range` or `/api/v1/query`), as
//! prometheus/prometheus `docs/querying/api.md` describes it: `{"status": "success", "data":
//! {"resultType": "matrix" | "vector" | "scalar" | "string", "result": ...}}`. A matrix is
//! `[{"metric": {labels}, "values": [[<unix_time>, "<value>"], ...], "histograms": [[<unix_time>,
//! {count, sum, buckets}], ...]}]`, a vector the same with one `value`/`histogram`; sample values
//! are strings (`"NaN"`, `"+Inf"` included).

use std::path::Path;

use serde_json::Value;

use super::columns::{Cell, Row, Sample, frame, free_name, parse_number, seconds_to_ms, wide};
use super::{Imported, Shape, Table};
use crate::results::units::Units;

/// Columns deck makes: a label of one of these names becomes `label_<name>`.
const OWN: &[&str] = &[
    "time",
    "value",
    "metric",
    "series",
    "histogram_count",
    "histogram_sum",
];

pub fn looks_like(compact_head: &str) -> bool {
    (compact_head.starts_with("{\"status\":\"success\",\"data\":{\"resultType\":")
        || compact_head.starts_with("{\"data\":{\"resultType\":"))
        && compact_head.contains("\"result\":")
}

/// A series' name as PromQL writes it: `up{instance="localhost:9090",job="prometheus"}`.
fn series_name(metric: &serde_json::Map<String, Value>) -> String {
    let name = metric.get("__name__").and_then(Value::as_str).unwrap_or("");
    let labels: Vec<String> = metric
        .iter()
        .filter(|(k, _)| *k != "__name__")
        .map(|(k, v)| format!("{k}={:?}", v.as_str().unwrap_or_default()))
        .collect();
    if labels.is_empty() && !name.is_empty() {
        name.to_string()
    } else {
        format!("{name}{{{}}}", labels.join(","))
    }
}

/// `[<unix_time>, "<value>"]`.
fn pair(v: &Value) -> Option<(i64, Option<f64>)> {
    let t = v.get(0)?.as_f64()?;
    let value = v.get(1).and_then(|x| match x {
        Value::String(s) => parse_number(s),
        other => other.as_f64(),
    });
    Some((seconds_to_ms(t), value))
}

fn histogram(v: &Value) -> Option<(i64, Option<f64>, Option<f64>)> {
    let t = v.get(0)?.as_f64()?;
    let h = v.get(1)?;
    let num = |x: &Value| match x {
        Value::String(s) => parse_number(s),
        other => other.as_f64(),
    };
    Some((seconds_to_ms(t), num(&h["count"]), num(&h["sum"])))
}

pub fn read(path: &Path, shape: Option<Shape>) -> Result<Imported, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let doc: Value =
        serde_json::from_str(&text).map_err(|e| format!("not a Prometheus API answer: {e}"))?;
    if doc["status"].as_str() == Some("error") {
        return Err(format!(
            "the saved Prometheus answer is an error: {}: {}",
            doc["errorType"].as_str().unwrap_or("error"),
            doc["error"].as_str().unwrap_or("")
        ));
    }
    let data = &doc["data"];
    let kind = data["resultType"]
        .as_str()
        .ok_or("not a Prometheus API answer: no data.resultType")?;
    let result = &data["result"];
    let mut rows = Vec::new();
    let mut samples = Vec::new();
    let mut with_histograms = false;
    match kind {
        "matrix" | "vector" => {
            for s in result.as_array().ok_or("data.result is not a list")? {
                let metric = s["metric"].as_object().cloned().unwrap_or_default();
                let name = series_name(&metric);
                let mut id = Row::default();
                id.set(
                    "metric",
                    Cell::text(metric.get("__name__").and_then(Value::as_str)),
                );
                for (k, v) in metric.iter().filter(|(k, _)| *k != "__name__") {
                    id.set(free_name(k, OWN, "label_"), Cell::text(v.as_str()));
                }
                id.set("series", Cell::Text(name.clone()));
                let floats: Vec<&Value> = if kind == "matrix" {
                    s["values"].as_array().into_iter().flatten().collect()
                } else {
                    s.get("value").into_iter().collect()
                };
                for (t, v) in floats.into_iter().filter_map(pair) {
                    let mut r = Row::default();
                    r.set("time", Cell::Time(t));
                    r.0.extend(id.0.iter().cloned());
                    r.set("value", Cell::float(v));
                    rows.push(r);
                    samples.push(Sample {
                        time: t,
                        series: name.clone(),
                        value: v,
                    });
                }
                let hists: Vec<&Value> = if kind == "matrix" {
                    s["histograms"].as_array().into_iter().flatten().collect()
                } else {
                    s.get("histogram").into_iter().collect()
                };
                for (t, count, sum) in hists.into_iter().filter_map(histogram) {
                    with_histograms = true;
                    let mut r = Row::default();
                    r.set("time", Cell::Time(t));
                    r.0.extend(id.0.iter().cloned());
                    r.set("value", Cell::float(None));
                    r.set("histogram_count", Cell::float(count));
                    r.set("histogram_sum", Cell::float(sum));
                    rows.push(r);
                }
            }
        }
        "scalar" | "string" => {
            let (t, _) = pair(result).ok_or("data.result is not [<time>, <value>]")?;
            let mut r = Row::default();
            r.set("time", Cell::Time(t));
            let raw = result.get(1).and_then(Value::as_str);
            if kind == "scalar" {
                r.set("value", Cell::float(raw.and_then(parse_number)));
            } else {
                r.set("value", Cell::text(raw));
            }
            rows.push(r);
        }
        other => {
            return Err(format!(
                "Prometheus resultType `{other}` is not one deck reads"
            ));
        }
    }
    if with_histograms {
        for r in &mut rows {
            for c in ["histogram_count", "histogram_sum"] {
                if !r.has(c) {
                    r.set(c, Cell::float(None));
                }
            }
        }
    }
    let df = match shape {
        Some(Shape::Wide) if matches!(kind, "matrix" | "vector") => wide(&samples)?,
        _ => frame(&rows)?,
    };
    Ok(Imported {
        main: Table {
            df,
            units: Units::new(),
            good: None,
        },
        runs: None,
        failures: Vec::new(),
    })
}
