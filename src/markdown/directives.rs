//! Marp directives: their names, and reading them from front matter or HTML comments.
//!
//! Marp reads directive YAML "loosely": a value such as `backgroundColor: #fff` is the colour
//! `#fff`, not a key followed by a comment. We do what Marpit does: before the YAML parser sees the
//! text, the value of every top-level line whose key is a known directive is quoted.

use std::ops::Range;

use crate::yaml;

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
    // `marp: true` marks a Marp file for editors; marp-cli's metadata: the page's keywords, its
    // canonical address and its Open Graph image.
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
    // marp-cli's bespoke template: the animation to the next slide (`fade`, `cover 1s`...).
    "transition",
];

/// marp-cli's built-in transitions (deck draws its own keyframes for each).
pub const TRANSITIONS: &[&str] = &[
    "clockwise",
    "counterclockwise",
    "cover",
    "coverflow",
    "cube",
    "cylinder",
    "diamond",
    "drop",
    "explode",
    "fade",
    "fade-out",
    "fall",
    "flip",
    "glow",
    "implode",
    "in-out",
    "iris-in",
    "iris-out",
    "melt",
    "overlap",
    "pivot",
    "pull",
    "push",
    "reveal",
    "rotate",
    "slide",
    "star",
    "swap",
    "swipe",
    "swoosh",
    "wipe",
    "wiper",
    "zoom",
];

/// A `transition` value as marp-cli writes it on the slide (`data-transition`): JSON with the
/// name, the duration when given, and `builtinFallback` for a built-in name. `None` when the
/// value is not a transition (an empty name, a duration without a unit).
pub fn transition_json(value: &str) -> Option<String> {
    let mut words = value.split_whitespace();
    let name = words.next()?;
    let duration = words.next();
    let valid_duration = |d: &str| {
        let num = d.strip_suffix("ms").or_else(|| d.strip_suffix('s'));
        num.is_some_and(|n| n.parse::<f64>().is_ok_and(|v| v >= 0.0))
    };
    if duration.is_some_and(|d| !valid_duration(d)) {
        return None;
    }
    let mut json = format!("{{\"name\":{}", serde_json::Value::from(name));
    if let Some(d) = duration {
        json.push_str(&format!(",\"duration\":{}", serde_json::Value::from(d)));
    }
    if TRANSITIONS.contains(&name) {
        json.push_str(",\"builtinFallback\":true");
    }
    json.push('}');
    Some(json)
}

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

pub fn edit_distance(a: &str, b: &str) -> usize {
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

/// One `key: value` pair read from YAML, with where its key and value were written (byte
/// ranges in the YAML text as written).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub value: Value,
    pub key_span: Range<usize>,
    pub value_span: Range<usize>,
}

/// A YAML problem at a byte offset of the YAML text as written.
pub type YamlError = yaml::Error;

/// Read directive YAML. `Ok(None)` means the text is valid YAML but not a mapping (a plain note).
/// `loose`: Marp's loose reading (`looseYAML`, on in Marp Core): known directives' values are
/// quoted first.
pub fn parse_yaml(text: &str, loose: bool) -> Result<Option<Vec<Entry>>, YamlError> {
    let loose = if loose {
        loosen(text)
    } else {
        as_written(text)
    };
    let doc = yaml::load(&loose.text).map_err(|e| YamlError {
        offset: loose.to_written(e.offset),
        message: e.message,
    })?;
    let entries = match &doc.value {
        yaml::Value::Null => return Ok(Some(Vec::new())),
        yaml::Value::Map(entries) => entries,
        _ => return Ok(None),
    };
    let mut out = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        let Some(key) = k.as_str() else {
            return Ok(None);
        };
        let value = match &v.value {
            yaml::Value::Null => Value::Empty,
            yaml::Value::Seq(items) => Value::List(
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect(),
            ),
            yaml::Value::Scalar { text, .. } => Value::Str(text.clone()),
            yaml::Value::Map(_) => Value::Str(String::new()),
        };
        let span = |r: &Range<usize>| {
            let a = loose.to_written(r.start);
            a..loose.to_written(r.end).max(a)
        };
        out.push(Entry {
            key: key.to_string(),
            value,
            key_span: span(&k.span),
            value_span: span(&v.span),
        });
    }
    Ok(Some(out))
}

/// A YAML scalar as text (directive values and figure specs are text).
pub fn scalar(y: &yaml::Node) -> Option<String> {
    y.as_str().map(str::to_string)
}

/// The text after Marp's loosening, and how to find the written offset of a loosened one.
struct Loosened {
    text: String,
    /// Per line: where it starts in the loosened and in the written text, its written length,
    /// and for a loosened value, where the value starts (written, loosened) within the line and
    /// its written length.
    lines: Vec<LoosenedLine>,
}

/// (loosened start, written start, written length, loosened value: (written start, loosened
/// start, written length)).
type LoosenedLine = (usize, usize, usize, Option<(usize, usize, usize)>);

impl Loosened {
    fn to_written(&self, offset: usize) -> usize {
        let i = self
            .lines
            .partition_point(|l| l.0 <= offset)
            .saturating_sub(1);
        let Some(&(new_start, old_start, old_len, value)) = self.lines.get(i) else {
            return offset;
        };
        let col = offset - new_start;
        let col = match value {
            Some((old_v, new_v, len)) if col >= new_v => {
                old_v + (col - new_v).saturating_sub(1).min(len)
            }
            _ => col,
        };
        old_start + col.min(old_len)
    }
}

/// The text as written, for strict YAML.
fn as_written(text: &str) -> Loosened {
    let mut lines = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        lines.push((at, at, line.len(), None));
        at += line.len();
    }
    Loosened {
        text: text.to_string(),
        lines,
    }
}

/// Quote the values of known directives on top-level lines, the way Marpit does.
fn loosen(text: &str) -> Loosened {
    let mut out = Loosened {
        text: String::with_capacity(text.len() + 16),
        lines: Vec::new(),
    };
    let mut old_start = 0;
    for line in text.split_inclusive('\n') {
        let (body, eol) = match line.strip_suffix('\n') {
            Some(b) => (b.strip_suffix('\r').unwrap_or(b), &line[b.len()..]),
            None => (line, ""),
        };
        let new_start = out.text.len();
        match loosen_line(body) {
            Some((loose, old_v, new_v)) => {
                out.text.push_str(&loose);
                let len = body[old_v..].trim_end().len();
                out.lines
                    .push((new_start, old_start, body.len(), Some((old_v, new_v, len))));
            }
            None => {
                out.text.push_str(body);
                out.lines.push((new_start, old_start, body.len(), None));
            }
        }
        out.text.push_str(eol);
        old_start += line.len();
    }
    out
}

/// The loosened line, and where its value starts in the written and the loosened line.
fn loosen_line(line: &str) -> Option<(String, usize, usize)> {
    // Only a line that starts with the key, as Marpit's pattern (`^key\s*:`) has it: an indented
    // line (inside `style: |`, say) is the YAML's own.
    let colon = line.find(':')?;
    let key = &line[..colon];
    let bare = key.trim_end();
    let unquoted = bare
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .or_else(|| bare.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')))
        .unwrap_or(bare);
    classify(unquoted)?;
    let value = line[colon + 1..].trim();
    let sep = &line[colon + 1..];
    if value.is_empty() || !sep.starts_with([' ', '\t']) {
        return None;
    }
    // Marpit leaves a value alone when it starts with one of `["'{|>~&*`.
    if value.starts_with(['"', '\'', '|', '>', '[', '{', '~', '&', '*']) {
        return None;
    }
    let old_v = colon + 1 + (sep.len() - sep.trim_start().len());
    // Only `"` is escaped, as Marpit does: a backslash keeps its YAML meaning.
    let escaped = value.replace('"', "\\\"");
    let head = format!("{}: ", key.trim_end());
    let new_v = head.len();
    Some((format!("{head}\"{escaped}\""), old_v, new_v))
}

/// Parse Marp's `paginate` value (any case, as Marpit reads it).
pub fn paginate(value: &str) -> Option<crate::deck::Paginate> {
    use crate::deck::Paginate;
    match value.trim().to_ascii_lowercase().as_str() {
        "true" => Some(Paginate::True),
        "false" => Some(Paginate::False),
        "hold" => Some(Paginate::Hold),
        "skip" => Some(Paginate::Skip),
        _ => None,
    }
}

/// A directive name in kebab case, as Marp names its attributes (`backgroundColor` ->
/// `background-color`).
pub fn kebab(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `headingDivider` as Marp writes it on sections: the level, or the listed levels joined with
/// commas; `None` when it divides nothing (`false`, an invalid value).
pub fn heading_divider_attr(value: &Value) -> Option<String> {
    let level = |s: &str| s.trim().parse::<u8>().ok().filter(|l| (1..=6).contains(l));
    match value {
        Value::Str(s) => level(s).map(|n| n.to_string()),
        Value::List(items) => {
            let mut levels: Vec<u8> = items.iter().filter_map(|s| level(s)).collect();
            levels.sort_unstable();
            levels.dedup();
            Some(
                levels
                    .iter()
                    .map(u8::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
            )
        }
        Value::Empty => None,
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
        parse_yaml(text, true)
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
    fn records_key_and_value_spans_as_written() {
        let text = " _class: lead ";
        let e = parse_yaml(text, true).unwrap().unwrap();
        assert_eq!(&text[e[0].key_span.clone()], "_class");
        assert_eq!(&text[e[0].value_span.clone()], "lead");
        let text = "\n  paginate:   true\n";
        let e = parse_yaml(text, true).unwrap().unwrap();
        assert_eq!(&text[e[0].key_span.clone()], "paginate");
        assert_eq!(&text[e[0].value_span.clone()], "true");
        let text = "paginate: true\nfooter: a \"b\" c\ncolor: #fff\n";
        let e = parse_yaml(text, true).unwrap().unwrap();
        assert_eq!(&text[e[1].value_span.clone()], "a \"b\" c");
        assert_eq!(e[2].value, Value::Str("#fff".into()));
        assert_eq!(&text[e[2].value_span.clone()], "#fff");
    }

    #[test]
    fn a_plain_sentence_is_not_a_mapping() {
        assert_eq!(parse_yaml("Remember to breathe.", true).unwrap(), None);
    }

    #[test]
    fn broken_yaml_is_positioned() {
        let text = "theme: gaia\nstyle: |\n  a\n b: [\n";
        let err = parse_yaml(text, true).unwrap_err();
        assert!(err.offset >= text.find(" b:").unwrap(), "{err:?}");
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
