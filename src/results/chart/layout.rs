//! Room for text. plotters has no fonts: a label's width is estimated per character (from DejaVu
//! Sans, the widest of the usual sans-serif fonts, so a slide's font takes at most that much),
//! and the label areas around the plot are sized from the labels they hold, so an axis title
//! never overlaps its tick labels. Category labels wider than their slot wrap onto two lines.

use plotters::coord::ranged1d::Ranged;

use super::*;

/// The size of plotters' tick marks; it writes tick labels twice that far from the axis, and
/// deck's category labels sit as far.
pub(super) const TICK_MARK: i32 = 6;

const LABEL_GAP: i32 = 2 * TICK_MARK;

/// The height of a line of tick labels, and of the axis title.
pub(super) const LINE: i32 = TICK as i32 * 5 / 4;

const TITLE_LINE: i32 = LABEL as i32 * 5 / 4;

/// The widest a bar (or a box) is drawn, in CSS px: one bar, or a few, stay bars, centred in
/// their slots, not slabs half the slide wide.
pub(super) const MAX_BAR: f64 = 160.0;

/// Between an axis title and the labels beside it.
const TITLE_GAP: i32 = 10;

/// The estimated width of `text` at `size` px.
pub(super) fn text_width(text: &str, size: u32) -> f64 {
    let em: f64 = text
        .chars()
        .map(|c| match c {
            'i' | 'l' | 'j' | 'I' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' => 0.3,
            ' ' => 0.32,
            'f' | '(' | ')' | '[' | ']' | '-' | '/' => 0.37,
            't' => 0.4,
            'r' => 0.42,
            's' | 'c' | 'z' => 0.55,
            'k' | 'v' | 'x' | 'y' => 0.6,
            'w' => 0.82,
            'm' | 'M' | 'W' | '%' | '…' | '—' => 1.0,
            c if c.is_ascii_uppercase() => 0.76,
            _ => 0.64,
        })
        .sum();
    em * f64::from(size)
}

/// The tick labels plotters writes on an axis from `lo` to `hi` asked for `n` labels.
pub(super) fn tick_texts(lo: f64, hi: f64, n: usize, fmt: &dyn Fn(&f64) -> String) -> Vec<String> {
    if n == 0 || hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return Vec::new();
    }
    let range: RangedCoordf64 = (lo..hi).into();
    range.key_points(n).iter().map(fmt).collect()
}

/// The width of the label area left of a plot: its tick labels, right-aligned at the axis, and
/// the axis title (rotated) at the area's left edge, clear of the widest label.
pub(super) fn left_area(ticks: &[String], titled: bool) -> u32 {
    let widest = ticks
        .iter()
        .map(|t| text_width(t, TICK))
        .fold(0.0, f64::max)
        .ceil() as i32;
    let title = if titled { TITLE_LINE + TITLE_GAP } else { 0 };
    (LABEL_GAP + widest + title + 4).max(24) as u32
}

/// The height of the label area under a plot: `rows` lines of labels, then the axis title.
pub(super) fn under_area(rows: usize, titled: bool) -> u32 {
    let title = if titled { TITLE_GAP + TITLE_LINE } else { 0 };
    (LABEL_GAP + rows as i32 * LINE + title + 6) as u32
}

/// `text` cut to `width` px, with an ellipsis when it is cut.
pub(super) fn ellipsize(text: &str, width: f64) -> String {
    if text_width(text, TICK) <= width {
        return text.to_string();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let cut: String = chars.iter().collect::<String>().trim_end().to_string() + "…";
        if text_width(&cut, TICK) <= width {
            return cut;
        }
    }
    "…".into()
}

/// The best place to break `text` in two: at a space, or after a `-`, `_` or `/`, where the
/// longer line is shortest (the first such place).
fn two_lines(text: &str) -> Option<(String, String)> {
    let mut best: Option<(f64, String, String)> = None;
    for (i, c) in text.char_indices() {
        let (a, b) = match c {
            ' ' => (&text[..i], &text[i + 1..]),
            '-' | '_' | '/' => (&text[..=i], &text[i + 1..]),
            _ => continue,
        };
        let (a, b) = (a.trim_end(), b.trim_start());
        if a.is_empty() || b.is_empty() {
            continue;
        }
        let w = text_width(a, TICK).max(text_width(b, TICK));
        if best.as_ref().is_none_or(|(bw, ..)| w < *bw) {
            best = Some((w, a.to_string(), b.to_string()));
        }
    }
    best.map(|(_, a, b)| (a, b))
}

/// `text` in lines no wider than `width` px, at most `max_lines` (1 or 2): whole when it fits,
/// else broken at a word, else cut with an ellipsis. The flag says whether it fits uncut.
pub(super) fn wrap(text: &str, width: f64, max_lines: usize) -> (Vec<String>, bool) {
    if text_width(text, TICK) <= width {
        return (vec![text.to_string()], true);
    }
    if max_lines >= 2
        && let Some((a, b)) = two_lines(text)
    {
        let fits = text_width(&a, TICK) <= width && text_width(&b, TICK) <= width;
        return (vec![ellipsize(&a, width), ellipsize(&b, width)], fits);
    }
    (vec![ellipsize(text, width)], false)
}

/// How many categories get a label: at most ~14, every `step`-th.
pub(super) fn label_step(cats: &[String]) -> usize {
    cats.len().div_ceil(14).max(1)
}

/// Category labels as drawn: the lines of each (none for a category whose label is thinned out).
pub(super) struct CatLabels {
    pub(super) lines: Vec<Vec<String>>,
    /// Lines in the tallest label.
    pub(super) rows: usize,
    /// Every label fits its slot without being cut.
    pub(super) fit: bool,
}

/// Labels under a plot `plot_width` px wide, one slot per category: each on one line, or two
/// when it is wider than its slot.
pub(super) fn under_labels(cats: &[String], plot_width: f64) -> CatLabels {
    let step = label_step(cats);
    let slot = plot_width / cats.len().max(1) as f64 * step as f64 - 8.0;
    side_labels(cats, slot, 2)
}

/// Labels of at most `max_lines` lines no wider than `width` px.
pub(super) fn side_labels(cats: &[String], width: f64, max_lines: usize) -> CatLabels {
    let step = label_step(cats);
    let mut out = CatLabels {
        lines: Vec::with_capacity(cats.len()),
        rows: 1,
        fit: true,
    };
    for (i, c) in cats.iter().enumerate() {
        if i % step != 0 {
            out.lines.push(Vec::new());
            continue;
        }
        let (lines, fits) = wrap(c, width, max_lines);
        out.rows = out.rows.max(lines.len());
        out.fit &= fits;
        out.lines.push(lines);
    }
    out
}

/// The widest line of the labels, in px.
pub(super) fn widest(labels: &CatLabels) -> f64 {
    labels
        .lines
        .iter()
        .flatten()
        .map(|l| text_width(l, TICK))
        .fold(0.0, f64::max)
}

/// Labels beside a horizontal chart's rows: up to a third of the chart's width, on two lines
/// when a row is tall enough. Returns them and the width of the area they take.
pub(super) fn row_labels(cats: &[String], frame: &Frame, plot_height: f64) -> (CatLabels, u32) {
    let room = (f64::from(frame.width) / 3.0).max(60.0);
    let rows_shown = cats.len().div_ceil(label_step(cats)).max(1);
    let tall = plot_height / rows_shown as f64 >= f64::from(2 * LINE + 4);
    let labels = side_labels(cats, room, if tall { 2 } else { 1 });
    let area = (widest(&labels).ceil() as u32 + 2 * LABEL_GAP as u32).max(24);
    (labels, area)
}

/// Draw a label's lines: from `(x, y)` down with `VPos::Top`, centred on `y` otherwise.
pub(super) fn draw_label<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    lines: &[String],
    (x, y): (i32, i32),
    pos: Pos,
) -> Result<(), FigureError> {
    let first = match pos.v_pos {
        VPos::Top => y,
        _ => y - (lines.len().saturating_sub(1) as i32 * LINE) / 2,
    };
    for (k, line) in lines.iter().enumerate() {
        root.draw(&Text::new(
            line.clone(),
            (x, first + k as i32 * LINE),
            font(TICK).pos(pos),
        ))
        .map_err(draw_err)?;
    }
    Ok(())
}

/// Draw the category labels: under the plot (`VPos::Top` at `at(i)`) or beside it.
pub(super) fn category_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: &CatLabels,
    at: impl Fn(usize) -> (i32, i32),
    pos: Pos,
) -> Result<(), FigureError> {
    for (i, lines) in labels.lines.iter().enumerate() {
        if !lines.is_empty() {
            draw_label(root, lines, at(i), pos)?;
        }
    }
    Ok(())
}

/// Where category labels go under a plot: `LABEL_GAP` below the axis.
pub(super) const UNDER_GAP: i32 = LABEL_GAP;

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn long_labels_wrap_at_words_then_are_cut() {
        // Fits: one line.
        assert_eq!(wrap("debian", 200.0, 2), (vec!["debian".to_string()], true));
        // Too wide: broken where the longer line is shortest, after a hyphen.
        let (lines, fits) = wrap("src-opt-lto-native", 130.0, 2);
        assert_eq!(lines, ["src-opt-", "lto-native"]);
        assert!(fits);
        // At a space, the space dropped.
        assert_eq!(wrap("mean wall time", 100.0, 2).0, ["mean", "wall time"]);
        // Still too wide on two lines: cut, and said not to fit.
        let (lines, fits) = wrap("python-official-slim-bookworm", 90.0, 2);
        assert!(!fits);
        assert!(
            lines.iter().all(|l| text_width(l, TICK) <= 90.0),
            "{lines:?}"
        );
        assert!(lines[1].ends_with('…'), "{lines:?}");
        // Nowhere to break: one line, cut.
        let (lines, fits) = wrap("averyveryverylongname", 80.0, 2);
        assert_eq!(lines.len(), 1);
        assert!(!fits && lines[0].ends_with('…'));
        // Eight names in 866 px: the long ones take two lines, all fit.
        let cats = names(&[
            "debian",
            "host",
            "src-official",
            "src-opt",
            "src-opt-lto",
            "src-opt-lto-native",
            "src-plain",
            "trixie",
        ]);
        let l = under_labels(&cats, 866.0);
        assert!(l.fit && l.rows == 2, "{:?}", l.lines);
        let short = under_labels(&names(&["debian", "host", "trixie"]), 866.0);
        assert!(short.fit && short.rows == 1);
    }

    #[test]
    fn label_areas_hold_their_labels_and_title() {
        let ticks = names(&["0", "5,000,000", "10,000,000", "15,000,000"]);
        let w = left_area(&ticks, true);
        let widest = text_width("15,000,000", TICK);
        assert!(
            f64::from(w) >= widest + 12.0 + 25.0 + 10.0,
            "{w} for {widest}"
        );
        assert!(left_area(&ticks, false) < w);
        assert!(under_area(2, true) > under_area(1, true));
        assert_eq!(
            tick_texts(0.0, 10.0, 6, &|v| axis_number(*v)),
            ["0", "2", "4", "6", "8", "10"]
        );
    }
}
