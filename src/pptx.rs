//! A PowerPoint file as marp-cli writes one: a slide per slide at the deck's size, each a
//! full-slide picture, its speaker notes on its notes page, the title and author in the
//! document's properties. The OOXML parts are written here (one master, one layout, a theme, a
//! notes master) and zipped with fixed timestamps, so the same deck gives the same file.

use std::io::Write as _;

use crate::markdown::html::escape;

/// A slide: its picture (PNG) and its notes.
pub struct Slide {
    pub png: Vec<u8>,
    pub notes: String,
}

pub struct Presentation {
    /// The slide size in CSS pixels.
    pub width: u32,
    pub height: u32,
    pub title: Option<String>,
    pub author: Option<String>,
    pub description: Option<String>,
    pub slides: Vec<Slide>,
}

/// English Metric Units per CSS pixel (914400 per inch, 96 pixels per inch).
const EMU_PER_PX: u64 = 9525;

/// The largest slide side PowerPoint opens: 56 inches.
const MAX_EMU: u64 = 51_206_400;

const XML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
const NS_P: &str = "http://schemas.openxmlformats.org/presentationml/2006/main";
const NS_A: &str = "http://schemas.openxmlformats.org/drawingml/2006/main";
const NS_R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PKG_REL: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

impl Presentation {
    /// The `.pptx` file's bytes.
    pub fn write(&self) -> anyhow::Result<Vec<u8>> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .last_modified_time(zip::DateTime::default());
        let deflated = stored.compression_method(zip::CompressionMethod::Deflated);
        let put = |zip: &mut zip::ZipWriter<_>,
                   name: &str,
                   bytes: &[u8],
                   deflate: bool|
         -> anyhow::Result<()> {
            zip.start_file(name, if deflate { deflated } else { stored })?;
            zip.write_all(bytes)?;
            Ok(())
        };
        put(
            &mut zip,
            "[Content_Types].xml",
            self.content_types().as_bytes(),
            true,
        )?;
        put(&mut zip, "_rels/.rels", root_rels().as_bytes(), true)?;
        put(&mut zip, "docProps/core.xml", self.core().as_bytes(), true)?;
        put(&mut zip, "docProps/app.xml", self.app().as_bytes(), true)?;
        put(
            &mut zip,
            "ppt/presentation.xml",
            self.presentation().as_bytes(),
            true,
        )?;
        put(
            &mut zip,
            "ppt/_rels/presentation.xml.rels",
            self.presentation_rels().as_bytes(),
            true,
        )?;
        put(&mut zip, "ppt/presProps.xml", PRES_PROPS.as_bytes(), true)?;
        put(&mut zip, "ppt/viewProps.xml", VIEW_PROPS.as_bytes(), true)?;
        put(
            &mut zip,
            "ppt/tableStyles.xml",
            TABLE_STYLES.as_bytes(),
            true,
        )?;
        put(
            &mut zip,
            "ppt/theme/theme1.xml",
            theme("deck").as_bytes(),
            true,
        )?;
        put(
            &mut zip,
            "ppt/theme/theme2.xml",
            theme("deck notes").as_bytes(),
            true,
        )?;
        put(
            &mut zip,
            "ppt/slideMasters/slideMaster1.xml",
            MASTER.replace("{NS}", &ns()).as_bytes(),
            true,
        )?;
        put(
            &mut zip,
            "ppt/slideMasters/_rels/slideMaster1.xml.rels",
            rels(&[
                ("rId1", "slideLayout", "../slideLayouts/slideLayout1.xml"),
                ("rId2", "theme", "../theme/theme1.xml"),
            ])
            .as_bytes(),
            true,
        )?;
        put(
            &mut zip,
            "ppt/slideLayouts/slideLayout1.xml",
            LAYOUT.replace("{NS}", &ns()).as_bytes(),
            true,
        )?;
        put(
            &mut zip,
            "ppt/slideLayouts/_rels/slideLayout1.xml.rels",
            rels(&[("rId1", "slideMaster", "../slideMasters/slideMaster1.xml")]).as_bytes(),
            true,
        )?;
        put(
            &mut zip,
            "ppt/notesMasters/notesMaster1.xml",
            self.notes_master().as_bytes(),
            true,
        )?;
        put(
            &mut zip,
            "ppt/notesMasters/_rels/notesMaster1.xml.rels",
            rels(&[("rId1", "theme", "../theme/theme2.xml")]).as_bytes(),
            true,
        )?;
        for (i, slide) in self.slides.iter().enumerate() {
            let n = i + 1;
            put(
                &mut zip,
                &format!("ppt/media/image{n}.png"),
                &slide.png,
                false,
            )?;
            put(
                &mut zip,
                &format!("ppt/slides/slide{n}.xml"),
                self.slide(n).as_bytes(),
                true,
            )?;
            put(
                &mut zip,
                &format!("ppt/slides/_rels/slide{n}.xml.rels"),
                rels(&[
                    ("rId1", "slideLayout", "../slideLayouts/slideLayout1.xml"),
                    ("rId2", "image", &format!("../media/image{n}.png")),
                    (
                        "rId3",
                        "notesSlide",
                        &format!("../notesSlides/notesSlide{n}.xml"),
                    ),
                ])
                .as_bytes(),
                true,
            )?;
            put(
                &mut zip,
                &format!("ppt/notesSlides/notesSlide{n}.xml"),
                self.notes_slide(&slide.notes).as_bytes(),
                true,
            )?;
            put(
                &mut zip,
                &format!("ppt/notesSlides/_rels/notesSlide{n}.xml.rels"),
                rels(&[
                    ("rId1", "notesMaster", "../notesMasters/notesMaster1.xml"),
                    ("rId2", "slide", &format!("../slides/slide{n}.xml")),
                ])
                .as_bytes(),
                true,
            )?;
        }
        Ok(zip.finish()?.into_inner())
    }

    /// EMUs per CSS pixel: 9525, or less for a slide larger than PowerPoint takes (the slide is
    /// then scaled down whole, its proportions kept).
    fn emu_per_px(&self) -> u64 {
        let side = u64::from(self.width.max(self.height).max(1));
        EMU_PER_PX.min(MAX_EMU / side)
    }

    fn cx(&self) -> u64 {
        u64::from(self.width) * self.emu_per_px()
    }

    fn cy(&self) -> u64 {
        u64::from(self.height) * self.emu_per_px()
    }

    fn content_types(&self) -> String {
        let ct = "application/vnd.openxmlformats-officedocument.presentationml";
        let mut s = format!(
            "{XML}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
<Default Extension=\"xml\" ContentType=\"application/xml\"/>\
<Default Extension=\"png\" ContentType=\"image/png\"/>\
<Override PartName=\"/ppt/presentation.xml\" ContentType=\"{ct}.presentation.main+xml\"/>\
<Override PartName=\"/ppt/presProps.xml\" ContentType=\"{ct}.presProps+xml\"/>\
<Override PartName=\"/ppt/viewProps.xml\" ContentType=\"{ct}.viewProps+xml\"/>\
<Override PartName=\"/ppt/tableStyles.xml\" ContentType=\"{ct}.tableStyles+xml\"/>\
<Override PartName=\"/ppt/slideMasters/slideMaster1.xml\" ContentType=\"{ct}.slideMaster+xml\"/>\
<Override PartName=\"/ppt/slideLayouts/slideLayout1.xml\" ContentType=\"{ct}.slideLayout+xml\"/>\
<Override PartName=\"/ppt/notesMasters/notesMaster1.xml\" ContentType=\"{ct}.notesMaster+xml\"/>\
<Override PartName=\"/ppt/theme/theme1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.theme+xml\"/>\
<Override PartName=\"/ppt/theme/theme2.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.theme+xml\"/>\
<Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>\
<Override PartName=\"/docProps/app.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/>"
        );
        for n in 1..=self.slides.len() {
            s.push_str(&format!(
                "<Override PartName=\"/ppt/slides/slide{n}.xml\" ContentType=\"{ct}.slide+xml\"/>\
<Override PartName=\"/ppt/notesSlides/notesSlide{n}.xml\" ContentType=\"{ct}.notesSlide+xml\"/>"
            ));
        }
        s.push_str("</Types>");
        s
    }

    fn core(&self) -> String {
        let opt = |tag: &str, v: &Option<String>| {
            v.as_ref()
                .map(|v| format!("<{tag}>{}</{tag}>", escape(v)))
                .unwrap_or_default()
        };
        // A fixed date: the same deck gives the same file.
        format!(
            "{XML}<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\
{}{}{}<cp:lastModifiedBy>deck</cp:lastModifiedBy><cp:revision>1</cp:revision>\
<dcterms:created xsi:type=\"dcterms:W3CDTF\">1980-01-01T00:00:00Z</dcterms:created>\
<dcterms:modified xsi:type=\"dcterms:W3CDTF\">1980-01-01T00:00:00Z</dcterms:modified></cp:coreProperties>",
            opt("dc:title", &self.title),
            opt("dc:creator", &self.author),
            opt("dc:description", &self.description),
        )
    }

    fn app(&self) -> String {
        format!(
            "{XML}<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\" xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">\
<Application>deck</Application><Slides>{}</Slides><Notes>{}</Notes><PresentationFormat>Custom</PresentationFormat></Properties>",
            self.slides.len(),
            self.slides.iter().filter(|s| !s.notes.is_empty()).count()
        )
    }

    fn presentation(&self) -> String {
        let ids: String = (1..=self.slides.len())
            .map(|n| format!("<p:sldId id=\"{}\" r:id=\"rId{}\"/>", 255 + n, 10 + n))
            .collect();
        format!(
            "{XML}<p:presentation xmlns:a=\"{NS_A}\" xmlns:r=\"{NS_R}\" xmlns:p=\"{NS_P}\" saveSubsetFonts=\"1\">\
<p:sldMasterIdLst><p:sldMasterId id=\"2147483648\" r:id=\"rId1\"/></p:sldMasterIdLst>\
<p:notesMasterIdLst><p:notesMasterId r:id=\"rId2\"/></p:notesMasterIdLst>\
<p:sldIdLst>{ids}</p:sldIdLst>\
<p:sldSz cx=\"{}\" cy=\"{}\"/><p:notesSz cx=\"6858000\" cy=\"9144000\"/>\
<p:defaultTextStyle><a:defPPr><a:defRPr lang=\"en-US\"/></a:defPPr></p:defaultTextStyle></p:presentation>",
            self.cx(),
            self.cy()
        )
    }

    fn presentation_rels(&self) -> String {
        let mut list: Vec<(String, &str, String)> = vec![
            (
                "rId1".into(),
                "slideMaster",
                "slideMasters/slideMaster1.xml".into(),
            ),
            (
                "rId2".into(),
                "notesMaster",
                "notesMasters/notesMaster1.xml".into(),
            ),
            ("rId3".into(), "theme", "theme/theme1.xml".into()),
            ("rId4".into(), "presProps", "presProps.xml".into()),
            ("rId5".into(), "viewProps", "viewProps.xml".into()),
            ("rId6".into(), "tableStyles", "tableStyles.xml".into()),
        ];
        for n in 1..=self.slides.len() {
            list.push((
                format!("rId{}", 10 + n),
                "slide",
                format!("slides/slide{n}.xml"),
            ));
        }
        let borrowed: Vec<(&str, &str, &str)> = list
            .iter()
            .map(|(a, b, c)| (a.as_str(), *b, c.as_str()))
            .collect();
        rels(&borrowed)
    }

    fn slide(&self, n: usize) -> String {
        format!(
            "{XML}<p:sld {}><p:cSld><p:spTree>{}\
<p:pic><p:nvPicPr><p:cNvPr id=\"2\" name=\"Slide {n}\" descr=\"Slide {n}\"/><p:cNvPicPr><a:picLocks noChangeAspect=\"1\"/></p:cNvPicPr><p:nvPr/></p:nvPicPr>\
<p:blipFill><a:blip r:embed=\"rId2\"/><a:stretch><a:fillRect/></a:stretch></p:blipFill>\
<p:spPr><a:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"{}\" cy=\"{}\"/></a:xfrm><a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom></p:spPr></p:pic>\
</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sld>",
            ns(),
            GROUP,
            self.cx(),
            self.cy()
        )
    }

    fn notes_master(&self) -> String {
        format!(
            "{XML}<p:notesMaster {}><p:cSld><p:bg><p:bgRef idx=\"1001\"><a:schemeClr val=\"bg1\"/></p:bgRef></p:bg><p:spTree>{}\
<p:sp><p:nvSpPr><p:cNvPr id=\"2\" name=\"Slide Image\"/><p:cNvSpPr><a:spLocks noGrp=\"1\" noRot=\"1\" noChangeAspect=\"1\"/></p:cNvSpPr><p:nvPr><p:ph type=\"sldImg\" idx=\"2\"/></p:nvPr></p:nvSpPr>\
<p:spPr><a:xfrm><a:off x=\"381000\" y=\"685800\"/><a:ext cx=\"6096000\" cy=\"{}\"/></a:xfrm><a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom></p:spPr></p:sp>\
<p:sp><p:nvSpPr><p:cNvPr id=\"3\" name=\"Notes\"/><p:cNvSpPr><a:spLocks noGrp=\"1\"/></p:cNvSpPr><p:nvPr><p:ph type=\"body\" idx=\"1\"/></p:nvPr></p:nvSpPr>\
<p:spPr><a:xfrm><a:off x=\"685800\" y=\"4400550\"/><a:ext cx=\"5486400\" cy=\"3600450\"/></a:xfrm><a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom></p:spPr>\
<p:txBody><a:bodyPr/><a:lstStyle/><a:p><a:endParaRPr lang=\"en-US\"/></a:p></p:txBody></p:sp>\
</p:spTree></p:cSld><p:clrMap bg1=\"lt1\" tx1=\"dk1\" bg2=\"lt2\" tx2=\"dk2\" accent1=\"accent1\" accent2=\"accent2\" accent3=\"accent3\" accent4=\"accent4\" accent5=\"accent5\" accent6=\"accent6\" hlink=\"hlink\" folHlink=\"folHlink\"/>\
<p:notesStyle><a:lvl1pPr marL=\"0\" algn=\"l\"><a:defRPr sz=\"1200\"><a:solidFill><a:schemeClr val=\"tx1\"/></a:solidFill><a:latin typeface=\"+mn-lt\"/></a:defRPr></a:lvl1pPr></p:notesStyle></p:notesMaster>",
            ns(),
            GROUP,
            6096000 * u64::from(self.height) / u64::from(self.width.max(1)),
        )
    }

    fn notes_slide(&self, notes: &str) -> String {
        let paragraphs: String = if notes.is_empty() {
            "<a:p><a:endParaRPr lang=\"en-US\"/></a:p>".into()
        } else {
            notes
                .split('\n')
                .map(|line| {
                    if line.is_empty() {
                        "<a:p><a:endParaRPr lang=\"en-US\"/></a:p>".to_string()
                    } else {
                        // XML 1.0 has no place for control characters (a NUL in the notes).
                        let text: String = line
                            .chars()
                            .filter(|c| *c == '\t' || !c.is_control())
                            .collect();
                        format!("<a:p><a:r><a:rPr lang=\"en-US\" dirty=\"0\"/><a:t>{}</a:t></a:r></a:p>", escape(&text))
                    }
                })
                .collect()
        };
        format!(
            "{XML}<p:notes {}><p:cSld><p:spTree>{}\
<p:sp><p:nvSpPr><p:cNvPr id=\"2\" name=\"Slide Image\"/><p:cNvSpPr><a:spLocks noGrp=\"1\" noRot=\"1\" noChangeAspect=\"1\"/></p:cNvSpPr><p:nvPr><p:ph type=\"sldImg\"/></p:nvPr></p:nvSpPr><p:spPr/></p:sp>\
<p:sp><p:nvSpPr><p:cNvPr id=\"3\" name=\"Notes\"/><p:cNvSpPr><a:spLocks noGrp=\"1\"/></p:cNvSpPr><p:nvPr><p:ph type=\"body\" idx=\"1\"/></p:nvPr></p:nvSpPr><p:spPr/>\
<p:txBody><a:bodyPr/><a:lstStyle/>{paragraphs}</p:txBody></p:sp>\
</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:notes>",
            ns(),
            GROUP
        )
    }
}

fn ns() -> String {
    format!("xmlns:a=\"{NS_A}\" xmlns:r=\"{NS_R}\" xmlns:p=\"{NS_P}\"")
}

fn root_rels() -> String {
    format!(
        "{XML}<Relationships xmlns=\"{PKG_REL}\">\
<Relationship Id=\"rId1\" Type=\"{REL}/officeDocument\" Target=\"ppt/presentation.xml\"/>\
<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/>\
<Relationship Id=\"rId3\" Type=\"{REL}/extended-properties\" Target=\"docProps/app.xml\"/></Relationships>"
    )
}

/// A part's relationships: (id, type, target).
fn rels(list: &[(&str, &str, &str)]) -> String {
    let mut s = format!("{XML}<Relationships xmlns=\"{PKG_REL}\">");
    for (id, kind, target) in list {
        s.push_str(&format!(
            "<Relationship Id=\"{id}\" Type=\"{REL}/{kind}\" Target=\"{target}\"/>"
        ));
    }
    s.push_str("</Relationships>");
    s
}

/// The group every shape tree starts with.
const GROUP: &str = "<p:nvGrpSpPr><p:cNvPr id=\"1\" name=\"\"/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>\
<p:grpSpPr><a:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"0\" cy=\"0\"/><a:chOff x=\"0\" y=\"0\"/><a:chExt cx=\"0\" cy=\"0\"/></a:xfrm></p:grpSpPr>";

const MASTER: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<p:sldMaster {NS}><p:cSld><p:bg><p:bgRef idx=\"1001\"><a:schemeClr val=\"bg1\"/></p:bgRef></p:bg><p:spTree>\
<p:nvGrpSpPr><p:cNvPr id=\"1\" name=\"\"/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>\
<p:grpSpPr><a:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"0\" cy=\"0\"/><a:chOff x=\"0\" y=\"0\"/><a:chExt cx=\"0\" cy=\"0\"/></a:xfrm></p:grpSpPr>\
</p:spTree></p:cSld>\
<p:clrMap bg1=\"lt1\" tx1=\"dk1\" bg2=\"lt2\" tx2=\"dk2\" accent1=\"accent1\" accent2=\"accent2\" accent3=\"accent3\" accent4=\"accent4\" accent5=\"accent5\" accent6=\"accent6\" hlink=\"hlink\" folHlink=\"folHlink\"/>\
<p:sldLayoutIdLst><p:sldLayoutId id=\"2147483649\" r:id=\"rId1\"/></p:sldLayoutIdLst>\
<p:txStyles><p:titleStyle><a:lvl1pPr><a:defRPr sz=\"4400\"/></a:lvl1pPr></p:titleStyle><p:bodyStyle><a:lvl1pPr><a:defRPr sz=\"2800\"/></a:lvl1pPr></p:bodyStyle><p:otherStyle><a:lvl1pPr><a:defRPr sz=\"1800\"/></a:lvl1pPr></p:otherStyle></p:txStyles></p:sldMaster>";

const LAYOUT: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<p:sldLayout {NS} type=\"blank\" preserve=\"1\"><p:cSld name=\"Blank\"><p:spTree>\
<p:nvGrpSpPr><p:cNvPr id=\"1\" name=\"\"/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>\
<p:grpSpPr><a:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"0\" cy=\"0\"/><a:chOff x=\"0\" y=\"0\"/><a:chExt cx=\"0\" cy=\"0\"/></a:xfrm></p:grpSpPr>\
</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sldLayout>";

const PRES_PROPS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<p:presentationPr xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\"/>";

const VIEW_PROPS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<p:viewPr xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\"><p:normalViewPr><p:restoredLeft sz=\"15620\"/><p:restoredTop sz=\"94660\"/></p:normalViewPr><p:gridSpacing cx=\"76200\" cy=\"76200\"/></p:viewPr>";

const TABLE_STYLES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<a:tblStyleLst xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" def=\"{5C22544A-7EE6-4342-B048-85BDC9FD1C3A}\"/>";

/// A plain Office theme (colours, fonts, formats): every master needs one.
fn theme(name: &str) -> String {
    let fill = "<a:solidFill><a:schemeClr val=\"phClr\"/></a:solidFill>";
    let line = "<a:ln w=\"9525\"><a:solidFill><a:schemeClr val=\"phClr\"/></a:solidFill></a:ln>";
    let effect = "<a:effectStyle><a:effectLst/></a:effectStyle>";
    format!(
        "{XML}<a:theme xmlns:a=\"{NS_A}\" name=\"{name}\"><a:themeElements>\
<a:clrScheme name=\"deck\">\
<a:dk1><a:srgbClr val=\"000000\"/></a:dk1><a:lt1><a:srgbClr val=\"FFFFFF\"/></a:lt1>\
<a:dk2><a:srgbClr val=\"44546A\"/></a:dk2><a:lt2><a:srgbClr val=\"E7E6E6\"/></a:lt2>\
<a:accent1><a:srgbClr val=\"4472C4\"/></a:accent1><a:accent2><a:srgbClr val=\"ED7D31\"/></a:accent2>\
<a:accent3><a:srgbClr val=\"A5A5A5\"/></a:accent3><a:accent4><a:srgbClr val=\"FFC000\"/></a:accent4>\
<a:accent5><a:srgbClr val=\"5B9BD5\"/></a:accent5><a:accent6><a:srgbClr val=\"70AD47\"/></a:accent6>\
<a:hlink><a:srgbClr val=\"0563C1\"/></a:hlink><a:folHlink><a:srgbClr val=\"954F72\"/></a:folHlink></a:clrScheme>\
<a:fontScheme name=\"deck\"><a:majorFont><a:latin typeface=\"Calibri Light\"/><a:ea typeface=\"\"/><a:cs typeface=\"\"/></a:majorFont>\
<a:minorFont><a:latin typeface=\"Calibri\"/><a:ea typeface=\"\"/><a:cs typeface=\"\"/></a:minorFont></a:fontScheme>\
<a:fmtScheme name=\"deck\"><a:fillStyleLst>{fill}{fill}{fill}</a:fillStyleLst><a:lnStyleLst>{line}{line}{line}</a:lnStyleLst>\
<a:effectStyleLst>{effect}{effect}{effect}</a:effectStyleLst><a:bgFillStyleLst>{fill}{fill}{fill}</a:bgFillStyleLst></a:fmtScheme>\
</a:themeElements><a:objectDefaults/><a:extraClrSchemeLst/></a:theme>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_deck_gives_the_same_file() {
        let p = Presentation {
            width: 1280,
            height: 720,
            title: Some("T & <x>".into()),
            author: Some("A".into()),
            description: None,
            slides: vec![
                Slide {
                    png: vec![1, 2, 3],
                    notes: "say this\n\nthen <that>".into(),
                },
                Slide {
                    png: vec![4],
                    notes: String::new(),
                },
            ],
        };
        let a = p.write().unwrap();
        assert_eq!(a, p.write().unwrap());
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(a)).unwrap();
        let mut read = |name: &str| {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
            s
        };
        assert!(read("ppt/presentation.xml").contains("<p:sldSz cx=\"12192000\" cy=\"6858000\"/>"));
        assert!(read("ppt/notesSlides/notesSlide1.xml").contains("<a:t>then &lt;that&gt;</a:t>"));
        assert!(read("docProps/core.xml").contains("<dc:title>T &amp; &lt;x&gt;</dc:title>"));
        assert!(read("[Content_Types].xml").contains("/ppt/slides/slide2.xml"));
    }
}
