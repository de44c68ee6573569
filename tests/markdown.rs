//! Marp Markdown → deck model: every directive, image keyword, notes, fragments, styles.

use std::path::Path;

use deck::deck::{Deck, Paginate, SplitSide};
use deck::diagnostics::{Diagnostics, Severity};
use deck::markdown::{self, KeepUrls, ParseOptions};
use deck::settings::{HtmlPolicy, MarkdownSettings};

fn parse_with(md: &str, html: bool) -> (Deck, Diagnostics) {
    let mut diags = Diagnostics::default();
    let mut keep = KeepUrls;
    let deck = markdown::parse(
        Path::new("t.md"),
        md,
        ParseOptions {
            html: if html {
                HtmlPolicy::All
            } else {
                HtmlPolicy::Allowlist
            },
            settings: &MarkdownSettings::default(),
            resolver: &mut keep,
            figures: None,
        },
        &mut diags,
    );
    (deck, diags)
}

fn parse(md: &str) -> Deck {
    let (deck, diags) = parse_with(md, false);
    assert!(
        diags.is_empty(),
        "unexpected diagnostics: {:?}",
        diags.into_vec()
    );
    deck
}

fn diags(md: &str) -> Vec<deck::diagnostics::Diagnostic> {
    parse_with(md, false).1.into_vec()
}

// --- Slides -------------------------------------------------------------------------------------

#[test]
fn rulers_split_slides_and_front_matter_is_not_one() {
    let d = parse("---\ntheme: gaia\n---\n# One\n\n---\n\n# Two\n\n***\n\nthree\n");
    assert_eq!(d.slides.len(), 3);
    assert!(d.slides[0].html.contains("<h1 id=\"one\">One</h1>"));
    assert!(d.slides[2].html.contains("three"));
    assert_eq!(d.slides[1].pos.line, 8);
}

#[test]
fn setext_heading_is_not_a_ruler() {
    let d = parse("Title\n---\n\ntext\n");
    assert_eq!(d.slides.len(), 1);
    assert!(d.slides[0].html.contains("<h2 id=\"title\">Title</h2>"));
}

#[test]
fn rulers_inside_lists_do_not_split() {
    let d = parse("- a\n\n  ---\n- b\n");
    assert_eq!(d.slides.len(), 1);
}

#[test]
fn empty_and_odd_inputs_give_one_slide() {
    for md in [
        "",
        "\u{feff}",
        "---\n---\n",
        "---\ntheme: gaia\n",
        "\r\n",
        "---",
    ] {
        let (d, _) = parse_with(md, false);
        assert!(!d.slides.is_empty(), "{md:?}");
    }
}

#[test]
fn crlf_files_work() {
    let d = parse("---\r\ntheme: gaia\r\npaginate: true\r\n---\r\n# A\r\n\r\n---\r\n\r\n# B\r\n");
    assert_eq!(d.slides.len(), 2);
    assert_eq!(d.globals.theme.unwrap().value, "gaia");
    assert_eq!(d.slides[1].page, Some(2));
}

#[test]
fn heading_divider_splits_before_headings() {
    let d = parse("---\nheadingDivider: 2\n---\n# A\ntext\n## B\n### C\n## D\n");
    assert_eq!(d.slides.len(), 3);
    assert!(d.slides[1].html.contains("<h3 id=\"c\">C</h3>"));
    let d = parse("<!-- headingDivider: [1, 3] -->\n# A\n## B\n### C\n");
    assert_eq!(d.slides.len(), 2);
    assert!(d.slides[0].html.contains("<h2 id=\"b\">B</h2>"));
    // As in Marpit, a heading after a `---` still divides: the slide between is empty (marp-cli
    // 4.5.1 gives three slides here). Only the document's first heading opens no new slide.
    let d = parse("---\nheadingDivider: 1\n---\n# A\n\n---\n\n# B\n");
    assert_eq!(d.slides.len(), 3);
    assert!(d.slides[1].html.trim().is_empty(), "{}", d.slides[1].html);
    let d = parse("---\nheadingDivider: 1\n---\n<!-- _class: lead -->\n\n# A\n");
    assert_eq!(d.slides.len(), 1);
}

// --- Global directives --------------------------------------------------------------------------

#[test]
fn global_directives_in_front_matter() {
    let d = parse(
        "---\nmarp: true\ntheme: uncover\nsize: 4:3\nmath: katex\ntitle: My talk\ndescription: About it\nauthor: Me\nlang: fr\nstyle: |\n  section { font-size: 32px }\n---\nx\n",
    );
    let g = &d.globals;
    assert_eq!(g.theme.as_ref().unwrap().value, "uncover");
    assert_eq!((g.size.width, g.size.height), (960, 720));
    assert_eq!(g.math.as_deref(), Some("katex"));
    assert_eq!(g.title.as_deref(), Some("My talk"));
    assert_eq!(g.description.as_deref(), Some("About it"));
    assert_eq!(g.author.as_deref(), Some("Me"));
    assert_eq!(g.lang.as_deref(), Some("fr"));
    assert_eq!(d.css, vec!["section { font-size: 32px }\n".to_string()]);
}

#[test]
fn global_directives_in_comments_and_last_wins() {
    let d = parse(
        "---\ntheme: gaia\n---\na\n\n---\n\n<!-- theme: uncover -->\n<!-- $size: 4:3 -->\nb\n",
    );
    assert_eq!(d.globals.theme.unwrap().value, "uncover");
    assert_eq!(d.globals.size.width, 960);
    assert!(d.slides.iter().all(|s| s.notes.is_empty()));
}

#[test]
fn size_16_9_is_the_default() {
    let d = parse("x");
    assert_eq!((d.globals.size.width, d.globals.size.height), (1280, 720));
    // Other names are the theme's `@size`s: kept for the build to resolve (an unknown one is a
    // warning there, tests/cli.rs `sizes_come_from_the_theme`).
    let d = parse("---\nsize: 21:9\n---\nx");
    assert_eq!(d.globals.size_name.as_deref(), Some("21:9"));
}

// --- Local directives ---------------------------------------------------------------------------

#[test]
fn loose_yaml_reads_hash_colours() {
    let d = parse("---\nbackgroundColor: #fff\ncolor: #123\n---\nx\n");
    assert_eq!(
        d.slides[0].directives.background_color.as_deref(),
        Some("#fff")
    );
    assert_eq!(d.slides[0].directives.color.as_deref(), Some("#123"));
}

#[test]
fn local_directives_carry_over_and_spots_do_not() {
    let d = parse("<!-- class: a -->\none\n\n---\n\n<!-- _class: b -->\ntwo\n\n---\n\nthree\n");
    let classes: Vec<_> = d
        .slides
        .iter()
        .map(|s| s.directives.class.clone())
        .collect();
    assert_eq!(
        classes,
        vec![Some("a".into()), Some("b".into()), Some("a".into())]
    );
}

#[test]
fn a_directive_at_the_bottom_applies_to_its_whole_slide() {
    let d = parse("one\n\n---\n\n# two\n\n<!-- backgroundColor: red -->\n\n---\n\nthree\n");
    let bg: Vec<_> = d
        .slides
        .iter()
        .map(|s| s.directives.background_color.clone())
        .collect();
    assert_eq!(bg, vec![None, Some("red".into()), Some("red".into())]);
}

#[test]
fn front_matter_spot_directive_applies_to_first_slide_only() {
    let d = parse("---\n_class: lead\nfooter: F\n---\none\n\n---\n\ntwo\n");
    assert_eq!(d.slides[0].directives.class.as_deref(), Some("lead"));
    assert_eq!(d.slides[1].directives.class, None);
    assert_eq!(d.slides[1].directives.footer.as_deref(), Some("F"));
}

#[test]
fn header_and_footer_render_inline_markdown_and_empty_removes() {
    let d = parse(
        "---\nheader: '**Deck** :smile:'\nfooter: by [me](https://x.org)\n---\none\n\n---\n\n<!-- header: \"\" -->\ntwo\n\n---\n\n<!-- _footer: -->\nthree\n\n---\n\nfour\n",
    );
    let s = &d.slides;
    let header = s[0].directives.header.as_deref().unwrap();
    assert!(
        header == "<strong>Deck</strong> 😄"
            || (header.starts_with("<strong>Deck</strong> <img class=\"emoji\"")
                && header.contains("alt=\"😄\"")),
        "{header}"
    );
    assert_eq!(
        s[0].directives.footer.as_deref(),
        Some("by <a href=\"https://x.org\">me</a>")
    );
    assert_eq!(s[1].directives.header, None);
    assert!(s[1].directives.footer.is_some());
    assert_eq!(s[2].directives.footer, None);
    assert!(
        s[3].directives.footer.is_some(),
        "a spot footer removal is for one slide"
    );
}

#[test]
fn first_slide_footer_only_as_in_the_reference_deck() {
    let d = parse(
        "<!-- _class: lead -->\n# Title\n\n<!-- \n_footer: \"Names - Event - 27 juin 2025\"\n -->\n\n---\n\n## Next\n",
    );
    assert_eq!(
        d.slides[0].directives.footer.as_deref(),
        Some("Names - Event - 27 juin 2025")
    );
    assert_eq!(d.slides[0].directives.class.as_deref(), Some("lead"));
    assert_eq!(d.slides[1].directives.footer, None);
    assert!(d.slides[0].notes.is_empty());
}

#[test]
fn background_directives() {
    let d = parse(
        "---\nbackgroundImage: url('a.png')\nbackgroundPosition: top\nbackgroundRepeat: repeat-x\nbackgroundSize: 50%\n---\nx\n",
    );
    let dir = &d.slides[0].directives;
    assert_eq!(dir.background_image.as_deref(), Some("url(\"a.png\")"));
    assert_eq!(dir.background_position.as_deref(), Some("top"));
    assert_eq!(dir.background_repeat.as_deref(), Some("repeat-x"));
    assert_eq!(dir.background_size.as_deref(), Some("50%"));
    let d = parse("---\nbackgroundImage: linear-gradient(to right, #fff, #000)\n---\nx\n");
    assert_eq!(
        d.slides[0].directives.background_image.as_deref(),
        Some("linear-gradient(to right, #fff, #000)")
    );
}

#[test]
fn paginate_true_false_hold_skip() {
    let md = "<!-- paginate: true -->\na\n\n---\n\n<!-- _paginate: false -->\nb\n\n---\n\n<!-- _paginate: hold -->\nc\n\n---\n\n<!-- _paginate: skip -->\nd\n\n---\n\ne\n";
    let d = parse(md);
    let p: Vec<_> = d
        .slides
        .iter()
        .map(|s| (s.directives.paginate, s.page))
        .collect();
    assert_eq!(
        p,
        vec![
            (Paginate::True, Some(1)),
            (Paginate::False, None),
            (Paginate::Hold, Some(2)),
            (Paginate::Skip, None),
            (Paginate::True, Some(3)),
        ]
    );
    assert_eq!(d.page_total, 3);
    let w = diags("<!-- paginate: maybe -->\nx");
    assert!(w[0].message.contains("maybe"));
    assert_eq!(w[0].pos.unwrap().line, 1);
}

// --- Comments: notes and errors ------------------------------------------------------------------

#[test]
fn comments_that_are_not_directives_are_notes() {
    let d = parse(
        "# A\n\n<!-- Say hello first. -->\n\ntext <!-- inline note --> more\n\n<!--\nTwo: lines\nof notes\n-->\n",
    );
    assert_eq!(
        d.slides[0].notes,
        vec!["Say hello first.", "inline note", "Two: lines\nof notes"]
    );
    assert!(!d.slides[0].html.contains("Say hello"));
}

#[test]
fn unknown_directive_warns_with_position_and_suggestion() {
    let w = diags("---\ntheme: gaia\npaginat: true\n---\nx\n");
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].severity, Severity::Warning);
    assert_eq!(w[0].pos.map(|p| (p.line, p.col)), Some((3, 1)));
    assert!(w[0].help.as_deref().unwrap().contains("paginate"));
    // In a comment it stays a note, with the same hint.
    let (d, diags) = parse_with("x\n\n<!-- _clas: lead -->\n", false);
    assert_eq!(d.slides[0].notes, vec!["_clas: lead"]);
    assert_eq!(diags.into_vec()[0].pos.unwrap().line, 3);
}

#[test]
fn broken_front_matter_is_an_error_with_line_and_column() {
    let w = diags("---\ntheme: gaia\nstyle: |\n  a\n b: [\n---\n# x\n");
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].severity, Severity::Error);
    let pos = w[0].pos.unwrap();
    assert!((4..=6).contains(&pos.line), "{pos:?}");
    assert!(w[0].to_string().contains("t.md:"), "{}", w[0]);
}

// --- Images ---------------------------------------------------------------------------------------

#[test]
fn image_sizes_and_alt_kept_for_user_css() {
    let d =
        parse("![width:300px](a.png)\n![w:200 h:100 center](b.png \"T\")\n![height:5em](c.png)\n");
    let h = &d.slides[0].html;
    assert!(
        h.contains("<img src=\"a.png\" alt=\"\" style=\"width:300px;\" />"),
        "{h}"
    );
    assert!(
        h.contains(
            "<img src=\"b.png\" alt=\"center\" title=\"T\" style=\"width:200px;height:100px;\" />"
        ),
        "{h}"
    );
    assert!(h.contains("style=\"height:5em;\""), "{h}");
}

#[test]
fn image_filters() {
    let d = parse("![blur:5px grayscale sepia:.5](a.png)");
    assert!(
        d.slides[0]
            .html
            .contains("style=\"filter:blur(5px) grayscale(1) sepia(.5);\""),
        "{}",
        d.slides[0].html
    );
}

#[test]
fn background_images_leave_the_flow() {
    let d = parse(
        "# T\n\n![bg](a.png)\n![bg contain](b.png)\n![bg fit](c.png)\n![bg auto](d.png)\n![bg 40%](e.png)\n",
    );
    let s = &d.slides[0];
    assert!(
        !s.html.contains("<img") && !s.html.contains("<p>"),
        "{}",
        s.html
    );
    let sizes: Vec<_> = s.backgrounds.iter().map(|b| b.size.as_str()).collect();
    assert_eq!(sizes, vec!["cover", "contain", "contain", "auto", "40%"]);
    assert!(!s.backgrounds_vertical);
    assert!(s.split.is_none());
}

#[test]
fn background_split_vertical_and_filters() {
    let d = parse(
        "![bg left:30% sepia](a.png)\n\n---\n\n![bg right](b.png)\n\n---\n\n![bg vertical](a.png)\n![bg](b.png)\n",
    );
    let s = &d.slides;
    assert_eq!(
        s[0].split.as_ref().map(|x| (x.side, x.percent)),
        Some((SplitSide::Left, 30.0))
    );
    assert_eq!(s[0].backgrounds[0].filter.as_deref(), Some("sepia(1)"));
    assert_eq!(
        s[1].split.as_ref().map(|x| (x.side, x.percent)),
        Some((SplitSide::Right, 50.0))
    );
    assert!(s[2].backgrounds_vertical);
    assert_eq!(s[2].backgrounds.len(), 2);
}

#[test]
fn background_image_with_text_keeps_the_paragraph() {
    let d = parse("Some text ![bg](a.png)\n");
    assert!(
        d.slides[0].html.contains("<p>Some text "),
        "{}",
        d.slides[0].html
    );
    assert_eq!(d.slides[0].backgrounds.len(), 1);
}

#[test]
fn colour_shorthand_images() {
    // Marpit 3 removed the colour shorthand: marp-cli 4.5.1 draws these as images, and so does
    // deck, with a warning that says which directive to write.
    let (d, diags) = parse_with("![bg](#123456)\n![](white)\n\ntext\n", false);
    let dir = &d.slides[0].directives;
    assert_eq!(dir.background_color, None);
    assert_eq!(dir.color, None);
    assert_eq!(d.slides[0].backgrounds.len(), 1);
    assert_eq!(d.slides[0].backgrounds[0].url, "#123456");
    assert!(
        d.slides[0].html.contains("<img src=\"white\" alt=\"\" />"),
        "{}",
        d.slides[0].html
    );
    let msgs: Vec<String> = diags.into_vec().iter().map(|d| format!("{d:?}")).collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(
        msgs[0].contains("_backgroundColor") && msgs[1].contains("_color"),
        "{msgs:?}"
    );
}

// --- Fragments, styles, fit -------------------------------------------------------------------------

#[test]
fn star_and_paren_lists_are_fragmented() {
    let d = parse("* a\n* b\n\n---\n\n1) x\n2) y\n3) z\n\n---\n\n- a\n+ b\n\n1. c\n");
    assert_eq!(d.slides[0].fragments, 2);
    assert!(
        d.slides[0]
            .html
            .contains("<li data-marpit-fragment=\"1\">a</li>"),
        "{}",
        d.slides[0].html
    );
    assert!(
        d.slides[0]
            .html
            .contains("<li data-marpit-fragment=\"2\">b</li>")
    );
    assert_eq!(d.slides[1].fragments, 3);
    assert!(d.slides[1].html.contains("<ol>"));
    assert_eq!(d.slides[2].fragments, 0);
    assert!(!d.slides[2].html.contains("data-marpit-fragment"));
}

#[test]
fn nested_fragment_lists_count_all_items() {
    let d = parse("* a\n  * b\n  - c\n* d\n");
    assert_eq!(d.slides[0].fragments, 3);
}

#[test]
fn style_tags_global_and_scoped() {
    let d = parse(
        "<style>\nh1 { color: red }\n</style>\n\n# A\n\n---\n\n<style scoped>\nh1 { color: blue }\n</style>\n\n# B\n",
    );
    assert_eq!(d.css, vec!["\nh1 { color: red }\n".to_string()]);
    assert!(d.slides[0].scoped_css.is_empty());
    assert_eq!(
        d.slides[1].scoped_css,
        vec!["\nh1 { color: blue }\n".to_string()]
    );
    assert!(!d.slides[1].html.contains("color"));
}

#[test]
fn fit_heading() {
    let d = parse("# <!-- fit --> Big title\n\n## Normal\n");
    let h = &d.slides[0].html;
    assert!(
        h.contains(
            "<h1 id=\"big-title\" data-deck-fit=\"\"><span data-deck-fit-content=\"\"> Big title</span></h1>"
        ),
        "{h}"
    );
    assert!(h.contains("<h2 id=\"normal\">Normal</h2>"));
    assert!(d.slides[0].notes.is_empty());
}

// --- Markdown features ------------------------------------------------------------------------------

#[test]
fn gfm_tables_and_strikethrough_and_no_tasks_or_footnotes_as_in_marp() {
    let d = parse(
        "| a | b |\n|---|--:|\n| 1 | 2 |\n\n~~old~~ new[^1]\n\n- [x] done\n- [ ] todo\n\n[^1]: A note.\n",
    );
    let h = &d.slides[0].html;
    assert!(
        h.contains("<table>") && h.contains("<th style=\"text-align: right\">b</th>"),
        "{h}"
    );
    assert!(h.contains("<del>old</del>"));
    // Marp Core has no task list or footnote plugin: `[x]` is text, and `[^1]: ...` is an
    // ordinary link reference definition, as markdown-it reads it.
    assert!(
        h.contains("<li>[x] done</li>") && h.contains("<li>[ ] todo</li>"),
        "{h}"
    );
    assert!(
        h.contains("<a href=\"A\" title=\"note.\">^1</a>") || h.contains("^1"),
        "{h}"
    );
    assert!(!h.contains("<input"), "{h}");
}

#[test]
fn code_math_and_emoji_at_build_time() {
    let d = parse(
        "```rust\nfn main() {}\n```\n\nInline $a^2$ and\n\n$$\\sum_i x_i$$\n\nHi :wave: `:wave:`\n",
    );
    let h = &d.slides[0].html;
    assert!(h.contains("<pre class=\"language-rust\"><code class=\"language-rust hljs\"><span class=\"hljs-keyword\">fn </span>"), "{h}");
    assert!(h.contains("<math") && h.contains("<msup>"), "{h}");
    assert!(h.contains("display=\"block\""), "{h}");
    // As text, or as an image from the colour emoji font when the machine has one.
    assert!(
        h.contains("Hi 👋 <code>:wave:</code>")
            || (h.contains("Hi <img class=\"emoji\"") && h.contains("alt=\"👋\"")),
        "{h}"
    );
}

#[test]
fn bad_math_is_a_warning_and_shows_the_tex() {
    let (d, w) = parse_with("$\\undefinedcmd{x}$\n", false);
    assert_eq!(w.iter().count(), 1);
    assert!(d.slides[0].html.contains("<code>"), "{}", d.slides[0].html);
}

#[test]
fn raw_html_is_escaped_unless_allowed() {
    let md = "<div class=\"x\">hi</div>\n\nline<br>break <script>alert(1)</script>\n";
    let (d, _) = parse_with(md, false);
    let h = &d.slides[0].html;
    // Marp Core keeps an allowlist of elements (div is one), without unsafe attributes.
    assert!(h.contains("<div class=\"x\">hi</div>"), "{h}");
    assert!(h.contains("line<br>break"), "{h}");
    assert!(h.contains("&lt;script&gt;"), "{h}");
    let (d, _) = parse_with(md, true);
    assert!(d.slides[0].html.contains("<div class=\"x\">hi</div>"));
    assert!(d.slides[0].html.contains("<script>"));
}

#[test]
fn bare_urls_become_links_but_not_inside_links_or_code() {
    let d = parse("See https://example.org/a_b. [https://x.org](https://y.org) `https://z.org`\n");
    let h = &d.slides[0].html;
    assert!(
        h.contains("See <a href=\"https://example.org/a_b\">https://example.org/a_b</a>."),
        "{h}"
    );
    assert!(
        h.contains("<a href=\"https://y.org\">https://x.org</a>"),
        "{h}"
    );
    assert!(h.contains("<code>https://z.org</code>"), "{h}");
}

#[test]
fn slide_heading_is_recorded_for_its_accessible_name() {
    let d = parse("intro\n\n## The *plan*\n");
    assert_eq!(d.slides[0].heading.as_deref(), Some("The plan"));
}

// --- As Marp does it (each checked against marp-cli 4.5.1 on the corpus in tests/corpus/marp) --

fn pages(d: &Deck) -> Vec<Option<usize>> {
    d.slides.iter().map(|s| s.page).collect()
}

#[test]
fn marpit_page_numbering() {
    // hold does not count; the first slide held shows 1.
    let d = parse(
        "---\npaginate: hold\n---\na\n\n---\n\n<!-- paginate: true -->\nb\n\n---\n\nc\n\n---\n\n<!-- paginate: false -->\nd\n",
    );
    assert_eq!(pages(&d), [Some(1), Some(2), Some(3), None]);
    assert_eq!(d.page_total, 4);
    let d = parse(
        "<!-- _paginate: hold -->\na\n\n---\n\n<!-- paginate: true -->\nb\n\n---\n\nc\n\n---\n\nd\n",
    );
    // The held first slide is page 1, and counting goes on from there.
    assert_eq!(pages(&d), [Some(1), Some(2), Some(3), Some(4)]);
    assert_eq!(d.page_total, 4);
    // skip neither shows nor counts; values are read in any case.
    let d =
        parse("---\npaginate: TRUE\n---\na\n\n---\n\n<!-- _paginate: skip -->\nb\n\n---\n\nc\n");
    assert_eq!(pages(&d), [Some(1), None, Some(2)]);
}

#[test]
fn class_lists_are_joined() {
    for md in [
        "---\nclass: [\"lead\", \"invert\"]\n---\nx\n",
        "---\nclass:\n  - lead\n  - invert\n---\nx\n",
        "<!--\nclass:\n  - lead\n  - invert\n-->\nx\n",
    ] {
        let d = parse(md);
        assert_eq!(
            d.slides[0].directives.class.as_deref(),
            Some("lead invert"),
            "{md}"
        );
        assert!(
            d.slides[0]
                .directives
                .attrs
                .contains(&("class".into(), "lead invert".into()))
        );
    }
}

#[test]
fn a_newline_in_a_paragraph_is_a_line_break() {
    let d = parse("one\ntwo\n\n```\na\nb\n```\n");
    assert!(
        d.slides[0].html.contains("<p>one<br />\ntwo</p>"),
        "{}",
        d.slides[0].html
    );
    assert!(d.slides[0].html.contains("a\nb"));
}

#[test]
fn headers_and_footers_size_their_images_and_resolve_reference_links() {
    let d = parse(
        "---\nfooter: '![h:30](logo.png) Company [home][r1]'\n---\nx\n\n[r1]: https://example.com/ \"Home\"\n",
    );
    let f = d.slides[0].directives.footer.as_deref().unwrap();
    assert!(
        f.contains("<img src=\"logo.png\" alt=\"\" style=\"height:30px;\" />"),
        "{f}"
    );
    assert!(
        f.contains("<a href=\"https://example.com/\" title=\"Home\">home</a>"),
        "{f}"
    );
}

#[test]
fn percentage_sizes_apply_to_backgrounds_only() {
    let d = parse("![w:100%](a.png) ![w:50px](b.png) ![w:10rem](c.png)\n\n![bg w:50%](d.png)\n");
    let h = &d.slides[0].html;
    assert!(h.contains("<img src=\"a.png\" alt=\"\" />"), "{h}");
    assert!(h.contains("style=\"width:50px;\""), "{h}");
    // `rem` is not one of Marpit's units: the keyword stays in the alt text.
    assert!(h.contains("alt=\"w:10rem\""), "{h}");
    assert_eq!(d.slides[0].backgrounds[0].size, "50% auto");
}

#[test]
fn background_directives_apply_with_an_image_only() {
    let d = parse(
        "<!-- backgroundSize: contain -->\n<!-- backgroundRepeat: no-repeat -->\nx\n\n---\n\n<!-- backgroundImage: url(a.png) -->\ny\n",
    );
    assert_eq!(d.slides[0].directives.background_image, None);
    // The attributes are there (users' CSS may key on them), the style is not.
    assert!(
        d.slides[0]
            .directives
            .attrs
            .contains(&("background-size".into(), "contain".into()))
    );
    assert!(d.slides[1].directives.background_image.is_some());
}

#[test]
fn headings_get_marp_core_slugs() {
    let d = parse(
        "# Hello World!\n\n## Hello World\n\n## 1\n\n## Überblick\n\n## `code` <!-- fit -->\n",
    );
    let h = &d.slides[0].html;
    for id in [
        "hello-world",
        "hello-world-1",
        "1-1",
        "%C3%BCberblick",
        "code",
    ] {
        assert!(h.contains(&format!(" id=\"{id}\"")), "{id}: {h}");
    }
}

#[test]
fn transitions_as_marp_cli_writes_them() {
    let d = parse(
        "---\ntransition: fade\n---\na\n\n---\n\n<!-- transition: cover 1s -->\nb\n\n---\n\n<!-- _transition: none -->\nc\n\n---\n\nd\n",
    );
    let t: Vec<Option<&str>> = d
        .slides
        .iter()
        .map(|s| s.directives.transition.as_deref())
        .collect();
    assert_eq!(
        t,
        [
            Some("{\"name\":\"fade\",\"builtinFallback\":true}"),
            Some("{\"name\":\"cover\",\"duration\":\"1s\",\"builtinFallback\":true}"),
            Some("{\"name\":\"none\"}"),
            Some("{\"name\":\"cover\",\"duration\":\"1s\",\"builtinFallback\":true}"),
        ]
    );
    assert_eq!(d.slides[0].transition_back, None);
    assert_eq!(d.slides[1].transition_back.as_deref(), t[0]);
    assert_eq!(d.slides[3].transition_back.as_deref(), t[2]);
}

// --- Checked against marp-cli 4.5.1 --------------------------------------------------------------

#[test]
fn only_unindented_directive_lines_are_loosened() {
    // Inside `style: |` a line such as `color: #8a2be2;` is CSS, not a `color` directive.
    let d =
        parse("---\nstyle: |\n  h1 {\n    color: #8a2be2;\n  }\nbackgroundColor: #fff\n---\n# A\n");
    assert_eq!(
        d.globals.style.as_deref().map(str::trim),
        Some("h1 {\n  color: #8a2be2;\n}")
    );
    assert_eq!(
        d.slides[0].directives.background_color.as_deref(),
        Some("#fff")
    );
}

#[test]
fn a_comment_indented_as_a_whole_is_a_note_with_a_warning() {
    // Marp trims the comment, so its second line keeps an indent the first lost: not YAML.
    let (d, diags) = parse_with("# A\n\n<!--\n  _class: lead\n  _color: red\n-->\n", false);
    assert_eq!(d.slides[0].directives.class, None);
    let diags = diags.into_vec();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(
        format!("{:?}", diags[0]).contains("not read as directives"),
        "{diags:?}"
    );
    // Written at the start of their lines, they are directives.
    let d = parse("# A\n\n<!--\n_class: lead\n_color: red\n-->\n");
    assert_eq!(d.slides[0].directives.class.as_deref(), Some("lead"));
}

#[test]
fn lines_of_background_images_leave_nothing_behind() {
    let d = parse("![bg](a.png)\n![bg contain](b.png)\n![bg](c.png)\n\n## Six\n");
    assert_eq!(d.slides[0].backgrounds.len(), 3);
    assert_eq!(d.slides[0].html.trim(), "<h2 id=\"six\">Six</h2>");
    // Mixed with text, the breaks stay as Marp keeps them.
    let d = parse("text\n![bg](a.png)\nmore\n");
    assert!(
        d.slides[0].html.contains("<p>text<br />\n<br />\nmore</p>"),
        "{}",
        d.slides[0].html
    );
}

#[test]
fn a_math_block_is_read_before_markdown_sees_its_lines() {
    // `=` alone under a line would make a heading; `- x` a list item.
    let d = parse("## M\n\n$$\n\\begin{bmatrix} 1 \\end{bmatrix}\n=\n- x\n$$\n\nafter\n");
    let html = &d.slides[0].html;
    assert_eq!(
        html.matches("<math display=\"block\">").count(),
        1,
        "{html}"
    );
    assert!(
        !html.contains("<h1") && !html.contains("<li") && !html.contains("$$"),
        "{html}"
    );
    assert!(html.contains("<p>after</p>"), "{html}");
    // A block that interrupts a paragraph ends it, as in Marp.
    let d = parse("before\n$$\nx\n$$\nafter\n");
    let html = &d.slides[0].html;
    assert!(
        html.contains("<p>before</p>") && html.contains("<p>after</p>"),
        "{html}"
    );
}
