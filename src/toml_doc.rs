//! deck.toml as written: every key and value with its byte range (toml's spanned document), so
//! problems found after parsing point at the key that is wrong instead of searching the text,
//! and serde's messages are put into the user's words with an example.

use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use crate::diagnostics::{Diagnostic, Loc};

/// Where to read about deck.toml: it ships with the binary.
pub const CONFIG_HELP: &str = "see `deck help config` for every key of deck.toml";

/// deck.toml's text; its spanned document is parsed when a problem needs a position (rarely,
/// and in microseconds).
pub struct TomlDoc {
    pub path: PathBuf,
    pub text: String,
}

impl TomlDoc {
    pub fn new(path: &Path, text: &str) -> TomlDoc {
        TomlDoc {
            path: path.to_path_buf(),
            text: text.to_string(),
        }
    }

    /// The key and value written at a path: `["bench", "variants", "debian", "cpus"]`; a
    /// segment that is a number indexes an array (`["decks", "1"]`).
    pub fn find(&self, path: &[&str]) -> Option<(Range<usize>, Range<usize>)> {
        let root = DeTable::parse(&self.text).ok()?;
        let mut key_span = 0..0;
        let mut value_span = root.span();
        let mut here: Option<&DeValue<'_>> = None;
        let mut table: Option<&DeTable<'_>> = Some(root.get_ref());
        for seg in path {
            if let Some(t) = table {
                let (k, v) = t.get_key_value(*seg)?;
                key_span = k.span();
                value_span = v.span();
                here = Some(v.get_ref());
            } else if let (Some(DeValue::Array(items)), Ok(i)) = (here, seg.parse::<usize>()) {
                let v = items.get(i)?;
                key_span = v.span();
                value_span = v.span();
                here = Some(v.get_ref());
            } else {
                return None;
            }
            table = match here {
                Some(DeValue::Table(t)) => Some(t),
                _ => None,
            };
        }
        Some((key_span, value_span))
    }

    fn is_table(&self, path: &[&str]) -> bool {
        let Ok(root) = DeTable::parse(&self.text) else {
            return false;
        };
        let mut here: &DeTable<'_> = root.get_ref();
        for (i, seg) in path.iter().enumerate() {
            match here.get(*seg).map(|v| v.get_ref()) {
                Some(DeValue::Table(_)) if i + 1 == path.len() => return true,
                Some(DeValue::Table(t)) => here = t,
                _ => return false,
            }
        }
        false
    }

    /// An error about the value at `path` (else its key, else the nearest key above it that
    /// is written, else the file). A path ending in `""` is about the key before it (a name
    /// that is wrong, such as a mount's host folder).
    pub fn error(&self, path: &[&str], message: impl Into<String>) -> Diagnostic {
        if let Some((&"", key)) = path.split_last() {
            return self.key_error(key, message);
        }
        let d = Diagnostic::error(&self.path, message);
        match self.span_of(path, true) {
            Some(span) => d.at_loc(&Loc::of(&self.text, span)),
            None => d,
        }
    }

    /// An error about the key at `path` (a table's name, a key to remove).
    pub fn key_error(&self, path: &[&str], message: impl Into<String>) -> Diagnostic {
        let d = Diagnostic::error(&self.path, message);
        match self.span_of(path, false) {
            Some(span) => d.at_loc(&Loc::of(&self.text, span)),
            None => d,
        }
    }

    fn span_of(&self, path: &[&str], value: bool) -> Option<Range<usize>> {
        (0..=path.len()).rev().find_map(|n| {
            let (k, v) = self.find(&path[..n])?;
            // A table is named by its key (in its `[header]`), not by its body.
            let table = self.is_table(&path[..n]) && !k.is_empty();
            let pick = if value && n == path.len() && !v.is_empty() && !table {
                v
            } else {
                k
            };
            (!pick.is_empty()).then_some(pick)
        })
    }

    /// The dotted path of the innermost key whose key or value holds byte `offset`.
    pub fn path_at(&self, offset: usize) -> Vec<String> {
        fn search(t: &DeTable<'_>, offset: usize) -> Option<Vec<String>> {
            for (k, v) in t.iter() {
                // A `[table]`'s span is its header only: look inside tables whatever their span.
                if let DeValue::Table(inner) = v.get_ref()
                    && let Some(mut deeper) = search(inner, offset)
                {
                    deeper.insert(0, k.get_ref().to_string());
                    return Some(deeper);
                }
                if k.span().contains(&offset) || v.span().contains(&offset) {
                    return Some(vec![k.get_ref().to_string()]);
                }
            }
            None
        }
        DeTable::parse(&self.text)
            .ok()
            .and_then(|root| search(root.get_ref(), offset))
            .unwrap_or_default()
    }
}

/// What a key of deck.toml takes, in a user's words, with an example (`*`: any name).
struct KeyDoc {
    path: &'static str,
    takes: &'static str,
    example: &'static str,
}

const KEYS: &[KeyDoc] = &[
    KeyDoc {
        path: "title",
        takes: "text in quotes",
        example: "title = \"My talks\"",
    },
    KeyDoc {
        path: "decks",
        takes: "a list of paths or patterns",
        example: "decks = [\"slides/*.md\"]",
    },
    KeyDoc {
        path: "output",
        takes: "a folder in quotes",
        example: "output = \"dist\"",
    },
    KeyDoc {
        path: "theme",
        takes: "a theme name in quotes",
        example: "theme = \"gaia\"",
    },
    KeyDoc {
        path: "html",
        takes: "true or false",
        example: "html = true",
    },
    KeyDoc {
        path: "templates",
        takes: "true or false",
        example: "templates = false",
    },
    KeyDoc {
        path: "datasets.*",
        takes: "a path in quotes, or a table with `path` and `format`",
        example: "runs = \"data/runs.csv\"",
    },
    KeyDoc {
        path: "datasets.*.path",
        takes: "a path or glob pattern in quotes",
        example: "path = \"data/*.json\"",
    },
    KeyDoc {
        path: "datasets.*.format",
        takes: "one of csv, tsv, json, ndjson, parquet, hyperfine, pytest-benchmark, google-benchmark, criterion, benchmark-action, prometheus, grafana",
        example: "format = \"hyperfine\"",
    },
    KeyDoc {
        path: "datasets.*.shape",
        takes: "\"wide\" or \"long\"",
        example: "shape = \"long\"",
    },
    KeyDoc {
        path: "colors.*",
        takes: "a colour in quotes",
        example: "debian = \"#A80030\"",
    },
    KeyDoc {
        path: "bench.repeat",
        takes: "a whole number",
        example: "repeat = 5",
    },
    KeyDoc {
        path: "bench.warmup",
        takes: "a whole number",
        example: "warmup = 1",
    },
    KeyDoc {
        path: "bench.order",
        takes: "\"interleaved\" or \"random\"",
        example: "order = \"interleaved\"",
    },
    KeyDoc {
        path: "bench.seed",
        takes: "a whole number",
        example: "seed = 7",
    },
    KeyDoc {
        path: "bench.timeout",
        takes: "a duration in quotes",
        example: "timeout = \"10m\"",
    },
    KeyDoc {
        path: "bench.sample_interval",
        takes: "a duration in quotes",
        example: "sample_interval = \"250ms\"",
    },
    KeyDoc {
        path: "bench.cpus",
        takes: "a number of CPUs",
        example: "cpus = 2",
    },
    KeyDoc {
        path: "bench.cpuset",
        takes: "a CPU list in quotes",
        example: "cpuset = \"0-1\"",
    },
    KeyDoc {
        path: "bench.memory",
        takes: "a size in quotes",
        example: "memory = \"2g\"",
    },
    KeyDoc {
        path: "bench.network",
        takes: "a Docker network name in quotes",
        example: "network = \"none\"",
    },
    KeyDoc {
        path: "bench.build_network",
        takes: "a Docker network name in quotes",
        example: "build_network = \"host\"",
    },
    KeyDoc {
        path: "bench.output",
        takes: "a folder in quotes",
        example: "output = \"data\"",
    },
    KeyDoc {
        path: "bench.variants.*.dockerfile",
        takes: "a path in quotes",
        example: "dockerfile = \"dockerfiles/debian/Dockerfile\"",
    },
    KeyDoc {
        path: "bench.variants.*.image",
        takes: "an image name in quotes",
        example: "image = \"python:3.12-slim\"",
    },
    KeyDoc {
        path: "bench.variants.*.local",
        takes: "true or false",
        example: "local = true",
    },
    KeyDoc {
        path: "bench.variants.*.cpus",
        takes: "a number of CPUs",
        example: "cpus = 1",
    },
    KeyDoc {
        path: "bench.variants.*.cpuset",
        takes: "a CPU list in quotes",
        example: "cpuset = \"0\"",
    },
    KeyDoc {
        path: "bench.variants.*.memory",
        takes: "a size in quotes",
        example: "memory = \"512m\"",
    },
    KeyDoc {
        path: "bench.variants.*.skip",
        takes: "a reason in quotes",
        example: "skip = \"needs Docker Hub\"",
    },
    KeyDoc {
        path: "bench.variants.*.build_args",
        takes: "a table of text values",
        example: "build_args = { CONFIGURE_OPTS = \"--enable-optimizations\" }",
    },
    KeyDoc {
        path: "bench.variants.*.env",
        takes: "a table of text values",
        example: "env = { PATH = \"/usr/bin:/bin\" }",
    },
    KeyDoc {
        path: "bench.workloads.*.command",
        takes: "a list of words in quotes",
        example: "command = [\"python3\", \"/bench/x.py\"]",
    },
    KeyDoc {
        path: "bench.workloads.*.mount",
        takes: "a table of host folder = container path",
        example: "mount = { \"dockerfiles/workload\" = \"/bench\" }",
    },
    KeyDoc {
        path: "bench.workloads.*.probe",
        takes: "a list of words in quotes",
        example: "probe = [\"python3\", \"--version\"]",
    },
    KeyDoc {
        path: "bench.workloads.*.env",
        takes: "a table of text values",
        example: "env = { PYTHONHASHSEED = \"0\" }",
    },
];

fn key_doc(path: &[String]) -> Option<&'static KeyDoc> {
    KEYS.iter().find(|k| {
        let parts: Vec<&str> = k.path.split('.').collect();
        parts.len() == path.len() && parts.iter().zip(path).all(|(p, s)| *p == "*" || p == s)
    })
}

/// A serde error of deck.toml in the user's words, at the key or value it is about.
pub fn explain(doc: &TomlDoc, e: &toml::de::Error) -> Diagnostic {
    let m = e.message().trim().to_string();
    let span = e.span();
    let path = span
        .as_ref()
        .map(|s| doc.path_at(s.start))
        .unwrap_or_default();
    let key = path.join(".");
    let (message, help) = if let Some(rest) = m.strip_prefix("invalid type: ") {
        let found = rest.split(", expected").next().unwrap_or(rest);
        let found = found.replace('`', "");
        match key_doc(&path) {
            Some(k) => (
                format!("`{key}` must be {}, not {found}", k.takes),
                format!("write it like `{}`; {CONFIG_HELP}", k.example),
            ),
            None => (format!("`{key}`: {m}"), CONFIG_HELP.to_string()),
        }
    } else if let Some(rest) = m.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or("");
        let expected: Vec<&str> = rest
            .split("expected one of ")
            .nth(1)
            .map(|l| l.split(", ").map(|k| k.trim_matches('`')).collect())
            .unwrap_or_default();
        let table = match &path[..path.len().saturating_sub(1)] {
            [] => "deck.toml".to_string(),
            t => format!("[{}]", t.join(".")),
        };
        let mut help = format!("keys of {table}: {}; {CONFIG_HELP}", expected.join(", "));
        if let Some(s) = crate::template::closest(name, expected.iter().copied()) {
            help = format!("did you mean `{s}`? {help}");
        }
        (format!("unknown key `{name}` in {table}"), help)
    } else if let Some(rest) = m.strip_prefix("unknown variant `") {
        let value = rest.split('`').next().unwrap_or("");
        let expected: Vec<&str> = rest
            .split("expected one of ")
            .nth(1)
            .map(|l| l.split(", ").map(|k| k.trim_matches('`')).collect())
            .unwrap_or_default();
        let mut help = format!("use one of {}; {CONFIG_HELP}", expected.join(", "));
        if let Some(s) = crate::template::closest(value, expected.iter().copied()) {
            help = format!("did you mean `{s}`? {help}");
        }
        (
            format!("`{key}` = \"{value}\" is not one of the values it takes"),
            help,
        )
    } else if let Some(rest) = m.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or("");
        let mut full = path.clone();
        full.push(name.to_string());
        let help = match key_doc(&full) {
            Some(k) => format!("add `{}`; {CONFIG_HELP}", k.example),
            None => format!("add `{name} = ...`; {CONFIG_HELP}"),
        };
        let table = if path.is_empty() {
            "deck.toml".to_string()
        } else {
            format!("[{key}]")
        };
        (format!("{table} needs `{name}`"), help)
    } else {
        (format!("invalid deck.toml: {m}"), CONFIG_HELP.to_string())
    };
    let mut d = Diagnostic::error(&doc.path, message).help(help);
    if let Some(span) = span {
        d = d.at_loc(&Loc::of(&doc.text, span));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explained(text: &str) -> Diagnostic {
        let doc = TomlDoc::new(Path::new("deck.toml"), text);
        let e = toml::from_str::<crate::project::Config>(text).unwrap_err();
        explain(&doc, &e)
    }

    fn at(d: &Diagnostic) -> (usize, usize) {
        d.pos.map(|p| (p.line, p.col)).unwrap_or_default()
    }

    #[test]
    fn messages_in_the_users_words() {
        let d = explained("[datasets]\nruns = { path = \"a.json\", format = \"hyperfin\" }\n");
        assert_eq!(
            d.message,
            "`datasets.runs.format` = \"hyperfin\" is not one of the values it takes"
        );
        assert!(d.help.as_deref().unwrap().starts_with(
            "did you mean `hyperfine`? use one of csv, tsv, json, ndjson, parquet, hyperfine"
        ));
        assert_eq!(at(&d), (2, 36));
        let d = explained("[bench]\nrepeat = \"5\"\n");
        assert_eq!(
            d.message,
            "`bench.repeat` must be a whole number, not string \"5\""
        );
        assert!(d.help.as_deref().unwrap().contains("`repeat = 5`"));
        assert_eq!(at(&d), (2, 10));
        let d = explained("[bench]\ntimeout = 600\n");
        assert_eq!(
            d.message,
            "`bench.timeout` must be a duration in quotes, not integer 600"
        );
        assert!(d.help.as_deref().unwrap().contains("`timeout = \"10m\"`"));
        assert!(d.help.as_deref().unwrap().contains("deck help config"));
        let d = explained("theem = \"x\"\n");
        assert_eq!(d.message, "unknown key `theem` in deck.toml");
        assert!(
            d.help
                .as_deref()
                .unwrap()
                .starts_with("did you mean `theme`?")
        );
        assert_eq!(at(&d), (1, 1));
        let d = explained("[bench.variants.a]\nlocal = true\nfoo = 1\n");
        assert_eq!(d.message, "unknown key `foo` in [bench.variants.a]");
        assert_eq!(at(&d), (3, 1));
        let d = explained("[bench.workloads.w]\nmount = {}\n");
        assert_eq!(d.message, "[bench.workloads.w] needs `command`");
    }

    #[test]
    fn finds_keys_values_and_tables() {
        let text = "decks = [\"a.md\", \"../b.md\"]\n[bench.variants.debian]\ncpus = 3\n";
        let doc = TomlDoc::new(Path::new("deck.toml"), text);
        let (_, v) = doc.find(&["decks", "1"]).unwrap();
        assert_eq!(&text[v], "\"../b.md\"");
        let (k, v) = doc.find(&["bench", "variants", "debian", "cpus"]).unwrap();
        assert_eq!((&text[k], &text[v]), ("cpus", "3"));
        let (k, _) = doc.find(&["bench", "variants", "debian"]).unwrap();
        assert_eq!(&text[k], "debian");
        // A key not written points at the nearest one above it.
        let d = doc.error(&["bench", "variants", "debian", "memory"], "x");
        assert_eq!(d.pos.map(|p| p.line), Some(2));
    }
}
