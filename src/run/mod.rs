//! `deck run`'s parts, along the data flow: [`config`] (the `[bench]` table of deck.toml, checked),
//! [`plan`] (the run matrix and its order), [`local`] and [`docker`] (one run measured, on this
//! machine or in a container), [`measure`] (what a run measured), [`record`] (append-only CSV
//! results that survive a crash, for `--resume`), [`meta`] (where the results were measured), and
//! [`runner`], which drives them all for `deck run`.

pub mod cgroup;
pub mod config;
pub mod docker;
pub mod local;
pub mod measure;
pub mod meta;
pub mod plan;
pub mod record;
pub mod runner;
pub mod stats;
