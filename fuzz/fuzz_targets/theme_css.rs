//! The body is `deck::fuzzing::theme_css` (kept in the library, run on the seed corpus by
//! tests/fuzz.rs, so this target cannot rot).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| deck::fuzzing::theme_css(data));
