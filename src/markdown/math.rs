//! Marp's display-math blocks.
//!
//! Marp Core reads a line that starts with `$$` as the start of a math block, before any other
//! block rule (it interrupts a paragraph), and takes every line up to one that ends with `$$`.
//! pulldown-cmark reads `$$ … $$` inside paragraphs instead, so a line of the TeX that looks like
//! Markdown (`=` under a line is a heading underline, `- x` a list item) breaks the math. We find
//! Marp's blocks first and hand pulldown-cmark a copy of the text in which each block is one
//! paragraph holding one `$$…$$` of the same length; the TeX is then read from the original text.

use std::ops::Range;

/// One math block: where it is written (from its opening `$$` to the end of its closing `$$`)
/// and its TeX as Marp Core reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct MathBlock {
    pub range: Range<usize>,
    pub tex: String,
}

/// The math blocks of `text`, outside fenced code blocks. A block that is never closed is left
/// alone (Marp would take the rest of the document into it; deck shows the text as written).
pub fn blocks(text: &str) -> Vec<MathBlock> {
    let lines: Vec<(usize, &str)> = text
        .split_inclusive('\n')
        .scan(0, |at, line| {
            let start = *at;
            *at += line.len();
            Some((start, line.trim_end_matches(['\n', '\r'])))
        })
        .collect();
    let mut out = Vec::new();
    let mut fence: Option<(char, usize)> = None;
    let mut i = 0;
    while i < lines.len() {
        let (start, line) = lines[i];
        let indent = line.len() - line.trim_start_matches(' ').len();
        let rest = &line[indent..];
        if let Some((c, n)) = fence {
            let run = rest.len() - rest.trim_start_matches(c).len();
            if indent < 4 && run >= n && rest[run..].trim().is_empty() {
                fence = None;
            }
            i += 1;
            continue;
        }
        if indent >= 4 {
            i += 1;
            continue;
        }
        if let Some(c) = rest.chars().next().filter(|c| *c == '`' || *c == '~') {
            let run = rest.len() - rest.trim_start_matches(c).len();
            if run >= 3 && !(c == '`' && rest[run..].contains('`')) {
                fence = Some((c, run));
                i += 1;
                continue;
            }
        }
        let Some(first) = rest.strip_prefix("$$") else {
            i += 1;
            continue;
        };
        let open = start + indent;
        let first_trim = first.trim();
        if first_trim.len() >= 2 && first_trim.ends_with("$$") {
            let end = open + 2 + first.rfind("$$").unwrap_or(0) + 2;
            out.push(MathBlock {
                range: open..end,
                tex: first_trim[..first_trim.len() - 2].to_string(),
            });
            i += 1;
            continue;
        }
        let mut tex = String::new();
        if !first_trim.is_empty() {
            tex.push_str(first);
            tex.push('\n');
        }
        let mut j = i + 1;
        let mut closed = None;
        while j < lines.len() {
            let (s, l) = lines[j];
            if l.trim_end().ends_with("$$") {
                let cut = l.rfind("$$").unwrap_or(0);
                let last = &l[..cut];
                // Marp keeps the indentation of the lines after the first, less the first's.
                let last = last.get(indent.min(leading_spaces(last))..).unwrap_or(last);
                if !last.trim().is_empty() {
                    tex.push_str(last);
                }
                closed = Some(s + cut + 2);
                break;
            }
            tex.push_str(l.get(indent.min(leading_spaces(l))..).unwrap_or(l));
            tex.push('\n');
            j += 1;
        }
        match closed {
            Some(end) => {
                out.push(MathBlock {
                    range: open..end,
                    tex,
                });
                i = j + 1;
            }
            None => i += 1,
        }
    }
    out
}

fn leading_spaces(s: &str) -> usize {
    s.len() - s.trim_start_matches(' ').len()
}

/// `text` with each block replaced, byte for byte, by a paragraph of its own holding one
/// `$$x…x$$` (the same length, so every offset stays true); `None` when there is no block.
pub fn protect(text: &str, blocks: &[MathBlock]) -> Option<String> {
    if blocks.is_empty() {
        return None;
    }
    let mut out = text.as_bytes().to_vec();
    for b in blocks {
        let len = b.range.len();
        let inner = len - 4;
        let line_start = text[..b.range.start].rfind('\n').map_or(0, |i| i + 1);
        let before_blank = line_start == 0
            || text[..line_start - 1]
                .rsplit('\n')
                .next()
                .is_none_or(|l| l.trim().is_empty());
        let after_blank = text[b.range.end..]
            .split('\n')
            .nth(1)
            .is_none_or(|l| l.trim().is_empty());
        // Take a byte of the TeX for a blank line before and after, when the block has them.
        let lead = usize::from(!before_blank && inner >= 3);
        let trail = usize::from(!after_blank && inner >= 2 + lead);
        let mut new = Vec::with_capacity(len);
        new.extend(std::iter::repeat_n(b'\n', lead));
        new.extend_from_slice(b"$$");
        new.extend(std::iter::repeat_n(b'x', inner - lead - trail));
        new.extend_from_slice(b"$$");
        new.extend(std::iter::repeat_n(b'\n', trail));
        out[b.range.clone()].copy_from_slice(&new);
    }
    // Only ASCII replaced whole blocks of UTF-8 text that started and ended on ASCII bytes.
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_is_found_with_its_tex() {
        let text = "## T\n\n$$\na\n=\nb\n$$\n\nafter\n";
        let b = blocks(text);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].tex, "a\n=\nb\n");
        assert_eq!(&text[b[0].range.clone()], "$$\na\n=\nb\n$$");
        let p = protect(text, &b).unwrap();
        assert_eq!(p.len(), text.len());
        assert_eq!(p, "## T\n\n$$xxxxxxx$$\n\nafter\n");
    }

    #[test]
    fn one_line_blocks_first_and_last_lines_and_fences() {
        let b = blocks("$$x^2$$\n");
        assert_eq!(b[0].tex, "x^2");
        let b = blocks("$$ a\nb\nc $$\n");
        assert_eq!(b[0].tex, " a\nb\nc ");
        assert!(blocks("```\n$$\na\n$$\n```\n").is_empty());
        assert!(blocks("    $$\n    a\n    $$\n").is_empty());
        // Never closed: left as text.
        assert!(blocks("$$\na\n").is_empty());
    }

    #[test]
    fn a_block_that_interrupts_a_paragraph_gets_blank_lines() {
        let text = "text\n$$\na\n$$\nmore\n";
        let b = blocks(text);
        let p = protect(text, &b).unwrap();
        assert_eq!(p, "text\n\n$$x$$\n\nmore\n");
    }
}
