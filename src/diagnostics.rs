//! Problems found in the user's files, with their position and what to do.
//!
//! Every stage pushes into a [`Diagnostics`] list instead of stopping at the first problem, so
//! `deck build` can report them all. A diagnostic renders like a compiler message: the severity and
//! message, `path:line:col`, the source line with a marker under the fault, and a `help:` line.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// A position in a source file: 1-based line and column (column counted in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

impl Pos {
    pub fn new(line: usize, col: usize) -> Self {
        Pos { line, col }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub path: PathBuf,
    /// `None` when the problem concerns the whole file (or no file can be named).
    pub pos: Option<Pos>,
    /// Length in characters of the faulty span, for the marker (at least 1).
    pub len: usize,
    pub message: String,
    pub help: Option<String>,
    /// The source line at `pos`, captured when the diagnostic is made.
    pub source_line: Option<String>,
    /// Context that is neither the fault nor the fix (e.g. which iteration of a template loop).
    pub notes: Vec<String>,
    /// A class of problem later stages treat alike: [`REFUSED`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
}

/// A file deck would not read (outside the project, a device, over a size limit): `deck build`
/// warns and goes on, `deck check` fails, so CI stops a hostile deck.
pub const REFUSED: &str = "refused";

/// Where something was written in a user's file, resolved to what a diagnostic shows: the
/// position, the length of the marker, the line's text and any notes (a template loop's
/// iteration). Stages that parse text keep byte ranges; they become a `Loc` only when reported.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Loc {
    pub pos: Pos,
    /// Length in characters of the span on its first line (at least 1).
    pub len: usize,
    pub source_line: Option<String>,
    pub notes: Vec<String>,
}

impl Loc {
    /// The byte range `span` of `text` (the whole file).
    pub fn of(text: &str, span: Range<usize>) -> Loc {
        Self::indexed(text, &LineIndex::new(text), span)
    }

    /// [`Loc::of`] with the text's line index at hand (many diagnostics in one file).
    pub fn indexed(text: &str, lines: &LineIndex, span: Range<usize>) -> Loc {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let end = floor_char_boundary(text, span.end.clamp(start, text.len()));
        let pos = lines.pos(text, start);
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = text[line_start..line_end].trim_end_matches('\r');
        let len = text[start..end.min(line_end)].chars().count().max(1);
        Loc {
            pos,
            len,
            source_line: Some(line.to_string()),
            notes: Vec::new(),
        }
    }
}

/// The largest char boundary at or below `i`.
pub fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl Diagnostic {
    pub fn error(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, path, message)
    }

    pub fn warning(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, path, message)
    }

    fn new(severity: Severity, path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            path: path.into(),
            pos: None,
            len: 1,
            message: message.into(),
            help: None,
            source_line: None,
            notes: Vec::new(),
            code: None,
        }
    }

    pub fn code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    /// Point at the byte range `span` of `source` (the whole file's text).
    pub fn at_span(self, source: &str, span: Range<usize>) -> Self {
        self.at_loc(&Loc::of(source, span))
    }

    /// Point at a place resolved earlier.
    pub fn at_loc(mut self, loc: &Loc) -> Self {
        self.pos = Some(loc.pos);
        self.len = loc.len.max(1);
        self.source_line.clone_from(&loc.source_line);
        self.notes.extend(loc.notes.iter().cloned());
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Point at `pos` in `source` (the whole file's text), underlining `len` characters.
    pub fn at(mut self, source: &str, pos: Pos, len: usize) -> Self {
        self.source_line = source
            .lines()
            .nth(pos.line.saturating_sub(1))
            .map(|l| l.trim_end_matches('\r').to_string());
        self.pos = Some(pos);
        self.len = len.max(1);
        self
    }

    /// Point at a line and column without a source text at hand.
    pub fn at_pos(mut self, pos: Pos) -> Self {
        self.pos = Some(pos);
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(f, "{label}: {}", self.message)?;
        let path = display_path(&self.path);
        match self.pos {
            Some(p) => writeln!(f, "  --> {path}:{}:{}", p.line, p.col)?,
            None => writeln!(f, "  --> {path}")?,
        }
        if let (Some(p), Some(line)) = (self.pos, &self.source_line) {
            let num = p.line.to_string();
            let pad = " ".repeat(num.len());
            // Tabs would misalign the marker: show them as single spaces.
            let shown: String = line
                .chars()
                .map(|c| if c == '\t' { ' ' } else { c })
                .collect();
            let width = shown.chars().count();
            let start = p.col.saturating_sub(1).min(width);
            let len = self.len.min(width.saturating_sub(start).max(1));
            writeln!(f, "{pad} |")?;
            writeln!(f, "{num} | {shown}")?;
            writeln!(f, "{pad} | {}{}", " ".repeat(start), "^".repeat(len))?;
        }
        for note in &self.notes {
            writeln!(f, "  = note: {note}")?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "  = help: {help}")?;
        }
        Ok(())
    }
}

/// Paths are shown relative to the working directory when they are inside it.
fn display_path(path: &Path) -> String {
    let path = path.strip_prefix(".").unwrap_or(path);
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

/// The problems found so far, in the order they were found.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// `other`'s diagnostics first, then these (problems found before a build, reported first).
    pub fn prepend(&mut self, mut other: Diagnostics) {
        other.items.append(&mut self.items);
        self.items = other.items;
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

/// Maps byte offsets in a text to 1-based line and column numbers.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// Line and column of byte `offset` in `text` (the text this index was built from).
    pub fn pos(&self, text: &str, offset: usize) -> Pos {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let col = text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(0);
        Pos::new(line, col + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_maps_offsets() {
        let text = "ab\ncdé\nf";
        let idx = LineIndex::new(text);
        assert_eq!(idx.pos(text, 0), Pos::new(1, 1));
        assert_eq!(idx.pos(text, 3), Pos::new(2, 1));
        assert_eq!(idx.pos(text, 7), Pos::new(2, 4)); // after the two-byte é
        assert_eq!(idx.pos(text, 8), Pos::new(3, 1));
        assert_eq!(idx.pos(text, 100), Pos::new(3, 2));
    }

    #[test]
    fn renders_source_line_and_marker() {
        let src = "---\ntheme: gaya\n---\n";
        let d = Diagnostic::error("/nonexistent/talk.md", "unknown theme `gaya`")
            .at(src, Pos::new(2, 8), 4)
            .help("use one of: default, gaia, uncover");
        let text = d.to_string();
        assert!(text.contains("error: unknown theme `gaya`"), "{text}");
        assert!(text.contains("talk.md:2:8"), "{text}");
        assert!(text.contains("2 | theme: gaya\n  |        ^^^^"), "{text}");
        assert!(text.contains("= help: use one of"), "{text}");
    }
}
