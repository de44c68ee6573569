//! The YAML inside ```` ```chart ```` and ```` ```table ```` blocks: read with where each key and
//! value was written, checked against the keys the block knows, so a problem points at the key
//! or value that is wrong.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::markdown::FigureError;
use crate::yaml::{self, Node};

/// One `name: value` of a nested map, with where each part was written.
#[derive(Debug, Clone, PartialEq)]
pub struct MapEntry {
    pub value: String,
    pub name_at: Range<usize>,
    pub value_at: Range<usize>,
}

/// A block's keys with their values.
pub struct Spec {
    entries: BTreeMap<String, (Node, Node)>,
}

impl Spec {
    pub fn parse(text: &str, known: &[&str]) -> Result<Spec, FigureError> {
        let doc = yaml::load(text).map_err(|e| {
            let line = line_at(text, e.offset);
            FigureError {
                message: format!("broken YAML: {}", e.message),
                help: yaml::limit_help(&e).unwrap_or_else(|| yaml_help(&e.message, text, e.offset)),
                span: Some(line),
            }
        })?;
        let entries = match &doc.value {
            yaml::Value::Map(m) => m,
            yaml::Value::Null => {
                return Err(FigureError {
                    message: "the block is empty".into(),
                    help: format!("write `key: value` lines; known keys: {}", known.join(", ")),
                    span: None,
                });
            }
            _ => {
                return Err(FigureError {
                    message: "the block must be `key: value` lines".into(),
                    help: format!("known keys: {}", known.join(", ")),
                    span: Some(doc.span.clone()),
                });
            }
        };
        let mut out = BTreeMap::new();
        // The key before, when it was left without a value: a nested map not indented.
        let mut open_parent: Option<&str> = None;
        for (k, v) in entries {
            let key = k.as_str().unwrap_or("").to_string();
            if !known.contains(&key.as_str()) {
                let mut help = match crate::template::closest(&key, known.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`? known keys: {}", known.join(", ")),
                    None => format!("known keys: {}", known.join(", ")),
                };
                if let Some(parent) = open_parent {
                    help = format!(
                        "`{parent}:` above has no value: if this line belongs to it, indent it (two spaces) under `{parent}:`; otherwise {help}"
                    );
                }
                return Err(FigureError {
                    message: format!("unknown key `{key}`"),
                    help,
                    span: Some(k.span.clone()),
                });
            }
            open_parent = (v.is_null() && MAPS.contains(&key.as_str()))
                .then_some(known.iter().find(|n| **n == key).copied().unwrap_or(""));
            out.insert(key, (k.clone(), v.clone()));
        }
        Ok(Spec { entries: out })
    }

    /// Where the value of `key` was written (or the key itself, when it has no value).
    pub fn span(&self, key: &str) -> Option<Range<usize>> {
        self.entries.get(key).map(|(k, v)| {
            if v.span.is_empty() || v.is_null() {
                k.span.clone()
            } else {
                v.span.clone()
            }
        })
    }

    pub fn has(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    fn value(&self, key: &str) -> Option<&Node> {
        self.entries
            .get(key)
            .map(|(_, v)| v)
            .filter(|v| !v.is_null())
    }

    fn err(&self, key: &str, message: String, help: &str) -> FigureError {
        FigureError {
            message,
            help: help.into(),
            span: self.span(key),
        }
    }

    pub fn str(&self, key: &str) -> Result<Option<String>, FigureError> {
        match self.value(key) {
            None => Ok(None),
            Some(v) => match v.as_str() {
                Some(s) => Ok(Some(s.to_string())),
                None => Err(self.err(key, format!("`{key}` must be text"), "write a single value")),
            },
        }
    }

    /// A key every block of this kind needs; its absence points at the block.
    pub fn required(&self, key: &str) -> Result<String, FigureError> {
        self.str(key)?
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| FigureError {
                message: format!("missing `{key}`"),
                help: format!("add a `{key}:` line to the block"),
                span: None,
            })
    }

    pub fn f64(&self, key: &str) -> Result<Option<f64>, FigureError> {
        match self.value(key) {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| self.err(key, format!("`{key}` must be a number"), "e.g. 12.5")),
        }
    }

    pub fn bool(&self, key: &str) -> Result<bool, FigureError> {
        match self.value(key) {
            None => Ok(false),
            Some(v) => v.as_bool().ok_or_else(|| {
                self.err(
                    key,
                    format!("`{key}` must be true or false"),
                    "write `true` or `false`",
                )
            }),
        }
    }

    /// A `name: value` map (`colors:`, `highlight:`, `format:`), each entry with where its name
    /// and value were written.
    pub fn map(&self, key: &str) -> Result<BTreeMap<String, MapEntry>, FigureError> {
        match self.value(key) {
            None => Ok(BTreeMap::new()),
            Some(Node {
                value: yaml::Value::Map(entries),
                ..
            }) => Ok(entries
                .iter()
                .filter_map(|(k, v)| {
                    let entry = MapEntry {
                        value: v.as_str()?.to_string(),
                        name_at: k.span.clone(),
                        value_at: v.span.clone(),
                    };
                    Some((k.as_str()?.to_string(), entry))
                })
                .collect()),
            Some(_) => Err(self.err(
                key,
                format!("`{key}` must be a map of `name: value` lines"),
                &format!("indent one `name: value` per line under `{key}:`, or write `{key}: {{ name: value }}`"),
            )),
        }
    }

    /// [`Spec::map`] without the positions.
    pub fn values(&self, key: &str) -> Result<BTreeMap<String, String>, FigureError> {
        Ok(self
            .map(key)?
            .into_iter()
            .map(|(k, e)| (k, e.value))
            .collect())
    }
}

/// Keys whose value is a nested map.
const MAPS: &[&str] = &["colors", "highlight", "format"];

/// The line holding byte `offset`, as a range.
fn line_at(text: &str, offset: usize) -> Range<usize> {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    if end > start {
        return start..end;
    }
    // An empty line (the end of the block, say, where an unclosed `{` is found): the last line
    // written before it, which is where the fault is.
    match text[..start].trim_end().rfind('\n') {
        _ if text[..start].trim().is_empty() => start..start,
        Some(i) => i + 1..text[..start].trim_end().len(),
        None => 0..text[..start].trim_end().len(),
    }
}

/// A help line for a YAML error: most are indentation.
fn yaml_help(message: &str, text: &str, offset: usize) -> String {
    let line = &text[line_at(text, offset).start..];
    let indented = line.starts_with([' ', '\t']);
    if message.contains("mapping values are not allowed")
        || message.contains("did not find expected key")
        || indented
    {
        "check the indentation: the block's keys start at the same column, and only the entries of a map (colors:, highlight:, format:) are indented under it".into()
    } else {
        "write one `key: value` per line; quote values that contain `: ` or start with `[`, `{` or `*`".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[&str] = &["type", "sql", "x", "y", "colors", "format"];

    #[test]
    fn values_and_spans() {
        let text = "type: bar\nsql: SELECT 1\nformat:\n  a: 3\n";
        let spec = Spec::parse(text, KEYS).unwrap();
        assert_eq!(spec.str("type").unwrap().as_deref(), Some("bar"));
        assert_eq!(&text[spec.span("sql").unwrap()], "SELECT 1");
        let f = spec.map("format").unwrap();
        assert_eq!(f["a"].value, "3");
        assert_eq!(&text[f["a"].value_at.clone()], "3");
        assert_eq!(&text[f["a"].name_at.clone()], "a");
    }

    #[test]
    fn unknown_and_unindented_keys() {
        let text = "type: bar\ncolors:\ndebian: red\n";
        let e = Spec::parse(text, KEYS).err().unwrap();
        assert_eq!(e.message, "unknown key `debian`");
        assert_eq!(&text[e.span.clone().unwrap()], "debian");
        assert!(e.help.contains("indent it"), "{}", e.help);
        let e = Spec::parse("tpye: bar\n", KEYS).err().unwrap();
        assert!(e.help.starts_with("did you mean `type`?"), "{}", e.help);
    }

    #[test]
    fn missing_key_points_at_the_block() {
        let spec = Spec::parse("type: bar\n", KEYS).unwrap();
        assert_eq!(spec.required("sql").err().unwrap().span, None);
    }

    #[test]
    fn over_indented_line_is_a_yaml_error_at_its_line() {
        let text = "type: bar\nsql: SELECT 1\n  x: variant\n";
        let e = Spec::parse(text, KEYS).err().unwrap();
        let span = e.span.clone().unwrap();
        assert_eq!(&text[span], "  x: variant", "{e:?}");
        assert!(e.help.contains("indentation"), "{}", e.help);
    }
}
