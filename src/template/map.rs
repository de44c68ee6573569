//! From the expanded text back to the file as written.
//!
//! Before the template engine runs, deck puts markers into the template's static text (private-use
//! characters the engine copies like any text): where a run of text starts in the source, which
//! literal region (code, math) stands here, and which iteration of a `{% for %}` is running. The
//! engine's output is then read once: markers are taken out, literals put back, and a
//! [`SourceMap`] remembers for every stretch of the expanded text where it came from.

use std::ops::Range;

/// A run of static text starts here: `POS start,end END` (byte offsets in the source).
pub const POS: char = '\u{F0000}';
/// A literal region: `LIT index END`.
pub const LIT: char = '\u{F0001}';
/// An iteration of a loop begins: `ITER loop,n END`.
pub const ITER: char = '\u{F0002}';
pub const END: char = '\u{F0003}';
/// Something a function call has to say about the value shown here: `CALL index END` (an
/// index into the expansion's call notes).
pub const CALL: char = '\u{F0004}';

pub fn is_reserved(c: char) -> bool {
    ('\u{F0000}'..='\u{F0004}').contains(&c)
}

/// A `{% for %}` of the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Loop {
    /// The `{% for ... %}` tag.
    pub tag: Range<usize>,
    /// From the end of the tag to the start of its `{% endfor %}`.
    pub body: Range<usize>,
    /// 1-based line of the tag.
    pub line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Segment {
    /// Where the stretch starts in the expanded text.
    out: usize,
    /// Where it starts in the source.
    src: usize,
    /// Where the source text it copies ends: output past it came from the tag that follows.
    src_end: usize,
}

/// Where each part of an expanded text came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceMap {
    segments: Vec<Segment>,
    /// (offset in the expanded text, loop index, iteration from 1).
    iterations: Vec<(usize, usize, usize)>,
    /// (offset in the expanded text, call note index): where a call's note is about.
    pub calls: Vec<(usize, usize)>,
    loops: Vec<Loop>,
    /// Source ranges passed through because they hold a template error: problems found inside
    /// them later are consequences of that error and are not reported again.
    neutralized: Vec<Range<usize>>,
}

impl SourceMap {
    /// The source range an expanded range came from, and notes on which loop iteration made it.
    pub fn locate(&self, range: Range<usize>) -> (Range<usize>, Vec<String>) {
        let start = self.source_offset(range.start);
        // Both ends are mapped: a range over a value a tag produced covers the tag as written.
        let end = if range.end > range.start {
            let e = self.source_offset(range.end - 1) + 1;
            if e > start { e } else { start + 1 }
        } else {
            start
        };
        (start..end, self.iteration_notes(range.start, start))
    }

    pub fn source_offset(&self, out: usize) -> usize {
        let i = self.segments.partition_point(|s| s.out <= out);
        let Some(seg) = i.checked_sub(1).map(|i| self.segments[i]) else {
            return out;
        };
        let src = seg.src + (out - seg.out);
        if src < seg.src_end { src } else { seg.src_end }
    }

    /// "in iteration 3 of the `{% for %}` at line 12", innermost loop first.
    pub fn iteration_notes(&self, out: usize, src: usize) -> Vec<String> {
        let mut enclosing: Vec<(usize, &Loop)> = self
            .loops
            .iter()
            .enumerate()
            .filter(|(_, l)| l.body.contains(&src))
            .collect();
        enclosing.sort_by_key(|(_, l)| std::cmp::Reverse(l.body.start));
        enclosing
            .into_iter()
            .filter_map(|(id, l)| {
                let n = self
                    .iterations
                    .iter()
                    .rev()
                    .find(|(o, lid, _)| *o <= out && *lid == id)
                    .map(|(_, _, n)| *n)?;
                Some(format!(
                    "in iteration {n} of the `{{% for %}}` at line {}",
                    l.line
                ))
            })
            .collect()
    }

    /// Whether a source offset lies in a part left out because of a template error.
    pub fn neutralized(&self, src: usize) -> bool {
        self.neutralized.iter().any(|r| r.contains(&src))
    }

    pub(crate) fn set_loops(&mut self, loops: Vec<Loop>) {
        self.loops = loops;
    }

    pub(crate) fn set_neutralized(&mut self, ranges: Vec<Range<usize>>) {
        self.neutralized = ranges;
    }
}

/// Take the markers out of the engine's output, put the literals back, and map the result.
/// `literals` are the source ranges that `LIT` markers name.
pub fn unmark(output: &str, source: &str, literals: &[Range<usize>]) -> (String, SourceMap) {
    let mut text = String::with_capacity(output.len());
    let mut map = SourceMap::default();
    let mut rest = output;
    while let Some(at) = rest.find(is_reserved) {
        text.push_str(&rest[..at]);
        let marker = rest[at..].chars().next().unwrap_or(END);
        let after = &rest[at + marker.len_utf8()..];
        let payload_end = after.find(END);
        let parsed = payload_end.and_then(|e| parse_payload(&after[..e]));
        match (marker, parsed) {
            (POS, Some((start, end))) => map.segments.push(Segment {
                out: text.len(),
                src: start,
                src_end: end,
            }),
            (LIT, Some((index, _))) if index < literals.len() => {
                let r = literals[index].clone();
                map.segments.push(Segment {
                    out: text.len(),
                    src: r.start,
                    src_end: r.end,
                });
                text.push_str(&source[r.clone()]);
                // What follows in the output continues the source after the literal.
                map.segments.push(Segment {
                    out: text.len(),
                    src: r.end,
                    src_end: r.end,
                });
            }
            (ITER, Some((id, n))) => map.iterations.push((text.len(), id, n)),
            (CALL, Some((index, _))) => map.calls.push((text.len(), index)),
            _ => {
                // Not one of ours (cannot happen: the scanner passes such characters as
                // literals); keep it.
                text.push(marker);
                rest = after;
                continue;
            }
        }
        rest = &after[payload_end.map_or(0, |e| e + END.len_utf8())..];
    }
    text.push_str(rest);
    (text, map)
}

fn parse_payload(p: &str) -> Option<(usize, usize)> {
    match p.split_once(',') {
        Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
        None => Some((p.parse().ok()?, 0)),
    }
}

/// Restore literal markers inside a value handed to a function (a query built by a macro that
/// contains code): the text as written.
pub fn restore(value: &str, source: &str, literals: &[Range<usize>]) -> String {
    if !value.contains(is_reserved) {
        return value.to_string();
    }
    unmark(value, source, literals).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_literals_and_iterations() {
        let source = "ab `c` de";
        let literals: [Range<usize>; 1] = [Range { start: 3, end: 6 }];
        // The engine's output for: POS(0,3) "ab " LIT0 POS(6,9) " de"
        let out = format!("{POS}0,3{END}ab {LIT}0{END}{POS}6,9{END} de");
        let (text, map) = unmark(&out, source, &literals);
        assert_eq!(text, source);
        for i in 0..source.len() {
            assert_eq!(map.source_offset(i), i, "offset {i}");
        }
        let (r, notes) = map.locate(3..6);
        assert_eq!(r, 3..6);
        assert!(notes.is_empty());
    }

    #[test]
    fn expression_output_maps_to_its_tag() {
        // Source "x {{ v }} y" -> output "x 12345 y": POS(0,2) "x " then "12345" then POS(9,11) " y".
        let source = "x {{ v }} y";
        let out = format!("{POS}0,2{END}x 12345{POS}9,11{END} y");
        let (text, map) = unmark(&out, source, &[]);
        assert_eq!(text, "x 12345 y");
        // Every character of the value points at the tag's start.
        for i in 2..7 {
            assert_eq!(map.source_offset(i), 2);
        }
        assert_eq!(map.source_offset(8), 10);
    }

    #[test]
    fn loop_iterations_are_named() {
        let source = "{% for r in rows %}\n# {{ r }}\n{% endfor %}";
        let mut map = SourceMap::default();
        map.set_loops(vec![Loop {
            tag: 0..19,
            body: 19..31,
            line: 1,
        }]);
        let out =
            format!("{ITER}0,1{END}\n{POS}20,31{END}# a\n{ITER}0,2{END}\n{POS}20,31{END}# b\n");
        let (text, m) = unmark(&out, source, &[]);
        map.segments = m.segments;
        map.iterations = m.iterations;
        assert_eq!(text, "\n# a\n\n# b\n");
        let (r, notes) = map.locate(6..9);
        assert_eq!(r.start, 20);
        assert_eq!(notes, ["in iteration 2 of the `{% for %}` at line 1"]);
    }
}
