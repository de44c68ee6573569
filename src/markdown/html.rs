//! Raw HTML in Markdown: HTML comments (directives and notes), `<style>` blocks, and the rest,
//! which is escaped unless the deck allows HTML, but for a small allowlist.

/// Tags kept even when HTML is not allowed: they cannot run script or load anything.

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

/// How an allowed attribute's value is checked.
#[derive(Clone, Copy)]
enum Attr {
    Any,
    /// http(s) links only (or no scheme).
    WebUrl,
    /// http(s) and `data:image/` only (or no scheme).
    ImageUrl,
    /// A list of image URLs.
    SrcSet,
    /// `ltr`, `rtl` or `auto`.
    Dir,
}

const GLOBAL: &[(&str, Attr)] = &[
    ("class", Attr::Any),
    ("dir", Attr::Dir),
    ("lang", Attr::Any),
    ("title", Attr::Any),
];

/// The elements Marp Core keeps when HTML is not enabled, with their attributes (besides
/// `class`, `dir`, `lang` and `title`); `style` and event handlers are never kept. From
/// marp-core's `html/allowlist.ts`.
const ALLOWED: &[(&str, &[(&str, Attr)])] = &[
    (
        "a",
        &[
            ("href", Attr::WebUrl),
            ("name", Attr::Any),
            ("rel", Attr::Any),
            ("target", Attr::Any),
        ],
    ),
    ("abbr", &[]),
    ("address", &[]),
    ("article", &[]),
    ("aside", &[]),
    (
        "audio",
        &[
            ("autoplay", Attr::Any),
            ("controls", Attr::Any),
            ("loop", Attr::Any),
            ("muted", Attr::Any),
            ("preload", Attr::Any),
            ("src", Attr::WebUrl),
        ],
    ),
    ("b", &[]),
    ("bdi", &[]),
    ("bdo", &[]),
    ("big", &[]),
    ("blockquote", &[("cite", Attr::WebUrl)]),
    ("br", &[]),
    ("caption", &[]),
    ("center", &[]),
    ("cite", &[]),
    ("code", &[]),
    (
        "col",
        &[
            ("align", Attr::Any),
            ("valign", Attr::Any),
            ("span", Attr::Any),
            ("width", Attr::Any),
        ],
    ),
    (
        "colgroup",
        &[
            ("align", Attr::Any),
            ("valign", Attr::Any),
            ("span", Attr::Any),
            ("width", Attr::Any),
        ],
    ),
    ("dd", &[]),
    ("del", &[("cite", Attr::WebUrl), ("datetime", Attr::Any)]),
    ("details", &[("open", Attr::Any)]),
    ("div", &[]),
    ("dl", &[]),
    ("dt", &[]),
    ("em", &[]),
    ("figcaption", &[]),
    ("figure", &[]),
    ("h1", &[]),
    ("h2", &[]),
    ("h3", &[]),
    ("h4", &[]),
    ("h5", &[]),
    ("h6", &[]),
    ("hr", &[]),
    ("i", &[]),
    (
        "img",
        &[
            ("align", Attr::Any),
            ("alt", Attr::Any),
            ("decoding", Attr::Any),
            ("height", Attr::Any),
            ("loading", Attr::Any),
            ("src", Attr::ImageUrl),
            ("srcset", Attr::SrcSet),
            ("width", Attr::Any),
        ],
    ),
    ("ins", &[("cite", Attr::WebUrl), ("datetime", Attr::Any)]),
    ("kbd", &[]),
    ("li", &[("type", Attr::Any), ("value", Attr::Any)]),
    ("mark", &[]),
    ("nav", &[]),
    (
        "ol",
        &[
            ("reversed", Attr::Any),
            ("start", Attr::Any),
            ("type", Attr::Any),
        ],
    ),
    ("p", &[]),
    ("picture", &[]),
    ("pre", &[]),
    ("q", &[("cite", Attr::WebUrl)]),
    ("rp", &[]),
    ("rt", &[]),
    ("ruby", &[]),
    ("s", &[]),
    ("section", &[]),
    ("small", &[]),
    ("span", &[]),
    ("sub", &[]),
    ("summary", &[]),
    ("sup", &[]),
    ("strong", &[]),
    ("strike", &[]),
    (
        "table",
        &[
            ("width", Attr::Any),
            ("border", Attr::Any),
            ("align", Attr::Any),
            ("valign", Attr::Any),
        ],
    ),
    ("tbody", &[("align", Attr::Any), ("valign", Attr::Any)]),
    (
        "td",
        &[
            ("width", Attr::Any),
            ("rowspan", Attr::Any),
            ("colspan", Attr::Any),
            ("align", Attr::Any),
            ("valign", Attr::Any),
        ],
    ),
    ("tfoot", &[("align", Attr::Any), ("valign", Attr::Any)]),
    (
        "th",
        &[
            ("width", Attr::Any),
            ("rowspan", Attr::Any),
            ("colspan", Attr::Any),
            ("align", Attr::Any),
            ("valign", Attr::Any),
        ],
    ),
    ("thead", &[("align", Attr::Any), ("valign", Attr::Any)]),
    ("time", &[("datetime", Attr::Any)]),
    (
        "tr",
        &[
            ("rowspan", Attr::Any),
            ("align", Attr::Any),
            ("valign", Attr::Any),
        ],
    ),
    ("u", &[]),
    ("ul", &[]),
    (
        "video",
        &[
            ("autoplay", Attr::Any),
            ("controls", Attr::Any),
            ("loop", Attr::Any),
            ("muted", Attr::Any),
            ("playsinline", Attr::Any),
            ("poster", Attr::ImageUrl),
            ("preload", Attr::Any),
            ("src", Attr::WebUrl),
            ("height", Attr::Any),
            ("width", Attr::Any),
        ],
    ),
    ("wbr", &[]),
];

/// Raw HTML as Marp Core shows it when HTML is not enabled: allowlisted elements are kept with
/// their allowed attributes only (URLs checked), every other tag is shown as text.
pub fn escape_except_allowlist(html: &str) -> String {
    keep_tags(html, allowed)
}

/// Raw HTML as a project's HTML policy shows it: Marp's allowlist, a config's own allowlist, or
/// every tag escaped (`HtmlPolicy::All` keeps it as written).
pub fn sanitize(html: &str, policy: &crate::settings::HtmlPolicy) -> String {
    use crate::settings::HtmlPolicy;
    match policy {
        HtmlPolicy::All => html.to_string(),
        HtmlPolicy::Allowlist => escape_except_allowlist(html),
        HtmlPolicy::None => keep_tags(html, |_| None),
        HtmlPolicy::Custom(list) => keep_tags(html, |tag| allowed_by(tag, list)),
    }
}

/// `html` with the tags `keep` returns (as it writes them) and every other tag shown as text.
fn keep_tags(html: &str, keep: impl Fn(&ParsedTag) -> Option<String>) -> String {
    let mut out = String::with_capacity(html.len() + 16);
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        let at = i + off;
        escape_text(&mut out, &html[i..at]);
        match parse_tag(&html[at..]) {
            Some(tag) => {
                match keep(&tag) {
                    Some(kept) => out.push_str(&kept),
                    None => escape_text(&mut out, &html[at..at + tag.len]),
                }
                i = at + tag.len;
            }
            None => {
                out.push_str("&lt;");
                i = at + 1;
            }
        }
    }
    escape_text(&mut out, &html[i..]);
    out
}

/// Raw HTML with the `src` of every `<img>` replaced by `f(src as written, its byte offset in
/// `html`)` (entities decoded; the result is escaped): deck reads a raw image like a Markdown one.
pub fn map_img_src(html: &str, mut f: impl FnMut(&str, usize) -> String) -> String {
    let mut out = String::with_capacity(html.len());
    let mut i = 0;
    let mut copied = 0;
    while let Some(off) = html[i..].find('<') {
        let at = i + off;
        let Some(tag) = parse_tag(&html[at..]) else {
            i = at + 1;
            continue;
        };
        if tag.name == "img" && !tag.closing {
            let src = tag.attrs.iter().position(|(n, _)| n == "src");
            if let Some(span) = src.and_then(|k| tag.value_spans[k].clone()) {
                let raw = &html[at + span.start..at + span.end];
                out.push_str(&html[copied..at + span.start]);
                out.push_str(&escape(&f(&decode_entities(raw), at + span.start)));
                copied = at + span.end;
            }
        }
        i = at + tag.len;
    }
    out.push_str(&html[copied..]);
    out
}

/// Text around tags: only `<` and `>` are escaped (entities stay entities).
fn escape_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
}

struct ParsedTag {
    name: String,
    closing: bool,
    self_closing: bool,
    attrs: Vec<(String, Option<String>)>,
    /// Where each attribute's value is written in the tag (without its quotes).
    value_spans: Vec<Option<std::ops::Range<usize>>>,
    /// Length of the tag's text.
    len: usize,
}

/// An HTML tag at the start of `s`: `<name attr="v" ...>` or `</name>`.
fn parse_tag(s: &str) -> Option<ParsedTag> {
    let b = s.as_bytes();
    let mut i = 1;
    let closing = b.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let name_start = i;
    if !b.get(i).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    while b
        .get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'-')
    {
        i += 1;
    }
    let name = s[name_start..i].to_ascii_lowercase();
    let mut attrs = Vec::new();
    let mut value_spans = Vec::new();
    loop {
        while b.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        match b.get(i)? {
            b'>' => {
                return Some(ParsedTag {
                    name,
                    closing,
                    self_closing: false,
                    attrs,
                    value_spans,
                    len: i + 1,
                });
            }
            b'/' if b.get(i + 1) == Some(&b'>') => {
                return Some(ParsedTag {
                    name,
                    closing,
                    self_closing: true,
                    attrs,
                    value_spans,
                    len: i + 2,
                });
            }
            _ => {}
        }
        let a = i;
        while b
            .get(i)
            .is_some_and(|c| !c.is_ascii_whitespace() && !matches!(c, b'=' | b'>' | b'/'))
        {
            i += 1;
        }
        if i == a {
            // A stray `/` or `=`.
            i += 1;
            continue;
        }
        let attr = s[a..i].to_ascii_lowercase();
        while b.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let mut value = None;
        let mut span = None;
        if b.get(i) == Some(&b'=') {
            i += 1;
            while b.get(i).is_some_and(u8::is_ascii_whitespace) {
                i += 1;
            }
            match b.get(i)? {
                q @ (b'"' | b'\'') => {
                    let end = s[i + 1..].find(*q as char)? + i + 1;
                    value = Some(s[i + 1..end].to_string());
                    span = Some(i + 1..end);
                    i = end + 1;
                }
                _ => {
                    let v = i;
                    while b
                        .get(i)
                        .is_some_and(|c| !c.is_ascii_whitespace() && *c != b'>')
                    {
                        i += 1;
                    }
                    value = Some(s[v..i].to_string());
                    span = Some(v..i);
                }
            }
        }
        attrs.push((attr, value));
        value_spans.push(span);
    }
}

/// The tag as Marp keeps it, or `None` when the element is not allowed.
fn allowed(tag: &ParsedTag) -> Option<String> {
    let (_, own) = ALLOWED.iter().find(|(n, _)| *n == tag.name)?;
    if tag.closing {
        return Some(format!("</{}>", tag.name));
    }
    let mut out = format!("<{}", tag.name);
    for (name, value) in &tag.attrs {
        let Some((_, kind)) = GLOBAL.iter().chain(own.iter()).find(|(n, _)| n == name) else {
            continue;
        };
        match value {
            None => out.push_str(&format!(" {name}")),
            Some(v) => {
                let v = decode_entities(v);
                let v = match kind {
                    Attr::Any => v,
                    Attr::WebUrl => {
                        if url_allowed(&v, &["http", "https"]) {
                            v
                        } else {
                            Default::default()
                        }
                    }
                    Attr::ImageUrl => {
                        if url_allowed(&v, &["http", "https", "data:image/"]) {
                            v
                        } else {
                            Default::default()
                        }
                    }
                    Attr::SrcSet => {
                        if v.split(',')
                            .all(|u| url_allowed(u, &["http", "https", "data:image/"]))
                        {
                            v
                        } else {
                            Default::default()
                        }
                    }
                    Attr::Dir => {
                        let d = v.to_ascii_lowercase();
                        if ["rtl", "ltr", "auto"].contains(&d.as_str()) {
                            d
                        } else {
                            Default::default()
                        }
                    }
                };
                out.push_str(&format!(" {name}=\"{}\"", escape(&v)));
            }
        }
    }
    out.push_str(if tag.self_closing { " />" } else { ">" });
    Some(out)
}

/// The tag as a config's allowlist (`html: { b: [], a: [href] }`) keeps it: the element only if
/// listed, with the listed attributes; link and image addresses are checked as Marp's are, and
/// event handlers never kept.
fn allowed_by(
    tag: &ParsedTag,
    list: &std::collections::BTreeMap<String, Vec<String>>,
) -> Option<String> {
    let attrs = list.get(&tag.name)?;
    if tag.closing {
        return Some(format!("</{}>", tag.name));
    }
    let mut out = format!("<{}", tag.name);
    for (name, value) in &tag.attrs {
        if !attrs.iter().any(|a| a.eq_ignore_ascii_case(name)) || name.starts_with("on") {
            continue;
        }
        match value {
            None => out.push_str(&format!(" {name}")),
            Some(v) => {
                let v = decode_entities(v);
                let ok = match name.as_str() {
                    "href" | "action" | "formaction" | "xlink:href" => {
                        url_allowed(&v, &["http", "https", "mailto"])
                    }
                    "src" | "poster" | "srcset" => v
                        .split(',')
                        .all(|u| url_allowed(u, &["http", "https", "data:image/"])),
                    _ => true,
                };
                if ok {
                    out.push_str(&format!(" {name}=\"{}\"", escape(&v)));
                }
            }
        }
    }
    out.push_str(if tag.self_closing { " />" } else { ">" });
    Some(out)
}

/// A URL with a scheme must use one of `schemes` (a scheme with `:` is a prefix, as
/// `data:image/`); a URL without a scheme is fine.
fn url_allowed(v: &str, schemes: &[&str]) -> bool {
    if !v.contains(':') {
        return true;
    }
    let t = v.trim().to_ascii_lowercase();
    let scheme = t.split(':').next().unwrap_or("");
    schemes.iter().any(|s| {
        if s.contains(':') {
            t.starts_with(s)
        } else {
            scheme == *s
        }
    })
}

/// The common character references of an attribute value, decoded (js-xss reads values so).
fn decode_entities(v: &str) -> String {
    v.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
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
    fn keeps_marps_allowlist_and_drops_unsafe_attributes() {
        assert_eq!(
            escape_except_allowlist("a<br>b<br/>c<script>x</script><BR />"),
            "a<br>b<br />c&lt;script&gt;x&lt;/script&gt;<br />"
        );
        assert_eq!(escape_except_allowlist("<br onclick=x>"), "<br>");
        assert_eq!(
            escape_except_allowlist("<span style=\"color:red\" class=\"w\">x</span>"),
            "<span class=\"w\">x</span>"
        );
        assert_eq!(
            escape_except_allowlist("<a href=\"javascript:alert(1)\" onclick=\"x()\">l</a>"),
            "<a href=\"\">l</a>"
        );
        assert_eq!(
            escape_except_allowlist("<img src=\"img/a.png\" width=40 onerror=x alt=\"a\">"),
            "<img src=\"img/a.png\" width=\"40\" alt=\"a\">"
        );
        assert_eq!(
            escape_except_allowlist("<iframe src=x></iframe>"),
            "&lt;iframe src=x&gt;&lt;/iframe&gt;"
        );
        assert_eq!(escape_except_allowlist("a < b & c"), "a &lt; b & c");
    }

    #[test]
    fn a_configs_allowlist_keeps_only_its_tags_and_attributes() {
        use crate::settings::HtmlPolicy;
        let list: std::collections::BTreeMap<String, Vec<String>> = [
            ("b".to_string(), vec![]),
            ("a".to_string(), vec!["href".to_string()]),
        ]
        .into();
        let custom = HtmlPolicy::Custom(list);
        assert_eq!(
            sanitize("<b class=x>1</b><span>2</span>", &custom),
            "<b>1</b>&lt;span&gt;2&lt;/span&gt;"
        );
        assert_eq!(
            sanitize("<a href=\"javascript:alert(1)\" onclick=x>l</a>", &custom),
            "<a>l</a>"
        );
        assert_eq!(
            sanitize("<br><b>x</b>", &HtmlPolicy::None),
            "&lt;br&gt;&lt;b&gt;x&lt;/b&gt;"
        );
    }
}
