#![allow(dead_code)]

pub mod cdp;
pub mod engine;
pub mod marp;
pub mod project;
