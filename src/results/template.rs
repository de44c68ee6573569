//! The Markdown goes through minijinja before it is parsed: `{{ sql("...") }}` puts a computed
//! number in the text, `{% for row in sql("...") %}` makes one slide per row, and filters format
//! numbers. `{% raw %}...{% endraw %}` keeps a literal `{{`.

use std::path::Path;
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

/// Expand the template; errors point at the line of the faulty expression.
pub fn expand(
    path: &Path,
    source: &str,
    engine: &Arc<Mutex<Engine>>,
) -> Result<String, Diagnostic> {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build();
    if let Ok(syntax) = syntax {
        env.set_syntax(syntax);
    }
    let engine = Arc::clone(engine);
    env.add_function("sql", move |query: String| -> Result<Value, Error> {
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
    render.map_err(|e| {
        let detail = e
            .detail()
            .map_or_else(|| e.kind().to_string(), str::to_string);
        let mut d = Diagnostic::error(path, format!("template: {detail}"))
            .help("fix the expression; write {% raw %}{{ ... }}{% endraw %} for a literal `{{`");
        if let Some(line) = e.line() {
            d = d.at(source, Pos::new(line, 1), 1);
        }
        d
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
        let out = expand(Path::new("t.md"), md, &e).unwrap();
        assert!(
            out.starts_with("Max 3.0 s, 23.4%, 1.5 KiB, 1,234,567, 12.3 ms\n"),
            "{out}"
        );
        assert!(out.contains("# a: 2") && out.contains("# b: 1"), "{out}");
        assert!(out.contains("{{ literal }}"), "{out}");
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
