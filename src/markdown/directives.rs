//! Marp directives: their names, and reading them from front matter or HTML comments.
//!
//! Marp reads directive YAML "loosely": a value such as `backgroundColor: #fff` is the colour
//! `#fff`, not a key followed by a comment. We do what Marpit does: before the YAML parser sees the
//! text, the value of every top-level line whose key is a known directive is quoted.

use yaml_rust2::{Yaml, YamlLoader};

pub const GLOBAL: &[&str] = &[
    "theme",
    "style",
    "headingDivider",
    "size",
    "math",
    "title",
    "description",
    "author",
    "lang",
    // deck's own: when the talk is given (shown in the site index; Marp ignores it).
    "date",
    // Accepted for compatibility and ignored: they configure Marp's tooling, not the deck.
    "marp",
    "url",
    "image",
    "keywords",
];

pub const LOCAL: &[&str] = &[
    "paginate",
    "header",
    "footer",
    "class",
    "backgroundColor",
    "backgroundImage",
    "backgroundPosition",
    "backgroundRepeat",
    "backgroundSize",
    "color",
];

/// What a directive key names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Global,
    /// A local directive: carries over to the following slides.
    Local,
    /// A local directive with the `_` prefix: this slide only.
    Spot,
}

/// Classify a key as written (`_class`, `$theme`, `paginate`...). Returns the bare name.
pub fn classify(key: &str) -> Option<(Kind, &'static str)> {
    if let Some(bare) = key.strip_prefix('_') {
        return LOCAL.iter().find(|n| **n == bare).map(|n| (Kind::Spot, *n));
    }
    let bare = key.strip_prefix('$').unwrap_or(key);
    if let Some(n) = GLOBAL.iter().find(|n| **n == bare) {
        return Some((Kind::Global, n));
    }
    if key.starts_with('$') {
        return None;
    }
    LOCAL.iter().find(|n| **n == key).map(|n| (Kind::Local, *n))
}

/// A known directive name close to `key`, for "did you mean" hints.
pub fn suggest(key: &str) -> Option<&'static str> {
    let bare = key.trim_start_matches(['_', '$']);
    // Only a single word can be a misspelt directive; a note such as `Remember: ...` cannot.
    if bare.is_empty() || !bare.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let lower = bare.to_ascii_lowercase();
    GLOBAL
        .iter()
        .chain(LOCAL)
        .filter(|n| n.len().abs_diff(bare.len()) <= 2.max(n.len() / 4))
        .map(|n| (edit_distance(&lower, &n.to_ascii_lowercase()), *n))
        .filter(|(d, n)| *d <= 2.max(n.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A directive value: Marp directives are strings, but YAML may give lists (`headingDivider`).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    List(Vec<String>),
    /// A key written with no value (`footer:`): an empty string for Marp.
    Empty,
}

impl Value {
    pub fn as_str(&self) -> &str {
        match self {
            Value::Str(s) => s,
            _ => "",
        }
    }
}

/// One `key: value` pair read from YAML, with the line it was written on (0-based, in the YAML text).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub value: Value,
    pub line: usize,
    /// Column (0-based, in characters) where the key starts on that line.
    pub key_col: usize,
    /// Column (0-based, in characters) where the value starts on that line.
    pub value_col: usize,
}

/// A YAML problem, positioned in the YAML text (0-based line, 0-based column).
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

/// Read directive YAML. `Ok(None)` means the text is valid YAML but not a mapping (a plain note).
pub fn parse_yaml(text: &str) -> Result<Option<Vec<Entry>>, YamlError> {
    let loosened = loosen(text);
    let docs = YamlLoader::load_from_str(&loosened).map_err(|e| YamlError {
        line: e.marker().line().saturating_sub(1),
        col: e.marker().col().saturating_sub(1),
        message: e.info().to_string(),
    })?;
    let Some(doc) = docs.into_iter().next() else {
        return Ok(Some(Vec::new()));
    };
    let Yaml::Hash(map) = doc else {
        return Ok(if matches!(doc, Yaml::Null) {
            Some(Vec::new())
        } else {
            None
        });
    };
    let mut entries = Vec::with_capacity(map.len());
    for (k, v) in map {
        let Some(key) = scalar(&k) else {
            return Ok(None);
        };
        let (line, key_col, value_col) = key_position(text, &key);
        let value = match v {
            Yaml::Null => Value::Empty,
            Yaml::Array(items) => Value::List(items.iter().filter_map(scalar).collect()),
            other => match scalar(&other) {
                Some(s) => Value::Str(s),
                None => Value::Str(String::new()),
            },
        };
        entries.push(Entry {
            key,
            value,
            line,
            key_col,
            value_col,
        });
    }
    Ok(Some(entries))
}

/// A YAML scalar as text (directive values and figure specs are text).
pub fn scalar(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Real(r) => Some(r.clone()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Line (0-based) of a top-level key, and the columns where the key and its value begin.
fn key_position(text: &str, key: &str) -> (usize, usize, usize) {
    for (i, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        if let Some(rest) = line[indent..].strip_prefix(key)
            && let Some(after) = rest.trim_start().strip_prefix(':')
        {
            let value_start = line.len() - after.trim_start().len();
            return (
                i,
                line[..indent].chars().count(),
                line[..value_start].chars().count(),
            );
        }
    }
    (0, 0, 0)
}

/// Quote the values of known directives on top-level lines, the way Marpit does.
fn loosen(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        let (body, eol) = match line.strip_suffix('\n') {
            Some(b) => (b.strip_suffix('\r').unwrap_or(b), &line[b.len()..]),
            None => (line, ""),
        };
        out.push_str(&loosen_line(body).unwrap_or_else(|| body.to_string()));
        out.push_str(eol);
    }
    out
}

fn loosen_line(line: &str) -> Option<String> {
    // Leading spaces are allowed: a comment often starts with a newline and an indent.
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[indent..];
    let colon = rest.find(':')?;
    let key = &rest[..colon];
    classify(key.trim_end())?;
    let value = rest[colon + 1..].trim();
    let sep = &rest[colon + 1..];
    if value.is_empty() || !sep.starts_with([' ', '\t']) {
        return None;
    }
    if value.starts_with(['"', '\'', '|', '>', '[', '{', '&', '*', '!']) {
        return None;
    }
    let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
    Some(format!(
        "{}{}: \"{}\"",
        &line[..indent],
        key.trim_end(),
        escaped
    ))
}

/// Parse Marp's `paginate` value.
pub fn paginate(value: &str) -> Option<crate::deck::Paginate> {
    use crate::deck::Paginate;
    match value.trim() {
        "true" => Some(Paginate::True),
        "false" => Some(Paginate::False),
        "hold" => Some(Paginate::Hold),
        "skip" => Some(Paginate::Skip),
        _ => None,
    }
}

/// Parse `headingDivider`: a level (1-6) means "this level and above"; a list names exact levels.
pub fn heading_divider(value: &Value) -> Option<Vec<u8>> {
    let level = |s: &str| s.trim().parse::<u8>().ok().filter(|l| (1..=6).contains(l));
    match value {
        Value::Str(s) if s.trim() == "false" => Some(Vec::new()),
        Value::Str(s) => level(s).map(|n| (1..=n).collect()),
        Value::List(items) => items.iter().map(|s| level(s)).collect(),
        Value::Empty => Some(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(text: &str) -> Vec<(String, Value)> {
        parse_yaml(text)
            .unwrap()
            .unwrap()
            .into_iter()
            .map(|e| (e.key, e.value))
            .collect()
    }

    #[test]
    fn hash_colour_is_a_value_not_a_comment() {
        let e = entries("backgroundColor: #fff\ncolor: #123456 # still the value\n");
        assert_eq!(e[0], ("backgroundColor".into(), Value::Str("#fff".into())));
        assert_eq!(e[1].1, Value::Str("#123456 # still the value".into()));
    }

    #[test]
    fn block_scalars_and_lists_are_kept() {
        let e = entries("style: |\n  section { color: red }\nheadingDivider: [1, 3]\nsize: 4:3\n");
        assert_eq!(e[0].1, Value::Str("section { color: red }\n".into()));
        assert_eq!(e[1].1, Value::List(vec!["1".into(), "3".into()]));
        assert_eq!(e[2].1, Value::Str("4:3".into()));
    }

    #[test]
    fn quoted_and_empty_values() {
        let e = entries("_footer: \"a: b\"\nheader:\n");
        assert_eq!(e[0].1, Value::Str("a: b".into()));
        assert_eq!(e[1].1, Value::Empty);
    }

    #[test]
    fn records_key_and_value_columns() {
        let e = parse_yaml(" _class: lead ").unwrap().unwrap();
        assert_eq!((e[0].line, e[0].key_col, e[0].value_col), (0, 1, 9));
        let e = parse_yaml("\n  paginate:   true\n").unwrap().unwrap();
        assert_eq!((e[0].line, e[0].key_col, e[0].value_col), (1, 2, 14));
    }

    #[test]
    fn a_plain_sentence_is_not_a_mapping() {
        assert_eq!(parse_yaml("Remember to breathe.").unwrap(), None);
    }

    #[test]
    fn broken_yaml_is_positioned() {
        let err = parse_yaml("theme: gaia\nstyle: |\n  a\n b: [\n").unwrap_err();
        assert!(err.line >= 2, "{err:?}");
    }

    #[test]
    fn classifies_prefixes() {
        assert_eq!(classify("_class"), Some((Kind::Spot, "class")));
        assert_eq!(classify("class"), Some((Kind::Local, "class")));
        assert_eq!(classify("$theme"), Some((Kind::Global, "theme")));
        assert_eq!(classify("_theme"), None);
        assert_eq!(classify("paginat"), None);
        assert_eq!(suggest("paginat"), Some("paginate"));
        assert_eq!(suggest("TODO"), None);
        assert_eq!(suggest("Notes for slide 1"), None);
        assert_eq!(suggest("backgroundcolour"), Some("backgroundColor"));
    }

    #[test]
    fn heading_divider_values() {
        assert_eq!(heading_divider(&Value::Str("2".into())), Some(vec![1, 2]));
        assert_eq!(
            heading_divider(&Value::List(vec!["1".into(), "3".into()])),
            Some(vec![1, 3])
        );
        assert_eq!(heading_divider(&Value::Str("9".into())), None);
    }
}
