//! The SVG plotters wrote, finished: sentinel colours replaced by the theme's, the title made to
//! fit, text tidied and font sizes rounded.

use super::*;

/// Replace sentinel colours: text and axes follow the theme, palette slots use its variables.
pub(super) fn finish_svg(svg: &str, frame: &Frame) -> String {
    let mut out = svg
        .replace("#010203", "currentColor")
        .replace("#040506", "currentColor");
    for (i, hex) in PALETTE.iter().enumerate() {
        out = out.replace(
            &format!("#0A0B{:02X}", i),
            &format!("var(--deck-chart-{}, {hex})", i + 1),
        );
    }
    let mut out = tidy_text(&out);
    if let Some(title) = &frame.title {
        out = fit_title(&out, title, frame.width);
    }
    let label = frame
        .title
        .clone()
        .unwrap_or_else(|| format!("{} by {}", frame.y_title, frame.x_title));
    let open = out.find("<svg").unwrap_or(0);
    let mut head = String::new();
    let _ = write!(
        head,
        "<svg class=\"deck-chart-svg\" role=\"img\" aria-label=\"{}\"",
        crate::markdown::html::escape(&label)
    );
    out.replacen("<svg", &head, 1)[open..].to_string()
}

/// A title wider than the chart would be cut at its edges: it gets a smaller font, down to the
/// readable minimum, then is squeezed to the chart's width. The browser draws the text, so its
/// width is estimated (0.55 em per character, generous for sans-serif fonts).
pub(super) fn fit_title(svg: &str, title: &str, width: u32) -> String {
    // As plotters writes it: our escaping, and `'` as `&apos;`.
    let escaped = crate::markdown::html::escape(title).replace('\'', "&apos;");
    let Some(end) = svg.find(&format!(">{escaped}</text>")) else {
        return svg.to_string();
    };
    let Some(start) = svg[..end].rfind("<text") else {
        return svg.to_string();
    };
    let size = f64::from(TITLE);
    let tag = &svg[start..end];
    let sized = format!("font-size=\"{TITLE}\"");
    let available = f64::from(width) - 28.0;
    let em_width = title.chars().count() as f64 * 0.55;
    if !tag.contains(&sized) || em_width * size <= available {
        return svg.to_string();
    }
    let fitted = (available / em_width).floor().max(f64::from(TICK));
    let mut new_tag = tag.replacen(&sized, &format!("font-size=\"{fitted}\""), 1);
    if em_width * fitted > available {
        new_tag.push_str(&format!(
            " textLength=\"{available}\" lengthAdjust=\"spacingAndGlyphs\""
        ));
    }
    format!("{}{new_tag}{}", &svg[..start], &svg[end..])
}

/// plotters writes `<text ...>\nlabel\n</text>`: keep the label alone, and round font sizes.
pub(super) fn tidy_text(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(open) = rest.find("<text") {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find("</text>").map(|c| open + c) else {
            break;
        };
        let element = &rest[open..close];
        let gt = element.find('>').unwrap_or(element.len().saturating_sub(1));
        let (tag, content) = element.split_at(gt + 1);
        out.push_str(&round_font_size(tag));
        out.push_str(content.trim());
        out.push_str("</text>");
        rest = &rest[close + 7..];
    }
    out.push_str(rest);
    out
}

pub(super) fn round_font_size(tag: &str) -> String {
    let Some(at) = tag.find("font-size=\"") else {
        return tag.to_string();
    };
    let start = at + 11;
    let Some(len) = tag[start..].find('"') else {
        return tag.to_string();
    };
    match tag[start..start + len].parse::<f64>() {
        Ok(v) => format!(
            "{}{}{}",
            &tag[..start],
            (v * 10.0).round() / 10.0,
            &tag[start + len..]
        ),
        Err(_) => tag.to_string(),
    }
}
