//! Marp's image keywords, read from an image's alt text: `w:`, `h:`, `bg`, background sizes and
//! split, and CSS filters. Words that are not keywords stay in the alt text (so a deck's own
//! `img[alt~="center"]` rules keep working).

use crate::deck::SplitSide;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageSpec {
    /// The alt text without the keywords.
    pub alt: String,
    pub bg: bool,
    pub width: Option<String>,
    pub height: Option<String>,
    /// `cover`, `contain`, `auto` or a percentage (`fit` is `contain`).
    pub size: Option<String>,
    pub split: Option<(SplitSide, Option<f64>)>,
    pub vertical: bool,
    /// CSS filter functions, e.g. `blur(10px)`.
    pub filters: Vec<String>,
}

impl ImageSpec {
    pub fn filter_css(&self) -> Option<String> {
        (!self.filters.is_empty()).then(|| self.filters.join(" "))
    }

    /// `background-size` for a `bg` image.
    pub fn background_size(&self) -> String {
        match (&self.width, &self.height) {
            (Some(w), Some(h)) => format!("{w} {h}"),
            (Some(w), None) => format!("{w} auto"),
            (None, Some(h)) => format!("auto {h}"),
            (None, None) => self.size.clone().unwrap_or_else(|| "cover".into()),
        }
    }

    /// Inline `style` for an ordinary image; percentages apply to backgrounds only, as in Marp.
    pub fn inline_style(&self) -> Option<String> {
        let mut s = String::new();
        if let Some(w) = self.width.as_ref().filter(|w| !w.ends_with('%')) {
            s.push_str(&format!("width:{w};"));
        }
        if let Some(h) = self.height.as_ref().filter(|h| !h.ends_with('%')) {
            s.push_str(&format!("height:{h};"));
        }
        if let Some(f) = self.filter_css() {
            s.push_str(&format!("filter:{f};"));
        }
        (!s.is_empty()).then_some(s)
    }
}

const FILTERS: &[(&str, &str)] = &[
    ("blur", "10px"),
    ("brightness", "1.5"),
    ("contrast", "2"),
    ("drop-shadow", "0,5px,10px,rgba(0,0,0,.4)"),
    ("grayscale", "1"),
    ("hue-rotate", "180deg"),
    ("invert", "1"),
    ("opacity", ".5"),
    ("saturate", "2"),
    ("sepia", "1"),
];

/// A length as Marp accepts it: `auto`, a number with one of Marpit's units, or a bare number
/// meaning pixels.
fn length(v: &str) -> Option<String> {
    if v.is_empty() || v.starts_with(['-', '+']) {
        return None;
    }
    if v == "auto" {
        return Some(v.to_string());
    }
    if v.parse::<f64>().is_ok() {
        return Some(format!("{v}px"));
    }
    let num_end = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (num, unit) = v.split_at(num_end);
    let units = ["%", "ch", "cm", "em", "ex", "in", "mm", "pc", "pt", "px"];
    (num.parse::<f64>().is_ok() && units.contains(&unit)).then(|| v.to_string())
}

/// `0,5px,rgba(0,0,0,.4)` -> `0 5px rgba(0,0,0,.4)`: Marp separates filter arguments with commas.
fn top_level_commas_to_spaces(v: &str) -> String {
    let mut depth = 0usize;
    v.chars()
        .map(|c| {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => return ' ',
                _ => {}
            }
            c
        })
        .collect()
}

fn percent(v: &str) -> Option<f64> {
    v.strip_suffix('%')?
        .parse::<f64>()
        .ok()
        .filter(|p| (0.0..=100.0).contains(p))
}

/// Parse an image's alt text.
pub fn parse(alt: &str) -> ImageSpec {
    let mut spec = ImageSpec::default();
    let mut rest = Vec::new();
    let words: Vec<&str> = alt.split_whitespace().collect();
    spec.bg = words.contains(&"bg");
    for word in words {
        let (name, value) = match word.split_once(':') {
            Some((n, v)) => (n, Some(v)),
            None => (word, None),
        };
        let taken = match (name, value) {
            ("bg", None) => true,
            ("w" | "width", Some(v)) => length(v).map(|l| spec.width = Some(l)).is_some(),
            ("h" | "height", Some(v)) => length(v).map(|l| spec.height = Some(l)).is_some(),
            (f, v) if FILTERS.iter().any(|(n, _)| *n == f) => {
                let default = FILTERS
                    .iter()
                    .find(|(n, _)| *n == f)
                    .map(|(_, d)| *d)
                    .unwrap_or("");
                let arg = v.filter(|v| !v.is_empty()).unwrap_or(default);
                spec.filters
                    .push(format!("{f}({})", top_level_commas_to_spaces(arg)));
                true
            }
            // The remaining keywords only mean something on a background image.
            _ if !spec.bg => false,
            ("cover" | "contain" | "auto", None) => {
                spec.size = Some(name.to_string());
                true
            }
            ("fit", None) => {
                spec.size = Some("contain".into());
                true
            }
            (w, None) if percent(w).is_some() => {
                spec.size = Some(w.to_string());
                true
            }
            ("left" | "right", v) => {
                let side = if name == "left" {
                    SplitSide::Left
                } else {
                    SplitSide::Right
                };
                match v.map(percent) {
                    None => {
                        spec.split = Some((side, None));
                        true
                    }
                    Some(Some(p)) => {
                        spec.split = Some((side, Some(p)));
                        true
                    }
                    Some(None) => false,
                }
            }
            ("vertical", None) => {
                spec.vertical = true;
                true
            }
            _ => false,
        };
        if !taken {
            rest.push(word);
        }
    }
    spec.alt = rest.join(" ");
    spec
}

/// A CSS colour, as the removed colour shorthand (`![bg](red)`, `![](red)`) recognised one.
pub fn is_css_colour(url: &str) -> bool {
    let u = url.trim();
    if let Some(hex) = u.strip_prefix('#') {
        return matches!(hex.len(), 3 | 4 | 6 | 8) && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    let lower = u.to_ascii_lowercase();
    if [
        "rgb(", "rgba(", "hsl(", "hsla(", "hwb(", "lab(", "lch(", "oklab(", "oklch(",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
        && lower.ends_with(')')
    {
        return true;
    }
    NAMED_COLOURS.binary_search(&lower.as_str()).is_ok()
}

const NAMED_COLOURS: &[&str] = &[
    "aliceblue",
    "antiquewhite",
    "aqua",
    "aquamarine",
    "azure",
    "beige",
    "bisque",
    "black",
    "blanchedalmond",
    "blue",
    "blueviolet",
    "brown",
    "burlywood",
    "cadetblue",
    "chartreuse",
    "chocolate",
    "coral",
    "cornflowerblue",
    "cornsilk",
    "crimson",
    "cyan",
    "darkblue",
    "darkcyan",
    "darkgoldenrod",
    "darkgray",
    "darkgreen",
    "darkgrey",
    "darkkhaki",
    "darkmagenta",
    "darkolivegreen",
    "darkorange",
    "darkorchid",
    "darkred",
    "darksalmon",
    "darkseagreen",
    "darkslateblue",
    "darkslategray",
    "darkslategrey",
    "darkturquoise",
    "darkviolet",
    "deeppink",
    "deepskyblue",
    "dimgray",
    "dimgrey",
    "dodgerblue",
    "firebrick",
    "floralwhite",
    "forestgreen",
    "fuchsia",
    "gainsboro",
    "ghostwhite",
    "gold",
    "goldenrod",
    "gray",
    "green",
    "greenyellow",
    "grey",
    "honeydew",
    "hotpink",
    "indianred",
    "indigo",
    "ivory",
    "khaki",
    "lavender",
    "lavenderblush",
    "lawngreen",
    "lemonchiffon",
    "lightblue",
    "lightcoral",
    "lightcyan",
    "lightgoldenrodyellow",
    "lightgray",
    "lightgreen",
    "lightgrey",
    "lightpink",
    "lightsalmon",
    "lightseagreen",
    "lightskyblue",
    "lightslategray",
    "lightslategrey",
    "lightsteelblue",
    "lightyellow",
    "lime",
    "limegreen",
    "linen",
    "magenta",
    "maroon",
    "mediumaquamarine",
    "mediumblue",
    "mediumorchid",
    "mediumpurple",
    "mediumseagreen",
    "mediumslateblue",
    "mediumspringgreen",
    "mediumturquoise",
    "mediumvioletred",
    "midnightblue",
    "mintcream",
    "mistyrose",
    "moccasin",
    "navajowhite",
    "navy",
    "oldlace",
    "olive",
    "olivedrab",
    "orange",
    "orangered",
    "orchid",
    "palegoldenrod",
    "palegreen",
    "paleturquoise",
    "palevioletred",
    "papayawhip",
    "peachpuff",
    "peru",
    "pink",
    "plum",
    "powderblue",
    "purple",
    "rebeccapurple",
    "red",
    "rosybrown",
    "royalblue",
    "saddlebrown",
    "salmon",
    "sandybrown",
    "seagreen",
    "seashell",
    "sienna",
    "silver",
    "skyblue",
    "slateblue",
    "slategray",
    "slategrey",
    "snow",
    "springgreen",
    "steelblue",
    "tan",
    "teal",
    "thistle",
    "tomato",
    "transparent",
    "turquoise",
    "violet",
    "wheat",
    "white",
    "whitesmoke",
    "yellow",
    "yellowgreen",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_on_inline_images() {
        let s = parse("width:300px");
        assert_eq!(s.width.as_deref(), Some("300px"));
        assert_eq!(s.alt, "");
        let s = parse("w:200 h:10em center");
        assert_eq!(
            s.inline_style().as_deref(),
            Some("width:200px;height:10em;")
        );
        assert_eq!(s.alt, "center");
        // Not a length: stays in the alt text.
        assert_eq!(parse("w:big").alt, "w:big");
    }

    #[test]
    fn background_keywords() {
        let s = parse("bg contain");
        assert!(s.bg);
        assert_eq!(s.background_size(), "contain");
        assert_eq!(parse("bg fit").background_size(), "contain");
        assert_eq!(parse("bg auto").background_size(), "auto");
        assert_eq!(parse("bg 60%").background_size(), "60%");
        assert_eq!(parse("bg").background_size(), "cover");
        assert_eq!(parse("bg w:200px").background_size(), "200px auto");
        assert_eq!(parse("bg left").split, Some((SplitSide::Left, None)));
        assert_eq!(
            parse("bg right:30%").split,
            Some((SplitSide::Right, Some(30.0)))
        );
        assert!(parse("bg vertical").vertical);
        // Background keywords mean nothing without bg.
        let s = parse("left cover a photo");
        assert_eq!(s.alt, "left cover a photo");
        assert!(s.split.is_none());
    }

    #[test]
    fn filters_with_defaults_and_arguments() {
        let s = parse(
            "blur sepia:50% drop-shadow:0,5px,10px,rgba(0,0,0,.4) grayscale brightness contrast hue-rotate invert opacity saturate",
        );
        assert_eq!(s.filters[0], "blur(10px)");
        assert_eq!(s.filters[1], "sepia(50%)");
        assert_eq!(s.filters[2], "drop-shadow(0 5px 10px rgba(0,0,0,.4))");
        assert_eq!(s.filters.len(), 10);
        assert_eq!(s.alt, "");
    }

    #[test]
    fn colour_shorthand() {
        assert!(is_css_colour("red"));
        assert!(is_css_colour("#fa0"));
        assert!(is_css_colour("rgb(1,2,3)"));
        assert!(!is_css_colour("image.png"));
        assert!(!is_css_colour("#xyz"));
        let mut sorted = NAMED_COLOURS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, NAMED_COLOURS);
    }
}
