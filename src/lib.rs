//! deck: Markdown slides plus measurement data, rendered to a self-contained conference deck.
//!
//! The pipeline, one module per stage: [`project`] (deck.toml, or a Marp project read by
//! [`marp`]: marp-cli's config files and command line, into [`settings`]) → [`markdown`] (Marp Markdown to
//! the [`deck`] model, with [`assets`] resolved) → [`render`] (templates, [`themes`], [`css`]) →
//! [`output`]. [`pipeline`] runs the stages; [`results`] computes figures from data; [`serve`] keeps a
//! pipeline session open behind a live-reloading server; [`cmd`] holds one module per subcommand.

// A `Diagnostic` is returned only when a user file has a problem, never on a hot path.
#![allow(clippy::result_large_err)]

pub mod assets;
pub mod browser;
pub mod check;
pub mod cmd;
pub mod confine;
pub mod css;
pub mod deck;
pub mod diagnostics;
pub mod emoji;
pub mod export;
pub mod fonts;
#[doc(hidden)]
pub mod fuzzing;
pub mod markdown;
pub mod marp;
pub mod new;
pub mod output;
pub mod pdf;
pub mod pipeline;
pub mod pptx;
pub mod project;
pub mod remote;
pub mod render;
pub mod results;
pub mod run;
pub mod serve;
pub mod settings;
pub mod template;
pub mod themes;
pub mod toml_doc;
pub mod yaml;
