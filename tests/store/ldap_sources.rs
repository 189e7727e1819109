//! LDAP sources and their synced entries: round trip, name uniqueness per
//! tenant without regard to case, versioned update keeping the sealed
//! password, the lease (one holder at a time, taken back once expired),
//! entries resolved by DN key and marked by run; and tenant isolation of
//! every operation (tenant B reads nothing of A's and changes nothing).

use usso::core::ldap_source::{LdapSettings, LdapSource};
use usso::core::LdapSourceId;
use usso::store::ldap_entries::{self, EntryKind, EntryRow};
use usso::store::{ldap_sources, Store};

use crate::harness::*;

store_tests!(
    ldap_source_round_trips_with_a_versioned_update_and_a_lease,
    ldap_entries_resolve_dns_and_track_runs,
    isolation_ldap_sources_and_entries,
);

fn new_source(tenant: usso::core::TenantId, name: &str) -> LdapSource {
    let settings: LdapSettings = serde_json::from_value(serde_json::json!({
        "url": "ldap://127.0.0.1:389", "bind_dn": "cn=reader,dc=example,dc=com",
        "base_dn": "dc=example,dc=com",
    }))
    .unwrap();
    LdapSource {
        id: LdapSourceId::new(T0),
        tenant_id: tenant,
        name: name.into(),
        settings,
        last_sync_at: None,
        last_report: None,
        created_at: T0,
        updated_at: T0,
        version: 1,
    }
}

async fn ldap_source_round_trips_with_a_versioned_update_and_a_lease(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let source = new_source(tenant.id, "Corp");
    let mut c = store.conn().await.unwrap();
    ldap_sources::insert(&mut c, &source, "sealed-1")
        .await
        .unwrap();
    assert_eq!(
        ldap_sources::get(&mut c, tenant.id, source.id)
            .await
            .unwrap(),
        source
    );
    assert_eq!(
        ldap_sources::by_name(&mut c, tenant.id, "corp")
            .await
            .unwrap(),
        source
    );
    assert_conflict(
        ldap_sources::insert(&mut c, &new_source(tenant.id, "CORP"), "x").await,
        "name",
    );
    let mut changed = source.clone();
    changed.settings.interval_seconds = Some(900);
    changed.version = 2;
    ldap_sources::update(&mut c, &changed, None, 1)
        .await
        .unwrap();
    assert_version_mismatch(ldap_sources::update(&mut c, &changed, None, 1).await);
    assert_eq!(
        ldap_sources::sealed_password(&mut c, tenant.id, source.id)
            .await
            .unwrap(),
        "sealed-1"
    );
    assert_eq!(
        ldap_sources::list(&mut c, tenant.id).await.unwrap(),
        [changed]
    );

    assert!(
        ldap_sources::try_lease(&mut c, tenant.id, source.id, "a", at(0), at(60))
            .await
            .unwrap()
    );
    assert!(
        !ldap_sources::try_lease(&mut c, tenant.id, source.id, "b", at(30), at(90))
            .await
            .unwrap()
    );
    assert!(
        ldap_sources::try_lease(&mut c, tenant.id, source.id, "a", at(30), at(90))
            .await
            .unwrap()
    );
    assert!(
        ldap_sources::try_lease(&mut c, tenant.id, source.id, "b", at(91), at(150))
            .await
            .unwrap()
    );
    ldap_sources::release_lease(&mut c, tenant.id, source.id, "b")
        .await
        .unwrap();
    assert!(
        ldap_sources::try_lease(&mut c, tenant.id, source.id, "a", at(92), at(150))
            .await
            .unwrap()
    );
    ldap_sources::delete(&mut c, tenant.id, source.id)
        .await
        .unwrap();
    assert_not_found(ldap_sources::get(&mut c, tenant.id, source.id).await);
}

async fn ldap_entries_resolve_dns_and_track_runs(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let source = new_source(tenant.id, "corp");
    let mut c = store.conn().await.unwrap();
    ldap_sources::insert(&mut c, &source, "s").await.unwrap();
    let (t, s) = (tenant.id, source.id);
    ldap_entries::upsert(
        &mut c,
        t,
        s,
        "u1",
        EntryKind::User,
        "uid=a,dc=x",
        "core-u1",
        "run1",
    )
    .await
    .unwrap();
    ldap_entries::upsert(
        &mut c,
        t,
        s,
        "g1",
        EntryKind::Group,
        "cn=g,dc=x",
        "core-g1",
        "run1",
    )
    .await
    .unwrap();
    // A rename moves the DN key of the same entry.
    ldap_entries::upsert(
        &mut c,
        t,
        s,
        "u1",
        EntryKind::User,
        "uid=b,dc=x",
        "core-u1",
        "run2",
    )
    .await
    .unwrap();
    let found = ldap_entries::by_dn_keys(
        &mut c,
        t,
        s,
        &["uid=a,dc=x".into(), "uid=b,dc=x".into(), "cn=g,dc=x".into()],
    )
    .await
    .unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(found["uid=b,dc=x"].core_id, "core-u1");
    assert_eq!(found["cn=g,dc=x"].kind, EntryKind::Group);
    assert_eq!(
        ldap_entries::count(&mut c, t, s, EntryKind::User)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        ldap_entries::count_unseen(&mut c, t, s, EntryKind::Group, "run2")
            .await
            .unwrap(),
        1
    );
    let unseen = ldap_entries::unseen(&mut c, t, s, "run2", "", 10)
        .await
        .unwrap();
    assert_eq!(
        unseen
            .iter()
            .map(|e| e.stable_id.as_str())
            .collect::<Vec<_>>(),
        ["g1"]
    );
    assert!(ldap_entries::unseen(&mut c, t, s, "run2", "g1", 10)
        .await
        .unwrap()
        .is_empty());
    // Many at once: a new entry, a moved one, a stable id twice (the last
    // row wins).
    let row = |id: &str, dn: &str| EntryRow {
        stable_id: id.into(),
        kind: EntryKind::User,
        dn_key: dn.into(),
        core_id: format!("core-{id}"),
    };
    ldap_entries::upsert_many(
        &mut c,
        t,
        s,
        &[
            row("u2", "uid=c,dc=x"),
            row("u1", "uid=d,dc=x"),
            row("u2", "uid=e,dc=x"),
        ],
        "run3",
    )
    .await
    .unwrap();
    let found = ldap_entries::by_dn_keys(
        &mut c,
        t,
        s,
        &[
            "uid=c,dc=x".into(),
            "uid=d,dc=x".into(),
            "uid=e,dc=x".into(),
        ],
    )
    .await
    .unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(found["uid=e,dc=x"].core_id, "core-u2");
    assert_eq!(found["uid=d,dc=x"].stable_id, "u1");
    assert_eq!(
        ldap_entries::count_unseen(&mut c, t, s, EntryKind::User, "run3")
            .await
            .unwrap(),
        0
    );
    ldap_entries::delete(&mut c, t, s, "g1").await.unwrap();
    assert_eq!(ldap_entries::get(&mut c, t, s, "g1").await.unwrap(), None);
    // Deleting the source takes its entries.
    ldap_sources::delete(&mut c, t, s).await.unwrap();
    assert_eq!(ldap_entries::get(&mut c, t, s, "u1").await.unwrap(), None);
}

async fn isolation_ldap_sources_and_entries(store: Store) {
    let a = add_tenant(&store, "acme").await;
    let b = add_tenant(&store, "globex").await;
    let source = new_source(a.id, "corp");
    let mut c = store.conn().await.unwrap();
    ldap_sources::insert(&mut c, &source, "sealed")
        .await
        .unwrap();
    ldap_entries::upsert(
        &mut c,
        a.id,
        source.id,
        "u1",
        EntryKind::User,
        "uid=a,dc=x",
        "core",
        "r",
    )
    .await
    .unwrap();

    assert_not_found(ldap_sources::get(&mut c, b.id, source.id).await);
    assert_not_found(ldap_sources::by_name(&mut c, b.id, "corp").await);
    assert!(ldap_sources::list(&mut c, b.id).await.unwrap().is_empty());
    assert_not_found(ldap_sources::sealed_password(&mut c, b.id, source.id).await);
    assert_not_found(ldap_sources::sync_state(&mut c, b.id, source.id).await);
    let mut theirs = source.clone();
    theirs.tenant_id = b.id;
    theirs.version = 2;
    assert_not_found(ldap_sources::update(&mut c, &theirs, Some("x"), 1).await);
    assert!(
        !ldap_sources::try_lease(&mut c, b.id, source.id, "b", at(0), at(60))
            .await
            .unwrap()
    );
    assert_not_found(ldap_sources::delete(&mut c, b.id, source.id).await);
    assert_eq!(
        ldap_entries::get(&mut c, b.id, source.id, "u1")
            .await
            .unwrap(),
        None
    );
    assert!(
        ldap_entries::by_dn_keys(&mut c, b.id, source.id, &["uid=a,dc=x".into()])
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        ldap_entries::count(&mut c, b.id, source.id, EntryKind::User)
            .await
            .unwrap(),
        0
    );
    ldap_entries::delete(&mut c, b.id, source.id, "u1")
        .await
        .unwrap();
    let moved = EntryRow {
        stable_id: "u1".into(),
        kind: EntryKind::Group,
        dn_key: "cn=theirs".into(),
        core_id: "theirs".into(),
    };
    // B cannot write rows under A's source (the source is A's).
    assert!(
        ldap_entries::upsert_many(&mut c, b.id, source.id, &[moved], "r2")
            .await
            .is_err()
    );

    // A's rows are as they were.
    assert_eq!(
        ldap_sources::get(&mut c, a.id, source.id).await.unwrap(),
        source
    );
    assert_eq!(
        ldap_sources::sealed_password(&mut c, a.id, source.id)
            .await
            .unwrap(),
        "sealed"
    );
    assert!(
        ldap_sources::try_lease(&mut c, a.id, source.id, "a", at(0), at(60))
            .await
            .unwrap()
    );
    assert!(ldap_entries::get(&mut c, a.id, source.id, "u1")
        .await
        .unwrap()
        .is_some());
}
