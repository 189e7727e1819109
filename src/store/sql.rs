//! A small builder for queries whose shape depends on the request (filters,
//! `IN` lists, multi-row inserts): it numbers `$n` placeholders as values are
//! pushed, so the same text runs on both databases — or, built for SQLite
//! with [`Sql::new_in`], writes anonymous `?` placeholders bound in order.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::Any;

use super::dialect::Dialect;

#[derive(Debug, Clone)]
enum Value {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
    Bool(bool),
}

#[derive(Debug, Default)]
pub struct Sql {
    text: String,
    values: Vec<Value>,
    /// `?` instead of `$n`.
    anonymous: bool,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            values: Vec::new(),
            anonymous: false,
        }
    }

    /// A builder whose placeholders suit `dialect`: on SQLite anonymous `?`
    /// (bound in the order they are pushed), for statements of many values
    /// (multi-row inserts, long `IN` lists). SQLite finds a numbered
    /// parameter by a linear scan of the statement's parameter names, at
    /// parse and again at each bind, which makes a statement of `n` `$n`
    /// values cost `n²`: 3 % of a client credentials grant's CPU was spent
    /// there for its batch `INSERT` of 64 rows.
    pub fn new_in(dialect: Dialect, text: &str) -> Self {
        Self {
            anonymous: dialect == Dialect::Sqlite,
            ..Self::new(text)
        }
    }

    /// Appends literal SQL.
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn text(&mut self, value: impl Into<String>) -> &mut Self {
        self.values.push(Value::Text(value.into()));
        self.placeholder()
    }

    /// Appends a placeholder bound to `value`, or to NULL.
    pub fn opt_text(&mut self, value: Option<&str>) -> &mut Self {
        self.values.push(Value::OptText(value.map(str::to_owned)));
        self.placeholder()
    }

    pub fn int(&mut self, value: i64) -> &mut Self {
        self.values.push(Value::Int(value));
        self.placeholder()
    }

    pub fn opt_int(&mut self, value: Option<i64>) -> &mut Self {
        self.values.push(Value::OptInt(value));
        self.placeholder()
    }

    pub fn bool(&mut self, value: bool) -> &mut Self {
        self.values.push(Value::Bool(value));
        self.placeholder()
    }

    /// Appends `(p1, p2, …)` bound to `values`; `(NULL)` when empty, which
    /// matches nothing.
    pub fn text_list<I, S>(&mut self, values: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.text.push('(');
        let mut first = true;
        for value in values {
            if !first {
                self.text.push_str(", ");
            }
            first = false;
            self.text(value);
        }
        if first {
            self.text.push_str("NULL");
        }
        self.text.push(')');
        self
    }

    fn placeholder(&mut self) -> &mut Self {
        if self.anonymous {
            self.text.push('?');
        } else {
            let n = self.values.len();
            self.text.push('$');
            self.text.push_str(&n.to_string());
        }
        self
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The query, ready to run.
    pub fn query(&self) -> Query<'_, Any, AnyArguments<'_>> {
        let mut query = sqlx::query(&self.text);
        for value in &self.values {
            query = match value {
                Value::Text(s) => query.bind(s.as_str()),
                Value::OptText(s) => query.bind(s.as_deref()),
                Value::Int(i) => query.bind(*i),
                Value::OptInt(i) => query.bind(*i),
                Value::Bool(b) => query.bind(*b),
            };
        }
        query
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub fn like_escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Convenience for decoding a list of rows.
pub fn decode_all<T>(
    rows: &[AnyRow],
    decode: impl Fn(&AnyRow) -> Result<T, super::StoreError>,
) -> Result<Vec<T>, super::StoreError> {
    rows.iter().map(decode).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut sql = Sql::new("SELECT 1 WHERE a = ");
        sql.text("x")
            .push(" AND b IN ")
            .text_list(["p", "q"])
            .push(" AND c = ")
            .int(3);
        assert_eq!(
            sql.as_str(),
            "SELECT 1 WHERE a = $1 AND b IN ($2, $3) AND c = $4"
        );
    }

    #[test]
    fn sqlite_placeholders_are_anonymous_in_order() {
        let mut sql = Sql::new_in(Dialect::Sqlite, "INSERT INTO t VALUES ");
        sql.push("(").text("a").push(", ").opt_int(None).push(")");
        assert_eq!(sql.as_str(), "INSERT INTO t VALUES (?, ?)");
        let mut sql = Sql::new_in(Dialect::Postgres, "INSERT INTO t VALUES ");
        sql.push("(").text("a").push(", ").opt_int(None).push(")");
        assert_eq!(sql.as_str(), "INSERT INTO t VALUES ($1, $2)");
    }

    #[test]
    fn empty_lists_match_nothing() {
        let mut sql = Sql::new("x IN ");
        sql.text_list(Vec::<String>::new());
        assert_eq!(sql.as_str(), "x IN (NULL)");
    }

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(like_escape(r"50%_a\b"), r"50\%\_a\\b");
    }
}
