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

/// The `column = 'text'` (and `column IN ('a', 'b')`) comparisons of a query's WHERE and HAVING
/// clauses, anywhere in it: (column, value).
pub fn equality_filters(sql: &str) -> Vec<(String, String)> {
    use sqlparser::ast::{BinaryOperator, Value};
    let Some(statements) = Parser::new(&GenericDialect)
        .try_with_sql(sql)
        .ok()
        .and_then(|mut p| p.parse_statements().ok())
    else {
        return Vec::new();
    };
    struct Find(Vec<(String, String)>);
    impl Visitor for Find {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            let name = |e: &Expr| match e {
                Expr::Identifier(id) => Some(id.value.clone()),
                Expr::CompoundIdentifier(p) => p.last().map(|i| i.value.clone()),
                _ => None,
            };
            let text = |e: &Expr| match e {
                Expr::Value(v) => match &v.value {
                    Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => Some(s.clone()),
                    _ => None,
                },
                _ => None,
            };
            match e {
                Expr::BinaryOp {
                    left,
                    op: BinaryOperator::Eq,
                    right,
                } => {
                    if let (Some(c), Some(t)) = (name(left), text(right)) {
                        self.0.push((c, t));
                    } else if let (Some(t), Some(c)) = (text(left), name(right)) {
                        self.0.push((c, t));
                    }
                }
                Expr::InList {
                    expr,
                    list,
                    negated: false,
                } => {
                    if let Some(c) = name(expr) {
                        self.0
                            .extend(list.iter().filter_map(text).map(|t| (c.clone(), t)));
                    }
                }
                _ => {}
            }
            ControlFlow::Continue(())
        }
    }
    let mut f = Find(Vec::new());
    let _ = statements.visit(&mut f);
    f.0
}

/// What each column of a query's result is counted in: the unit its own name states
/// (`AS "mean (ms)"`), else the unit of the column it is computed from, followed through the
/// query: a column read as it is, or through an aggregate or function that keeps its unit
/// (`median`, `avg`, `min`, `max`, `sum`, `stddev`, `round`, `abs`...), from a dataset
/// (`table_units`), a subquery or a common table expression. Arithmetic that scales a value
/// (`wall_s * 1000`) loses its unit unless the name gives one.
pub fn result_units(
    sql: &str,
    table_units: &dyn Fn(&str) -> super::units::Units,
    df: &polars::prelude::DataFrame,
) -> super::units::Units {
    use super::units::Unit;
    let mut out = super::units::Units::new();
    for name in df.get_column_names() {
        if let Some(u) = Unit::from_name(name) {
            out.insert(name.to_string(), u);
        }
    }
    let parsed = Parser::new(&GenericDialect)
        .with_options(ParserOptions {
            trailing_commas: true,
            ..Default::default()
        })
        .try_with_sql(sql)
        .ok()
        .and_then(|mut p| p.parse_statements().ok());
    if let Some(sqlparser::ast::Statement::Query(q)) = parsed.as_ref().and_then(|s| s.first()) {
        let mut ctes = std::collections::BTreeMap::new();
        for (name, unit) in query_units(q, table_units, &mut ctes) {
            out.entry(name).or_insert(unit);
        }
    }
    out
}

type UnitScope = super::units::Units;

fn query_units(
    q: &sqlparser::ast::Query,
    table_units: &dyn Fn(&str) -> UnitScope,
    ctes: &mut std::collections::BTreeMap<String, UnitScope>,
) -> UnitScope {
    if let Some(with) = &q.with {
        for cte in &with.cte_tables {
            let units = query_units(&cte.query, table_units, ctes);
            ctes.insert(cte.alias.name.value.clone(), units);
        }
    }
    set_units(&q.body, table_units, ctes)
}

fn set_units(
    body: &sqlparser::ast::SetExpr,
    table_units: &dyn Fn(&str) -> UnitScope,
    ctes: &mut std::collections::BTreeMap<String, UnitScope>,
) -> UnitScope {
    use sqlparser::ast::{SelectItem, SetExpr};
    match body {
        SetExpr::Select(select) => {
            // The columns in scope: every relation of FROM and JOIN.
            let mut scope = UnitScope::new();
            let mut factor = |f: &TableFactor, scope: &mut UnitScope| {
                let units = match f {
                    TableFactor::Table { name, .. } => {
                        let n = last_part(name);
                        // A dataset is looked up first, as polars does.
                        let t = table_units(&n);
                        if t.is_empty() {
                            ctes.get(&n).cloned().unwrap_or_default()
                        } else {
                            t
                        }
                    }
                    TableFactor::Derived { subquery, .. } => {
                        query_units(subquery, table_units, ctes)
                    }
                    _ => UnitScope::new(),
                };
                for (k, v) in units {
                    scope.entry(k).or_insert(v);
                }
            };
            for t in &select.from {
                factor(&t.relation, &mut scope);
                for j in &t.joins {
                    factor(&j.relation, &mut scope);
                }
            }
            let mut out = UnitScope::new();
            for item in &select.projection {
                match item {
                    SelectItem::UnnamedExpr(e) => {
                        if let (Some(name), Some(u)) = (output_name(e), expr_unit(e, &scope)) {
                            out.insert(name, u);
                        }
                    }
                    SelectItem::ExprWithAlias { expr, alias } => {
                        if let Some(u) = expr_unit(expr, &scope) {
                            out.insert(alias.value.clone(), u);
                        }
                    }
                    SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                        out.extend(scope.iter().map(|(k, v)| (k.clone(), *v)));
                    }
                    _ => {}
                }
            }
            out
        }
        SetExpr::Query(q) => query_units(q, table_units, ctes),
        SetExpr::SetOperation { left, .. } => set_units(left, table_units, ctes),
        _ => UnitScope::new(),
    }
}

/// The name polars gives an unnamed result column: a column's own name, also through an
/// aggregate of one column (`median(wall_s)` is `wall_s`).
fn output_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(id) => Some(id.value.clone()),
        Expr::CompoundIdentifier(parts) => parts.last().map(|p| p.value.clone()),
        Expr::Nested(inner) => output_name(inner),
        Expr::Function(f) => first_arg(f).and_then(output_name),
        Expr::Cast { expr, .. } => output_name(expr),
        _ => None,
    }
}

fn first_arg(f: &sqlparser::ast::Function) -> Option<&Expr> {
    use sqlparser::ast::{FunctionArg, FunctionArgExpr, FunctionArguments};
    match &f.args {
        FunctionArguments::List(list) => list.args.iter().find_map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
            _ => None,
        }),
        _ => None,
    }
}

/// Aggregates and functions whose result is in their first argument's unit.
const KEEPS_UNIT: &[&str] = &[
    "min",
    "max",
    "avg",
    "mean",
    "median",
    "sum",
    "first",
    "last",
    "stddev",
    "stddev_samp",
    "stddev_pop",
    "std",
    "abs",
    "round",
    "ceil",
    "floor",
    "quantile_cont",
    "quantile_disc",
    "percentile_cont",
    "percentile_disc",
    "any_value",
    "coalesce",
    "greatest",
    "least",
];

fn expr_unit(e: &Expr, scope: &UnitScope) -> Option<super::units::Unit> {
    use sqlparser::ast::BinaryOperator;
    let lookup = |name: &str| {
        scope.get(name).copied().or_else(|| {
            scope
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| *v)
        })
    };
    match e {
        Expr::Identifier(id) => lookup(&id.value),
        Expr::CompoundIdentifier(parts) => parts.last().and_then(|p| lookup(&p.value)),
        Expr::Nested(inner) => expr_unit(inner, scope),
        Expr::Cast { expr, .. } => expr_unit(expr, scope),
        Expr::Function(f) if KEEPS_UNIT.contains(&last_part(&f.name).to_lowercase().as_str()) => {
            first_arg(f).and_then(|a| expr_unit(a, scope))
        }
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Plus | BinaryOperator::Minus,
            right,
        } => {
            let (l, r) = (expr_unit(left, scope), expr_unit(right, scope));
            match (l, r) {
                (Some(a), Some(b)) if a == b => Some(a),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The names of the SQL functions `functions()` registers (`deck help functions` documents them).
pub const FUNCTION_NAMES: &[&str] = &["welch_ci"];

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
    let registry = Functions(vec![welch_ci]);
    debug_assert!(
        registry
            .0
            .iter()
            .map(|f| f.name.as_str())
            .eq(FUNCTION_NAMES.iter().copied()),
        "FUNCTION_NAMES lists what is registered"
    );
    std::sync::Arc::new(registry)
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
