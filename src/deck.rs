//! The deck model: what the Markdown parser produces and the renderer consumes.
//!
//! Slide bodies are already HTML here (pulldown-cmark renders them, with our transforms applied on
//! its event stream); everything around the body (directives, backgrounds, notes, scoped CSS) stays
//! structured so the renderer and later stages can use it.

use std::path::PathBuf;

use crate::diagnostics::{Loc, Pos};

/// A value from the source together with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    pub value: T,
    pub loc: Loc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SlideSize {
    pub width: u32,
    pub height: u32,
}

impl SlideSize {
    pub const WIDE: SlideSize = SlideSize {
        width: 1280,
        height: 720,
    };
    pub const STANDARD: SlideSize = SlideSize {
        width: 960,
        height: 720,
    };

    /// Marp's size presets, which its built-in themes define.
    pub fn from_preset(name: &str) -> Option<SlideSize> {
        match name.trim() {
            "16:9" => Some(Self::WIDE),
            "4:3" => Some(Self::STANDARD),
            _ => None,
        }
    }

    /// A CSS length as Marp converts it for slide sizes (`210mm`, `10in`, `1280px`): pixels,
    /// rounded; `None` for other units or a value that is not above 0.
    pub fn css_pixels(length: &str) -> Option<u32> {
        let t = length.trim().to_ascii_lowercase();
        let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let n: f64 = num.trim().parse().ok()?;
        let px = match unit {
            "px" | "" => n,
            "in" => n * 96.0,
            "cm" => n * 96.0 / 2.54,
            "mm" => n * 96.0 / 25.4,
            "q" => n * 96.0 / 101.6,
            "pt" => n * 96.0 / 72.0,
            "pc" => n * 16.0,
            _ => return None,
        };
        (1.0..=100_000.0).contains(&px).then(|| px.round() as u32)
    }
}

impl Default for SlideSize {
    fn default() -> Self {
        Self::WIDE
    }
}

/// Global directives: one value for the whole deck (the last one written wins, as in Marp).
#[derive(Debug, Clone, Default)]
pub struct Globals {
    pub theme: Option<Located<String>>,
    pub style: Option<String>,
    /// Heading levels that start a new slide (`headingDivider`).
    pub heading_divider: Vec<u8>,
    pub size: SlideSize,
    /// `math` directive (`mathjax` or `katex`); both render to MathML at build time.
    pub math: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub author: Option<String>,
    /// When the talk is given (deck's own directive, for the site index).
    pub date: Option<String>,
    pub lang: Option<String>,
    /// Global directives as Marp writes them on every section (see
    /// [`SlideDirectives::attrs`]); `theme` is added by the renderer when the theme exists.
    pub attrs: Vec<(String, String)>,
    /// `size` as written (Marp writes it as `data-size` only): one of the theme's `@size`s.
    pub size_name: Option<String>,
    /// Where `size` was written.
    pub size_loc: Option<Loc>,
    /// marp-cli's metadata directives: `keywords`, the canonical `url` and the Open Graph `image`.
    pub keywords: Option<Vec<String>>,
    pub url: Option<String>,
    pub image: Option<String>,
}

/// Marp's `paginate` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paginate {
    /// Not shown, counted.
    #[default]
    False,
    /// Shown, counted.
    True,
    /// Shown, not counted (repeats the previous number).
    Hold,
    /// Not shown, not counted.
    Skip,
}

/// Local directives after Marp's inheritance rules have been applied to one slide.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlideDirectives {
    pub paginate: Paginate,
    /// Rendered inline HTML; `None` or empty means no header.
    pub header: Option<String>,
    pub footer: Option<String>,
    pub class: Option<String>,
    pub background_color: Option<String>,
    /// Already a CSS value (`url("...")`), with local files resolved.
    pub background_image: Option<String>,
    pub background_position: Option<String>,
    pub background_repeat: Option<String>,
    pub background_size: Option<String>,
    pub color: Option<String>,
    /// The animation to the next slide, as marp-cli's JSON (`{"name":"fade",...}`).
    pub transition: Option<String>,
    /// Every directive in effect on the slide as Marp writes it on the slide's section:
    /// `data-NAME` and the custom property `--NAME` (kebab-case), the value as written.
    pub attrs: Vec<(String, String)>,
}

/// How one `![bg](...)` image fills its area.
#[derive(Debug, Clone, PartialEq)]
pub struct Background {
    /// The resolved URL (a data: URL for inlined local files).
    pub url: String,
    /// CSS `background-size` value.
    pub size: String,
    /// CSS `filter` value, if any.
    pub filter: Option<String>,
    pub alt: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitSide {
    Left,
    Right,
}

impl SplitSide {
    pub fn as_str(self) -> &'static str {
        match self {
            SplitSide::Left => "left",
            SplitSide::Right => "right",
        }
    }
}

/// `bg left` / `bg right`: the background takes one side, the content the other.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    pub side: SplitSide,
    /// Share of the slide width given to the background, in percent.
    pub percent: f64,
}

#[derive(Debug, Clone, Default)]
pub struct Slide {
    /// 1-based slide number.
    pub number: usize,
    /// Where the slide starts in the Markdown file.
    pub pos: Pos,
    /// Rendered body HTML.
    pub html: String,
    pub directives: SlideDirectives,
    /// Page number shown by pagination, when the slide is paginated.
    pub page: Option<usize>,
    pub backgrounds: Vec<Background>,
    /// Stack background images vertically (`bg vertical`) rather than side by side.
    pub backgrounds_vertical: bool,
    pub split: Option<Split>,
    /// Speaker notes, as Markdown source (HTML comments that are not directives).
    pub notes: Vec<String>,
    /// CSS of `<style scoped>` blocks, applying to this slide only.
    pub scoped_css: Vec<String>,
    /// Number of fragment steps (`*` and `1)` list items).
    pub fragments: usize,
    /// Plain text of the first heading, for the slide's accessible name.
    pub heading: Option<String>,
    /// The previous slide's transition, played when going back to it.
    pub transition_back: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Deck {
    pub path: PathBuf,
    pub globals: Globals,
    pub slides: Vec<Slide>,
    /// Deck-wide CSS in source order: the `style` directive, then each unscoped `<style>` block.
    pub css: Vec<String>,
    /// Total of counted pages, for `data-marpit-pagination-total`.
    pub page_total: usize,
}
