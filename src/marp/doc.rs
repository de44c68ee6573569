//! A configuration file's content as one JSON value, whatever its format (YAML, JSON, a
//! `package.json`'s `marp` key, a JavaScript literal), with where each key was written: the
//! typed reading in `config.rs` points its diagnostics at the key or value that is wrong.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::diagnostics::Diagnostic;

/// A file's configuration object and where its keys were written.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    pub path: PathBuf,
    pub text: String,
    /// The configuration object (`Value::Null` for an empty file).
    pub value: Value,
    /// Byte span of each key read, by dotted path (`options.headingDivider`, `themeSet.1`).
    pub spans: Vec<(String, Range<usize>)>,
    /// Keys of a JavaScript config whose values are computed: (dotted path, span, why).
    pub unreadable: Vec<(String, Range<usize>, String)>,
}

impl Doc {
    /// Where `key` (a dotted path) was written, or the start of the file.
    pub fn span(&self, key: &str) -> Range<usize> {
        self.spans
            .iter()
            .find(|(k, _)| k == key)
            .map_or(0..0, |(_, s)| s.clone())
    }

    /// A diagnostic at `key`.
    pub fn at(&self, d: Diagnostic, key: &str) -> Diagnostic {
        if self.text.is_empty() {
            return d;
        }
        d.at_span(&self.text, self.span(key))
    }

    /// Read `path` by its name: YAML (`.marprc`, `.yml`, `.yaml`), JSON, or JavaScript.
    pub fn read(path: &Path, text: String) -> Result<Doc, Diagnostic> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        let mut doc = Doc {
            path: path.to_path_buf(),
            ..Doc::default()
        };
        match ext {
            "json" => {
                let (value, spans) = json(&text).map_err(|(m, span)| {
                    Diagnostic::error(path, format!("not JSON: {m}")).at_span(&text, span)
                })?;
                if name == "package.json" {
                    doc.value = value.get("marp").cloned().unwrap_or(Value::Null);
                    doc.spans = spans
                        .into_iter()
                        .filter_map(|(k, s)| {
                            let rest = k.strip_prefix("marp")?;
                            Some((rest.strip_prefix('.').unwrap_or(rest).to_string(), s))
                        })
                        .collect();
                } else {
                    doc.value = value;
                    doc.spans = spans;
                }
            }
            "js" | "mjs" | "cjs" | "ts" | "mts" | "cts" => {
                let read = super::js::read_config(&text).map_err(|e| {
                    Diagnostic::error(path, e.message)
                        .at_span(&text, e.span)
                        .help(format!(
                            "deck reads a JavaScript config without running it, so it must export a literal object; or write the same keys in .marprc.yml beside it ({})",
                            "deck never runs a project's JavaScript"
                        ))
                })?;
                doc.value = read.value;
                doc.spans = read.spans;
                doc.unreadable = read
                    .unreadable
                    .into_iter()
                    .map(|u| (u.key, u.span, u.why))
                    .collect();
            }
            _ => {
                let node = crate::yaml::load(&text).map_err(|e| {
                    Diagnostic::error(path, format!("broken YAML: {}", e.message))
                        .at_span(&text, e.offset..e.offset + 1)
                        .help("fix the YAML; .marprc files are YAML (or JSON)")
                })?;
                let mut spans = Vec::new();
                doc.value = yaml_value(&node, "", &mut spans);
                doc.spans = spans;
            }
        }
        doc.text = text;
        Ok(doc)
    }
}

/// A YAML node as JSON, as js-yaml (marp-cli's loader) reads it: plain `true`/`false`, `null`
/// and numbers are typed, everything else is a string.
fn yaml_value(node: &crate::yaml::Node, path: &str, spans: &mut Spans) -> Value {
    use crate::yaml::Value as Y;
    match &node.value {
        Y::Null => Value::Null,
        Y::Scalar { text, plain } => {
            if !*plain {
                return Value::String(text.clone());
            }
            match text.as_str() {
                "true" | "True" | "TRUE" => Value::Bool(true),
                "false" | "False" | "FALSE" => Value::Bool(false),
                "null" | "Null" | "NULL" | "~" | "" => Value::Null,
                t => t
                    .parse::<i64>()
                    .map(Value::from)
                    .ok()
                    .or_else(|| {
                        t.parse::<f64>()
                            .ok()
                            .filter(|f| f.is_finite() && !t.starts_with(['+', '.']))
                            .and_then(serde_json::Number::from_f64)
                            .map(Value::Number)
                    })
                    .unwrap_or_else(|| Value::String(t.to_string())),
            }
        }
        Y::Seq(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    let key = join(path, &i.to_string());
                    spans.push((key.clone(), n.span.clone()));
                    yaml_value(n, &key, spans)
                })
                .collect(),
        ),
        Y::Map(entries) => {
            let mut map = serde_json::Map::new();
            for (k, v) in entries {
                let name = k.as_str().unwrap_or_default().to_string();
                let key = join(path, &name);
                spans.push((key.clone(), k.span.start..v.span.end.max(k.span.end)));
                map.insert(name, yaml_value(v, &key, spans));
            }
            Value::Object(map)
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Each key's dotted path and where it was written.
type Spans = Vec<(String, Range<usize>)>;

/// JSON with the spans of its keys: JSON is a JavaScript literal, read by the same reader.
fn json(text: &str) -> Result<(Value, Spans), (String, Range<usize>)> {
    // serde_json says exactly what is wrong; the JavaScript reader says where each key is.
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let line_start: usize = text
            .split_inclusive('\n')
            .take(e.line().saturating_sub(1))
            .map(str::len)
            .sum();
        let at = crate::diagnostics::floor_char_boundary(
            text,
            line_start + e.column().saturating_sub(1),
        );
        (e.to_string(), at..at + 1)
    })?;
    const PREFIX: &str = "module.exports = ";
    let spans = super::js::read_config(&format!("{PREFIX}{text}"))
        .map(|r| {
            r.spans
                .into_iter()
                .map(|(k, s)| {
                    let shift = |i: usize| i.saturating_sub(PREFIX.len());
                    (k, shift(s.start)..shift(s.end))
                })
                .collect()
        })
        .unwrap_or_default();
    Ok((value, spans))
}
