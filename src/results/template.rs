//! The Markdown goes through minijinja before it is parsed: `{{ sql("...") }}` puts a computed
//! number in the text, `{% for row in sql("...") %}` makes one slide per row, and filters format
//! numbers. `json("data/meta.json")` reads a JSON file of the project (e.g. where the data was
//! measured) and `sha256("data/runs.csv")` hashes one. `{% raw %}...{% endraw %}` keeps a
//! literal `{{`.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use minijinja::value::Value;
use minijinja::{Environment, Error, ErrorKind};

use super::data::{Engine, cell_json};
use super::format;
use crate::diagnostics::{Diagnostic, Pos};

/// Whether a text uses template syntax at all (most decks do not: they skip this stage).
pub fn uses_templates(text: &str) -> bool {
    text.contains("{{") || text.contains("{%") || text.contains("{#")
}

/// The expanded Markdown and the project files the template read (`json()`, `sha256()`), which
/// `deck serve` watches like the deck's images.
#[derive(Debug)]
pub struct Expanded {
    pub text: String,
    /// Project files read by `json()` and `sha256()`.
    pub files: Vec<PathBuf>,
    /// The queries of `sql()` calls, in the order first run, each once.
    pub queries: Vec<String>,
}

/// A file named in a template, inside the project: a relative path without `..`.
fn project_file(root: &Path, name: &str) -> Result<PathBuf, Error> {
    let rel = Path::new(name);
    let inside = !name.is_empty()
        && rel
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !inside {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "{name:?} is not a path inside the project (write it relative to deck.toml's folder, without ..)"
            ),
        ));
    }
    let path = root.join(rel);
    if !path.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "{} does not exist (paths are relative to deck.toml's folder)",
                path.display()
            ),
        ));
    }
    Ok(path)
}

/// Expand the template; errors point at the line of the faulty expression.
pub fn expand(
    path: &Path,
    source: &str,
    engine: &Arc<Mutex<Engine>>,
) -> Result<Expanded, Diagnostic> {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build();
    if let Ok(syntax) = syntax {
        env.set_syntax(syntax);
    }
    let root = engine
        .lock()
        .map(|e| e.root().to_path_buf())
        .unwrap_or_default();
    let files: Arc<Mutex<Vec<PathBuf>>> = Arc::default();
    {
        let (root, files) = (root.clone(), Arc::clone(&files));
        env.add_function("json", move |name: String| -> Result<Value, Error> {
            let file = project_file(&root, &name)?;
            let text = std::fs::read_to_string(&file).map_err(|e| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    format!("cannot read {}: {e}", file.display()),
                )
            })?;
            let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    format!("{} is not JSON: {e}", file.display()),
                )
            })?;
            files.lock().map(|mut f| f.push(file)).ok();
            Ok(Value::from(minijinja::value::Serde(value)))
        });
    }
    {
        let (root, files) = (root.clone(), Arc::clone(&files));
        env.add_function("sha256", move |name: String| -> Result<Value, Error> {
            let file = project_file(&root, &name)?;
            let hash = super::sha256_file(&file).map_err(|e| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    format!("cannot read {}: {e}", file.display()),
                )
            })?;
            files.lock().map(|mut f| f.push(file)).ok();
            Ok(Value::from(hash))
        });
    }
    let queries: Arc<Mutex<Vec<String>>> = Arc::default();
    let engine = Arc::clone(engine);
    let asked = Arc::clone(&queries);
    env.add_function("sql", move |query: String| -> Result<Value, Error> {
        if let Ok(mut q) = asked.lock()
            && !q.contains(&query)
        {
            q.push(query.clone());
        }
        let mut engine = engine
            .lock()
            .map_err(|_| Error::new(ErrorKind::InvalidOperation, "data engine unusable"))?;
        let df = engine
            .query(&query)
            .map_err(|e| Error::new(ErrorKind::InvalidOperation, format!("{e} ({})", e.help())))?;
        let cols = df.columns();
        if df.height() == 1 && cols.len() == 1 {
            return Ok(Value::from(minijinja::value::Serde(cell_json(&cols[0], 0))));
        }
        let rows: Vec<serde_json::Map<String, serde_json::Value>> = (0..df.height())
            .map(|r| {
                cols.iter()
                    .map(|c| (c.name().to_string(), cell_json(c, r)))
                    .collect()
            })
            .collect();
        Ok(Value::from(minijinja::value::Serde(rows)))
    });
    // `num` alone: integers stay integers, others get 2 places; `num(1)`: always 1 place.
    env.add_filter("num", |x: f64, decimals: Option<usize>| match decimals {
        Some(d) => format::thousands(x, d, ","),
        None => format::number(x, 2),
    });
    env.add_filter(
        "thousands",
        |x: f64, decimals: Option<usize>, sep: Option<String>| {
            format::thousands(x, decimals.unwrap_or(0), sep.as_deref().unwrap_or(","))
        },
    );
    env.add_filter("percent", |x: f64, decimals: Option<usize>| {
        format::percent(x, decimals.unwrap_or(0))
    });
    env.add_filter("bytes", |x: f64, decimals: Option<usize>| {
        format::bytes(x, decimals.unwrap_or(1))
    });
    env.add_filter("duration", |x: f64| format::duration(x));
    env.add_filter("sig", |x: f64| format::sig3(x));
    let name = path.display().to_string();
    let render = env
        .template_from_named_str(&name, source)
        .and_then(|t| t.render(minijinja::context! {}));
    let text = render.map_err(|e| {
        let detail = e
            .detail()
            .map_or_else(|| e.kind().to_string(), str::to_string);
        let mut d = Diagnostic::error(path, format!("template: {detail}"))
            .help("fix the expression; write {% raw %}{{ ... }}{% endraw %} for a literal `{{`");
        if let Some(line) = e.line() {
            d = d.at(source, Pos::new(line, 1), 1);
        }
        d
    })?;
    let mut files = files.lock().map(|f| f.clone()).unwrap_or_default();
    files.sort();
    files.dedup();
    let queries = queries.lock().map(|q| q.clone()).unwrap_or_default();
    Ok(Expanded {
        text,
        files,
        queries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::data::DatasetSpec;

    fn engine() -> (tempfile::TempDir, Arc<Mutex<Engine>>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("runs.csv"),
            "variant,wall_s\na,1.0\na,3.0\nb,2.5\n",
        )
        .unwrap();
        let specs = [("runs".to_string(), DatasetSpec::Path("runs.csv".into()))]
            .into_iter()
            .collect();
        let e = Engine::new(dir.path(), specs);
        (dir, Arc::new(Mutex::new(e)))
    }

    #[test]
    fn scalars_rows_filters_and_raw() {
        let (_d, e) = engine();
        let md = "Max {{ sql(\"SELECT max(wall_s) FROM runs\") }} s, {{ 0.234 | percent(1) }}, {{ 1536 | bytes }}, {{ 1234567 | thousands }}, {{ 0.0123 | duration }}\n\
{% for r in sql(\"SELECT variant, count(*) AS n FROM runs GROUP BY variant ORDER BY variant\") %}\n---\n# {{ r.variant }}: {{ r.n }}\n{% endfor %}\n{% raw %}{{ literal }}{% endraw %}\n";
        let out = expand(Path::new("t.md"), md, &e).unwrap().text;
        assert!(
            out.starts_with("Max 3.0 s, 23.4%, 1.5 KiB, 1,234,567, 12.3 ms\n"),
            "{out}"
        );
        assert!(out.contains("# a: 2") && out.contains("# b: 1"), "{out}");
        assert!(out.contains("{{ literal }}"), "{out}");
    }

    #[test]
    fn json_and_sha256_read_project_files_only() {
        let (d, e) = engine();
        std::fs::create_dir_all(d.path().join("data")).unwrap();
        std::fs::write(
            d.path().join("data/meta.json"),
            r#"{"host": {"cores": 2, "cpu_model": "Test CPU"}, "sessions": [{"result": "completed"}]}"#,
        )
        .unwrap();
        std::fs::write(d.path().join("data/abc.txt"), "abc").unwrap();
        let md = "{% set m = json(\"data/meta.json\") %}{{ m.host.cpu_model }}, {{ m.host.cores }} cores, {{ m.sessions[0].result }}; {{ sha256(\"data/abc.txt\") }}";
        let out = expand(Path::new("t.md"), md, &e).unwrap();
        assert_eq!(
            out.text,
            "Test CPU, 2 cores, completed; ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            out.files,
            [
                d.path().join("data/abc.txt"),
                d.path().join("data/meta.json")
            ]
        );
        for (bad, want) in [
            (
                "{{ json(\"../secret.json\") }}",
                "not a path inside the project",
            ),
            (
                "{{ json(\"/etc/passwd\") }}",
                "not a path inside the project",
            ),
            ("{{ sha256(\"data/none.csv\") }}", "does not exist"),
            ("{{ json(\"data/abc.txt\") }}", "is not JSON"),
        ] {
            let err = expand(Path::new("t.md"), bad, &e).unwrap_err();
            assert!(err.message.contains(want), "{bad}: {}", err.message);
        }
    }

    #[test]
    fn errors_point_at_the_line() {
        let (_d, e) = engine();
        let d = expand(
            Path::new("t.md"),
            "ok\n\n{{ sql(\"SELECT nope FROM runs\") }}\n",
            &e,
        )
        .unwrap_err();
        assert_eq!(d.pos.map(|p| p.line), Some(3));
        assert!(d.message.contains("nope"), "{}", d.message);
        let d = expand(Path::new("t.md"), "{{ sql(\"SELECT 1 FROM other\") }}", &e).unwrap_err();
        assert!(d.message.contains("known datasets: runs"), "{}", d.message);
        let d = expand(Path::new("t.md"), "a\n{% for %}\n", &e).unwrap_err();
        assert_eq!(d.pos.map(|p| p.line), Some(2));
    }
}
