//! `deck run`'s parts, along the data flow: [`config`] (the `[bench]` table of deck.toml, checked),
//! [`plan`] (the run matrix and its order), [`engines`] (which Docker engine, by the
//! Docker CLI's rules: contexts, URLs, `local`; [`ssh`] reaches `ssh://` ones), [`local`] and [`docker`] (one run measured, on this
//! machine or in a container), [`measure`] (what a run measured), [`record`] (append-only CSV
//! results that survive a crash, for `--resume`), [`tables`] (the results files, their columns, and
//! what `--resume` reads back), [`meta`] (where the results were measured), [`report`] (plan,
//! progress and summary on the terminal), [`folder`] (the results folder between sessions:
//! archive, carry-over, older tables widened), [`worker`] (one engine's images, probes and runs)
//! and [`runner`], which drives a session for `deck run`: one worker per engine, all at once.

pub mod cgroup;
pub mod config;
pub mod docker;
pub mod engines;
mod folder;
pub mod local;
pub mod measure;
pub mod meta;
pub mod plan;
pub mod record;
mod report;
pub mod runner;
mod ssh;
pub mod stats;
pub mod tables;
mod worker;
