//! Fonts a theme names, embedded: Marp's gaia loads Lato from the network; deck stays offline,
//! so where a font a theme names is installed on the building machine, the glyphs the deck uses
//! are embedded into the page (`@font-face` with a data: URL), and a published deck looks the
//! same everywhere.
//!
//! The subset keeps glyph ids as they are and empties the outlines of glyphs the deck does not
//! use, so the character map, metrics and kerning stay valid without renumbering; the `kern`
//! pairs are reduced to used glyphs, and layout tables (GSUB, GPOS) and device metrics are
//! left out. Only TrueType outlines (`glyf`) are subset; other fonts are not embedded.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// One installed font file: its family and style.
#[derive(Debug, Clone)]
struct Face {
    family: String,
    weight: u16,
    italic: bool,
    path: PathBuf,
}

/// Folders where fonts are installed (fontconfig's usual ones).
fn font_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![
        PathBuf::from("/usr/share/fonts"),
        PathBuf::from("/usr/local/share/fonts"),
    ];
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
        dirs.push(home.join(".local/share/fonts"));
        dirs.push(home.join(".fonts"));
    }
    dirs
}

/// The installed TrueType faces, read once per process.
fn installed() -> &'static [Face] {
    static FACES: OnceLock<Vec<Face>> = OnceLock::new();
    FACES.get_or_init(|| {
        let mut faces = Vec::new();
        let mut stack = font_dirs();
        while let Some(dir) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in rd.filter_map(Result::ok) {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("ttf"))
                    && let Some(face) = read_face(&p)
                {
                    faces.push(face);
                }
            }
        }
        faces.sort_by(|a, b| a.path.cmp(&b.path));
        faces
    })
}

/// Family, weight and slant of a font file, from its `name` and `OS/2` tables (only those are
/// read: a font folder holds many large files).
fn read_face(path: &Path) -> Option<Face> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path).ok()?;
    let mut head = [0u8; 12];
    file.read_exact(&mut head).ok()?;
    let n = be16(&head, 4)? as usize;
    let mut dir = vec![0u8; 16 * n];
    file.read_exact(&mut dir).ok()?;
    // A sparse copy of the file: the header, the directory, and the two tables needed.
    let mut data = head.to_vec();
    data.extend_from_slice(&dir);
    let mut glyf = false;
    for i in 0..n {
        let tag = &dir[16 * i..16 * i + 4];
        glyf |= tag == b"glyf";
        if tag == b"name" || tag == b"OS/2" {
            let off = be32(&dir, 16 * i + 8)? as usize;
            let len = be32(&dir, 16 * i + 12)? as usize;
            if len > 1 << 20 {
                return None;
            }
            if data.len() < off + len {
                data.resize(off + len, 0);
            }
            file.seek(SeekFrom::Start(off as u64)).ok()?;
            file.read_exact(&mut data[off..off + len]).ok()?;
        }
    }
    if !glyf {
        return None;
    }
    let font = Font::parse_sparse(&data)?;
    let os2 = font.table(b"OS/2")?;
    let weight = be16(os2, 4)?;
    let italic = be16(os2, 62).is_some_and(|s| s & 1 == 1);
    let family = font.family()?;
    Some(Face {
        family,
        weight,
        italic,
        path: path.to_path_buf(),
    })
}

/// The font each `font-family` declaration of `css` asks for first, when it is a named font (not
/// a generic family or a system alias such as `-apple-system`): the author's choice, which Marp
/// themes load from the network (gaia's Lato) and deck embeds instead.
pub fn families(css: &str) -> Vec<String> {
    const GENERIC: &[&str] = &[
        "serif",
        "sans-serif",
        "monospace",
        "cursive",
        "fantasy",
        "system-ui",
        "ui-monospace",
        "ui-sans-serif",
        "ui-serif",
        "-apple-system",
        "blinkmacsystemfont",
        "emoji",
        "math",
        "inherit",
        "initial",
        "unset",
    ];
    let mut out: Vec<String> = Vec::new();
    let mut rest = css;
    while let Some(i) = rest.find("font-family") {
        rest = &rest[i + "font-family".len()..];
        let Some(colon) = rest.find(':') else { break };
        let value = &rest[colon + 1..];
        let end = value.find([';', '}']).unwrap_or(value.len());
        if let Some(first) = value[..end].split(',').next() {
            let name = first.replace("!important", "");
            let name = name.trim().trim_matches(['"', '\'']).trim();
            let named = !name.is_empty()
                && !name.starts_with("var(")
                && !GENERIC.contains(&name.to_ascii_lowercase().as_str());
            if named && !out.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                out.push(name.to_string());
            }
        }
        rest = &value[end..];
    }
    out
}

/// `@font-face` rules embedding the installed faces (regular, bold, italic, bold italic) of the
/// families `css` names, subset to the characters of `text`. Empty when none is installed.
pub fn embedded_faces(css: &str, text: &str) -> String {
    let chars: BTreeSet<char> = text.chars().filter(|c| !c.is_control()).collect();
    if chars.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    for family in families(css) {
        let faces: Vec<&Face> = installed()
            .iter()
            .filter(|f| f.family.eq_ignore_ascii_case(&family))
            .collect();
        for (weight, italic) in [(400, false), (700, false), (400, true), (700, true)] {
            // The installed face closest to the weight asked for, in the slant asked for.
            let Some(face) = faces
                .iter()
                .filter(|f| f.italic == italic)
                .min_by_key(|f| (f.weight as i32 - weight).abs())
                .filter(|f| (f.weight as i32 - weight).abs() <= 100)
            else {
                continue;
            };
            let Ok(data) = std::fs::read(&face.path) else {
                continue;
            };
            let Some(subset) = subset(&data, &chars) else {
                continue;
            };
            use base64::Engine as _;
            let b64 = base64::engine::general_purpose::STANDARD.encode(subset);
            out.push_str(&format!(
                "@font-face {{ font-family: \"{}\"; font-weight: {weight}; font-style: {}; src: url(\"data:font/ttf;base64,{b64}\") format(\"truetype\"); }}\n",
                family.replace('"', ""),
                if italic { "italic" } else { "normal" }
            ));
        }
    }
    out
}

fn be16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(d.get(at..at + 2)?.try_into().ok()?))
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

/// A TrueType font's tables.
struct Font<'a> {
    data: &'a [u8],
    tables: BTreeMap<[u8; 4], (usize, usize)>,
}

impl<'a> Font<'a> {
    /// A font read only in part: tables whose bytes are missing are left out.
    fn parse_sparse(data: &'a [u8]) -> Option<Font<'a>> {
        let n = be16(data, 4)? as usize;
        let mut tables = BTreeMap::new();
        for i in 0..n {
            let rec = 12 + 16 * i;
            let tag: [u8; 4] = data.get(rec..rec + 4)?.try_into().ok()?;
            let off = be32(data, rec + 8)? as usize;
            let len = be32(data, rec + 12)? as usize;
            if data.get(off..off.saturating_add(len)).is_some() {
                tables.insert(tag, (off, len));
            }
        }
        Some(Font { data, tables })
    }

    fn parse(data: &'a [u8]) -> Option<Font<'a>> {
        let version = be32(data, 0)?;
        if version != 0x0001_0000 && version != u32::from_be_bytes(*b"true") {
            return None;
        }
        let n = be16(data, 4)? as usize;
        let mut tables = BTreeMap::new();
        for i in 0..n {
            let rec = 12 + 16 * i;
            let tag: [u8; 4] = data.get(rec..rec + 4)?.try_into().ok()?;
            let off = be32(data, rec + 8)? as usize;
            let len = be32(data, rec + 12)? as usize;
            data.get(off..off.checked_add(len)?)?;
            tables.insert(tag, (off, len));
        }
        Some(Font { data, tables })
    }

    fn table(&self, tag: &[u8; 4]) -> Option<&'a [u8]> {
        let (off, len) = *self.tables.get(tag)?;
        self.data.get(off..off + len)
    }

    /// The family name: typographic family (16) if present, else family (1); Windows or Mac.
    fn family(&self) -> Option<String> {
        let name = self.table(b"name")?;
        let count = be16(name, 2)? as usize;
        let strings = be16(name, 4)? as usize;
        let mut best: Option<(u16, String)> = None;
        for i in 0..count {
            let r = 6 + 12 * i;
            let (platform, name_id) = (be16(name, r)?, be16(name, r + 6)?);
            let (len, off) = (be16(name, r + 8)? as usize, be16(name, r + 10)? as usize);
            if name_id != 1 && name_id != 16 {
                continue;
            }
            let raw = name.get(strings + off..strings + off + len)?;
            let text = if platform == 3 || platform == 0 {
                let units: Vec<u16> = raw
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect();
                String::from_utf16_lossy(&units)
            } else {
                raw.iter().map(|b| *b as char).collect()
            };
            let rank = if name_id == 16 { 2 } else { 1 };
            if best.as_ref().is_none_or(|(r, _)| rank > *r) {
                best = Some((rank, text));
            }
        }
        best.map(|(_, t)| t)
    }

    fn num_glyphs(&self) -> Option<usize> {
        be16(self.table(b"maxp")?, 4).map(usize::from)
    }

    /// Glyph data ranges, by glyph id, from `loca` and `glyf`.
    fn glyph_ranges(&self) -> Option<Vec<(usize, usize)>> {
        let n = self.num_glyphs()?;
        let long = be16(self.table(b"head")?, 50)? == 1;
        let loca = self.table(b"loca")?;
        let at = |i: usize| -> Option<usize> {
            if long {
                be32(loca, i * 4).map(|v| v as usize)
            } else {
                be16(loca, i * 2).map(|v| v as usize * 2)
            }
        };
        (0..n).map(|i| Some((at(i)?, at(i + 1)?))).collect()
    }

    /// Glyph ids of characters, from the Unicode `cmap` subtable (format 4 or 12).
    fn glyphs_of(&self, chars: &BTreeSet<char>) -> Option<BTreeSet<u16>> {
        let cmap = self.table(b"cmap")?;
        let n = be16(cmap, 2)? as usize;
        let mut sub = None;
        for i in 0..n {
            let (platform, encoding) = (be16(cmap, 4 + 8 * i)?, be16(cmap, 6 + 8 * i)?);
            let off = be32(cmap, 8 + 8 * i)? as usize;
            let format = be16(cmap, off)?;
            let unicode = platform == 0 || (platform == 3 && (encoding == 1 || encoding == 10));
            if unicode && (format == 12 || (format == 4 && sub.is_none())) {
                sub = Some((format, off));
            }
        }
        let (format, off) = sub?;
        let mut out = BTreeSet::new();
        for &c in chars {
            let cp = c as u32;
            let gid = if format == 4 {
                if cp > 0xFFFF {
                    continue;
                }
                cmap4(cmap, off, cp as u16)
            } else {
                cmap12(cmap, off, cp)
            };
            if let Some(g) = gid.filter(|g| *g != 0) {
                out.insert(g);
            }
        }
        Some(out)
    }
}

fn cmap4(cmap: &[u8], off: usize, c: u16) -> Option<u16> {
    let segs = be16(cmap, off + 6)? as usize / 2;
    let ends = off + 14;
    let starts = ends + 2 * segs + 2;
    let deltas = starts + 2 * segs;
    let ranges = deltas + 2 * segs;
    for s in 0..segs {
        let end = be16(cmap, ends + 2 * s)?;
        if c > end {
            continue;
        }
        let start = be16(cmap, starts + 2 * s)?;
        if c < start {
            return None;
        }
        let delta = be16(cmap, deltas + 2 * s)?;
        let range = be16(cmap, ranges + 2 * s)? as usize;
        if range == 0 {
            return Some(c.wrapping_add(delta));
        }
        let at = ranges + 2 * s + range + 2 * (c - start) as usize;
        let g = be16(cmap, at)?;
        return (g != 0).then(|| g.wrapping_add(delta));
    }
    None
}

fn cmap12(cmap: &[u8], off: usize, c: u32) -> Option<u16> {
    let groups = be32(cmap, off + 12)? as usize;
    for g in 0..groups {
        let r = off + 16 + 12 * g;
        let (start, end, first) = (be32(cmap, r)?, be32(cmap, r + 4)?, be32(cmap, r + 8)?);
        if (start..=end).contains(&c) {
            return u16::try_from(first + (c - start)).ok();
        }
    }
    None
}

/// The font with only the glyphs of `chars` (and the composite glyphs' parts) kept.
pub fn subset(data: &[u8], chars: &BTreeSet<char>) -> Option<Vec<u8>> {
    let font = Font::parse(data)?;
    let glyf = font.table(b"glyf")?;
    let ranges = font.glyph_ranges()?;
    let mut keep = font.glyphs_of(chars)?;
    keep.insert(0);
    // Composite glyphs name their parts: keep those too.
    let mut todo: Vec<u16> = keep.iter().copied().collect();
    while let Some(g) = todo.pop() {
        let Some(&(a, b)) = ranges.get(g as usize) else {
            continue;
        };
        let Some(glyph) = glyf.get(a..b) else {
            continue;
        };
        if glyph.len() < 10 || (glyph[0] as i8) >= 0 {
            continue;
        }
        let mut p = 10;
        while let (Some(flags), Some(part)) = (be16(glyph, p), be16(glyph, p + 2)) {
            if keep.insert(part) {
                todo.push(part);
            }
            p += 4 + if flags & 1 != 0 { 4 } else { 2 };
            p += if flags & 8 != 0 {
                2
            } else if flags & 0x40 != 0 {
                4
            } else if flags & 0x80 != 0 {
                8
            } else {
                0
            };
            if flags & 0x20 == 0 {
                break;
            }
        }
    }
    // New glyf and (long) loca: kept glyphs as they were, the others empty.
    let mut new_glyf = Vec::new();
    let mut new_loca = Vec::with_capacity((ranges.len() + 1) * 4);
    for (g, &(a, b)) in ranges.iter().enumerate() {
        new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
        if keep.contains(&(g as u16)) {
            new_glyf.extend_from_slice(glyf.get(a..b)?);
            while new_glyf.len() % 4 != 0 {
                new_glyf.push(0);
            }
        }
    }
    new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
    let mut head = font.table(b"head")?.to_vec();
    head.get_mut(8..12)?.copy_from_slice(&[0; 4]);
    head.get_mut(50..52)?.copy_from_slice(&1u16.to_be_bytes());
    let mut tables: Vec<([u8; 4], Vec<u8>)> = Vec::new();
    for tag in font.tables.keys() {
        let body = match tag {
            b"glyf" => new_glyf.clone(),
            b"loca" => new_loca.clone(),
            b"head" => head.clone(),
            // Glyph names are not needed: post format 3.
            b"post" => {
                let mut p = font.table(b"post")?.get(..32)?.to_vec();
                p[..4].copy_from_slice(&0x0003_0000u32.to_be_bytes());
                p
            }
            b"kern" => subset_kern(font.table(b"kern")?, &keep),
            b"cmap" | b"hhea" | b"hmtx" | b"maxp" | b"name" | b"OS/2" | b"cvt " | b"fpgm"
            | b"prep" | b"gasp" => font.table(tag)?.to_vec(),
            // Layout and device tables refer to glyphs in ways a plain subset cannot keep
            // valid cheaply: left out (kerning stays, through `kern`).
            _ => continue,
        };
        tables.push((*tag, body));
    }
    Some(write_font(&tables))
}

/// A `kern` table with only the format 0 pairs of kept glyphs.
fn subset_kern(kern: &[u8], keep: &BTreeSet<u16>) -> Vec<u8> {
    let mut out = Vec::new();
    let (Some(version), Some(n)) = (be16(kern, 0), be16(kern, 2)) else {
        return out;
    };
    if version != 0 {
        return out;
    }
    let mut subtables = Vec::new();
    let mut p = 4;
    for _ in 0..n {
        let (Some(len), Some(coverage)) = (be16(kern, p + 2), be16(kern, p + 4)) else {
            break;
        };
        let len = len as usize;
        if coverage >> 8 == 0 {
            let pairs = be16(kern, p + 6).unwrap_or(0) as usize;
            let mut kept = Vec::new();
            for i in 0..pairs {
                let r = p + 14 + 6 * i;
                let (Some(l), Some(rt)) = (be16(kern, r), be16(kern, r + 2)) else {
                    break;
                };
                if keep.contains(&l) && keep.contains(&rt) {
                    kept.extend_from_slice(&kern[r..r + 6]);
                }
            }
            let count = kept.len() / 6;
            let mut search = 1usize;
            let mut selector = 0u16;
            while search * 2 <= count {
                search *= 2;
                selector += 1;
            }
            let mut st = Vec::new();
            st.extend_from_slice(&0u16.to_be_bytes());
            st.extend_from_slice(&((14 + kept.len()) as u16).to_be_bytes());
            st.extend_from_slice(&coverage.to_be_bytes());
            st.extend_from_slice(&(count as u16).to_be_bytes());
            st.extend_from_slice(&((search * 6) as u16).to_be_bytes());
            st.extend_from_slice(&selector.to_be_bytes());
            st.extend_from_slice(&((count.saturating_sub(search) * 6) as u16).to_be_bytes());
            st.extend_from_slice(&kept);
            subtables.push(st);
        }
        p += len.max(6);
    }
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&(subtables.len() as u16).to_be_bytes());
    for st in subtables {
        out.extend_from_slice(&st);
    }
    out
}

/// A font file from its tables (sorted by tag), with checksums.
fn write_font(tables: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
    let n = tables.len();
    let mut search = 1usize;
    let mut selector = 0u16;
    while search * 2 <= n {
        search *= 2;
        selector += 1;
    }
    let mut out = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    out.extend_from_slice(&(n as u16).to_be_bytes());
    out.extend_from_slice(&((search * 16) as u16).to_be_bytes());
    out.extend_from_slice(&selector.to_be_bytes());
    out.extend_from_slice(&((n - search) as u16 * 16).to_be_bytes());
    let mut offset = 12 + 16 * n;
    let mut bodies = Vec::new();
    for (tag, body) in tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(body).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        let mut padded = body.clone();
        while padded.len() % 4 != 0 {
            padded.push(0);
        }
        offset += padded.len();
        bodies.push(padded);
    }
    for b in bodies {
        out.extend_from_slice(&b);
    }
    out
}

fn checksum(data: &[u8]) -> u32 {
    let mut sum = 0u32;
    for chunk in data.chunks(4) {
        let mut w = [0u8; 4];
        w[..chunk.len()].copy_from_slice(chunk);
        sum = sum.wrapping_add(u32::from_be_bytes(w));
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_from_css() {
        let css = "section { font-family: Lato, \"Avenir Next\", sans-serif; } code { font-family: 'Roboto Mono', monospace !important; }";
        assert_eq!(families(css), ["Lato", "Roboto Mono"]);
        let system = "section { font-family: -apple-system, \"Segoe UI\", Arial, sans-serif; }";
        assert!(families(system).is_empty());
    }

    #[test]
    fn a_subset_keeps_the_glyphs_asked_for() {
        let Some(face) = installed()
            .iter()
            .find(|f| f.family == "Lato" && f.weight == 400 && !f.italic)
        else {
            eprintln!("SKIPPED: Lato is not installed (Debian's fonts-lato)");
            return;
        };
        let data = std::fs::read(&face.path).unwrap();
        let chars: BTreeSet<char> = "Hello".chars().collect();
        let small = subset(&data, &chars).unwrap();
        assert!(
            small.len() < data.len() / 4,
            "{} of {}",
            small.len(),
            data.len()
        );
        let font = Font::parse(&small).unwrap();
        let glyphs = font.glyphs_of(&chars).unwrap();
        let ranges = font.glyph_ranges().unwrap();
        for g in &glyphs {
            let (a, b) = ranges[*g as usize];
            assert!(b > a, "glyph {g} kept");
        }
        let x = font.glyphs_of(&['x'].into_iter().collect()).unwrap();
        let (a, b) = ranges[*x.iter().next().unwrap() as usize];
        assert_eq!(a, b, "unused glyph emptied");
    }
}
