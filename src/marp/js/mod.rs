//! Reads marp-cli JavaScript and TypeScript config files (`marp.config.js`, `.mjs`, `.cjs`,
//! `.ts`, `.marprc.js`, ...) without running them.
//!
//! Building a stranger's deck must stay safe, so deck never executes their JavaScript. This module
//! splits the file into tokens, finds the exported object (`export default`, `module.exports`,
//! `exports.default`, `export =`, `export { x as default }`) and reads every value in it that is a
//! literal or can be worked out from literals: top-level constants, string `+`, template strings,
//! `path.join`/`path.resolve` on `__dirname`, `new URL('./x', import.meta.url)`. Everything else
//! (functions, environment variables, calls, ...) is listed in [`JsConfig::unreadable`] with the
//! reason, so deck can tell the user exactly what it skipped.
//!
//! Paths built from the config's own folder (`__dirname`, `import.meta.dirname`, `process.cwd()`)
//! come out relative to it: `path.join(__dirname, 'themes')` is `"./themes"`. A path that would
//! leave that folder is unreadable. An array with an item deck cannot read is left out of the
//! value as a whole (its indexes would shift), and the unreadable entry names the item
//! (`themeSet.1`). A spread deck cannot read is reported under the enclosing key, or `...` at the
//! top. Top-level changes to the exported object (`config.html = true`, `Object.assign(config,
//! {...})`) are applied; others that change it (`config.themeSet.push(x)`) make that key
//! unreadable.
//!
//! The reader never panics, works in linear time (constants that are referenced over and over are
//! cut off by a work budget) and stops at [`MAX_DEPTH`] levels of nesting.
//!
//! The reading goes through these modules, in order:
//!
//! - `lexer`: the tokens of the file, and each bracket paired with its partner;
//! - `reader`: the state of the reading (tokens, bindings, work budget, depth) and token helpers;
//! - `statements`: the top-level statements: declarations, imports and the export;
//! - `changes`: top-level changes to bound objects (`config.x = ...`, `Object.assign`), recorded
//!   while scanning and applied when the object is read;
//! - `expressions` and `syntax`: a value's tokens parsed into an expression tree;
//! - `eval` and `calls`: expressions, names and bindings worked out into values (`values`), with
//!   what deck knows of `path`, `URL` and `Object`;
//! - `export`: the exported value turned into JSON, with the span of each key.

mod calls;
mod changes;
mod eval;
mod export;
mod expressions;
mod lexer;
mod reader;
mod statements;
mod syntax;
mod values;

#[cfg(test)]
mod tests;

use lexer::{Lexer, match_brackets};
use reader::Reader;
use std::fmt;

/// What could be read from a JavaScript config file.
#[derive(Debug, Clone, PartialEq)]
pub struct JsConfig {
    /// The exported object, with every value that could be read (a JSON object).
    pub value: serde_json::Value,
    /// Byte span of each key that was read, by dotted path ("options.headingDivider", "themeSet.1"
    /// for array items), for error messages.
    pub spans: Vec<(String, std::ops::Range<usize>)>,
    /// Keys whose value is computed (not a literal), left out of `value`.
    pub unreadable: Vec<Unreadable>,
}

/// A key of the config whose value deck could not read without running JavaScript.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreadable {
    /// Dotted path of the key ("engine", "options.markdown").
    pub key: String,
    /// Byte range of the value in the file.
    pub span: std::ops::Range<usize>,
    /// Why, in words: "a function", "a variable (`themes`)", "a template string with `${...}`",
    /// "a call to `fs.readdirSync`", ...
    pub why: String,
}

/// Why the config could not be read at all, with the byte range it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct JsError {
    /// What went wrong, in words.
    pub message: String,
    /// Byte range of the text the message is about.
    pub span: std::ops::Range<usize>,
}

impl fmt::Display for JsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for JsError {}

/// How deeply values, brackets and constants may nest before deck gives up.
pub const MAX_DEPTH: usize = 64;

/// Reads the exported config object of a JavaScript or TypeScript config file, without running it.
///
/// Values that are computed (functions, calls, environment variables, ...) are left out of
/// [`JsConfig::value`] and listed in [`JsConfig::unreadable`]. Fails when the file is not valid
/// JavaScript as far as deck can tell, when nothing is exported, or when the export itself is
/// computed (`export default async () => ({ ... })`).
///
/// # Errors
///
/// A [`JsError`] with the byte range it is about: a syntax error (an unclosed string or bracket,
/// ...), no export, an export that is not a literal object, nesting deeper than [`MAX_DEPTH`], or
/// constants repeated so often that reading them would be slow.
pub fn read_config(text: &str) -> Result<JsConfig, JsError> {
    let toks = Lexer::new(text).run()?;
    let mate = match_brackets(&toks, text)?;
    let mut reader = Reader::new(text, toks, mate);
    reader.scan()?;
    reader.finish()
}
