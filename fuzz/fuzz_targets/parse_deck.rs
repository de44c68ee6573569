//! Any text given as a deck must parse and render without panicking, and the CSS scoper must
//! survive any CSS (deck styles are user input too).
#![no_main]

use std::path::Path;

use deck::diagnostics::Diagnostics;
use deck::markdown::{self, KeepUrls, ParseOptions};
use deck::render::Templates;
use deck::themes::Themes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut diags = Diagnostics::default();
    let mut resolver = KeepUrls;
    let html = data.first().is_some_and(|b| b & 1 == 1);
    let opts = ParseOptions { html, resolver: &mut resolver, figures: None };
    let deck = markdown::parse(Path::new("fuzz.md"), text, opts, &mut diags);
    assert!(!deck.slides.is_empty());
    for d in diags.iter() {
        let _ = d.to_string();
    }
    let themes = Themes::builtin();
    let css = themes.css("gaia", &mut diags).unwrap_or_default();
    let templates = Templates::load(Path::new("/nonexistent"));
    deck::render::render(&deck, "gaia", &css, &templates).expect("built-in template renders");
    let _ = deck::css::scope(text, "section");
});
