//! Unit tests of the prefix bound and of the SQL text conditions render to.

use super::render::{render, Groups, Users};
use super::*;
use crate::store::dialect::Dialect;
use crate::store::sql::Sql;

#[test]
fn prefix_bound_increments_the_last_character() {
    assert_eq!(prefix_upper_bound("abc").as_deref(), Some("abd"));
    assert_eq!(prefix_upper_bound("a").as_deref(), Some("b"));
    assert_eq!(prefix_upper_bound("az").as_deref(), Some("a{"));
    assert_eq!(prefix_upper_bound("a\u{7f}").as_deref(), Some("a\u{80}"));
}

#[test]
fn prefix_bound_handles_multibyte_and_edge_characters() {
    assert_eq!(prefix_upper_bound("é").as_deref(), Some("ê"));
    assert_eq!(prefix_upper_bound("日本").as_deref(), Some("日\u{672D}"));
    assert_eq!(
        prefix_upper_bound("x\u{D7FF}").as_deref(),
        Some("x\u{E000}")
    );
    assert_eq!(
        prefix_upper_bound("a\u{FFFF}").as_deref(),
        Some("a\u{10000}")
    );
    assert_eq!(prefix_upper_bound("a\u{10FFFF}").as_deref(), Some("b"));
    assert_eq!(
        prefix_upper_bound("ab\u{10FFFF}\u{10FFFF}").as_deref(),
        Some("ac")
    );
    assert_eq!(prefix_upper_bound("\u{10FFFF}"), None);
    assert_eq!(prefix_upper_bound(""), None);
}

#[test]
fn every_string_with_the_prefix_sorts_below_the_bound() {
    for prefix in ["a", "ab", "é", "z\u{10FFFF}", "\u{D7FF}", "日"] {
        let hi = prefix_upper_bound(prefix).unwrap();
        for tail in ["", "\u{0}", "zzz", "\u{10FFFF}\u{10FFFF}", "é"] {
            let s = format!("{prefix}{tail}");
            assert!(s.as_str() >= prefix && s < hi, "{s:?} vs {hi:?}");
            // UTF-8 byte order is code point order: the databases agree.
            assert!(s.as_bytes() < hi.as_bytes());
        }
    }
}

fn user_sql(cond: &UserCond) -> String {
    let mut sql = Sql::new("");
    sql.text("tenant");
    render(
        &mut sql,
        &Users {
            dialect: Dialect::Sqlite,
        },
        cond,
    )
    .unwrap();
    sql.as_str().to_owned()
}

fn text(field: UserField, op: Op, v: &str) -> UserCond {
    Cond::Compare {
        field,
        op,
        value: Value::Text(v.into()),
    }
}

#[test]
fn key_columns_use_the_index_for_eq_and_sw() {
    assert_eq!(
        user_sql(&text(UserField::UserName, Op::Eq, "Bob")),
        "$1u.username_key = $2"
    );
    assert_eq!(
        user_sql(&text(UserField::UserName, Op::Sw, "Bo")),
        "$1(u.username_key >= $2 AND u.username_key < $3)"
    );
}

#[test]
fn free_text_is_folded_by_the_database_and_like_is_escaped() {
    assert_eq!(
        user_sql(&text(UserField::DisplayName, Op::Co, "5%")),
        "$1lower(u.display_name) LIKE lower($2) ESCAPE '\\'"
    );
    assert_eq!(
        user_sql(&text(UserField::DisplayName, Op::Ne, "x")),
        "$1(u.display_name IS NULL OR lower(u.display_name) <> lower($2))"
    );
}

#[test]
fn child_conditions_are_tenant_bound_in_subqueries() {
    let cond = Cond::Any {
        list: UserList::Emails,
        item: Box::new(Cond::Compare {
            field: ItemField::Value,
            op: Op::Eq,
            value: Value::Text("A@X".into()),
        }),
    };
    assert_eq!(
        user_sql(&cond),
        "$1u.id IN (SELECT e.user_id FROM user_emails e WHERE e.tenant_id = $1 AND e.value_key = $2)"
    );
}

#[test]
fn not_counts_missing_values_as_false() {
    let cond = Cond::Not(Box::new(text(UserField::Locale, Op::Eq, "fr")));
    assert_eq!(
        user_sql(&cond),
        "$1NOT COALESCE(lower(u.locale) = lower($2), FALSE)"
    );
}

#[test]
fn wrong_value_types_and_sub_attributes_are_refused() {
    let mut sql = Sql::new("");
    let bad = Cond::Compare {
        field: UserField::Active,
        op: Op::Gt,
        value: Value::Bool(true),
    };
    let scope = Users {
        dialect: Dialect::Postgres,
    };
    assert!(render(&mut sql, &scope, &bad).is_err());
    let bad = Cond::Compare {
        field: UserField::Created,
        op: Op::Eq,
        value: Value::Text("x".into()),
    };
    assert!(render(&mut sql, &scope, &bad).is_err());
    let bad: GroupCond = Cond::Any {
        list: GroupList::Members,
        item: Box::new(Cond::Present(ItemField::Primary)),
    };
    assert!(render(&mut sql, &Groups, &bad).is_err());
}
