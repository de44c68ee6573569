//! What a project's configuration sets for every deck it builds, whichever file said it: a
//! marp-cli config (`.marprc.yml`, `marp.config.mjs`...), marp-cli's command line, or
//! `deck.toml`. Plain data, read by the parser (Markdown options), the theme registry (theme
//! sets, a theme by path) and the renderer (metadata, the viewer's options).

use std::collections::BTreeMap;
use std::path::PathBuf;

/// How raw HTML in Markdown is treated.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum HtmlPolicy {
    /// Marp Core's allowlist of harmless elements is kept, every other tag shown as text (the
    /// default).
    #[default]
    Allowlist,
    /// Only these elements are kept (tag name → attributes), as marp-cli's `html: { b: [] }`.
    Custom(BTreeMap<String, Vec<String>>),
    /// Every tag kept (`--html`, `html: true`).
    All,
    /// Every tag shown as text, the allowlist's too (`--no-html`, `html: false`).
    None,
}

impl HtmlPolicy {
    pub fn allows_all(&self) -> bool {
        matches!(self, HtmlPolicy::All)
    }
}

/// Markdown options of Marp Core that a config may change (`options` in a marp-cli config).
#[derive(Debug, Clone, PartialEq)]
pub struct MarkdownSettings {
    /// `headingDivider` for decks that do not set it themselves.
    pub heading_divider: Vec<u8>,
    /// A single newline inside a paragraph is a line break (Marp Core's markdown-it `breaks`).
    pub breaks: bool,
    /// Directive values read loosely (`backgroundColor: #fff` is a colour).
    pub loose_yaml: bool,
    /// `$...$` and `$$...$$` are math.
    pub math: bool,
    /// markdown-it's typographer: smart quotes, dashes and ellipses.
    pub typographer: bool,
    /// `:smile:` shortcodes become emoji.
    pub emoji_shortcode: bool,
    /// Headings get ids (slugs) that links can point at.
    pub slug: bool,
}

impl Default for MarkdownSettings {
    fn default() -> Self {
        MarkdownSettings {
            heading_divider: Vec::new(),
            breaks: true,
            loose_yaml: true,
            math: true,
            typographer: false,
            emoji_shortcode: true,
            slug: true,
        }
    }
}

/// Global directives given from outside the deck (marp-cli's `--title`, `--theme`...): they win
/// over the deck's own, as in marp-cli.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub title: Option<String>,
    pub description: Option<String>,
    pub author: Option<String>,
    pub keywords: Option<Vec<String>>,
    pub url: Option<String>,
    pub image: Option<String>,
}

/// marp-cli's bespoke template options, as deck's viewer plays them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewerSettings {
    /// The on-screen controls.
    pub osc: bool,
    /// A progress bar along the bottom edge.
    pub progress: bool,
    /// Slide transitions (the `transition` directive).
    pub transition: bool,
}

impl Default for ViewerSettings {
    fn default() -> Self {
        ViewerSettings {
            osc: true,
            progress: false,
            transition: true,
        }
    }
}

/// A theme given by the command line or config: a registered name, or a CSS file.
#[derive(Debug, Clone, PartialEq)]
pub enum ThemeChoice {
    Name(String),
    File(PathBuf),
}

/// Everything above, for every deck of a build.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeckSettings {
    /// The marp-cli config file these came from, if any (watched by `deck serve`).
    pub config_file: Option<PathBuf>,
    /// Theme CSS files and folders (searched for `*.css`), besides a deck project's `themes/`.
    pub theme_set: Vec<PathBuf>,
    pub theme: Option<ThemeChoice>,
    /// `None`: the project's own setting (deck.toml's `html`, else Marp's allowlist).
    pub html: Option<HtmlPolicy>,
    pub markdown: MarkdownSettings,
    pub overrides: Overrides,
    /// The language of decks that do not set `lang`.
    pub lang: Option<String>,
    pub viewer: ViewerSettings,
}
