//! marp-cli's command line, and how it merges with a config file: the flags deck takes with
//! marp-cli's meaning, the ones it refuses (with why and what deck offers), and the result:
//! deck's build options, what to write (HTML, PDF, images, PPTX, notes) and how to run (once,
//! watching, serving).

use std::path::{Path, PathBuf};

use super::config::{HtmlSetting, MarpConfig, Outlines};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::pipeline::{BuildOptions, Output};
use crate::settings::{DeckSettings, HtmlPolicy, ThemeChoice};

/// Options of a Marp project, shared by `deck build`, `serve`, `export` and `check`.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Marp project options")]
pub struct ProjectArgs {
    /// Theme CSS files or folders (searched for *.css), as marp --theme-set; a Markdown file
    /// given here is taken as a deck to build
    #[arg(long = "theme-set", value_name = "FILE|DIR", num_args = 1..)]
    pub theme_set: Vec<PathBuf>,
    /// The theme of every deck: a theme's name or a CSS file (overrides the decks' own `theme`)
    #[arg(long, value_name = "NAME|PATH")]
    pub theme: Option<String>,
    /// A marp-cli config file (.marprc.yml, marp.config.mjs, package.json...) [default: the one
    /// marp-cli finds in the current folder]
    #[arg(
        short = 'c',
        long = "config-file",
        visible_alias = "config",
        value_name = "PATH"
    )]
    pub config_file: Option<PathBuf>,
    /// Do not look for a marp-cli config file
    #[arg(long = "no-config-file", visible_alias = "no-config")]
    pub no_config_file: bool,
    /// Build every Markdown file under DIR; output keeps the folder layout (and DIR's *.css
    /// are themes), as marp -I
    #[arg(short = 'I', long = "input-dir", value_name = "DIR")]
    pub input_dir: Option<PathBuf>,
    /// Allow raw HTML in the Markdown (otherwise it is escaped, but for Marp's allowlist)
    #[arg(long, overrides_with = "no_html")]
    pub html: bool,
    /// Escape all raw HTML, Marp's allowlist too
    #[arg(long, overrides_with = "html")]
    pub no_html: bool,
    /// Accepted for marp-cli: deck always inlines local images (inside the project) in HTML,
    /// PDF and images
    #[arg(long)]
    pub allow_local_files: bool,
    /// The decks' title (overrides their `title` directive)
    #[arg(long)]
    pub title: Option<String>,
    /// The decks' description
    #[arg(long)]
    pub description: Option<String>,
    /// The decks' author
    #[arg(long)]
    pub author: Option<String>,
    /// Comma-separated keywords
    #[arg(long)]
    pub keywords: Option<String>,
    /// The published page's canonical URL
    #[arg(long)]
    pub url: Option<String>,
    /// The Open Graph image's URL
    #[arg(long = "og-image", value_name = "URL")]
    pub og_image: Option<String>,
    /// Show the on-screen controls (default true)
    #[arg(long = "bespoke.osc", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub bespoke_osc: Option<bool>,
    #[arg(long = "no-bespoke.osc", hide = true)]
    pub no_bespoke_osc: bool,
    /// Show a progress bar (default false)
    #[arg(long = "bespoke.progress", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub bespoke_progress: Option<bool>,
    #[arg(long = "no-bespoke.progress", hide = true)]
    pub no_bespoke_progress: bool,
    /// Play the `transition` directive's animations (default true)
    #[arg(long = "bespoke.transition", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub bespoke_transition: Option<bool>,
    #[arg(long = "no-bespoke.transition", hide = true)]
    pub no_bespoke_transition: bool,
    /// marp-cli's HTML template: `bespoke` is deck's viewer; `bare` is refused
    #[arg(long, value_name = "NAME")]
    pub template: Option<String>,
    /// Refused: deck never runs JavaScript engines (it has its own, with Marp Core's syntax)
    #[arg(long, value_name = "MODULE|PATH")]
    pub engine: Option<String>,
    /// Accepted for marp-cli (deck builds decks in one process)
    #[arg(short = 'P', long, value_name = "N")]
    pub parallel: Option<String>,
    #[arg(long = "no-parallel", hide = true)]
    pub no_parallel: bool,
    /// Accepted for marp-cli: deck does not read Markdown from standard input
    #[arg(long = "no-stdin", hide = true)]
    pub no_stdin: bool,
    /// marp-cli's debug logging: accepted, deck's messages are the same
    #[arg(short = 'd', long, value_name = "FILTER", num_args = 0..=1, require_equals = true, default_missing_value = "true", hide = true)]
    pub debug: Option<String>,
}

/// marp-cli's conversion options, for `deck build`.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Conversion options (marp-cli's)")]
pub struct ConvertArgs {
    /// A PDF, a page per slide
    #[arg(long, conflicts_with_all = ["pptx", "notes", "image", "images", "png", "jpeg"])]
    pub pdf: bool,
    /// A PowerPoint file, a picture per slide with its notes
    #[arg(long, conflicts_with_all = ["pdf", "notes", "image", "images", "png", "jpeg"])]
    pub pptx: bool,
    /// Refused: marp-cli's experimental editable PPTX needs LibreOffice
    #[arg(long = "pptx-editable", hide = true)]
    pub pptx_editable: bool,
    /// The speaker notes as text (<deck>.txt)
    #[arg(long, conflicts_with_all = ["pdf", "pptx", "image", "images", "png", "jpeg"])]
    pub notes: bool,
    /// The first slide as an image (png or jpeg)
    #[arg(long, value_name = "png|jpeg", num_args = 0..=1, default_missing_value = "png", value_parser = image_kind, conflicts_with_all = ["pdf", "pptx", "notes", "images", "png", "jpeg"])]
    pub image: Option<String>,
    /// Every slide as an image, <deck>.001.png ... (png or jpeg)
    #[arg(long, value_name = "png|jpeg", num_args = 0..=1, default_missing_value = "png", value_parser = image_kind, conflicts_with_all = ["pdf", "pptx", "notes", "image", "png", "jpeg"])]
    pub images: Option<String>,
    /// Every slide as a PNG (deck's short form of --images png)
    #[arg(long, conflicts_with_all = ["pdf", "pptx", "notes", "image", "images", "jpeg"])]
    pub png: bool,
    /// Every slide as a JPEG (deck's short form of --images jpeg)
    #[arg(long, conflicts_with_all = ["pdf", "pptx", "notes", "image", "images", "png"])]
    pub jpeg: bool,
    /// Device pixels per CSS pixel of images (default 1; 2 for PPTX)
    #[arg(long = "image-scale", value_name = "SCALE")]
    pub image_scale: Option<f64>,
    /// JPEG quality, 0-100 (default 85)
    #[arg(long = "jpeg-quality", value_name = "N")]
    pub jpeg_quality: Option<f64>,
    /// PDF: each slide's notes as a note annotation on its page
    #[arg(long = "pdf-notes")]
    pub pdf_notes: bool,
    /// PDF: an outline (bookmarks) of the pages and headings
    #[arg(long = "pdf-outlines")]
    pub pdf_outlines: bool,
    /// PDF outline: an entry per page (default true)
    #[arg(long = "pdf-outlines.pages", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub pdf_outlines_pages: Option<bool>,
    /// PDF outline: the headings (default true)
    #[arg(long = "pdf-outlines.headings", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub pdf_outlines_headings: Option<bool>,
    /// Which browser exports: auto, chrome, edge (deck drives Chromium-family browsers)
    #[arg(long, value_name = "NAME")]
    pub browser: Option<String>,
    /// The browser's executable
    #[arg(long = "browser-path", value_name = "PATH")]
    pub browser_path: Option<PathBuf>,
    /// cdp (deck speaks the Chrome DevTools Protocol only)
    #[arg(long = "browser-protocol", value_name = "cdp")]
    pub browser_protocol: Option<String>,
    /// Seconds each browser step may take (default 30; 0: no limit)
    #[arg(long = "browser-timeout", value_name = "SECONDS", value_parser = seconds)]
    pub browser_timeout: Option<f64>,
    /// Build, then build again whenever a deck, theme or image changes
    #[arg(short = 'w', long)]
    pub watch: bool,
    /// Serve the decks (a folder given as the input is served) with live reload, as `deck serve`
    #[arg(short = 's', long)]
    pub server: bool,
    /// Open the decks in the browser, served with live reload (as `deck serve --open`)
    #[arg(short = 'p', long)]
    pub preview: bool,
}

fn image_kind(s: &str) -> Result<String, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" | "png" => Ok("png".into()),
        "jpg" | "jpeg" => Ok("jpeg".into()),
        _ => Err(format!("{s:?} is not an image format: png or jpeg")),
    }
}

/// marp-cli's timeout: seconds, or with an `s`/`ms` suffix; `false` is no limit.
fn seconds(s: &str) -> Result<f64, String> {
    let t = s.trim().to_ascii_lowercase();
    if t == "false" {
        return Ok(0.0);
    }
    let (num, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else {
        (t.as_str(), 1.0)
    };
    match num.trim().parse::<f64>() {
        Ok(v) if v >= 0.0 && v.is_finite() => Ok(v * scale),
        _ => Err(format!(
            "{s:?} is not a number of seconds (30, 2.5s, 500ms)"
        )),
    }
}

/// What a conversion writes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Convert {
    Html,
    Pdf {
        notes: bool,
        outlines: Option<Outlines>,
    },
    /// `all`: one image per slide (`--images`), else the first slide only (`--image`).
    Image {
        jpeg: bool,
        all: bool,
    },
    Pptx,
    Notes,
}

/// How `deck build` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Once,
    /// Build again on every change (`-w`).
    Watch,
    /// Serve with live reload (`-s`); `open`: open the browser (`-p`).
    Serve {
        open: bool,
    },
}

/// A command line (and config) resolved.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub build: BuildOptions,
    pub convert: Convert,
    pub mode: Mode,
    /// Device pixels per CSS pixel for images and PPTX.
    pub scale: f64,
    pub jpeg_quality: u8,
    pub browser_path: Option<PathBuf>,
    /// Seconds per browser step (`None`: deck's default; 0: no limit).
    pub browser_timeout: Option<f64>,
    /// Warnings about the command line and the config, reported with the build's.
    pub notes: Diagnostics,
}

/// The project a command line points at is a deck project (deck.toml), not Marp's.
pub fn is_deck_project(paths: &[PathBuf]) -> bool {
    match paths {
        [] => Path::new(crate::project::CONFIG_FILE).is_file(),
        [one] => one.is_dir() && one.join(crate::project::CONFIG_FILE).is_file(),
        _ => false,
    }
}

/// In server mode a folder given as the input is the input folder, as `marp -s DIR` serves
/// every deck under it (a deck project folder stays a project): taken out of `paths`.
pub fn served_folder(paths: &mut Vec<PathBuf>) -> Option<PathBuf> {
    let folder = paths.len() == 1 && paths[0].is_dir() && !is_deck_project(paths);
    folder.then(|| paths.pop()).flatten()
}

/// The marp-cli config to read: `-c FILE`, else the one marp-cli finds in the current folder
/// (none for a deck project, whose settings are in deck.toml, or with `--no-config-file`).
pub fn config_file(paths: &[PathBuf], args: &ProjectArgs) -> Option<PathBuf> {
    if args.no_config_file {
        return None;
    }
    if let Some(c) = &args.config_file {
        return Some(c.clone());
    }
    if is_deck_project(paths) {
        return None;
    }
    super::config::find(Path::new(""))
}

/// The project the command line builds: the marp-cli config's folder (for one under `.config/`,
/// the folder holding that); without one, the nearest folder at most two levels above the
/// decks that is a git repository or an npm package and that deck runs in or below; else the
/// input folder (`None`: the decks' own folders, `Project` decides).
fn project_root(
    config: Option<&Path>,
    paths: &[PathBuf],
    input_dir: Option<&Path>,
) -> Option<PathBuf> {
    if let Some(config) = config {
        let dir = config.parent().unwrap_or(Path::new(""));
        let dir = match dir.file_name() {
            Some(n) if n == ".config" => dir.parent().unwrap_or(Path::new("")),
            _ => dir,
        };
        return Some(dir.to_path_buf());
    }
    let inputs: Vec<&Path> = paths
        .iter()
        .map(PathBuf::as_path)
        .chain(input_dir)
        .collect();
    let plain = |p: &&Path| {
        p.is_relative() && !p.components().any(|c| c == std::path::Component::ParentDir)
    };
    if !inputs.is_empty() && inputs.iter().all(plain) {
        // The decks' common folder, relative to the current one.
        let folder = |p: &Path| {
            if p.is_dir() {
                p.to_path_buf()
            } else {
                p.parent().map(Path::to_path_buf).unwrap_or_default()
            }
        };
        let mut common = folder(inputs[0]);
        for p in &inputs[1..] {
            let f = folder(p);
            while !f.starts_with(&common) && common.pop() {}
        }
        let marked = |d: &Path| {
            let d = if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            };
            [".git", "package.json", "node_modules"]
                .iter()
                .any(|m| d.join(m).exists())
        };
        let mut candidate = common.clone();
        for _ in 0..=2 {
            if marked(&candidate) {
                return Some(candidate);
            }
            if !candidate.pop() {
                break;
            }
        }
    }
    input_dir.map(Path::to_path_buf)
}

/// Resolve `deck build`'s (or `serve`'s, `export`'s: `convert` is `None` there) command line with
/// the marp-cli config it finds. Problems are pushed to `diags`; an error means nothing is built.
pub fn resolve(
    mut paths: Vec<PathBuf>,
    args: &ProjectArgs,
    convert: Option<&ConvertArgs>,
    output: Option<&str>,
    diags: &mut Diagnostics,
) -> Invocation {
    // `--theme-set themes/ talk.md`: marp-cli's list takes every word after it, so its decks are
    // easily swallowed (marp then builds nothing); a Markdown file there is a deck to build.
    let mut theme_set = Vec::new();
    for p in &args.theme_set {
        if p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(super::is_markdown_name)
        {
            paths.push(p.clone());
        } else {
            theme_set.push(p.clone());
        }
    }
    let mut config_path = config_file(&paths, args);
    // A config found here (not named with -c) that links out of this folder is not the
    // project's.
    if args.config_file.is_none()
        && let Some(found) = &config_path
        && let (Ok(real), Ok(here)) = (found.canonicalize(), Path::new(".").canonicalize())
        && !real.starts_with(&here)
    {
        diags.push(
            Diagnostic::warning(
                found,
                format!(
                    "not read: it leads outside this folder ({})",
                    real.display()
                ),
            )
            .help("name a config you trust with -c FILE"),
        );
        config_path = None;
    }
    let config = config_path
        .as_deref()
        .and_then(|p| MarpConfig::load(p, diags))
        .unwrap_or_default();
    refuse(args, convert, &config, diags);

    let c = &config;
    let mut settings = DeckSettings {
        config_file: config_path.clone(),
        ..DeckSettings::default()
    };
    settings.theme_set = if theme_set.is_empty() {
        c.theme_set.clone().unwrap_or_default()
    } else {
        theme_set.clone()
    };
    settings.theme = match &args.theme {
        Some(t) if Path::new(t).is_file() => Some(ThemeChoice::File(PathBuf::from(t))),
        Some(t) if Path::new(t).is_dir() => {
            diags.push(
                Diagnostic::error(
                    t,
                    "--theme takes one theme (a name or a CSS file), not a folder",
                )
                .help(format!(
                    "use --theme-set {t} to make the themes in the folder available"
                )),
            );
            None
        }
        Some(t) => Some(ThemeChoice::Name(t.clone())),
        None => c.theme.clone(),
    };
    settings.html = if args.html {
        Some(HtmlPolicy::All)
    } else if args.no_html {
        Some(HtmlPolicy::None)
    } else {
        match &c.html {
            Some(HtmlSetting::All(true)) => Some(HtmlPolicy::All),
            Some(HtmlSetting::All(false)) => Some(HtmlPolicy::None),
            Some(HtmlSetting::Allow(list)) => Some(HtmlPolicy::Custom(list.clone())),
            None => c
                .options
                .html
                .map(|b| if b { HtmlPolicy::All } else { HtmlPolicy::None }),
        }
    };
    let o = &c.options;
    let md = &mut settings.markdown;
    if let Some(h) = &o.heading_divider {
        md.heading_divider.clone_from(h);
    }
    md.breaks = o.breaks.unwrap_or(md.breaks);
    md.loose_yaml = o.loose_yaml.unwrap_or(md.loose_yaml);
    md.math = o.math.unwrap_or(md.math);
    md.typographer = o.typographer.unwrap_or(md.typographer);
    md.emoji_shortcode = o.emoji_shortcode.unwrap_or(md.emoji_shortcode);
    md.slug = o.slug.unwrap_or(md.slug);
    settings.lang = o.lang.clone().or_else(|| c.lang.clone());
    let ov = &mut settings.overrides;
    ov.title = args.title.clone().or_else(|| c.title.clone());
    ov.description = args.description.clone().or_else(|| c.description.clone());
    ov.author = args.author.clone().or_else(|| c.author.clone());
    ov.keywords = args
        .keywords
        .as_ref()
        .map(|k| {
            k.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .or_else(|| c.keywords.clone());
    ov.url = args.url.clone().or_else(|| c.url.clone());
    ov.image = args.og_image.clone().or_else(|| c.og_image.clone());
    let flag = |on: Option<bool>, off: bool, conf: Option<bool>, default: bool| {
        if off {
            false
        } else {
            on.or(conf).unwrap_or(default)
        }
    };
    settings.viewer.osc = flag(args.bespoke_osc, args.no_bespoke_osc, c.bespoke_osc, true);
    settings.viewer.progress = flag(
        args.bespoke_progress,
        args.no_bespoke_progress,
        c.bespoke_progress,
        false,
    );
    settings.viewer.transition = flag(
        args.bespoke_transition,
        args.no_bespoke_transition,
        c.bespoke_transition,
        true,
    );

    let input_dir = args.input_dir.clone().or_else(|| c.input_dir.clone());
    if let Some(dir) = &input_dir {
        if !paths.is_empty() {
            diags.push(
                Diagnostic::error(
                    dir,
                    "Markdown files cannot be given together with an input folder (-I)",
                )
                .help("give either the files or -I DIR, as marp-cli takes them"),
            );
        } else if !dir.is_dir() {
            diags.push(
                Diagnostic::error(dir, "the input folder (-I) is not a folder")
                    .help("give the folder holding the decks: -I slides"),
            );
        }
    }

    // What is written, where.
    let conv = convert.cloned().unwrap_or_default();
    let output_from_args = output.is_some();
    let output = output.map(str::to_string).or_else(|| match &c.output {
        Some(Some(o)) => Some(o.clone()),
        _ => None,
    });
    let lower_ext = output
        .as_deref()
        .and_then(|o| Path::new(o).extension())
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let images = conv
        .images
        .clone()
        .or_else(|| conv.png.then(|| "png".into()))
        .or_else(|| conv.jpeg.then(|| "jpeg".into()))
        .or_else(|| c.images.clone());
    let image = conv.image.clone().or_else(|| c.image.clone());
    let outlines = if conv.pdf_outlines || c.pdf_outlines.is_some() {
        let base = c.pdf_outlines.unwrap_or(Outlines {
            pages: true,
            headings: true,
        });
        let o = Outlines {
            pages: conv.pdf_outlines_pages.unwrap_or(base.pages),
            headings: conv.pdf_outlines_headings.unwrap_or(base.headings),
        };
        (o.pages || o.headings).then_some(o)
    } else {
        None
    };
    let pdf_notes = conv.pdf_notes || c.pdf_notes == Some(true);
    let pdf = Convert::Pdf {
        notes: pdf_notes,
        outlines,
    };
    let kind = if conv.pdf || c.pdf == Some(true) {
        pdf
    } else if conv.pptx || c.pptx == Some(true) {
        Convert::Pptx
    } else if conv.notes || c.notes == Some(true) {
        Convert::Notes
    } else if let Some(i) = &images {
        Convert::Image {
            jpeg: i == "jpeg",
            all: true,
        }
    } else if let Some(i) = &image {
        Convert::Image {
            jpeg: i == "jpeg",
            all: false,
        }
    } else {
        match lower_ext.as_deref().filter(|_| input_dir.is_none()) {
            Some("pdf") => pdf,
            Some("png") => Convert::Image {
                jpeg: false,
                all: false,
            },
            Some("jpg" | "jpeg") => Convert::Image {
                jpeg: true,
                all: false,
            },
            Some("pptx") => Convert::Pptx,
            Some("txt") => Convert::Notes,
            _ if pdf_notes || outlines.is_some() => pdf,
            _ => Convert::Html,
        }
    };
    let out = match output.as_deref() {
        None => Output::Default,
        Some("-") => Output::Stdout,
        Some(o) => {
            let p = PathBuf::from(o);
            let folder = input_dir.is_some()
                || o.ends_with('/')
                || o.ends_with(std::path::MAIN_SEPARATOR)
                || p.is_dir()
                || p.extension().is_none();
            if folder {
                Output::Folder(p)
            } else {
                Output::File(p)
            }
        }
    };
    let serve = conv.server || c.server == Some(true);
    let preview = conv.preview || c.preview == Some(true);
    let mode = if serve || preview {
        Mode::Serve { open: preview }
    } else if conv.watch || c.watch == Some(true) {
        Mode::Watch
    } else {
        Mode::Once
    };
    let mut input_dir = input_dir;
    if matches!(mode, Mode::Serve { .. }) && input_dir.is_none() {
        input_dir = served_folder(&mut paths);
    }
    let scale = conv.image_scale.or(c.image_scale);
    if let Some(s) = scale
        && !(s > 0.0 && s.is_finite())
    {
        diags.push(
            Diagnostic::error(
                "--image-scale",
                format!("the image scale must be above 0, not {s}"),
            )
            .help("e.g. --image-scale 2"),
        );
    }
    let scale = scale
        .filter(|s| *s > 0.0 && s.is_finite())
        .map(|s| s.min(10.0))
        .unwrap_or(if kind == Convert::Pptx { 2.0 } else { 1.0 });
    let jpeg_quality = conv
        .jpeg_quality
        .or(c.jpeg_quality)
        .unwrap_or(85.0)
        .clamp(0.0, 100.0) as u8;
    // Paths typed on the command line are the user's choice, readable even outside the
    // project: a theme-set folder, the input folder, a theme-set or `--theme` file itself.
    let allowed = |p: &Path| -> PathBuf {
        if p.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            p.to_path_buf()
        }
    };
    let mut allow_outside: Vec<PathBuf> = theme_set
        .iter()
        .chain(args.input_dir.iter())
        .map(|p| allowed(p))
        .collect();
    if let Some(ThemeChoice::File(f)) = &settings.theme
        && args.theme.is_some()
    {
        allow_outside.push(f.clone());
    }
    let root = project_root(config_path.as_deref(), &paths, input_dir.as_deref());
    // What the config names (not the command line) must be inside the project, symlinks
    // resolved: it is a stranger's file when the deck is.
    if let Some(root) = &root {
        let sandbox = crate::confine::Sandbox::new(root, &[]);
        let escapes = |p: &Path| !sandbox.may_hold(p);
        if args.input_dir.is_none()
            && let Some(dir) = &c.input_dir
            && escapes(dir)
        {
            diags.push(
                Diagnostic::error(&c.path, format!("the config's `inputDir` ({}) leads outside the project", dir.display()))
                    .help("a symbolic link leaves the project: give a folder outside it on the command line instead (-I DIR)"),
            );
        }
        if !output_from_args
            && let Some(Some(o)) = &c.output
            && o != "-"
            && escapes(Path::new(o))
        {
            diags.push(
                Diagnostic::error(&c.path, format!("the config's `output` ({o}) leads outside the project"))
                    .help("a symbolic link leaves the project: give a place outside it on the command line instead (-o PATH)"),
            );
        }
    }
    let build = BuildOptions {
        paths,
        input_dir,
        output: out,
        root,
        allow_outside,
        settings,
        ..BuildOptions::default()
    };
    Invocation {
        build,
        convert: kind,
        mode,
        scale,
        jpeg_quality,
        browser_path: conv.browser_path.clone(),
        browser_timeout: conv.browser_timeout.or(c.browser_timeout),
        notes: Diagnostics::default(),
    }
}

/// marp-cli options that cannot mean anything in deck: an error that says why and what deck
/// offers instead.
fn refuse(
    args: &ProjectArgs,
    convert: Option<&ConvertArgs>,
    c: &MarpConfig,
    diags: &mut Diagnostics,
) {
    let mut no = |flag: &str, why: &str, instead: &str| {
        diags.push(Diagnostic::error(flag, why.to_string()).help(instead.to_string()));
    };
    if args.engine.is_some() {
        no(
            "--engine",
            "--engine runs a JavaScript Markdown engine (Marpit, Marp Core or one extended with markdown-it plugins); deck has its own engine with Marp Core's syntax and never runs a project's JavaScript",
            "leave out --engine: deck draws Marp Core's Markdown, math, emoji and highlighting itself; what a plugin adds is shown as written",
        );
    }
    let template = args.template.clone().or_else(|| c.template.clone());
    if let Some(t) = template.filter(|t| t != "bespoke") {
        no(
            "--template",
            &format!(
                "marp-cli's `{t}` template is not available: deck writes its own page (bespoke's keys and more: overview, presenter view), which also shows the slides one under another without JavaScript"
            ),
            "leave out --template (or use --template bespoke)",
        );
    }
    let Some(conv) = convert else {
        return;
    };
    if conv.pptx_editable {
        no(
            "--pptx-editable",
            "an editable PPTX is made by LibreOffice from the PDF in marp-cli (experimental); deck does not write one",
            "use --pptx: a picture per slide, with the speaker notes",
        );
    }
    let browsers = conv
        .browser
        .clone()
        .map(|b| vec![b])
        .or_else(|| c.browser.clone())
        .unwrap_or_default();
    for b in browsers.iter().flat_map(|b| b.split(',')) {
        let b = b.trim().to_ascii_lowercase();
        if !["", "auto", "chrome", "edge"].contains(&b.as_str()) {
            no(
                "--browser",
                &format!(
                    "deck exports with Chromium, Chrome or Edge (the DevTools protocol), not `{b}`"
                ),
                "use --browser chrome, or --browser-path to a Chromium-family browser",
            );
        }
    }
    let protocol = conv
        .browser_protocol
        .clone()
        .or_else(|| c.browser_protocol.clone());
    if let Some(p) = protocol.filter(|p| !p.eq_ignore_ascii_case("cdp")) {
        no(
            "--browser-protocol",
            &format!("deck talks to the browser over the Chrome DevTools Protocol only, not `{p}`"),
            "leave out --browser-protocol (or use cdp)",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve_with(output: Option<&str>, convert: ConvertArgs) -> Invocation {
        let args = ProjectArgs {
            no_config_file: true,
            ..ProjectArgs::default()
        };
        let mut diags = Diagnostics::default();
        let inv = resolve(
            vec![PathBuf::from("talk.md")],
            &args,
            Some(&convert),
            output,
            &mut diags,
        );
        assert!(!diags.has_errors(), "{diags:?}");
        inv
    }

    #[test]
    fn the_output_path_says_what_is_written_and_where() {
        let none = ConvertArgs::default;
        let cases: &[(Option<&str>, Convert, Output)] = &[
            (None, Convert::Html, Output::Default),
            (Some("-"), Convert::Html, Output::Stdout),
            (Some("x.html"), Convert::Html, Output::File("x.html".into())),
            (Some("x.HTM"), Convert::Html, Output::File("x.HTM".into())),
            (Some("out/"), Convert::Html, Output::Folder("out/".into())),
            (Some("out"), Convert::Html, Output::Folder("out".into())),
            (
                Some("x.pdf"),
                Convert::Pdf {
                    notes: false,
                    outlines: None,
                },
                Output::File("x.pdf".into()),
            ),
            (
                Some("x.png"),
                Convert::Image {
                    jpeg: false,
                    all: false,
                },
                Output::File("x.png".into()),
            ),
            (
                Some("x.jpeg"),
                Convert::Image {
                    jpeg: true,
                    all: false,
                },
                Output::File("x.jpeg".into()),
            ),
            (Some("x.pptx"), Convert::Pptx, Output::File("x.pptx".into())),
            (Some("x.txt"), Convert::Notes, Output::File("x.txt".into())),
        ];
        for (out, convert, output) in cases {
            let inv = resolve_with(*out, none());
            assert_eq!(
                (&inv.convert, &inv.build.output),
                (convert, output),
                "{out:?}"
            );
        }
        // A flag wins over the extension, as in marp-cli (PNG bytes in x.jpg).
        let inv = resolve_with(
            Some("x.jpg"),
            ConvertArgs {
                image: Some("png".into()),
                ..none()
            },
        );
        assert_eq!(
            inv.convert,
            Convert::Image {
                jpeg: false,
                all: false
            }
        );
        // A PDF option alone makes a PDF.
        let inv = resolve_with(
            None,
            ConvertArgs {
                pdf_outlines: true,
                pdf_outlines_pages: Some(false),
                ..none()
            },
        );
        assert_eq!(
            inv.convert,
            Convert::Pdf {
                notes: false,
                outlines: Some(Outlines {
                    pages: false,
                    headings: true
                })
            }
        );
        // The browser's timeout, in seconds as given.
        let inv = resolve_with(
            None,
            ConvertArgs {
                pdf: true,
                browser_timeout: Some(60.0),
                ..none()
            },
        );
        assert_eq!(inv.browser_timeout, Some(60.0));
        // PPTX pictures are taken at 2x unless told.
        assert_eq!(
            resolve_with(
                None,
                ConvertArgs {
                    pptx: true,
                    ..none()
                }
            )
            .scale,
            2.0
        );
        assert_eq!(
            resolve_with(
                None,
                ConvertArgs {
                    images: Some("png".into()),
                    ..none()
                }
            )
            .scale,
            1.0
        );
    }

    #[test]
    fn marp_cli_timeouts_read_as_it_reads_them() {
        assert_eq!(seconds("30"), Ok(30.0));
        assert_eq!(seconds("2.5s"), Ok(2.5));
        assert_eq!(seconds("500ms"), Ok(0.5));
        assert_eq!(seconds("false"), Ok(0.0));
        assert!(seconds("-1").is_err() && seconds("soon").is_err());
    }

    #[test]
    fn a_markdown_file_in_the_theme_set_is_a_deck_to_build() {
        let args = ProjectArgs {
            no_config_file: true,
            theme_set: vec!["themes/".into(), "talk.md".into()],
            ..ProjectArgs::default()
        };
        let mut diags = Diagnostics::default();
        let inv = resolve(Vec::new(), &args, None, None, &mut diags);
        assert_eq!(inv.build.paths, [PathBuf::from("talk.md")]);
        assert_eq!(inv.build.settings.theme_set, [PathBuf::from("themes/")]);
    }
}
