//! `deck run`'s parts, along the data flow: [`config`] (the `[bench]` table of deck.toml, checked),
//! [`plan`] (the run matrix and its order), [`local`] (a workload measured on this machine), and
//! [`record`] (append-only CSV results that survive a crash, for `--resume`).
//!
//! Running in containers through the Docker Engine API comes next; the command is wired into the
//! CLI when it can run the whole matrix.

pub mod config;
pub mod local;
pub mod plan;
pub mod record;
