//! Tests of the JavaScript config reader, through [`read_config`] only.

mod errors;
mod forms;
mod literals;
mod values;

use super::*;
use serde_json::json;
use std::ops::Range;

/// Reads `text`, failing the test on an error.
fn read(text: &str) -> JsConfig {
    match read_config(text) {
        Ok(c) => c,
        Err(e) => panic!("unexpected error {e:?} for:\n{text}"),
    }
}

/// Reads `text`, failing the test unless it is an error.
fn fail(text: &str) -> JsError {
    match read_config(text) {
        Ok(c) => panic!("expected an error, got {c:?} for:\n{text}"),
        Err(e) => e,
    }
}

/// The unreadable keys with their reasons.
fn unread(c: &JsConfig) -> Vec<(&str, &str)> {
    c.unreadable
        .iter()
        .map(|u| (u.key.as_str(), u.why.as_str()))
        .collect()
}

/// The text a span covers.
fn at<'t>(text: &'t str, span: &Range<usize>) -> &'t str {
    &text[span.clone()]
}

/// The span recorded for `key`.
fn span_of<'c>(c: &'c JsConfig, key: &str) -> &'c Range<usize> {
    &c.spans.iter().find(|(k, _)| k == key).expect("no span").1
}
