//! What a query reads, from its parsed SQL (the parser polars itself uses, with its options):
//! the tables it names, and any table function that would read a file directly.
//!
//! Provenance and the figure cache see a query's inputs through this, and table functions
//! (`read_csv('...')`, `read_parquet`, ...) are refused: a deck reads only the datasets
//! deck.toml declares, so every input is known, confined to the project and hashed.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use sqlparser::ast::{Expr, ObjectName, ObjectNamePart, Query, TableFactor, Visit, Visitor};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::{Parser, ParserOptions};

/// What a query reads.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Relations {
    /// Tables named in FROM and JOIN (common table expressions left out).
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
    out.tables = v.tables.difference(&v.ctes).cloned().collect();
    Some(out)
}

#[derive(Default)]
struct Collect {
    tables: BTreeSet<String>,
    ctes: BTreeSet<String>,
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

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.ctes.insert(cte.alias.name.value.clone());
            }
        }
        ControlFlow::Continue(())
    }

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
