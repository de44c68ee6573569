//! What a query reads, from its parsed SQL (the parser polars itself uses, with its options):
//! the tables it names, and any table function that would read a file directly.
//!
//! Provenance and the figure cache see a query's inputs through this, and table functions
//! (`read_csv('...')`, `read_parquet`, ...) are refused: a deck reads only the datasets
//! deck.toml declares, so every input is known, confined to the project and hashed.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use sqlparser::ast::{Expr, ObjectName, ObjectNamePart, TableFactor, Visit, Visitor};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::{Parser, ParserOptions};

/// What a query reads.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Relations {
    /// Tables named in FROM and JOIN, common table expressions among them.
    pub tables: BTreeSet<String>,
    /// Table functions called (`read_csv`, ...).
    pub functions: Vec<String>,
    /// Column names the query mentions (the last part of `t.col`), lower case.
    pub columns: BTreeSet<String>,
}

/// `None` when the SQL does not parse (polars, with the same parser, reports why).
pub fn relations(sql: &str) -> Option<Relations> {
    let statements = Parser::new(&GenericDialect)
        .with_options(ParserOptions {
            trailing_commas: true,
            ..Default::default()
        })
        .try_with_sql(sql)
        .ok()?
        .parse_statements()
        .ok()?;
    let mut v = Collect::default();
    let _ = statements.visit(&mut v);
    let mut out = Relations {
        functions: v.functions,
        columns: v.columns,
        ..Relations::default()
    };
    // CTE names stay in: polars looks a name up among the registered tables before the CTEs, so
    // `WITH runs AS (SELECT ... FROM runs ...) SELECT ... FROM runs` reads the dataset `runs`
    // both times. Callers keep the names that are datasets.
    out.tables = v.tables;
    Some(out)
}

#[derive(Default)]
struct Collect {
    tables: BTreeSet<String>,
    functions: Vec<String>,
    columns: BTreeSet<String>,
}

fn last_part(name: &ObjectName) -> String {
    match name.0.last() {
        Some(ObjectNamePart::Identifier(id)) => id.value.clone(),
        Some(ObjectNamePart::Function(f)) => f.name.value.clone(),
        None => String::new(),
    }
}

impl Visitor for Collect {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        match expr {
            Expr::Identifier(id) => {
                self.columns.insert(id.value.to_lowercase());
            }
            Expr::CompoundIdentifier(parts) => {
                if let Some(id) = parts.last() {
                    self.columns.insert(id.value.to_lowercase());
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        match factor {
            TableFactor::Table {
                name,
                args: Some(_),
                ..
            } => self.functions.push(last_part(name)),
            TableFactor::Table { name, .. } => {
                self.tables.insert(last_part(name));
            }
            TableFactor::Function { name, .. } => self.functions.push(last_part(name)),
            TableFactor::TableFunction { expr, .. } => {
                let text = expr.to_string();
                let name = text.split('(').next().unwrap_or(&text).trim().to_string();
                self.functions.push(name);
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// SQL functions deck adds to polars': `welch_ci(sd_a, n_a, sd_b, n_b [, level])`, half the
/// width of the confidence interval (95% by default) of the difference of two groups' means,
/// from their standard deviations and sizes, with Student's t at Welch's degrees of freedom (the
/// interval `compare()` gives in text, for a chart's error bars).
pub fn functions() -> std::sync::Arc<dyn polars::sql::FunctionRegistry> {
    use polars::prelude::*;
    let welch_ci = UserDefinedFunction::new(
        "welch_ci".into(),
        BaseColumnUdf::new(
            |c: &mut [Column]| {
                let len = c.iter().map(Column::len).max().unwrap_or(0);
                let args: Vec<Float64Chunked> = c
                    .iter()
                    .map(|col| {
                        let col = if col.len() == 1 && len > 1 {
                            col.new_from_index(0, len)
                        } else {
                            col.clone()
                        };
                        col.cast(&DataType::Float64).and_then(|c| c.f64().cloned())
                    })
                    .collect::<PolarsResult<_>>()?;
                let out: Float64Chunked = (0..len)
                    .map(|i| {
                        let v: Option<Vec<f64>> = args.iter().map(|a| a.get(i)).collect();
                        let v = v?;
                        let level = v.get(4).copied().unwrap_or(0.95);
                        if v[1] < 2.0 || v[3] < 2.0 || !(0.5..1.0).contains(&level) {
                            return None;
                        }
                        let w = super::stats::from_summary(
                            0.0,
                            v[0],
                            v[1] as usize,
                            1.0,
                            v[2],
                            v[3] as usize,
                            level,
                        );
                        Some(w.half_width)
                    })
                    .collect();
                Ok(out.with_name("welch_ci".into()).into_column())
            },
            |_: &Schema, fields: &[Field]| {
                polars_ensure!(
                    (4..=5).contains(&fields.len()),
                    InvalidOperation: "welch_ci(sd_a, n_a, sd_b, n_b [, level]) takes 4 or 5 arguments, not {}",
                    fields.len()
                );
                Ok(Field::new("welch_ci".into(), DataType::Float64))
            },
        ),
    );
    std::sync::Arc::new(Functions(vec![welch_ci]))
}

struct Functions(Vec<polars::prelude::UserDefinedFunction>);

impl polars::sql::FunctionRegistry for Functions {
    fn register(
        &mut self,
        _name: &str,
        fun: polars::prelude::UserDefinedFunction,
    ) -> polars::prelude::PolarsResult<()> {
        self.0.push(fun);
        Ok(())
    }

    fn get_udf(
        &self,
        name: &str,
    ) -> polars::prelude::PolarsResult<Option<polars::prelude::UserDefinedFunction>> {
        Ok(self.0.iter().find(|f| f.name == name).cloned())
    }

    fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|f| f.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(sql: &str) -> Vec<String> {
        relations(sql).unwrap().tables.into_iter().collect()
    }

    #[test]
    fn tables_come_from_the_query_not_its_words() {
        assert_eq!(tables("SELECT count(*) AS runs FROM builds"), ["builds"]);
        assert_eq!(
            tables(
                "SELECT r.x FROM runs r JOIN builds b ON r.v = b.v WHERE r.x IN (SELECT x FROM probes)"
            ),
            ["builds", "probes", "runs"]
        );
        assert_eq!(
            tables("WITH ok AS (SELECT * FROM runs WHERE status = 'ok') SELECT * FROM ok"),
            ["ok", "runs"]
        );
        // A CTE named like a dataset does not hide it: polars reads the dataset.
        assert_eq!(
            tables(
                "WITH runs AS (SELECT * FROM runs WHERE status = 'ok') SELECT count(*) FROM runs"
            ),
            ["runs"]
        );
        assert_eq!(tables("SELECT 1"), Vec::<String>::new());
        assert_eq!(tables("SELECT * FROM \"my data\""), ["my data"]);
    }

    #[test]
    fn columns_named_anywhere() {
        let r = relations(
            "SELECT command, mean FROM hf WHERE hf.failed_runs = 0 AND command IN (SELECT c FROM x)",
        )
        .unwrap();
        let cols: Vec<&str> = r.columns.iter().map(String::as_str).collect();
        assert_eq!(cols, ["c", "command", "failed_runs", "mean"]);
    }

    #[test]
    fn table_functions_are_found() {
        let r = relations("SELECT * FROM read_csv('/tmp/x.csv')").unwrap();
        assert_eq!(r.functions, ["read_csv"]);
        let r = relations("SELECT * FROM runs JOIN read_parquet('a.parquet') p ON true").unwrap();
        assert_eq!(r.functions, ["read_parquet"]);
        assert!(relations("SELEC x").is_none());
    }
}
