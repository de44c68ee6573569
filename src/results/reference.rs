//! The reference of what a deck's data features take: chart and table keys, dataset keys,
//! template functions and filters. `deck help chart|table|datasets|functions` print it, `deck
//! man` writes it as pages, and the tests below hold it to the lists the code checks keys
//! against (`chart::KEYS`, `table::KEYS`, the template's `FUNCTIONS` and `FILTERS`), so the
//! reference cannot drift from what deck accepts.

/// One key (or function) and what it takes.
#[derive(Debug, Clone, Copy)]
pub struct KeyDoc {
    pub name: &'static str,
    /// What it takes, in words.
    pub takes: &'static str,
    pub example: &'static str,
    pub what: &'static str,
}

const fn key(
    name: &'static str,
    takes: &'static str,
    example: &'static str,
    what: &'static str,
) -> KeyDoc {
    KeyDoc {
        name,
        takes,
        example,
        what,
    }
}

/// The keys of a ```` ```chart ```` block.
pub const CHART: &[KeyDoc] = &[
    key(
        "type",
        "bar, hbar, line, area, scatter, box, histogram",
        "type: box",
        "the kind of chart (default bar)",
    ),
    key(
        "sql",
        "a query over the declared datasets",
        "sql: SELECT variant, wall_s FROM runs",
        "the rows the chart draws (template variables may be used)",
    ),
    key(
        "x",
        "a column",
        "x: variant",
        "categories (bar, box), the x value (line, area, scatter), the values (histogram)",
    ),
    key(
        "y",
        "a numeric column",
        "y: wall_s",
        "the value axis (not for histograms)",
    ),
    key(
        "series",
        "a column",
        "series: host",
        "one bar group, line or colour per value of this column",
    ),
    key(
        "facet",
        "a column",
        "facet: host",
        "one panel per value, side by side (at most 6), on one value axis",
    ),
    key(
        "stacked",
        "true or false",
        "stacked: true",
        "stack the series' bars or areas",
    ),
    key(
        "y_err",
        "a numeric column",
        "y_err: ci",
        "error bars from a column (± its value)",
    ),
    key(
        "error",
        "stddev, sem, ci95, minmax",
        "error: ci95",
        "error bars over the rows of the same x and series (the bar shows their mean)",
    ),
    key(
        "sort",
        "value, -value",
        "sort: value",
        "order bars and boxes by their value (ascending, or descending with -), instead of the query's order",
    ),
    key(
        "log_y",
        "true or false",
        "log_y: true",
        "a logarithmic value axis",
    ),
    key(
        "baseline",
        "a number",
        "baseline: 1",
        "a reference line at this value (in the axis' unit)",
    ),
    key(
        "baseline_label",
        "text",
        "baseline_label: debian",
        "the reference line's label",
    ),
    key(
        "title",
        "text",
        "title: Median run time (lower is better)",
        "the chart's title",
    ),
    key(
        "x_title",
        "text",
        "x_title: variant",
        "the category or x axis' title (default: the column)",
    ),
    key(
        "y_title",
        "text",
        "y_title: run time",
        "the value axis' title (default: the column, without its unit)",
    ),
    key(
        "unit",
        "a unit (ms, s, MiB...) or any text",
        "unit: ms",
        "the value axis' unit: a known unit converts the column's values to it; other text is a label",
    ),
    key(
        "colors",
        "a map of series to #rrggbb",
        "colors: { debian: \"#A80030\" }",
        "colours over deck.toml's [colors]",
    ),
    key(
        "width",
        "100 to 2560",
        "width: 1200",
        "the chart's width in CSS pixels (default 1000)",
    ),
    key(
        "height",
        "100 to 1440",
        "height: 500",
        "the chart's height in CSS pixels (default 460)",
    ),
    key("bins", "a whole number", "bins: 30", "a histogram's bins"),
    key(
        "legend",
        "true or false",
        "legend: false",
        "show the legend (default true with series)",
    ),
    key("y_min", "a number", "y_min: 0", "the value axis' lower end"),
    key("y_max", "a number", "y_max: 2", "the value axis' upper end"),
    key(
        "caption",
        "text",
        "caption: Lower is better",
        "a caption under the chart",
    ),
];

/// The keys of a ```` ```table ```` block.
pub const TABLE: &[KeyDoc] = &[
    key(
        "sql",
        "a query over the declared datasets",
        "sql: SELECT variant, median(wall_s) AS \"median (s)\" FROM runs GROUP BY 1",
        "the rows of the table",
    ),
    key(
        "decimals",
        "a whole number",
        "decimals: 1",
        "decimal places of numbers without a format (default 2)",
    ),
    key(
        "highlight",
        "a map of columns to min or max",
        "highlight: { \"median (s)\": min }",
        "the best value of a column stands out",
    ),
    key(
        "format",
        "a map of columns to percent, bytes, duration, thousands, integer, or decimal places",
        "format: { \"mean (ms)\": duration, rss_kib: bytes }",
        "how a column's numbers are written; duration and bytes convert from the column's unit",
    ),
    key(
        "caption",
        "text",
        "caption: Lower is better",
        "a caption under the table",
    ),
];

/// The keys of a dataset's entry in deck.toml (`name = "data/x.csv"` or a table of these).
pub const DATASET: &[KeyDoc] = &[
    key(
        "path",
        "a path or glob inside the project",
        "path = \"data/hosts/*/runs.csv\"",
        "the data file(s); a glob's files are stacked by column name",
    ),
    key(
        "format",
        "csv, tsv, json, ndjson, parquet, or an importer (`deck help formats`)",
        "format = \"pytest-benchmark\"",
        "how the file is read (default: from its extension, and from its content for the importers' JSON)",
    ),
    key(
        "units",
        "a map of columns to units",
        "units = { mean = \"ms\", rss = \"KiB\" }",
        "what the columns are counted in (a column's name may say it too: mean_ms, \"mean (ms)\")",
    ),
    key(
        "shape",
        "wide or long",
        "shape = \"wide\"",
        "Prometheus and Grafana series as one column per series (wide) or rows of time, series, value (long); default: as the file has them",
    ),
];

/// deck's template functions.
pub const FUNCTIONS: &[KeyDoc] = &[
    key(
        "sql",
        "a query",
        "{{ sql(\"SELECT median(wall_s) FROM runs\") }}",
        "a one-cell result as its value, more as a list of rows; no row or NULL is an error saying what the filter missed",
    ),
    key(
        "rows",
        "a query",
        "{% for r in rows(\"SELECT variant FROM runs GROUP BY 1\") %}",
        "always a list of rows (a loop over one row)",
    ),
    key(
        "compare",
        "two sides (queries of one numeric column, or lists), level=, more=, less=, decimals=, label=",
        "{{ compare(\"SELECT wall_s FROM runs WHERE variant = 'a'\", \"SELECT wall_s FROM runs WHERE variant = 'b'\") }}",
        "\"7.3% slower (± 1.3%, 95% CI, Welch)\", in the sides' units converted alike",
    ),
    key(
        "json",
        "a JSON file of the project",
        "{{ json(\"data/meta.json\").host.cpu_model }}",
        "the file's content",
    ),
    key(
        "sha256",
        "a file of the project",
        "{{ sha256(\"data/runs.csv\")[:12] }}",
        "the file's SHA-256",
    ),
];

/// deck's number filters.
pub const FILTERS: &[KeyDoc] = &[
    key(
        "num",
        "decimal places (optional)",
        "{{ x | num(1) }}",
        "a number; integers stay integers without an argument",
    ),
    key(
        "thousands",
        "decimal places, separator",
        "{{ n | thousands(0, \" \") }}",
        "a number with thousands separated",
    ),
    key(
        "percent",
        "decimal places",
        "{{ 0.234 | percent(1) }}",
        "a ratio as a percentage: 23.4%",
    ),
    key(
        "bytes",
        "decimal places, unit",
        "{{ rss_kib | bytes(1, \"KiB\") }}",
        "a size in binary units: 1.5 KiB (a number sql() gave is in its column's unit; any other is in bytes unless the unit says)",
    ),
    key(
        "duration",
        "unit",
        "{{ sql(\"SELECT max(wall_ms) FROM runs\") | duration }}, {{ (a + b) | duration(\"ms\") }}",
        "a time as people write it: 12.3 ms, 2 min 5 s (a number sql() gave is in its column's unit; any other is in seconds unless the unit says)",
    ),
    key("sig", "", "{{ x | sig }}", "three significant digits"),
];

/// SQL functions deck adds to polars' SQL (`sql::functions`).
pub const SQL: &[KeyDoc] = &[key(
    "welch_ci",
    "sd_a, n_a, sd_b, n_b [, level]",
    "SELECT 100 * welch_ci(a.sd, a.n, b.sd, b.n) / b.m AS ci FROM ...",
    "half the width of the confidence interval (95% unless level says) of the difference of two groups' means, from their standard deviations and sizes (Welch's t): the interval compare() gives, for a chart's y_err",
)];

/// A reference table as text: one block per key, for `deck help`.
pub fn render(title: &str, intro: &str, keys: &[KeyDoc]) -> String {
    let mut out = format!("# {title}\n\n{intro}\n\n");
    for k in keys {
        out.push_str(&format!("{}\n", k.name));
        if !k.takes.is_empty() {
            out.push_str(&format!("    takes: {}\n", k.takes));
        }
        out.push_str(&format!("    {}\n    e.g. {}\n\n", k.what, k.example));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(keys: &[KeyDoc]) -> Vec<&'static str> {
        let mut n: Vec<&str> = keys.iter().map(|k| k.name).collect();
        n.sort_unstable();
        n
    }

    fn sorted(list: &[&'static str]) -> Vec<&'static str> {
        let mut n = list.to_vec();
        n.sort_unstable();
        n
    }

    #[test]
    fn the_reference_is_what_the_code_checks() {
        assert_eq!(
            names(CHART),
            sorted(super::super::chart::KEYS),
            "chart keys"
        );
        assert_eq!(
            names(TABLE),
            sorted(super::super::table::KEYS),
            "table keys"
        );
        assert_eq!(
            names(FUNCTIONS),
            sorted(crate::template::functions::FUNCTIONS),
            "functions"
        );
        assert_eq!(
            names(FILTERS),
            sorted(crate::template::functions::FILTERS),
            "filters"
        );
        assert_eq!(
            names(SQL),
            sorted(super::super::sql::FUNCTION_NAMES),
            "SQL functions"
        );
        // serde lists the fields it knows when it meets one it does not.
        let err = toml::from_str::<super::super::data::DatasetTable>("path = \"x\"\nzzz = 1")
            .unwrap_err()
            .to_string();
        let known = err.split("expected one of").nth(1).unwrap_or_default();
        let mut fields: Vec<&str> = known
            .split(',')
            .map(|f| f.trim().trim_matches('`').trim())
            .filter(|f| !f.is_empty())
            .collect();
        fields.sort();
        assert_eq!(names(DATASET), fields, "dataset keys: {err}");
    }
}
