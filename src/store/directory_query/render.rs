//! Renders a directory condition to SQL (one text for both databases; the
//! JSON functions come from [`Dialect`]). The tenant is bound once as `$1`
//! by the caller, and every child-table subquery restricts to it.

use super::{
    Cond, GroupField, GroupList, ItemCond, ItemField, NoList, Op, SearchError, UserField, UserList,
    Value,
};
use crate::store::codec::micros;
use crate::store::dialect::Dialect;
use crate::store::sql::{like_escape, Sql};

/// The placeholder the tenant id is bound to.
pub(super) const TENANT: &str = "$1";

/// How a column stores and compares its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Text lowercased by Rust when written (`username_key`, `value_key`,
    /// `name_key`): compared with the value lowercased by Rust, byte-wise
    /// ordered, indexed.
    Key,
    /// Free text, case-insensitive: `lower()` on both sides in SQL.
    Text,
    /// Case-exact text (ids) in the database's collation.
    Exact,
    /// Case-exact text, byte-wise ordered (`external_id`): `sw` is a range.
    ExactKey,
    /// Unix microseconds.
    Time,
    /// A condition that is never NULL (`status = 'active'`, `is_primary`).
    Flag,
}

pub(super) struct Column {
    expr: String,
    kind: Kind,
}

fn col(expr: impl Into<String>, kind: Kind) -> Result<Column, SearchError> {
    Ok(Column {
        expr: expr.into(),
        kind,
    })
}

/// Resolves the fields and lists of one resource (or of one list value).
pub(super) trait Scope<F, L> {
    fn column(&self, field: &F) -> Result<Column, SearchError>;
    fn any(&self, sql: &mut Sql, list: &L, item: &ItemCond) -> Result<(), SearchError>;
}

/// Appends `cond` (a boolean SQL expression) to `sql`.
pub(super) fn render<F, L>(
    sql: &mut Sql,
    scope: &impl Scope<F, L>,
    cond: &Cond<F, L>,
) -> Result<(), SearchError> {
    match cond {
        Cond::True => {
            sql.push("TRUE");
        }
        Cond::False => {
            sql.push("FALSE");
        }
        Cond::And(parts) | Cond::Or(parts) if parts.is_empty() => {
            sql.push(if matches!(cond, Cond::And(_)) {
                "TRUE"
            } else {
                "FALSE"
            });
        }
        Cond::And(parts) | Cond::Or(parts) => {
            let joint = if matches!(cond, Cond::And(_)) {
                " AND "
            } else {
                " OR "
            };
            sql.push("(");
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    sql.push(joint);
                }
                render(sql, scope, part)?;
            }
            sql.push(")");
        }
        Cond::Not(inner) => {
            // A comparison with a missing value is NULL in SQL; `not` must
            // count it as false, so that the negation matches.
            sql.push("NOT COALESCE(");
            render(sql, scope, inner)?;
            sql.push(", FALSE)");
        }
        Cond::Compare { field, op, value } => compare(sql, &scope.column(field)?, *op, value)?,
        Cond::Present(field) => {
            let c = scope.column(field)?;
            match c.kind {
                Kind::Time | Kind::Flag => sql.push("TRUE"),
                _ => sql.push(&format!("({0} IS NOT NULL AND {0} <> '')", c.expr)),
            };
        }
        Cond::Any { list, item } => scope.any(sql, list, item)?,
    }
    Ok(())
}

fn compare(sql: &mut Sql, c: &Column, op: Op, value: &Value) -> Result<(), SearchError> {
    let e = c.expr.as_str();
    match (c.kind, value) {
        (Kind::Flag, Value::Bool(b)) => {
            let want = match op {
                Op::Eq => *b,
                Op::Ne => !*b,
                _ => return Err(unsupported(op, "a boolean")),
            };
            sql.push(if want { "" } else { "NOT " }).push(e);
        }
        (Kind::Time, Value::Time(t)) => {
            let sym = match op {
                Op::Co | Op::Sw | Op::Ew => return Err(unsupported(op, "a date")),
                op => symbol(op),
            };
            sql.push(&format!("{e} {sym} ")).int(micros(*t));
        }
        (Kind::Key | Kind::Text | Kind::Exact | Kind::ExactKey, Value::Text(v)) => {
            text_compare(sql, c, op, v);
        }
        _ => {
            return Err(SearchError::Unsupported(format!(
                "{value:?} compared with a {:?} column",
                c.kind
            )))
        }
    }
    Ok(())
}

fn unsupported(op: Op, what: &str) -> SearchError {
    SearchError::Unsupported(format!("{op:?} on {what}"))
}

fn symbol(op: Op) -> &'static str {
    match op {
        Op::Eq => "=",
        Op::Ne => "<>",
        Op::Gt => ">",
        Op::Ge => ">=",
        Op::Lt => "<",
        Op::Le => "<=",
        Op::Co | Op::Sw | Op::Ew => "LIKE",
    }
}

fn text_compare(sql: &mut Sql, c: &Column, op: Op, v: &str) {
    let e = c.expr.as_str();
    if matches!(op, Op::Co | Op::Sw | Op::Ew) && v.is_empty() {
        sql.push(&format!("{e} IS NOT NULL"));
        return;
    }
    // Free text is folded by the database on both sides (SQLite's lower()
    // folds ASCII only, so a value folded by Rust could miss); keys were
    // folded by Rust when written, so the value is folded by Rust too.
    let folded = c.kind == Kind::Text;
    let lhs = if folded {
        format!("lower({e})")
    } else {
        e.to_owned()
    };
    let v = if c.kind == Kind::Key {
        v.to_lowercase()
    } else {
        v.to_owned()
    };
    let param = |sql: &mut Sql, value: String| {
        if folded {
            sql.push("lower(").text(value).push(")");
        } else {
            sql.text(value);
        }
    };
    let like = |sql: &mut Sql, pattern: String| {
        sql.push(&format!("{lhs} LIKE "));
        param(sql, pattern);
        sql.push(" ESCAPE '\\'");
    };
    let exact = matches!(c.kind, Kind::Exact | Kind::ExactKey);
    let n = v.chars().count();
    match op {
        Op::Eq | Op::Gt | Op::Ge | Op::Lt | Op::Le => {
            sql.push(&format!("{lhs} {} ", symbol(op)));
            param(sql, v);
        }
        Op::Ne => {
            sql.push(&format!("({e} IS NULL OR {lhs} <> "));
            param(sql, v);
            sql.push(")");
        }
        Op::Sw if matches!(c.kind, Kind::Key | Kind::ExactKey) => {
            // An index range scan on both databases (byte-wise order).
            let hi = super::prefix_upper_bound(&v);
            sql.push(&format!("({e} >= ")).text(v);
            if let Some(hi) = hi {
                sql.push(&format!(" AND {e} < ")).text(hi);
            }
            sql.push(")");
        }
        Op::Sw if exact => {
            sql.push(&format!("substr({e}, 1, {n}) = ")).text(v);
        }
        Op::Co if exact => {
            // LIKE ignores ASCII case on SQLite; replace() never does.
            sql.push(&format!("replace({e}, ")).text(v);
            sql.push(&format!(", '') <> {e}"));
        }
        Op::Ew if exact => {
            sql.push(&format!(
                "(length({e}) >= {n} AND substr({e}, length({e}) - {n} + 1) = "
            ))
            .text(v)
            .push(")");
        }
        Op::Sw => like(sql, format!("{}%", like_escape(&v))),
        Op::Co => like(sql, format!("%{}%", like_escape(&v))),
        Op::Ew => like(sql, format!("%{}", like_escape(&v))),
    }
}

/// Users, as `users u`.
pub(super) struct Users {
    pub dialect: Dialect,
}

impl Scope<UserField, UserList> for Users {
    fn column(&self, field: &UserField) -> Result<Column, SearchError> {
        let json = |path: &[&str]| self.dialect.json_text("u.profile", path);
        match field {
            UserField::Id => col("u.id", Kind::Exact),
            UserField::UserName => col("u.username_key", Kind::Key),
            UserField::DisplayName => col("u.display_name", Kind::Text),
            UserField::GivenName => col("u.given_name", Kind::Text),
            UserField::FamilyName => col("u.family_name", Kind::Text),
            UserField::Locale => col("u.locale", Kind::Text),
            UserField::Phone => col("u.phone", Kind::Text),
            UserField::Active => col("(u.status = 'active')", Kind::Flag),
            UserField::Created => col("u.created_at", Kind::Time),
            UserField::LastModified => col("u.updated_at", Kind::Time),
            UserField::ProfileText(key) => col(json(&[key]), Kind::Text),
            UserField::Employment(key) => col(json(&["employment", key]), Kind::Text),
            UserField::ManagerId => col(json(&["employment", "manager", "id"]), Kind::Exact),
        }
    }

    fn any(&self, sql: &mut Sql, list: &UserList, item: &ItemCond) -> Result<(), SearchError> {
        match list {
            UserList::Emails => {
                sql.push(&format!(
                    "u.id IN (SELECT e.user_id FROM user_emails e WHERE e.tenant_id = {TENANT} AND "
                ));
                render(sql, &Item::Emails, item)?;
            }
            UserList::ExternalIds { source } => {
                sql.push(&format!(
                    "u.id IN (SELECT x.user_id FROM user_external_ids x \
                     WHERE x.tenant_id = {TENANT} AND x.source = "
                ))
                .text(source.clone())
                .push(" AND ");
                render(sql, &Item::Exact("x.external_id", Kind::ExactKey), item)?;
            }
            UserList::Groups => {
                sql.push(&format!(
                    "u.id IN (SELECT m.user_id FROM group_user_members m \
                     WHERE m.tenant_id = {TENANT} AND "
                ));
                render(sql, &Item::Exact("m.group_id", Kind::Exact), item)?;
            }
            UserList::ProfileList(key) => {
                // In the row's own document: no index to drive from.
                let from = self.dialect.json_elements("u.profile", key, "j");
                sql.push(&format!("EXISTS (SELECT 1 FROM {from} WHERE "));
                render(sql, &Item::Json(self.dialect), item)?;
            }
        }
        sql.push(")");
        Ok(())
    }
}

/// Groups, as `groups g`.
pub(super) struct Groups;

impl Scope<GroupField, GroupList> for Groups {
    fn column(&self, field: &GroupField) -> Result<Column, SearchError> {
        match field {
            GroupField::Id => col("g.id", Kind::Exact),
            GroupField::DisplayName => col("g.name_key", Kind::Key),
            GroupField::Created => col("g.created_at", Kind::Time),
            GroupField::LastModified => col("g.updated_at", Kind::Time),
        }
    }

    fn any(&self, sql: &mut Sql, list: &GroupList, item: &ItemCond) -> Result<(), SearchError> {
        match list {
            GroupList::Members => {
                sql.push(&format!(
                    "g.id IN (SELECT m.group_id FROM group_user_members m \
                     WHERE m.tenant_id = {TENANT} AND "
                ));
                render(sql, &Item::Exact("m.user_id", Kind::Exact), item)?;
                sql.push(&format!(
                    " UNION ALL SELECT n.group_id FROM group_group_members n \
                     WHERE n.tenant_id = {TENANT} AND "
                ));
                render(sql, &Item::Exact("n.child_group_id", Kind::Exact), item)?;
            }
            GroupList::ExternalIds { source } => {
                sql.push(&format!(
                    "g.id IN (SELECT x.group_id FROM group_external_ids x \
                     WHERE x.tenant_id = {TENANT} AND x.source = "
                ))
                .text(source.clone())
                .push(" AND ");
                render(sql, &Item::Exact("x.external_id", Kind::ExactKey), item)?;
            }
        }
        sql.push(")");
        Ok(())
    }
}

/// One value of a list.
enum Item {
    /// A row of `user_emails e`.
    Emails,
    /// A list whose only sub-attribute is `value`, in this column.
    Exact(&'static str, Kind),
    /// An element `j.value` of a JSON array.
    Json(Dialect),
}

impl Scope<ItemField, NoList> for Item {
    fn column(&self, field: &ItemField) -> Result<Column, SearchError> {
        match (self, field) {
            (Item::Emails, ItemField::Value) => col("e.value_key", Kind::Key),
            (Item::Emails, ItemField::Key("type")) => col("e.kind", Kind::Text),
            (Item::Emails, ItemField::Primary) => col("e.is_primary", Kind::Flag),
            (Item::Exact(expr, kind), ItemField::Value) => col(*expr, *kind),
            (Item::Json(d), ItemField::Value) => {
                col(d.json_text("j.value", &["value"]), Kind::Text)
            }
            (Item::Json(d), ItemField::Key(key)) => col(d.json_text("j.value", &[key]), Kind::Text),
            (Item::Json(d), ItemField::Primary) => {
                col(d.json_flag("j.value", "primary"), Kind::Flag)
            }
            (_, field) => Err(SearchError::Unsupported(format!(
                "sub-attribute {field:?} of this list"
            ))),
        }
    }

    fn any(&self, _: &mut Sql, list: &NoList, _: &ItemCond) -> Result<(), SearchError> {
        match *list {}
    }
}
