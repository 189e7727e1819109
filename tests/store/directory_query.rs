//! Directory query filters (SCIM filters mapped to store conditions) on both
//! databases: every operator, case rules, `sw` range edges, value-path
//! filters, externalId per provisioning client, and/or/not, groups by member,
//! tenant isolation. Pages, cursors and query plans: `directory_pages`.

use usso::adapters::scim::query::{group_condition, user_condition};
use usso::core::group::Member;
use usso::core::user::{Email, ExternalId, User};
use usso::core::user_profile::{Address, Employment, Labeled, Manager};
use usso::core::TenantId;
use usso::store::directory_query::{
    search_groups, search_users, Cond, GroupQuery, GroupSortField, PageSpec, SearchPage, Sort,
    UserQuery,
};
use usso::store::{groups, Store};
use usso_scim::filter::Filter;

use crate::harness::*;

store_tests!(
    every_operator_on_user_name,
    sw_is_an_exact_prefix_range,
    free_text_and_profile_fields,
    emails_and_value_paths,
    external_id_is_per_provisioning_client,
    and_or_not_and_missing_values,
    dates_and_active,
    groups_by_member_name_and_external_id,
    other_tenants_never_match,
);

pub const SOURCE: &str = "okta";

pub fn query(filter: &str) -> UserQuery {
    let filter = if filter.is_empty() {
        Cond::True
    } else {
        user_condition(&Filter::parse(filter).unwrap(), SOURCE).unwrap()
    };
    UserQuery {
        filter,
        sort: Sort::default(),
        page: PageSpec::Offset {
            start: 0,
            count: 1000,
        },
        want_total: true,
    }
}

pub async fn run(store: &Store, tenant: TenantId, q: &UserQuery) -> SearchPage<User> {
    search_users(&mut store.conn().await.unwrap(), tenant, q)
        .await
        .unwrap()
}

/// The usernames `filter` matches, sorted.
pub async fn names(store: &Store, tenant: TenantId, filter: &str) -> Vec<String> {
    let page = run(store, tenant, &query(filter)).await;
    let mut names: Vec<String> = page.items.into_iter().map(|u| u.username).collect();
    assert_eq!(page.total, Some(names.len() as u64), "{filter}");
    names.sort();
    names
}

pub fn v(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

pub async fn add(
    store: &Store,
    tenant: TenantId,
    username: &str,
    edit: impl FnOnce(&mut User),
) -> User {
    let mut user = new_user(tenant, username, &[]);
    edit(&mut user);
    insert_user(store, &user).await;
    user
}

async fn every_operator_on_user_name(store: Store) {
    let t = add_tenant(&store, "acme").await.id;
    for name in ["alice", "Bob", "bobby", "carol"] {
        add(&store, t, name, |_| {}).await;
    }
    assert_eq!(names(&store, t, r#"userName eq "BOB""#).await, v(&["Bob"]));
    assert_eq!(
        names(&store, t, r#"userName ne "bob""#).await,
        v(&["alice", "bobby", "carol"])
    );
    assert_eq!(
        names(&store, t, r#"userName co "OB""#).await,
        v(&["Bob", "bobby"])
    );
    assert_eq!(
        names(&store, t, r#"userName sw "Bo""#).await,
        v(&["Bob", "bobby"])
    );
    assert_eq!(names(&store, t, r#"userName ew "Y""#).await, v(&["bobby"]));
    assert_eq!(
        names(&store, t, r#"userName gt "bob""#).await,
        v(&["bobby", "carol"])
    );
    assert_eq!(
        names(&store, t, r#"userName ge "bob""#).await,
        v(&["Bob", "bobby", "carol"])
    );
    assert_eq!(
        names(&store, t, r#"userName lt "bob""#).await,
        v(&["alice"])
    );
    assert_eq!(
        names(&store, t, r#"userName le "BOB""#).await,
        v(&["Bob", "alice"])
    );
    assert_eq!(names(&store, t, "userName pr").await.len(), 4);
    assert_eq!(names(&store, t, r#"userName co """#).await.len(), 4);
    assert!(names(&store, t, "userName eq null").await.is_empty());
}

async fn sw_is_an_exact_prefix_range(store: Store) {
    let t = add_tenant(&store, "acme").await.id;
    for name in [
        "élodie",
        "élan",
        "ēmile",
        "Éric",
        "a%b",
        "axb",
        "a_c",
        "日本語",
        "日本",
        "日",
    ] {
        add(&store, t, name, |_| {}).await;
    }
    assert_eq!(
        names(&store, t, r#"userName sw "É""#).await,
        v(&["Éric", "élan", "élodie"])
    );
    assert_eq!(
        names(&store, t, r#"userName sw "élo""#).await,
        v(&["élodie"])
    );
    assert_eq!(names(&store, t, r#"userName sw "a%""#).await, v(&["a%b"]));
    assert_eq!(names(&store, t, r#"userName sw "a_""#).await, v(&["a_c"]));
    assert_eq!(
        names(&store, t, r#"userName sw "日本""#).await,
        v(&["日本", "日本語"])
    );
    assert_eq!(names(&store, t, r#"userName sw "日本語x""#).await, v(&[]));
    assert_eq!(names(&store, t, "userName sw \"\u{10FFFF}\"").await, v(&[]));
    assert_eq!(names(&store, t, r#"userName sw """#).await.len(), 10);
    assert_eq!(names(&store, t, r#"userName co "%""#).await, v(&["a%b"]));
    assert_eq!(names(&store, t, r#"userName ew "_c""#).await, v(&["a_c"]));
}

async fn free_text_and_profile_fields(store: Store) {
    let t = add_tenant(&store, "acme").await.id;
    let boss = add(&store, t, "boss", |_| {}).await;
    add(&store, t, "ann", |u| {
        u.display_name = Some("Ann O'Malley".into());
        u.given_name = Some("Ann".into());
        u.family_name = Some("O'Malley".into());
        u.locale = Some("en-IE".into());
        u.profile.title = Some("Tour Guide".into());
        u.profile.nickname = Some("Annie".into());
        u.profile.phone_numbers = vec![Labeled {
            value: "+353 1 555".into(),
            kind: Some("work".into()),
            display: None,
            primary: true,
        }];
        u.profile.addresses = vec![Address {
            locality: Some("Dublin".into()),
            postal_code: Some("D02".into()),
            kind: Some("work".into()),
            ..Default::default()
        }];
        u.profile.employment = Employment {
            department: Some("Tours".into()),
            employee_number: Some("701984".into()),
            manager: Some(Manager {
                id: boss.id.to_string(),
                display_name: None,
            }),
            ..Default::default()
        };
    })
    .await;
    for (filter, want) in [
        (r#"displayName co "o'mal""#, v(&["ann"])),
        (r#"name.familyName co "O'Malley""#, v(&["ann"])),
        (r#"name.givenName eq "ANN""#, v(&["ann"])),
        (r#"locale sw "EN""#, v(&["ann"])),
        ("title pr", v(&["ann"])),
        (r#"title eq "tour guide""#, v(&["ann"])),
        (r#"nickName ew "NIE""#, v(&["ann"])),
        (r#"phoneNumbers.value co "555""#, v(&["ann"])),
        (
            r#"phoneNumbers[type eq "work" and primary eq true]"#,
            v(&["ann"]),
        ),
        (r#"phoneNumbers[type eq "home"]"#, v(&[])),
        (
            r#"addresses[locality eq "dublin" and postalCode sw "D0"]"#,
            v(&["ann"]),
        ),
        (r#"addresses.region pr"#, v(&[])),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "tours""#,
            v(&["ann"]),
        ),
        (r#"employeeNumber eq "701984""#, v(&["ann"])),
        ("title pr and not (displayName pr)", v(&[])),
        ("not (title pr)", v(&["boss"])),
    ] {
        assert_eq!(names(&store, t, filter).await, want, "{filter}");
    }
    let manager = format!(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "{}""#,
        boss.id
    );
    assert_eq!(names(&store, t, &manager).await, v(&["ann"]));
    let upper = format!(
        r#"manager.value eq "{}""#,
        boss.id.to_string().to_uppercase()
    );
    assert_eq!(names(&store, t, &upper).await, v(&[]), "ids are case-exact");
}

fn mail(value: &str, kind: &str, primary: bool) -> Email {
    Email {
        value: value.into(),
        verified: false,
        primary,
        kind: Some(kind.into()),
    }
}

async fn emails_and_value_paths(store: Store) {
    let t = add_tenant(&store, "acme").await.id;
    add(&store, t, "ann", |u| {
        u.emails = vec![
            mail("Ann@Work.example", "work", true),
            mail("ann@home.test", "home", false),
        ];
    })
    .await;
    add(&store, t, "bob", |u| {
        u.emails = vec![mail("bob@home.example", "home", true)];
    })
    .await;
    add(&store, t, "cid", |_| {}).await;
    for (filter, want) in [
        (r#"emails.value eq "ANN@work.EXAMPLE""#, v(&["ann"])),
        (r#"emails eq "ann@home.test""#, v(&["ann"])),
        (r#"emails co "example""#, v(&["ann", "bob"])),
        (r#"emails.value ew ".example""#, v(&["ann", "bob"])),
        (r#"emails.value sw "BOB@""#, v(&["bob"])),
        (
            r#"emails[type eq "work" and value co "@work"]"#,
            v(&["ann"]),
        ),
        // Both parts must hold on the same email.
        (r#"emails[type eq "home" and value co "@work"]"#, v(&[])),
        (r#"emails[type eq "home" and primary eq true]"#, v(&["bob"])),
        (r#"emails.primary eq false"#, v(&["ann"])),
        ("emails pr", v(&["ann", "bob"])),
        ("not (emails pr)", v(&["cid"])),
        ("emails.value eq null", v(&["cid"])),
        // Some value differs, or none at all.
        (r#"emails.value ne "bob@home.example""#, v(&["ann", "cid"])),
        (r#"emails.type ne "work""#, v(&["ann", "bob", "cid"])),
    ] {
        assert_eq!(names(&store, t, filter).await, want, "{filter}");
    }
}

async fn external_id_is_per_provisioning_client(store: Store) {
    let t = add_tenant(&store, "acme").await.id;
    let ext = |source: &str, id: &str| ExternalId {
        source: source.into(),
        id: id.into(),
    };
    add(&store, t, "ann", |u| {
        u.external_ids = vec![ext(SOURCE, "E-100"), ext("azure", "A1")]
    })
    .await;
    add(&store, t, "bob", |u| {
        u.external_ids = vec![ext("azure", "E-100")]
    })
    .await;
    add(&store, t, "cid", |u| {
        u.external_ids = vec![ext(SOURCE, "E-1001")]
    })
    .await;
    assert_eq!(
        names(&store, t, r#"externalId eq "E-100""#).await,
        v(&["ann"])
    );
    assert_eq!(
        names(&store, t, r#"externalId eq "e-100""#).await,
        v(&[]),
        "caseExact"
    );
    assert_eq!(
        names(&store, t, r#"externalId sw "E-100""#).await,
        v(&["ann", "cid"])
    );
    assert_eq!(names(&store, t, r#"externalId sw "e-""#).await, v(&[]));
    assert_eq!(
        names(&store, t, r#"externalId co "-10""#).await,
        v(&["ann", "cid"])
    );
    assert_eq!(names(&store, t, r#"externalId ew "01""#).await, v(&["cid"]));
    assert_eq!(
        names(&store, t, r#"externalId eq "A1""#).await,
        v(&[]),
        "azure's ids"
    );
    assert_eq!(names(&store, t, "externalId pr").await, v(&["ann", "cid"]));
    assert_eq!(
        names(&store, t, r#"externalId ne "E-100""#).await,
        v(&["bob", "cid"])
    );
}

async fn and_or_not_and_missing_values(store: Store) {
    let t = add_tenant(&store, "acme").await.id;
    add(&store, t, "ann", |u| u.display_name = Some("Ann".into())).await;
    add(&store, t, "bob", |u| u.display_name = Some("Bob".into())).await;
    add(&store, t, "cid", |_| {}).await;
    for (filter, want) in [
        // `and` binds tighter than `or`.
        (
            r#"userName eq "ann" or userName eq "bob" and displayName eq "x""#,
            v(&["ann"]),
        ),
        (
            r#"(userName eq "ann" or userName eq "bob") and displayName eq "bob""#,
            v(&["bob"]),
        ),
        (r#"not (displayName eq "ann")"#, v(&["bob", "cid"])),
        (r#"displayName ne "ann""#, v(&["bob", "cid"])),
        ("displayName eq null", v(&["cid"])),
        ("displayName ne null", v(&["ann", "bob"])),
        (
            r#"not (displayName co "n" or displayName co "b")"#,
            v(&["cid"]),
        ),
        (r#"not (not (displayName sw "a"))"#, v(&["ann"])),
    ] {
        assert_eq!(names(&store, t, filter).await, want, "{filter}");
    }
}

async fn dates_and_active(store: Store) {
    let t = add_tenant(&store, "acme").await.id;
    add(&store, t, "old", |u| {
        u.updated_at = at(10);
        u.status = usso::core::user::UserStatus::Disabled;
    })
    .await;
    add(&store, t, "new", |u| {
        u.created_at = at(100);
        u.updated_at = at(200);
    })
    .await;
    let lm = "meta.lastModified";
    assert_eq!(
        names(&store, t, &format!(r#"{lm} gt "2024-05-01T12:00:10Z""#)).await,
        v(&["new"])
    );
    assert_eq!(
        names(&store, t, &format!(r#"{lm} ge "2024-05-01T12:00:10Z""#)).await,
        v(&["new", "old"])
    );
    assert_eq!(
        names(
            &store,
            t,
            &format!(r#"{lm} lt "2024-05-01T14:00:10+02:00""#)
        )
        .await,
        v(&[])
    );
    assert_eq!(
        names(&store, t, r#"meta.created eq "2024-05-01T12:01:40Z""#).await,
        v(&["new"])
    );
    assert_eq!(
        names(&store, t, r#"meta.created le "2024-05-01T12:00:00Z""#).await,
        v(&["old"])
    );
    assert_eq!(names(&store, t, "active eq true").await, v(&["new"]));
    assert_eq!(names(&store, t, "active eq false").await, v(&["old"]));
    assert_eq!(names(&store, t, "active ne true").await, v(&["old"]));
}

async fn groups_by_member_name_and_external_id(store: Store) {
    let t = add_tenant(&store, "acme").await.id;
    let ann = add(&store, t, "ann", |_| {}).await;
    let bob = add(&store, t, "bob", |_| {}).await;
    let admins = add_group(&store, t, "Admins").await;
    let staff = add_group(&store, t, "Staff").await;
    let all = add_group(&store, t, "Everyone").await;
    let mut conn = store.conn().await.unwrap();
    for (group, member) in [
        (&admins, Member::User(ann.id)),
        (&staff, Member::User(bob.id)),
        (&all, Member::Group(staff.id)),
    ] {
        groups::add_member(&mut conn, t, group.id, member, T0)
            .await
            .unwrap();
    }
    sqlx::query(
        "INSERT INTO group_external_ids (tenant_id, group_id, source, external_id) \
         VALUES ($1, $2, $3, 'G-1'), ($1, $4, 'azure', 'G-1')",
    )
    .bind(t.to_string())
    .bind(admins.id.to_string())
    .bind(SOURCE)
    .bind(staff.id.to_string())
    .execute(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    let found = |filter: String| {
        let store = store.clone();
        async move {
            let q = GroupQuery {
                filter: group_condition(&Filter::parse(&filter).unwrap(), SOURCE).unwrap(),
                sort: Sort {
                    field: GroupSortField::DisplayName,
                    descending: false,
                },
                page: PageSpec::Offset {
                    start: 0,
                    count: 10,
                },
                want_total: false,
            };
            let page = search_groups(&mut store.conn().await.unwrap(), t, &q)
                .await
                .unwrap();
            page.items.into_iter().map(|g| g.name).collect::<Vec<_>>()
        }
    };
    assert_eq!(
        found(format!(r#"members.value eq "{}""#, ann.id)).await,
        v(&["Admins"])
    );
    assert_eq!(
        found(format!(r#"members[value eq "{}"]"#, staff.id)).await,
        v(&["Everyone"])
    );
    assert_eq!(
        found("members pr".into()).await,
        v(&["Admins", "Everyone", "Staff"])
    );
    assert_eq!(found(r#"displayName sw "ST""#.into()).await, v(&["Staff"]));
    assert_eq!(
        found(r#"displayName ne "staff""#.into()).await,
        v(&["Admins", "Everyone"])
    );
    assert_eq!(found(r#"externalId eq "G-1""#.into()).await, v(&["Admins"]));
    let users_in = names(&store, t, &format!(r#"groups.value eq "{}""#, staff.id)).await;
    assert_eq!(users_in, v(&["bob"]));
}

async fn other_tenants_never_match(store: Store) {
    let a = add_tenant(&store, "acme").await.id;
    let b = add_tenant(&store, "beta").await.id;
    add(&store, a, "ann", |u| {
        u.emails = vec![mail("ann@a.test", "work", true)]
    })
    .await;
    add(&store, b, "ann", |u| {
        u.emails = vec![mail("ann@b.test", "work", true)];
        u.external_ids = vec![ExternalId {
            source: SOURCE.into(),
            id: "X".into(),
        }];
    })
    .await;
    let group_b = add_group(&store, b, "Staff").await;
    assert_eq!(names(&store, a, "").await, v(&["ann"]));
    assert_eq!(
        names(&store, a, r#"emails.value eq "ann@b.test""#).await,
        v(&[])
    );
    assert_eq!(names(&store, a, r#"emails co "@""#).await, v(&["ann"]));
    assert_eq!(names(&store, a, r#"externalId eq "X""#).await, v(&[]));
    let all_b = run(&store, b, &query(r#"userName eq "ann""#)).await;
    assert_eq!(all_b.items.len(), 1);
    assert_eq!(all_b.items[0].tenant_id, b);
    assert_eq!(all_b.items[0].emails[0].value, "ann@b.test");
    let q = GroupQuery {
        filter: Cond::True,
        sort: Sort::default(),
        page: PageSpec::After {
            cursor: None,
            count: 10,
        },
        want_total: true,
    };
    let groups_a = search_groups(&mut store.conn().await.unwrap(), a, &q)
        .await
        .unwrap();
    assert_eq!(groups_a.total, Some(0));
    let groups_b = search_groups(&mut store.conn().await.unwrap(), b, &q)
        .await
        .unwrap();
    assert_eq!(groups_b.items[0].id, group_b.id);
}
