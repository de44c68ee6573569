//! Grafana's panel CSV ("Inspect → Data → Download CSV"), as grafana/grafana writes it
//! (`packages/grafana-data/src/utils/csv.ts` `toCSV`, called by
//! `public/app/features/inspector/utils/download.ts` `downloadDataFrameAsCsv`): one header line
//! of the fields' display names, each in double quotes, then one line per row, lines ended by
//! CRLF. A frame as it is has a `Time` field and the series' values; "Series joined by time"
//! (the `joinByField` transformation) gives `Time` then one column per series; the "Series to
//! rows" transformation (`seriesToRows`) gives `Time`, `Metric` and `Value`. Times are epoch
//! milliseconds, or `YYYY-MM-DD HH:mm:ss` with "Formatted data" (values then carry their unit:
//! `1.20 s`, `512 MiB`, `45%`). Older Grafana wrote a `sep=,` first line for Excel ("Download for
//! Excel"); newer Grafana's Excel mode writes UTF-16LE with a byte order mark and tabs.

use std::path::Path;

use polars::prelude::DataFrame;

use super::columns::{Cell, Row, Sample, frame, parse_datetime, parse_number, wide};
use super::{Imported, Shape, Table};
use crate::results::units::{Dimension, Unit, Units};

/// A CSV's text: UTF-16LE when it starts with that byte order mark, else UTF-8 (without one).
fn decode(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    let text = String::from_utf8_lossy(bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes));
    text.into_owned()
}

/// The text after a `sep=X` line, and the separator: the one it names, else a tab or `;` when the
/// header has them outside quotes, else `,`.
fn separator(text: &str) -> (u8, &str) {
    let first = text.lines().next().unwrap_or("");
    if let Some(sep) = first.trim_end().strip_prefix("sep=")
        && sep.len() == 1
    {
        let rest = text[first.len()..].trim_start_matches(['\r', '\n']);
        return (sep.as_bytes()[0], rest);
    }
    let mut quoted = false;
    let (mut tabs, mut semis, mut commas) = (0, 0, 0);
    for c in first.chars() {
        match c {
            '"' => quoted = !quoted,
            '\t' if !quoted => tabs += 1,
            ';' if !quoted => semis += 1,
            ',' if !quoted => commas += 1,
            _ => {}
        }
    }
    let sep = if tabs > 0 {
        b'\t'
    } else if semis > commas {
        b';'
    } else {
        b','
    };
    (sep, text)
}

/// A time as Grafana writes it: epoch milliseconds, or a date and time (read as UTC: a formatted
/// export is in the dashboard's time zone and does not say which).
fn time(cell: &str) -> Option<i64> {
    let t = cell.trim();
    if !t.is_empty()
        && t.trim_start_matches('-')
            .bytes()
            .all(|b| b.is_ascii_digit())
    {
        return t.parse().ok();
    }
    parse_datetime(t)
}

/// Whether a CSV file is a Grafana export: its header's fields are all in double quotes, the
/// first is `"Time"`, and the first row's time is epoch milliseconds or a date and time.
pub fn looks_like(path: &Path) -> bool {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = vec![0u8; 4096];
    let n = f.read(&mut head).unwrap_or(0);
    let text = decode(&head[..n]);
    let (sep, rest) = separator(&text);
    let mut lines = rest.lines();
    let header = lines.next().unwrap_or("");
    let sep = sep as char;
    let fields = raw_fields(header.trim_end(), sep);
    let all_quoted = fields
        .iter()
        .all(|f| f.len() >= 2 && f.starts_with('"') && f.ends_with('"'));
    let first_row = lines.next().unwrap_or("");
    let first_time = first_row.split(sep).next().unwrap_or("");
    all_quoted
        && fields.first() == Some(&"\"Time\"")
        && (time(first_time).is_some_and(|t| t.abs() > 100_000_000_000)
            || first_time.len() >= 19 && parse_datetime(first_time).is_some())
}

/// A line's fields as written (quotes kept), split at separators outside quotes.
fn raw_fields(line: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in line.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            out.push(&line[start..i]);
            start = i + c.len_utf8();
        }
    }
    out.push(&line[start..]);
    out
}

/// A column's values: numbers (a unit deck knows converted to seconds or bytes), or text.
enum Values {
    Numbers(Vec<Option<f64>>, Option<Unit>),
    Text,
}

/// The number and the unit of a formatted value: `1.20 s` → (1.2, `s`), `45%` → (45, `%`).
fn split_value(cell: &str) -> Option<(f64, &str)> {
    let t = cell.trim();
    if let Some(v) = parse_number(t) {
        return Some((v, ""));
    }
    let end = t
        .char_indices()
        .find(|(i, c)| {
            !(c.is_ascii_digit() || *c == '.' || (*i == 0 && (*c == '-' || *c == '+')) || *c == 'e')
        })
        .map_or(t.len(), |(i, _)| i);
    let v: f64 = t[..end].parse().ok()?;
    Some((v, t[end..].trim()))
}

fn values(cells: &[&str]) -> Values {
    let parsed: Vec<Option<(f64, &str)>> = cells
        .iter()
        .map(|c| {
            if c.trim().is_empty() {
                None
            } else {
                split_value(c)
            }
        })
        .collect();
    if parsed
        .iter()
        .zip(cells)
        .any(|(p, c)| p.is_none() && !c.trim().is_empty())
    {
        return Values::Text;
    }
    let suffixes: Vec<&str> = parsed.iter().flatten().map(|(_, s)| *s).collect();
    if suffixes.iter().all(|s| s.is_empty()) {
        return Values::Numbers(parsed.iter().map(|p| p.map(|(v, _)| v)).collect(), None);
    }
    let units: Vec<Option<Unit>> = suffixes.iter().map(|s| Unit::parse(s)).collect();
    let dims: Vec<Option<Dimension>> = units.iter().map(|u| u.map(|u| u.dimension)).collect();
    if let Some(Some(d)) = dims.first()
        && dims.iter().all(|x| *x == Some(*d))
    {
        let base = match d {
            Dimension::Time => crate::results::units::SECONDS,
            Dimension::Bytes => crate::results::units::BYTES,
        };
        let numbers = parsed
            .iter()
            .map(|p| p.map(|(v, s)| Unit::parse(s).map_or(v, |u| u.to_base(v))))
            .collect();
        return Values::Numbers(numbers, Some(base));
    }
    if suffixes.iter().all(|s| *s == suffixes[0]) {
        return Values::Numbers(parsed.iter().map(|p| p.map(|(v, _)| v)).collect(), None);
    }
    Values::Text
}

fn records(text: &str, sep: u8) -> Result<Vec<Vec<String>>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sep)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for r in reader.records() {
        let r = r.map_err(|e| e.to_string())?;
        if r.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        out.push(r.iter().map(str::to_string).collect());
    }
    Ok(out)
}

pub fn read(path: &Path, shape: Option<Shape>) -> Result<Imported, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let text = decode(&bytes);
    let (sep, rest) = separator(&text);
    let mut recs = records(rest, sep)?.into_iter();
    let header = recs.next().ok_or("an empty CSV file")?;
    let body: Vec<Vec<String>> = recs.collect();
    let find = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
    };
    let t = find(&["time"]).ok_or("no `Time` column: not a Grafana panel CSV")?;
    let times = body
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let cell = r.get(t).map_or("", String::as_str);
            time(cell).ok_or_else(|| format!("line {}: `{cell}` is not a time", i + 2))
        })
        .collect::<Result<Vec<i64>, String>>()?;
    let cells = |c: usize| -> Vec<&str> {
        body.iter()
            .map(|r| r.get(c).map_or("", String::as_str))
            .collect()
    };
    let long_file = find(&["metric", "series"]).zip(find(&["value"]));
    let mut units = Units::new();
    // The samples of every series, when the shape asked for is not the file's.
    let mut samples: Vec<Sample> = Vec::new();
    let mut rows: Vec<Row> = times
        .iter()
        .map(|t| {
            let mut r = Row::default();
            r.set("time", Cell::Time(*t));
            r
        })
        .collect();
    let mut series_unit: Option<Option<Unit>> = None;
    for (c, name) in header.iter().enumerate() {
        if c == t {
            continue;
        }
        let (column, is_series) = match long_file {
            Some((m, _)) if m == c => ("series".to_string(), false),
            Some((_, v)) if v == c => ("value".to_string(), false),
            Some(_) => (name.clone(), false),
            None => (name.clone(), true),
        };
        if long_file.is_some_and(|(m, _)| m == c) {
            for (r, v) in rows.iter_mut().zip(cells(c)) {
                r.set("series", Cell::text(Some(v)));
            }
            continue;
        }
        match values(&cells(c)) {
            Values::Numbers(v, unit) => {
                if is_series {
                    series_unit = Some(match series_unit {
                        None => unit,
                        Some(u) if u == unit => u,
                        Some(_) => None,
                    });
                    samples.extend(times.iter().zip(&v).map(|(t, v)| Sample {
                        time: *t,
                        series: name.clone(),
                        value: *v,
                    }));
                }
                if let Some(u) = unit {
                    units.insert(column.clone(), u);
                }
                for (r, v) in rows.iter_mut().zip(v) {
                    r.set(column.clone(), Cell::float(v));
                }
            }
            Values::Text => {
                for (r, v) in rows.iter_mut().zip(cells(c)) {
                    let v = (!v.is_empty()).then_some(v);
                    r.set(column.clone(), Cell::text(v));
                }
            }
        }
    }
    let (df, units) = if shape == Some(Shape::Long) && long_file.is_none() {
        to_long(&samples, series_unit.flatten())?
    } else if shape == Some(Shape::Wide) && long_file.is_some() {
        to_wide(&rows, units.get("value").copied())?
    } else {
        (frame(&rows)?, units)
    };
    Ok(Imported {
        main: Table {
            df,
            units,
            good: None,
        },
        runs: None,
        failures: Vec::new(),
    })
}

/// A wide export's samples as rows of `time`, `series`, `value`.
fn to_long(samples: &[Sample], unit: Option<Unit>) -> Result<(DataFrame, Units), String> {
    let long: Vec<Row> = samples
        .iter()
        .map(|s| {
            let mut r = Row::default();
            r.set("time", Cell::Time(s.time));
            r.set("series", Cell::Text(s.series.clone()));
            r.set("value", Cell::float(s.value));
            r
        })
        .collect();
    let mut units = Units::new();
    if let Some(u) = unit {
        units.insert("value".into(), u);
    }
    Ok((frame(&long)?, units))
}

/// A long export's rows as `time` and a column per series.
fn to_wide(rows: &[Row], unit: Option<Unit>) -> Result<(DataFrame, Units), String> {
    let samples: Vec<Sample> = rows
        .iter()
        .map(|r| Sample {
            time: match r.get("time") {
                Some(Cell::Time(t)) => *t,
                _ => 0,
            },
            series: match r.get("series") {
                Some(Cell::Text(s)) => s.clone(),
                _ => String::new(),
            },
            value: match r.get("value") {
                Some(Cell::Float(v)) => Some(*v),
                _ => None,
            },
        })
        .collect();
    let df = wide(&samples)?;
    let mut units = Units::new();
    if let Some(u) = unit {
        for c in df.get_column_names().into_iter().skip(1) {
            units.insert(c.to_string(), u);
        }
    }
    Ok((df, units))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatted_values_are_numbers_in_seconds_or_bytes() {
        match values(&["950 ms", "1.20 s", ""]) {
            Values::Numbers(v, Some(u)) => {
                assert_eq!(u.symbol, "s");
                assert!((v[0].unwrap() - 0.95).abs() < 1e-12 && v[2].is_none());
                assert!((v[1].unwrap() - 1.2).abs() < 1e-12);
            }
            _ => panic!("numbers"),
        }
        assert!(matches!(values(&["45%", "50%"]), Values::Numbers(_, None)));
        assert!(matches!(values(&["1.2 K", "3 Mil"]), Values::Text));
        assert!(matches!(values(&["1e-3", "NaN"]), Values::Numbers(_, None)));
    }

    #[test]
    fn separators_and_encodings() {
        assert_eq!(separator("sep=;\r\n\"Time\";\"a\"").0, b';');
        assert_eq!(separator("sep=;\r\n\"Time\";\"a\"").1, "\"Time\";\"a\"");
        assert_eq!(separator("\"Time\"\t\"a,b\"").0, b'\t');
        assert_eq!(separator("\"Time\",\"a;b\"").0, b',');
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("\"Time\"".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(&utf16), "\"Time\"");
        assert_eq!(decode(b"\xEF\xBB\xBFx"), "x");
    }
}
