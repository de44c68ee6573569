//! YAML with positions: front matter, directive comments and the blocks of charts and tables.
//!
//! yaml-rust2's event parser gives a marker (a character index) per event; this module builds a
//! small tree whose every node keeps the byte range it was written at, so an error can point at
//! the key or value that is wrong instead of searching the text for it. Aliases are expanded
//! with a budget: a few hundred bytes of nested aliases cannot grow into gigabytes.

use std::collections::HashMap;
use std::ops::Range;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// How many nodes a document may hold once its aliases are expanded.
pub const MAX_NODES: usize = 10_000;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    /// A scalar as written (plain scalars keep their text: `3`, `true`, `#fff`).
    Scalar {
        text: String,
        /// Quoted or block scalars are always text; plain ones may be numbers or booleans.
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A node and the byte range of the text it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Range<usize>,
}

impl Node {
    /// The scalar's text (`None` for maps, sequences and null).
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// A plain scalar that reads as an integer.
    pub fn as_i64(&self) -> Option<i64> {
        match &self.value {
            Value::Scalar { text, plain: true } => text.parse().ok(),
            _ => None,
        }
    }

    /// A plain scalar that reads as a number.
    pub fn as_f64(&self) -> Option<f64> {
        match &self.value {
            Value::Scalar { text, plain: true } => {
                let t = text.replace('_', "");
                t.parse().ok().filter(|v: &f64| v.is_finite())
            }
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar { text, plain: true } => match text.as_str() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// The entries of a map (empty for anything else).
    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(m) => m,
            _ => &[],
        }
    }

    /// A map entry by key.
    pub fn get(&self, key: &str) -> Option<(&Node, &Node)> {
        self.entries()
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }
}

/// A YAML error at a byte offset of the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub offset: usize,
    pub message: String,
}

/// The help line for a YAML error that is a limit, not a typo.
pub fn limit_help(e: &Error) -> Option<String> {
    (e.message.contains("more than")).then(|| {
        format!(
            "deck reads at most {MAX_NODES} values from a block of YAML, aliases (`*name`) expanded: write the values out, or use fewer aliases"
        )
    })
}

/// Read the first document of `text` (`Value::Null` for an empty text).
pub fn load(text: &str) -> Result<Node, Error> {
    let offsets = CharOffsets::new(text);
    let mut builder = Builder {
        src: text,
        offsets: &offsets,
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        nodes: 0,
        error: None,
    };
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut builder, false) {
        return Err(Error {
            offset: offsets.byte(e.marker().index()),
            message: e.info().to_string(),
        });
    }
    if let Some(e) = builder.error {
        return Err(e);
    }
    Ok(builder.root.unwrap_or(Node {
        value: Value::Null,
        span: 0..0,
    }))
}

/// yaml-rust2's markers count characters; spans are bytes.
struct CharOffsets {
    /// Byte offset of every character, and the text's length at the end.
    bytes: Vec<usize>,
}

impl CharOffsets {
    fn new(text: &str) -> Self {
        let mut bytes: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        bytes.push(text.len());
        CharOffsets { bytes }
    }

    fn byte(&self, char_index: usize) -> usize {
        self.bytes
            .get(char_index)
            .copied()
            .unwrap_or_else(|| self.bytes.last().copied().unwrap_or(0))
    }
}

enum Open {
    Seq(Vec<Node>, usize, usize),
    /// Entries, a key waiting for its value, the anchor and the start.
    Map(Vec<(Node, Node)>, Option<Node>, usize, usize),
}

struct Builder<'o> {
    src: &'o str,
    offsets: &'o CharOffsets,
    stack: Vec<Open>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    /// Nodes made so far, aliases expanded.
    nodes: usize,
    error: Option<Error>,
}

fn count(node: &Node) -> usize {
    1 + match &node.value {
        Value::Seq(items) => items.iter().map(count).sum(),
        Value::Map(entries) => entries.iter().map(|(k, v)| count(k) + count(v)).sum(),
        _ => 0,
    }
}

impl Builder<'_> {
    fn add(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            Some(Open::Seq(items, ..)) => items.push(node),
            Some(Open::Map(entries, key, ..)) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => *key = Some(node),
            },
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
        }
    }

    fn fail(&mut self, offset: usize, message: String) {
        if self.error.is_none() {
            self.error = Some(Error { offset, message });
        }
    }
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let at = self.offsets.byte(mark.index());
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                self.nodes += 1;
                let plain = style == TScalarStyle::Plain && !is_str_tag(tag.as_ref());
                // Within the line it starts on: a plain scalar folded over several lines has
                // a value longer than its first written line.
                let line_end = self.src[at.min(self.src.len())..]
                    .find('\n')
                    .map_or(self.src.len(), |i| at + i);
                let end = scalar_end(at, &text, style).min(line_end).max(at);
                let value = if plain && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL")
                {
                    Value::Null
                } else {
                    Value::Scalar { text, plain }
                };
                self.add(
                    Node {
                        value,
                        span: at..end,
                    },
                    anchor,
                );
            }
            Event::SequenceStart(anchor, _) => {
                self.nodes += 1;
                self.stack.push(Open::Seq(Vec::new(), anchor, at));
            }
            Event::MappingStart(anchor, _) => {
                self.nodes += 1;
                self.stack.push(Open::Map(Vec::new(), None, anchor, at));
            }
            Event::SequenceEnd => {
                if let Some(Open::Seq(items, anchor, start)) = self.stack.pop() {
                    let end = items.last().map_or(at, |n| n.span.end.max(start));
                    self.add(
                        Node {
                            value: Value::Seq(items),
                            span: start..end,
                        },
                        anchor,
                    );
                }
            }
            Event::MappingEnd => {
                if let Some(Open::Map(entries, _, anchor, start)) = self.stack.pop() {
                    let end = entries.last().map_or(at, |(_, v)| v.span.end.max(start));
                    self.add(
                        Node {
                            value: Value::Map(entries),
                            span: start..end,
                        },
                        anchor,
                    );
                }
            }
            Event::Alias(id) => {
                let Some(node) = self.anchors.get(&id).cloned() else {
                    self.fail(at, "unknown alias".into());
                    return;
                };
                self.nodes += count(&node);
                if self.nodes > MAX_NODES {
                    self.fail(
                        at,
                        format!("aliases expand to more than {MAX_NODES} values"),
                    );
                    return;
                }
                // The copy points at the alias, where it was used.
                let len = node.span.len();
                self.add(
                    Node {
                        span: at..at + len.min(1),
                        ..node
                    },
                    0,
                );
            }
            _ => {}
        }
        if self.nodes > MAX_NODES && self.error.is_none() {
            self.fail(at, format!("more than {MAX_NODES} values"));
        }
    }
}

fn is_str_tag(tag: Option<&Tag>) -> bool {
    tag.is_some_and(|t| t.suffix == "str")
}

/// Where a scalar written at `start` ends, as far as its value tells (quoted scalars include
/// their quotes; block scalars end at the start, pointing at their indicator).
fn scalar_end(start: usize, text: &str, style: TScalarStyle) -> usize {
    match style {
        TScalarStyle::Plain => start + text.lines().next().unwrap_or("").len(),
        TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => {
            start + text.lines().next().unwrap_or("").len() + 2
        }
        _ => start + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_point_at_keys_and_values() {
        let text = "type: bar\nsql: SELECT 1\ncolors:\n  a: \"#fff\"\n";
        let doc = load(text).unwrap();
        let (k, v) = doc.get("sql").unwrap();
        assert_eq!(&text[k.span.clone()], "sql");
        assert_eq!(&text[v.span.clone()], "SELECT 1");
        let (_, colors) = doc.get("colors").unwrap();
        let (ak, av) = colors.get("a").unwrap();
        assert_eq!(&text[ak.span.clone()], "a");
        assert_eq!(&text[av.span.clone()], "\"#fff\"");
        assert_eq!(av.as_str(), Some("#fff"));
    }

    #[test]
    fn a_folded_scalar_spans_its_first_line_only() {
        let text = "a: '—'\nsql: SELECT x\n  FROM y JOIN z ON true\n";
        let doc = load(text).unwrap();
        let (_, v) = doc.get("sql").unwrap();
        assert_eq!(&text[v.span.clone()], "SELECT x");
    }

    #[test]
    fn spans_are_bytes_after_wide_characters() {
        let text = "title: \"é中\"\ny: 2\n";
        let doc = load(text).unwrap();
        let (k, v) = doc.get("y").unwrap();
        assert_eq!(&text[k.span.clone()], "y");
        assert_eq!(v.as_i64(), Some(2));
    }

    #[test]
    fn scalars_keep_their_kind() {
        let doc = load("a: 3\nb: \"3\"\nc: true\nd:\ne: 1.5\n").unwrap();
        assert_eq!(doc.get("a").unwrap().1.as_i64(), Some(3));
        assert_eq!(doc.get("b").unwrap().1.as_i64(), None);
        assert_eq!(doc.get("c").unwrap().1.as_bool(), Some(true));
        assert!(doc.get("d").unwrap().1.is_null());
        assert_eq!(doc.get("e").unwrap().1.as_f64(), Some(1.5));
    }

    #[test]
    fn errors_have_offsets() {
        let text = "a: 1\nb: [\n";
        let e = load(text).unwrap_err();
        assert!(e.offset >= 5, "{e:?}");
    }

    #[test]
    fn alias_bombs_are_refused() {
        // Each level doubles: 2^20 values if expanded.
        let mut text = String::from("a0: &a0 [x, x]\n");
        for i in 1..=20 {
            text.push_str(&format!("a{i}: &a{i} [*a{}, *a{}]\n", i - 1, i - 1));
        }
        let e = load(&text).unwrap_err();
        assert!(e.message.contains("more than"), "{e:?}");
        // Ordinary aliases work.
        let doc = load("base: &b {x: 1}\nother: *b\n").unwrap();
        assert_eq!(
            doc.get("other").unwrap().1.get("x").unwrap().1.as_i64(),
            Some(1)
        );
    }
}
