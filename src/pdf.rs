//! What marp-cli adds to the PDF Chromium prints: the document's metadata (title, author,
//! subject, keywords, creator), each slide's speaker notes as a note annotation on its page
//! (`--pdf-notes`), and an outline of pages and headings (`--pdf-outlines`).

use lopdf::{Dictionary, Document, Object, ObjectId, StringFormat};

/// A heading of a slide, as measured in the browser.
#[derive(Debug, Clone, PartialEq)]
pub struct Heading {
    /// The slide's index.
    pub page: usize,
    pub level: u8,
    pub text: String,
    /// Its top edge, in CSS pixels from the slide's top.
    pub top: f64,
}

/// The outline to add: an entry per page (`Page N`), the headings under them.
#[derive(Debug, Clone, Default)]
pub struct Outline {
    pub pages: bool,
    pub headings: Vec<Heading>,
}

/// What to add to the printed PDF.
#[derive(Debug, Clone, Default)]
pub struct Info {
    pub title: Option<String>,
    pub author: Option<String>,
    pub subject: Option<String>,
    pub keywords: Option<Vec<String>>,
    /// Per page, its notes (empty: no annotation).
    pub notes: Vec<String>,
    pub outline: Option<Outline>,
    /// The slide's height in CSS pixels (for the headings' positions).
    pub height: f64,
}

const CREATOR: &str = "deck";

/// The printed PDF with `info` added.
pub fn finish(printed: &[u8], info: &Info) -> anyhow::Result<Vec<u8>> {
    let mut doc = Document::load_mem(printed)?;
    let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();

    let mut meta = Dictionary::new();
    meta.set("Creator", text(CREATOR));
    meta.set("Producer", text(CREATOR));
    if let Some(t) = &info.title {
        meta.set("Title", text(t));
    }
    if let Some(a) = &info.author {
        meta.set("Author", text(a));
    }
    if let Some(s) = &info.subject {
        meta.set("Subject", text(s));
    }
    if let Some(k) = info.keywords.as_ref().filter(|k| !k.is_empty()) {
        meta.set("Keywords", text(&k.join("; ")));
    }
    let meta = doc.add_object(meta);
    doc.trailer.set("Info", meta);

    for (page, notes) in pages.iter().zip(&info.notes) {
        if notes.is_empty() {
            continue;
        }
        let mut annot = Dictionary::new();
        annot.set("Type", Object::Name(b"Annot".to_vec()));
        annot.set("Subtype", Object::Name(b"Text".to_vec()));
        annot.set(
            "Rect",
            Object::Array(vec![0.into(), 20.into(), 20.into(), 20.into()]),
        );
        annot.set("Contents", text(notes));
        if let Some(a) = &info.author {
            annot.set("T", text(a));
        }
        annot.set("Name", Object::Name(b"Note".to_vec()));
        annot.set("Subj", text("Note"));
        annot.set(
            "C",
            Object::Array(vec![
                Object::Real(1.0),
                Object::Real(0.92),
                Object::Real(0.42),
            ]),
        );
        annot.set("CA", Object::Real(0.25));
        let annot = doc.add_object(annot);
        let dict = doc.get_object_mut(*page)?.as_dict_mut()?;
        let mut annots = match dict.get(b"Annots") {
            Ok(Object::Array(a)) => a.clone(),
            _ => Vec::new(),
        };
        annots.push(Object::Reference(annot));
        dict.set("Annots", Object::Array(annots));
    }

    if let Some(outline) = &info.outline {
        add_outline(&mut doc, &pages, outline, info.height)?;
    }
    let mut out = Vec::with_capacity(printed.len() + 4096);
    doc.save_to(&mut out)?;
    Ok(out)
}

/// A PDF text string: PDFDocEncoding's ASCII as is, anything else as UTF-16 with a BOM.
fn text(s: &str) -> Object {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b) || b == b'\n') {
        return Object::String(s.as_bytes().to_vec(), StringFormat::Literal);
    }
    let mut bytes = vec![0xfe, 0xff];
    for unit in s.encode_utf16() {
        bytes.extend(unit.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// One entry of the outline while it is built: its title, where it points, its children.
struct Entry {
    title: String,
    page: ObjectId,
    /// PDF points from the page's bottom.
    y: Option<f64>,
    bold: bool,
    level: i32,
    children: Vec<Entry>,
}

fn add_outline(
    doc: &mut Document,
    pages: &[ObjectId],
    outline: &Outline,
    height: f64,
) -> anyhow::Result<()> {
    let mut roots: Vec<Entry> = Vec::new();
    // The chain of open entries, each with its level (pages are level -1: headings go under).
    fn push(roots: &mut Vec<Entry>, entry: Entry) {
        // Descend along the last entries while they are shallower than the new one.
        let mut list = roots;
        loop {
            let deeper = list.last().is_some_and(|last| last.level < entry.level);
            if !deeper {
                break;
            }
            list = &mut list.last_mut().expect("checked above").children;
        }
        list.push(entry);
    }
    for (i, page) in pages.iter().enumerate() {
        if outline.pages {
            push(
                &mut roots,
                Entry {
                    title: format!("Page {}", i + 1),
                    page: *page,
                    y: None,
                    bold: true,
                    level: -1,
                    children: Vec::new(),
                },
            );
        }
        for h in outline.headings.iter().filter(|h| h.page == i) {
            // CSS pixels are 0.75 PDF points; the PDF's y axis runs up from the bottom.
            let y = ((height - h.top) * 0.75).max(0.0);
            push(
                &mut roots,
                Entry {
                    title: h.text.clone(),
                    page: *page,
                    y: Some(y),
                    bold: false,
                    level: i32::from(h.level),
                    children: Vec::new(),
                },
            );
        }
    }
    if roots.is_empty() {
        return Ok(());
    }
    let root_id = doc.new_object_id();
    let (first, last, count) = write_entries(doc, &roots, root_id)?;
    let mut root = Dictionary::new();
    root.set("Type", Object::Name(b"Outlines".to_vec()));
    root.set("First", first);
    root.set("Last", last);
    root.set("Count", count);
    doc.objects.insert(root_id, Object::Dictionary(root));
    let catalog = doc.catalog_mut()?;
    catalog.set("Outlines", root_id);
    catalog.set("PageMode", Object::Name(b"UseOutlines".to_vec()));
    Ok(())
}

/// Write `entries` (siblings under `parent`); returns the first, the last and how many entries
/// are visible (all open).
fn write_entries(
    doc: &mut Document,
    entries: &[Entry],
    parent: ObjectId,
) -> anyhow::Result<(ObjectId, ObjectId, i64)> {
    let ids: Vec<ObjectId> = entries.iter().map(|_| doc.new_object_id()).collect();
    let mut count = 0;
    for (i, entry) in entries.iter().enumerate() {
        let mut d = Dictionary::new();
        d.set("Title", text(&entry.title));
        d.set("Parent", parent);
        if i > 0 {
            d.set("Prev", ids[i - 1]);
        }
        if i + 1 < ids.len() {
            d.set("Next", ids[i + 1]);
        }
        let top = match entry.y {
            Some(y) => Object::Real(y as f32),
            None => Object::Null,
        };
        d.set(
            "Dest",
            Object::Array(vec![
                Object::Reference(entry.page),
                Object::Name(b"XYZ".to_vec()),
                Object::Null,
                top,
                Object::Null,
            ]),
        );
        if entry.bold {
            d.set("F", 2);
        }
        count += 1;
        if !entry.children.is_empty() {
            let (first, last, n) = write_entries(doc, &entry.children, ids[i])?;
            d.set("First", first);
            d.set("Last", last);
            d.set("Count", n);
            count += n;
        }
        doc.objects.insert(ids[i], Object::Dictionary(d));
    }
    Ok((ids[0], ids[ids.len() - 1], count))
}
