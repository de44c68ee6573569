//! The YAML inside ```` ```chart ```` and ```` ```table ```` blocks: read with each key's line, checked
//! against the keys the block knows, so a typo is an error pointing at its line.

use std::collections::BTreeMap;

use yaml_rust2::{Yaml, YamlLoader};

use crate::markdown::FigureError;
use crate::markdown::directives::scalar;

/// A block's keys with their values and 0-based lines.
pub struct Spec {
    entries: BTreeMap<String, (Yaml, usize)>,
}

impl Spec {
    pub fn parse(text: &str, known: &[&str]) -> Result<Spec, FigureError> {
        let docs = YamlLoader::load_from_str(text).map_err(|e| FigureError {
            message: format!("broken YAML: {}", e.info()),
            help: "write one `key: value` per line; quote values that contain `: `".into(),
            line: Some(e.marker().line().saturating_sub(1)),
        })?;
        let doc = docs.into_iter().next().unwrap_or(Yaml::Null);
        let Yaml::Hash(map) = doc else {
            return Err(FigureError {
                message: "the block must be `key: value` lines".into(),
                help: format!("known keys: {}", known.join(", ")),
                line: Some(0),
            });
        };
        let mut entries = BTreeMap::new();
        for (k, v) in map {
            let key = match k {
                Yaml::String(s) => s,
                other => format!("{other:?}"),
            };
            let line = key_line(text, &key);
            if !known.contains(&key.as_str()) {
                return Err(FigureError {
                    message: format!("unknown key `{key}`"),
                    help: format!("known keys: {}", known.join(", ")),
                    line: Some(line),
                });
            }
            entries.insert(key, (v, line));
        }
        Ok(Spec { entries })
    }

    pub fn line(&self, key: &str) -> Option<usize> {
        self.entries.get(key).map(|(_, l)| *l)
    }

    pub fn has(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    fn err(&self, key: &str, message: String, help: &str) -> FigureError {
        FigureError {
            message,
            help: help.into(),
            line: self.line(key),
        }
    }

    pub fn str(&self, key: &str) -> Result<Option<String>, FigureError> {
        match self.entries.get(key) {
            None | Some((Yaml::Null, _)) => Ok(None),
            Some((Yaml::String(s), _)) => Ok(Some(s.clone())),
            Some((Yaml::Integer(i), _)) => Ok(Some(i.to_string())),
            Some((Yaml::Real(r), _)) => Ok(Some(r.clone())),
            Some((Yaml::Boolean(b), _)) => Ok(Some(b.to_string())),
            Some(_) => Err(self.err(key, format!("`{key}` must be text"), "write a single value")),
        }
    }

    pub fn required(&self, key: &str) -> Result<String, FigureError> {
        self.str(key)?
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| FigureError {
                message: format!("missing `{key}`"),
                help: format!("add a `{key}:` line"),
                line: Some(0),
            })
    }

    pub fn f64(&self, key: &str) -> Result<Option<f64>, FigureError> {
        match self.entries.get(key) {
            None | Some((Yaml::Null, _)) => Ok(None),
            Some((Yaml::Integer(i), _)) => Ok(Some(*i as f64)),
            Some((Yaml::Real(r), _)) => r
                .parse()
                .map(Some)
                .map_err(|_| self.err(key, format!("`{key}` must be a number"), "e.g. 12.5")),
            Some(_) => Err(self.err(key, format!("`{key}` must be a number"), "e.g. 12.5")),
        }
    }

    pub fn bool(&self, key: &str) -> Result<bool, FigureError> {
        match self.entries.get(key) {
            None | Some((Yaml::Null, _)) => Ok(false),
            Some((Yaml::Boolean(b), _)) => Ok(*b),
            Some(_) => Err(self.err(
                key,
                format!("`{key}` must be true or false"),
                "write `true` or `false`",
            )),
        }
    }

    /// A `name: value` map (`colors:`, `highlight:`, `format:`).
    pub fn map(&self, key: &str) -> Result<BTreeMap<String, String>, FigureError> {
        match self.entries.get(key) {
            None | Some((Yaml::Null, _)) => Ok(BTreeMap::new()),
            Some((Yaml::Hash(h), _)) => Ok(h
                .iter()
                .filter_map(|(k, v)| Some((scalar(k)?, scalar(v)?)))
                .collect()),
            Some(_) => Err(self.err(
                key,
                format!("`{key}` must be a map of `name: value` lines"),
                "indent one `name: value` per line under it",
            )),
        }
    }
}

fn key_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .unwrap_or(0)
}
