//! Directory query pages on both databases: offset pages and totals, cursor
//! pages that walk every order without gaps or repeats, garbage cursors, and
//! (SQLite) the query plans that prove the indexes serve the hot filters.

use usso::adapters::scim::query::user_sort;
use usso::core::TenantId;
use usso::store::directory_query::{
    explain_users, search_users, PageSpec, SearchError, Sort, UserQuery, UserSortField,
};
use usso::store::Store;
use usso_scim::filter::AttrPath;

use crate::directory_query::{add, query, run, v};
use crate::harness::*;

store_tests!(
    offset_pages_and_totals,
    cursor_pages_walk_everything_once,
    garbage_cursors_are_refused,
);

async fn offset_pages_and_totals(store: Store) {
    let t = add_tenant(&store, "acme").await.id;
    for i in 0..7 {
        add(&store, t, &format!("u{i}"), |_| {}).await;
    }
    let mut q = query(r#"userName sw "u""#);
    q.sort = Sort {
        field: user_sort(&AttrPath::new("userName")).unwrap(),
        descending: true,
    };
    let mut seen = Vec::new();
    for start in [0, 3, 6] {
        q.page = PageSpec::Offset { start, count: 3 };
        let page = run(&store, t, &q).await;
        assert_eq!(page.total, Some(7));
        assert_eq!(page.next_cursor, None);
        seen.extend(page.items.into_iter().map(|u| u.username));
    }
    assert_eq!(seen, v(&["u6", "u5", "u4", "u3", "u2", "u1", "u0"]));
    q.page = PageSpec::Offset { start: 0, count: 0 };
    let page = run(&store, t, &q).await;
    assert_eq!((page.items.len(), page.total), (0, Some(7)));
    q.page = PageSpec::Offset {
        start: 50,
        count: 5,
    };
    assert!(run(&store, t, &q).await.items.is_empty());
}

/// Walks every cursor page of `q` and returns the usernames in page order.
async fn walk(store: &Store, t: TenantId, mut q: UserQuery, count: u64) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        q.page = PageSpec::After { cursor, count };
        let page = run(store, t, &q).await;
        assert!(page.items.len() as u64 <= count);
        seen.extend(page.items.into_iter().map(|u| u.username));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return seen,
        }
        assert!(seen.len() < 100, "the walk does not end");
    }
}

async fn cursor_pages_walk_everything_once(store: Store) {
    let t = add_tenant(&store, "acme").await.id;
    // Family names with ties and missing values; creation times with ties.
    let families = [
        Some("Smith"),
        None,
        Some("jones"),
        Some("SMITH"),
        None,
        Some("Adams"),
        Some("smith"),
    ];
    let mut users = Vec::new();
    for (i, family) in families.iter().enumerate() {
        let user = add(&store, t, &format!("user{i}"), |u| {
            u.family_name = family.map(Into::into);
            u.created_at = at(i as i64 / 3);
        })
        .await;
        users.push(user);
    }
    for field in [
        UserSortField::Id,
        UserSortField::UserName,
        UserSortField::FamilyName,
        UserSortField::DisplayName,
        UserSortField::Created,
        UserSortField::LastModified,
    ] {
        for descending in [false, true] {
            let mut q = query("");
            q.sort = Sort { field, descending };
            q.page = PageSpec::Offset {
                start: 0,
                count: 100,
            };
            let reference: Vec<String> = run(&store, t, &q)
                .await
                .items
                .into_iter()
                .map(|u| u.username)
                .collect();
            for count in [1, 2, 3, 7, 50] {
                let walked = walk(&store, t, q.clone(), count).await;
                assert_eq!(
                    walked, reference,
                    "{field:?} desc={descending} count={count}"
                );
            }
        }
    }
    // The order itself: missing values last ascending, first descending.
    let mut q = query("");
    q.sort = Sort {
        field: UserSortField::FamilyName,
        descending: false,
    };
    let asc = walk(&store, t, q.clone(), 2).await;
    let family = |name: &String| {
        users
            .iter()
            .find(|u| &u.username == name)
            .unwrap()
            .family_name
            .clone()
    };
    let families_asc: Vec<Option<String>> = asc.iter().map(family).collect();
    assert_eq!(families_asc[0].as_deref(), Some("Adams"));
    assert_eq!(families_asc[1].as_deref(), Some("jones"));
    assert!(families_asc[5].is_none() && families_asc[6].is_none());
    q.sort.descending = true;
    let desc = walk(&store, t, q, 2).await;
    assert_eq!(desc, asc.iter().rev().cloned().collect::<Vec<_>>());
    // Default order: creation (id).
    let mut ids: Vec<_> = users
        .iter()
        .map(|u| (u.id.to_string(), u.username.clone()))
        .collect();
    ids.sort();
    let by_id = walk(&store, t, query(""), 4).await;
    assert_eq!(by_id, ids.into_iter().map(|(_, n)| n).collect::<Vec<_>>());
    // A filtered walk.
    let mut q = query(r#"name.familyName eq "smith""#);
    q.want_total = true;
    let smiths = walk(&store, t, q, 1).await;
    assert_eq!(smiths.len(), 3);
}

async fn garbage_cursors_are_refused(store: Store) {
    let t = add_tenant(&store, "acme").await.id;
    for i in 0..3 {
        add(&store, t, &format!("u{i}"), |_| {}).await;
    }
    let mut q = query("");
    q.page = PageSpec::After {
        cursor: None,
        count: 1,
    };
    let cursor = run(&store, t, &q).await.next_cursor.unwrap();
    let try_with = |cursor: &str, q: &UserQuery| {
        let mut q = q.clone();
        q.page = PageSpec::After {
            cursor: Some(cursor.to_owned()),
            count: 1,
        };
        let store = store.clone();
        async move { search_users(&mut store.conn().await.unwrap(), t, &q).await }
    };
    assert!(try_with(&cursor, &q).await.is_ok());
    let mut tampered = cursor.clone();
    tampered.insert(3, 'x');
    for bad in [
        "",
        "!!!",
        "bm90IGpzb24",
        &tampered,
        &cursor[..cursor.len() - 2],
    ] {
        let result = try_with(bad, &q).await;
        assert!(
            matches!(result, Err(SearchError::InvalidCursor)),
            "{bad:?}: {result:?}"
        );
    }
    // A cursor serves only the order it was made for.
    let mut other = q.clone();
    other.sort.descending = true;
    assert!(matches!(
        try_with(&cursor, &other).await,
        Err(SearchError::InvalidCursor)
    ));
    other.sort = Sort {
        field: UserSortField::Created,
        descending: false,
    };
    assert!(matches!(
        try_with(&cursor, &other).await,
        Err(SearchError::InvalidCursor)
    ));
}

/// SQLite without statistics plans by its rules alone: the hot filters must
/// be index searches, never a scan of the tenant's users.
#[tokio::test]
async fn hot_filters_are_index_searches_on_sqlite() {
    run_sqlite(|store: Store| async move {
        let t = add_tenant(&store, "acme").await.id;
        add(&store, t, "ann", |_| {}).await;
        for (filter, sort, index) in [
            (r#"userName eq "ann""#, UserSortField::Id, "username_key=?"),
            (r#"userName sw "an""#, UserSortField::Id, "username_key>?"),
            (
                r#"userName sw "an""#,
                UserSortField::UserName,
                "username_key>?",
            ),
            (r#"emails.value eq "a@x""#, UserSortField::Id, "value_key=?"),
            (
                r#"emails.value eq "a@x""#,
                UserSortField::Id,
                "(tenant_id=? AND id=?)",
            ),
            (r#"externalId eq "E1""#, UserSortField::Id, "external_id=?"),
            (
                r#"externalId eq "E1""#,
                UserSortField::Id,
                "(tenant_id=? AND id=?)",
            ),
            ("", UserSortField::Created, "users_created_idx"),
        ] {
            let mut q = query(filter);
            q.sort.field = sort;
            q.page = PageSpec::After {
                cursor: None,
                count: 10,
            };
            let plan = explain_users(&mut store.conn().await.unwrap(), t, &q)
                .await
                .unwrap();
            let text = plan.join("\n");
            eprintln!("{filter} by {sort:?}:\n{text}");
            assert!(
                !plan.iter().any(|line| line.starts_with("SCAN")),
                "{filter}: a full scan:\n{text}"
            );
            assert!(text.contains(index), "{filter}: {index} unused:\n{text}");
        }
    })
    .await;
}

/// Reading one user loads its emails and external ids through the
/// `(tenant_id, user_id)` indexes: a plan that walks the tenant made every
/// single-user read take seconds on a million users.
#[tokio::test]
async fn one_users_children_load_through_their_index_on_sqlite() {
    run_sqlite(|store: Store| async move {
        let t = add_tenant(&store, "acme").await.id;
        let user = add(&store, t, "ann", |_| {}).await;
        let plan =
            usso::store::users::explain_children(&mut store.conn().await.unwrap(), t, user.id)
                .await
                .unwrap();
        let text = plan.join("\n");
        assert!(
            !plan.iter().any(|line| line.starts_with("SCAN")),
            "a full scan:\n{text}"
        );
        assert!(text.contains("user_external_ids_user_idx"), "{text}");
    })
    .await;
}
