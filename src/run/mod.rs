//! `deck run`'s parts, along the data flow: [`config`] (the `[bench]` table of deck.toml, checked),
//! [`plan`] (the run matrix and its order), [`local`] and [`docker`] (one run measured, on this
//! machine or in a container), [`measure`] (what a run measured), [`record`] (append-only CSV
//! results that survive a crash, for `--resume`), [`tables`] (the results files, their columns, and
//! what `--resume` reads back), [`meta`] (where the results were measured), [`report`] (plan,
//! progress and summary on the terminal), and [`runner`], which drives them all for `deck run`.

pub mod cgroup;
pub mod config;
pub mod docker;
pub mod local;
pub mod measure;
pub mod meta;
pub mod plan;
pub mod record;
mod report;
pub mod runner;
pub mod stats;
pub mod tables;
