//! Raw HTML in Markdown: HTML comments (directives and notes), `<style>` blocks, and the rest,
//! which is escaped unless the deck allows HTML, but for a small allowlist.

/// Tags kept even when HTML is not allowed: they cannot run script or load anything.
pub const ALLOWLIST: &[&str] = &["br"];

#[derive(Debug, Clone, PartialEq)]
pub enum Segment<'a> {
    /// The text between `<!--` and `-->`, and its byte offset in the input.
    Comment(&'a str, usize),
    /// The CSS inside `<style>` (scoped or not), and the byte offset of the tag.
    Style {
        css: &'a str,
        scoped: bool,
        offset: usize,
    },
    Other(&'a str),
}

/// Split raw HTML into comments, style blocks and everything else.
pub fn segments(html: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut rest_start = 0;
    let mut i = 0;
    let bytes = html.as_bytes();
    while i < html.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let tail = &html[i..];
        if let Some(body) = tail.strip_prefix("<!--") {
            let end = body.find("-->").map_or(html.len(), |e| i + 4 + e);
            push_other(&mut out, &html[rest_start..i]);
            out.push(Segment::Comment(&html[i + 4..end], i + 4));
            i = (end + 3).min(html.len());
            rest_start = i;
            continue;
        }
        if let Some((open_len, scoped)) = style_open(tail) {
            let css_start = i + open_len;
            let close = find_ascii_ci(&html[css_start..], "</style").map(|e| css_start + e);
            let css_end = close.unwrap_or(html.len());
            let after = close
                .and_then(|c| html[c..].find('>').map(|g| c + g + 1))
                .unwrap_or(html.len());
            push_other(&mut out, &html[rest_start..i]);
            out.push(Segment::Style {
                css: &html[css_start..css_end],
                scoped,
                offset: i,
            });
            i = after;
            rest_start = i;
            continue;
        }
        i += 1;
    }
    push_other(&mut out, &html[rest_start..]);
    out
}

fn push_other<'a>(out: &mut Vec<Segment<'a>>, s: &'a str) {
    if !s.is_empty() {
        out.push(Segment::Other(s));
    }
}

/// `<style>` or `<style scoped>` (any case, any attributes): length of the opening tag and whether
/// it is scoped.
fn style_open(tail: &str) -> Option<(usize, bool)> {
    let head = tail.get(..6)?;
    if !head.eq_ignore_ascii_case("<style") {
        return None;
    }
    let next = tail[6..].chars().next()?;
    if !(next == '>' || next.is_whitespace()) {
        return None;
    }
    let close = tail.find('>')?;
    let attrs = tail[6..close].to_ascii_lowercase();
    let scoped = attrs
        .split(|c: char| c.is_whitespace() || c == '=')
        .any(|a| a == "scoped");
    Some((close + 1, scoped))
}

fn find_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.len();
    (0..hay.len().saturating_sub(n - 1))
        .filter(|&i| hay.is_char_boundary(i))
        .find(|&i| {
            hay.get(i..i + n)
                .is_some_and(|s| s.eq_ignore_ascii_case(needle))
        })
}

/// Escape raw HTML, keeping allowlisted tags such as `<br>`.
pub fn escape_except_allowlist(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + 16);
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        let at = i + off;
        escape_into(&mut out, &html[i..at]);
        match allowlisted_tag_len(&html[at..]) {
            Some(len) => {
                out.push_str(&html[at..at + len]);
                i = at + len;
            }
            None => {
                out.push_str("&lt;");
                i = at + 1;
            }
        }
    }
    escape_into(&mut out, &html[i..]);
    out
}

/// Length of an allowlisted tag without attributes at the start of `s` (`<br>`, `<br/>`, `<br />`).
fn allowlisted_tag_len(s: &str) -> Option<usize> {
    let close = s.find('>')?;
    let inner = s[1..close]
        .trim_end_matches('/')
        .trim()
        .to_ascii_lowercase();
    let name = inner.strip_prefix('/').unwrap_or(&inner);
    ALLOWLIST.contains(&name).then_some(close + 1)
}

pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_comments_styles_and_rest() {
        let s = segments("<div>\n<!-- _class: lead -->\n<style scoped>h1{color:red}</style>x");
        assert_eq!(s[0], Segment::Other("<div>\n"));
        assert_eq!(s[1], Segment::Comment(" _class: lead ", 10));
        assert_eq!(s[2], Segment::Other("\n"));
        assert!(matches!(
            s[3],
            Segment::Style {
                css: "h1{color:red}",
                scoped: true,
                ..
            }
        ));
        assert_eq!(s[4], Segment::Other("x"));
    }

    #[test]
    fn unterminated_comment_and_style_do_not_panic() {
        assert_eq!(
            segments("<!-- never closed"),
            vec![Segment::Comment(" never closed", 4)]
        );
        assert!(matches!(
            segments("<style>a{}")[0],
            Segment::Style {
                css: "a{}",
                scoped: false,
                ..
            }
        ));
        assert_eq!(segments("<styles>"), vec![Segment::Other("<styles>")]);
    }

    #[test]
    fn escapes_all_but_br() {
        assert_eq!(
            escape_except_allowlist("a<br>b<br/>c<script>x</script><BR />"),
            "a<br>b<br/>c&lt;script&gt;x&lt;/script&gt;<BR />"
        );
        assert_eq!(
            escape_except_allowlist("<br onclick=x>"),
            "&lt;br onclick=x&gt;"
        );
    }
}
