#![allow(dead_code)]

pub mod cdp;
pub mod project;
