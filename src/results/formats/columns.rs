//! What the importers share: rows of typed cells made into a frame (a column's type decided by
//! its values), values of JSON and text typed, times parsed, series pivoted between the long and
//! the wide shape.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;
use serde_json::Value;

/// The type a column takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bool,
    Int,
    Float,
    Text,
    /// Milliseconds since 1970, UTC.
    Time,
}

/// One value of a row. `Null` says which type the column has when all its values are null.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null(Kind),
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Time(i64),
}

impl Cell {
    pub fn float(v: Option<f64>) -> Cell {
        v.map_or(Cell::Null(Kind::Float), Cell::Float)
    }

    pub fn int(v: Option<i64>) -> Cell {
        v.map_or(Cell::Null(Kind::Int), Cell::Int)
    }

    pub fn text(v: Option<&str>) -> Cell {
        v.map_or(Cell::Null(Kind::Text), |s| Cell::Text(s.to_string()))
    }

    pub fn time(ms: Option<i64>) -> Cell {
        ms.map_or(Cell::Null(Kind::Time), Cell::Time)
    }

    /// A JSON value as it is typed there: numbers stay numbers (whole ones whole), text text,
    /// lists and objects their JSON text.
    pub fn json(v: &Value) -> Cell {
        match v {
            Value::Null => Cell::Null(Kind::Text),
            Value::Bool(b) => Cell::Bool(*b),
            Value::Number(n) => n
                .as_i64()
                .map(Cell::Int)
                .or_else(|| n.as_f64().map(Cell::Float))
                .unwrap_or_else(|| Cell::Text(n.to_string())),
            Value::String(s) => Cell::Text(s.clone()),
            other => Cell::Text(other.to_string()),
        }
    }

    /// Text that may be a number (a parameter written in a name or a CSV): a whole number, a
    /// number, or the text.
    pub fn typed(s: &str) -> Cell {
        let t = s.trim();
        if let Ok(i) = t.parse::<i64>() {
            return Cell::Int(i);
        }
        match t.parse::<f64>() {
            Ok(f) if !t.is_empty() && t.chars().any(|c| c.is_ascii_digit()) => Cell::Float(f),
            _ => Cell::Text(s.to_string()),
        }
    }

    fn kind(&self) -> Kind {
        match self {
            Cell::Null(k) => *k,
            Cell::Bool(_) => Kind::Bool,
            Cell::Int(_) => Kind::Int,
            Cell::Float(_) => Kind::Float,
            Cell::Text(_) => Kind::Text,
            Cell::Time(_) => Kind::Time,
        }
    }

    fn as_text(&self) -> Option<String> {
        match self {
            Cell::Null(_) => None,
            Cell::Bool(b) => Some(b.to_string()),
            Cell::Int(i) => Some(i.to_string()),
            Cell::Float(f) => Some(f.to_string()),
            Cell::Text(s) => Some(s.clone()),
            Cell::Time(ms) => Some(crate::results::rfc3339((*ms / 1000).max(0) as u128)),
        }
    }
}

/// A row: column name → value, in the order the columns are set.
#[derive(Debug, Clone, Default)]
pub struct Row(pub Vec<(String, Cell)>);

impl Row {
    pub fn set(&mut self, column: impl Into<String>, cell: Cell) {
        let column = column.into();
        match self.0.iter_mut().find(|(c, _)| *c == column) {
            Some((_, c)) => *c = cell,
            None => self.0.push((column, cell)),
        }
    }

    pub fn get(&self, column: &str) -> Option<&Cell> {
        self.0.iter().find(|(c, _)| c == column).map(|(_, v)| v)
    }

    pub fn has(&self, column: &str) -> bool {
        self.get(column).is_some()
    }
}

/// Rows into a frame: the columns in the order they first appear, each typed by its values
/// (whole numbers, numbers, true/false, times; mixed or other values as text). A column a row
/// lacks is null there.
pub fn frame(rows: &[Row]) -> Result<DataFrame, String> {
    let mut names: Vec<&str> = Vec::new();
    let mut seen = BTreeSet::new();
    for r in rows {
        for (c, _) in &r.0 {
            if seen.insert(c.as_str()) {
                names.push(c);
            }
        }
    }
    let columns: Vec<Column> = names
        .iter()
        .map(|name| {
            let cells: Vec<Option<&Cell>> = rows.iter().map(|r| r.get(name)).collect();
            column(name, &cells)
        })
        .collect();
    DataFrame::new(rows.len(), columns).map_err(|e| e.to_string())
}

/// An empty frame with these columns (a runs table of a file without runs).
pub fn empty(columns: &[(&str, Kind)]) -> DataFrame {
    let cols: Vec<Column> = columns
        .iter()
        .map(|(n, k)| column(n, &[None::<&Cell>; 0][..]).cast(&dtype(*k)).unwrap())
        .collect();
    DataFrame::new(0, cols).expect("empty columns")
}

fn dtype(kind: Kind) -> DataType {
    match kind {
        Kind::Bool => DataType::Boolean,
        Kind::Int => DataType::Int64,
        Kind::Float => DataType::Float64,
        Kind::Text => DataType::String,
        Kind::Time => DataType::Datetime(TimeUnit::Milliseconds, None),
    }
}

fn column(name: &str, cells: &[Option<&Cell>]) -> Column {
    let present = || {
        cells
            .iter()
            .flatten()
            .filter(|c| !matches!(c, Cell::Null(_)))
    };
    let hint = cells.iter().flatten().map(|c| c.kind()).next();
    let kind = present()
        .map(|c| c.kind())
        .reduce(|a, b| match (a, b) {
            _ if a == b => a,
            (Kind::Int, Kind::Float) | (Kind::Float, Kind::Int) => Kind::Float,
            _ => Kind::Text,
        })
        .or(hint)
        .unwrap_or(Kind::Text);
    let name: PlSmallStr = name.into();
    match kind {
        Kind::Bool => Column::new(
            name,
            cells
                .iter()
                .map(|c| match c {
                    Some(Cell::Bool(b)) => Some(*b),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        ),
        Kind::Int => Column::new(
            name,
            cells
                .iter()
                .map(|c| match c {
                    Some(Cell::Int(i)) => Some(*i),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        ),
        Kind::Float => Column::new(
            name,
            cells
                .iter()
                .map(|c| match c {
                    Some(Cell::Int(i)) => Some(*i as f64),
                    Some(Cell::Float(f)) => Some(*f),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        ),
        Kind::Time => {
            let ms: Vec<Option<i64>> = cells
                .iter()
                .map(|c| match c {
                    Some(Cell::Time(t)) => Some(*t),
                    _ => None,
                })
                .collect();
            Int64Chunked::from_iter_options(name, ms.into_iter())
                .into_datetime(TimeUnit::Milliseconds, None)
                .into_column()
        }
        Kind::Text => Column::new(
            name,
            cells
                .iter()
                .map(|c| c.and_then(Cell::as_text))
                .collect::<Vec<_>>(),
        ),
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's days-from-civil).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A date and time as milliseconds since 1970 (UTC): RFC 3339 / ISO 8601
/// (`2024-01-15T10:00:00.5+01:00`, `...Z`), the same with a space for the `T`, or without a zone
/// (read as UTC), or a date alone.
pub fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms = days_from_civil(y, mo, d) * 86_400_000;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(ms);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let rb = rest.as_bytes();
    if rb.len() < 5 || rb[2] != b':' {
        return None;
    }
    let two = |i: usize| -> Option<i64> {
        let t = rest.get(i..i + 2)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (h, mi) = (two(0)?, two(3)?);
    let mut i = 5;
    let mut sec = 0;
    if rb.get(5) == Some(&b':') {
        sec = two(6)?;
        i = 8;
    }
    let mut frac_ms = 0.0;
    if rb.get(i) == Some(&b'.') || rb.get(i) == Some(&b',') {
        let digits: String = rest[i + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if digits.is_empty() {
            return None;
        }
        frac_ms = format!("0.{digits}").parse::<f64>().ok()? * 1000.0;
        i += 1 + digits.len();
    }
    ms += (h * 3600 + mi * 60 + sec) * 1000 + frac_ms.round() as i64;
    let zone = rest[i..].trim();
    let offset_min = match zone {
        "" | "Z" | "z" | "UTC" | "+00:00" => 0,
        z if z.starts_with(['+', '-']) => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let digits: String = z[1..].chars().filter(char::is_ascii_digit).collect();
            if digits.len() != 4 && digits.len() != 2 {
                return None;
            }
            let hh: i64 = digits[..2].parse().ok()?;
            let mm: i64 = digits
                .get(2..)
                .filter(|m| !m.is_empty())
                .map_or(Some(0), |m| m.parse().ok())?;
            sign * (hh * 60 + mm)
        }
        _ => return None,
    };
    Some(ms - offset_min * 60_000)
}

/// Seconds since 1970 (a Prometheus timestamp, `1435781430.781`) as milliseconds.
pub fn seconds_to_ms(s: f64) -> i64 {
    (s * 1000.0).round() as i64
}

/// A number as Prometheus and Go write it: `1.5`, `NaN`, `+Inf`, `-Inf`.
pub fn parse_number(s: &str) -> Option<f64> {
    match s.trim() {
        "NaN" | "nan" => Some(f64::NAN),
        "+Inf" | "Inf" | "inf" | "+inf" => Some(f64::INFINITY),
        "-Inf" | "-inf" => Some(f64::NEG_INFINITY),
        t => t.parse().ok(),
    }
}

/// One sample of a series in the long shape.
pub struct Sample {
    pub time: i64,
    pub series: String,
    pub value: Option<f64>,
}

/// Samples in the wide shape: `time` (sorted) then one column per series (in the order they first
/// appear), null where a series has no sample at a time.
pub fn wide(samples: &[Sample]) -> Result<DataFrame, String> {
    let mut series: Vec<&str> = Vec::new();
    let mut index = BTreeMap::new();
    for s in samples {
        if !index.contains_key(s.series.as_str()) {
            index.insert(s.series.as_str(), series.len());
            series.push(&s.series);
        }
    }
    let mut by_time: BTreeMap<i64, Vec<Option<f64>>> = BTreeMap::new();
    for s in samples {
        let row = by_time
            .entry(s.time)
            .or_insert_with(|| vec![None; series.len()]);
        row[index[s.series.as_str()]] = s.value;
    }
    let rows: Vec<Row> = by_time
        .into_iter()
        .map(|(t, values)| {
            let mut r = Row::default();
            r.set("time", Cell::Time(t));
            for (name, v) in series.iter().zip(values) {
                r.set(*name, Cell::float(v));
            }
            r
        })
        .collect();
    frame(&rows)
}

/// The name of a label or field as a column that does not take the place of one deck makes.
pub fn free_name(name: &str, taken: &[&str], prefix: &str) -> String {
    if taken.contains(&name) {
        format!("{prefix}{name}")
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_in_the_shapes_tools_write() {
        assert_eq!(parse_datetime("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_datetime("2015-07-01T20:10:30.781Z"),
            Some(1_435_781_430_781)
        );
        assert_eq!(
            parse_datetime("2015-07-01 22:10:30.781+02:00"),
            Some(1_435_781_430_781)
        );
        assert_eq!(
            parse_datetime("2026-12-04T04:09:38+00:00"),
            parse_datetime("2026-12-04 04:09:38")
        );
        assert_eq!(
            parse_datetime("2024-02-29T12:00:00.123456"),
            Some(1_709_208_000_123)
        );
        assert_eq!(parse_datetime("2024-01-15"), Some(1_705_276_800_000));
        for bad in [
            "",
            "1435781430",
            "2024-13-01",
            "2024-01-15X10:00",
            "2024-01-15T10:00Q",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
    }

    #[test]
    fn columns_are_typed_by_their_values() {
        let mut a = Row::default();
        a.set("n", Cell::Int(1));
        a.set("x", Cell::Int(2));
        a.set("s", Cell::typed("8"));
        a.set("none", Cell::float(None));
        let mut b = Row::default();
        b.set("n", Cell::Int(3));
        b.set("x", Cell::Float(2.5));
        b.set("s", Cell::typed("abc"));
        b.set("t", Cell::Time(1000));
        let df = frame(&[a, b]).unwrap();
        let types: Vec<String> = df.dtypes().iter().map(|t| t.to_string()).collect();
        assert_eq!(types, ["i64", "f64", "str", "f64", "datetime[ms]"]);
        assert_eq!(
            df.column("s").unwrap().str().unwrap().get(0),
            Some("8"),
            "a number among text is text"
        );
    }

    #[test]
    fn samples_pivot_to_one_column_per_series() {
        let s = |time, series: &str, value| Sample {
            time,
            series: series.into(),
            value: Some(value),
        };
        let df = wide(&[s(2, "a", 1.0), s(1, "a", 2.0), s(1, "b", 3.0)]).unwrap();
        assert_eq!(df.get_column_names(), ["time", "a", "b"]);
        assert_eq!(df.column("b").unwrap().f64().unwrap().get(1), None);
        assert_eq!(df.column("a").unwrap().f64().unwrap().get(0), Some(2.0));
    }
}
