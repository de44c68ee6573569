//! Colour emoji as images, as Marp draws them (`<img class="emoji">`, twemoji from the network),
//! but offline: the bitmap of the emoji in the colour emoji font installed on the building
//! machine (Noto Color Emoji's CBDT table), inlined as a PNG data URL. Without such a font, or
//! for a sequence the font draws with ligatures (flags, families), the emoji stays text.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use base64::Engine as _;

struct EmojiFont {
    data: Vec<u8>,
    /// Character -> glyph id (format 12 cmap).
    cmap: HashMap<u32, u16>,
    /// Offset of CBDT in `data`, and the glyph ranges of the first strike's index subtables:
    /// (first, last, index format, image format, image data offset, offsets table position).
    cbdt: usize,
    ranges: Vec<(u16, u16, u16, u16, usize, usize)>,
}

fn be16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(d.get(at..at + 2)?.try_into().ok()?))
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

/// Where the colour emoji font is: Debian's fonts-noto-color-emoji, or any `*Emoji*.ttf` of the
/// usual font folders.
fn font_path() -> Option<PathBuf> {
    let known = PathBuf::from("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf");
    if known.is_file() {
        return Some(known);
    }
    let mut dirs = vec![
        PathBuf::from("/usr/share/fonts"),
        PathBuf::from("/usr/local/share/fonts"),
    ];
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
        dirs.push(home.join(".local/share/fonts"));
    }
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).ok()?.filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.file_name().is_some_and(|n| {
                n.to_string_lossy().contains("Emoji") && n.to_string_lossy().ends_with(".ttf")
            }) {
                return Some(p);
            }
        }
    }
    None
}

fn load() -> Option<EmojiFont> {
    let data = std::fs::read(font_path()?).ok()?;
    let n = be16(&data, 4)? as usize;
    let mut tables = HashMap::new();
    for i in 0..n {
        let rec = 12 + 16 * i;
        let tag: [u8; 4] = data.get(rec..rec + 4)?.try_into().ok()?;
        tables.insert(tag, be32(&data, rec + 8)? as usize);
    }
    let (cmap_at, cblc, cbdt) = (
        *tables.get(b"cmap")?,
        *tables.get(b"CBLC")?,
        *tables.get(b"CBDT")?,
    );
    // A format 12 subtable (all of Unicode).
    let subs = be16(&data, cmap_at + 2)? as usize;
    let mut cmap = HashMap::new();
    for i in 0..subs {
        let off = cmap_at + be32(&data, cmap_at + 8 + 8 * i)? as usize;
        if be16(&data, off)? != 12 {
            continue;
        }
        let groups = be32(&data, off + 12)? as usize;
        for g in 0..groups {
            let r = off + 16 + 12 * g;
            let (start, end, first) = (be32(&data, r)?, be32(&data, r + 4)?, be32(&data, r + 8)?);
            for c in start..=end.min(start + 4096) {
                cmap.insert(c, u16::try_from(first + c - start).ok()?);
            }
        }
        break;
    }
    // The first strike (bitmap size) of CBLC.
    let array = cblc + be32(&data, cblc + 8)? as usize;
    let count = be32(&data, cblc + 16)? as usize;
    let mut ranges = Vec::new();
    for i in 0..count {
        let r = array + 8 * i;
        let (first, last) = (be16(&data, r)?, be16(&data, r + 2)?);
        let sub = array + be32(&data, r + 4)? as usize;
        let (index_format, image_format) = (be16(&data, sub)?, be16(&data, sub + 2)?);
        let image_data = be32(&data, sub + 4)? as usize;
        ranges.push((first, last, index_format, image_format, image_data, sub + 8));
    }
    Some(EmojiFont {
        data,
        cmap,
        cbdt,
        ranges,
    })
}

fn font() -> Option<&'static EmojiFont> {
    static FONT: OnceLock<Option<EmojiFont>> = OnceLock::new();
    FONT.get_or_init(load).as_ref()
}

impl EmojiFont {
    /// The PNG of glyph `g`.
    fn png(&self, g: u16) -> Option<&[u8]> {
        let &(first, _, index_format, image_format, image_data, offsets) = self
            .ranges
            .iter()
            .find(|(f, l, ..)| (*f..=*l).contains(&g))?;
        let k = (g - first) as usize;
        let (start, end) = match index_format {
            1 => (
                be32(&self.data, offsets + 4 * k)? as usize,
                be32(&self.data, offsets + 4 * k + 4)? as usize,
            ),
            3 => (
                be16(&self.data, offsets + 2 * k)? as usize,
                be16(&self.data, offsets + 2 * k + 2)? as usize,
            ),
            _ => return None,
        };
        let at = self.cbdt + image_data + start;
        let header = match image_format {
            17 => 5,
            18 => 8,
            19 => 0,
            _ => return None,
        };
        let len = be32(&self.data, at + header)? as usize;
        let png = self.data.get(at + header + 4..at + header + 4 + len)?;
        (end > start && png.starts_with(b"\x89PNG")).then_some(png)
    }
}

/// The emoji as a PNG data URL, when the installed colour font draws it as one glyph.
pub fn image(emoji: &str) -> Option<String> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<String>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(hit) = cache.lock().ok()?.get(emoji) {
        return hit.clone();
    }
    let made = (|| {
        let mut chars = emoji
            .chars()
            .filter(|c| *c != '\u{fe0f}' && *c != '\u{fe0e}');
        let c = chars.next()?;
        if chars.next().is_some() {
            return None;
        }
        let f = font()?;
        let png = f.png(*f.cmap.get(&(c as u32))?)?;
        Some(format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(png)
        ))
    })();
    cache.lock().ok()?.insert(emoji.to_string(), made.clone());
    made
}

/// Text with its emoji as `<img>` tags (HTML, the rest escaped); `None` when it has none drawn
/// as images.
pub fn images_in(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut rest = text;
    while !rest.is_empty() {
        // The longest emoji at the start of `rest` (sequences up to 10 characters).
        let ends: Vec<usize> = rest
            .char_indices()
            .map(|(i, c)| i + c.len_utf8())
            .take(10)
            .collect();
        let hit = ends
            .iter()
            .rev()
            .find_map(|&e| emojis::get(&rest[..e]).map(|_| e));
        if let Some(e) = hit
            && let Some(url) = image(&rest[..e])
        {
            let alt = crate::markdown::html::escape(&rest[..e]);
            out.push_str(&format!(
                "<img class=\"emoji\" data-marp-twemoji=\"\" alt=\"{alt}\" draggable=\"false\" src=\"{url}\" />"
            ));
            rest = &rest[e..];
            changed = true;
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        crate::markdown::html::escape_into(&mut out, &rest[..c.len_utf8()]);
        rest = &rest[c.len_utf8()..];
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn emoji_become_images_when_a_colour_font_is_installed() {
        if super::font().is_none() {
            eprintln!("SKIPPED: no colour emoji font (Debian's fonts-noto-color-emoji)");
            return;
        }
        let html = super::images_in("Go 🚀 now ❤️ a<b").unwrap();
        assert!(
            html.starts_with("Go <img class=\"emoji\" data-marp-twemoji=\"\" alt=\"🚀\""),
            "{html}"
        );
        assert!(html.contains("alt=\"❤️\""), "{html}");
        assert!(
            html.contains("src=\"data:image/png;base64,iVBORw0KGgo"),
            "{html}"
        );
        assert!(html.ends_with("a&lt;b"), "{html}");
        assert_eq!(super::images_in("no emoji here"), None);
    }
}
