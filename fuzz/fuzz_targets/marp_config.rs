//! The body is `deck::fuzzing::marp_config` (kept in the library, run on the seed corpus by
//! tests/fuzz.rs, so this target cannot rot).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| deck::fuzzing::marp_config(data));
