//! Tenants (insert, lookups, list, count, update, delete and its cascade), the
//! installation key-value facts, and the store itself (URLs, migrations, ping).

use usso::core::tenant::TenantSettings;
use usso::core::TenantId;
use usso::store::{installation, tenants, Dialect, Store, StoreError};

use crate::harness::*;
use crate::world::{row_counts, seed, Snapshot};

store_tests!(
    tenant_round_trips_by_id_and_slug,
    tenant_slug_is_unique,
    tenants_are_listed_by_slug_and_counted,
    tenant_update_changes_name_and_settings,
    tenant_update_and_delete_of_a_missing_tenant_are_not_found,
    deleting_a_tenant_removes_everything_it_owns,
    installation_facts_are_first_writer_wins,
    installation_first_writer_wins_under_a_race,
    store_answers_and_migrations_are_idempotent,
);

async fn tenant_round_trips_by_id_and_slug(store: Store) {
    let mut tenant = new_tenant("acme");
    tenant.settings = TenantSettings {
        session_idle_seconds: 120,
        session_absolute_seconds: 3600,
        max_failed_logins_per_account: 3,
        max_failed_logins_per_ip: 7,
        lockout_window_seconds: 99,
        access_token_seconds: 300,
        refresh_token_idle_seconds: 600,
        refresh_token_absolute_seconds: 6000,
    };
    let mut c = store.conn().await.unwrap();
    tenants::insert(&mut c, &tenant).await.unwrap();

    assert_eq!(tenants::by_id(&mut c, tenant.id).await.unwrap(), tenant);
    assert_eq!(tenants::by_slug(&mut c, "acme").await.unwrap(), tenant);
    assert_not_found(tenants::by_slug(&mut c, "ACME").await);
    assert_not_found(tenants::by_slug(&mut c, "other").await);
    assert_not_found(tenants::by_id(&mut c, TenantId::new(T0)).await);
}

async fn tenant_slug_is_unique(store: Store) {
    add_tenant(&store, "acme").await;
    let mut c = store.conn().await.unwrap();
    assert_conflict(tenants::insert(&mut c, &new_tenant("acme")).await, "slug");
    assert_eq!(tenants::count(&mut c).await.unwrap(), 1);
}

async fn tenants_are_listed_by_slug_and_counted(store: Store) {
    let mut c = store.conn().await.unwrap();
    assert!(tenants::list(&mut c).await.unwrap().is_empty());
    assert_eq!(tenants::count(&mut c).await.unwrap(), 0);
    drop(c);
    for slug in ["zeta", "alpha", "mid-1"] {
        add_tenant(&store, slug).await;
    }
    let mut c = store.conn().await.unwrap();
    let slugs: Vec<String> = tenants::list(&mut c)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.slug.to_string())
        .collect();
    assert_eq!(slugs, ["alpha", "mid-1", "zeta"]);
    assert_eq!(tenants::count(&mut c).await.unwrap(), 3);
}

async fn tenant_update_changes_name_and_settings(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let other = add_tenant(&store, "other").await;
    let mut changed = tenant.clone();
    changed.display_name = "ACME Corporation".into();
    changed.settings.session_idle_seconds = 42;
    changed.updated_at = at(60);
    // The slug is the tenant's address: update leaves it alone.
    changed.slug = usso::core::tenant::Slug::parse("renamed").unwrap();

    let mut c = store.conn().await.unwrap();
    tenants::update(&mut c, &changed).await.unwrap();
    let stored = tenants::by_id(&mut c, tenant.id).await.unwrap();
    assert_eq!(stored.display_name, "ACME Corporation");
    assert_eq!(stored.settings.session_idle_seconds, 42);
    assert_eq!(stored.updated_at, at(60));
    assert_eq!(stored.created_at, T0);
    assert_eq!(stored.slug.as_str(), "acme");
    assert_eq!(tenants::by_id(&mut c, other.id).await.unwrap(), other);
}

async fn tenant_update_and_delete_of_a_missing_tenant_are_not_found(store: Store) {
    let kept = add_tenant(&store, "kept").await;
    let ghost = new_tenant("ghost");
    let mut c = store.conn().await.unwrap();
    assert_not_found(tenants::update(&mut c, &ghost).await);
    assert_not_found(tenants::delete(&mut c, ghost.id).await);
    assert_not_found(tenants::by_slug(&mut c, "ghost").await);

    tenants::delete(&mut c, kept.id).await.unwrap();
    assert_not_found(tenants::by_id(&mut c, kept.id).await);
    assert_not_found(tenants::delete(&mut c, kept.id).await);
    assert_eq!(tenants::count(&mut c).await.unwrap(), 0);
}

async fn deleting_a_tenant_removes_everything_it_owns(store: Store) {
    let a = seed(&store, "a").await;
    let b = seed(&store, "b").await;
    let b_before = Snapshot::take(&store, &b).await;
    let b_rows = row_counts(&store, b.tenant.id).await;
    assert!(
        row_counts(&store, a.tenant.id)
            .await
            .iter()
            .all(|(_, n)| *n > 0),
        "the seed fills every table"
    );

    tenants::delete(&mut store.conn().await.unwrap(), a.tenant.id)
        .await
        .unwrap();

    for (table, n) in row_counts(&store, a.tenant.id).await {
        assert_eq!(n, 0, "{table} still holds rows of the deleted tenant");
    }
    assert_eq!(row_counts(&store, b.tenant.id).await, b_rows);
    assert_eq!(Snapshot::take(&store, &b).await, b_before);
    // The freed slug can be taken again.
    add_tenant(&store, "a-tenant").await;
}

async fn installation_facts_are_first_writer_wins(store: Store) {
    let mut c = store.conn().await.unwrap();
    assert_eq!(
        installation::get(&mut c, "master_key_check").await.unwrap(),
        None
    );
    assert_eq!(
        installation::get_or_insert(&mut c, "master_key_check", "first")
            .await
            .unwrap(),
        "first"
    );
    assert_eq!(
        installation::get_or_insert(&mut c, "master_key_check", "second")
            .await
            .unwrap(),
        "first"
    );
    assert_eq!(
        installation::get(&mut c, "master_key_check")
            .await
            .unwrap()
            .as_deref(),
        Some("first")
    );
    assert_eq!(
        installation::get_or_insert(&mut c, "bootstrapped", "yes")
            .await
            .unwrap(),
        "yes"
    );
    assert_eq!(installation::get(&mut c, "unknown").await.unwrap(), None);
}

async fn installation_first_writer_wins_under_a_race(store: Store) {
    // Several nodes starting at once must all end up with one value.
    let racers = (0..4).map(|i| {
        let store = store.clone();
        tokio::spawn(async move {
            let mut c = store.conn().await.unwrap();
            installation::get_or_insert(&mut c, "node_race", &format!("node-{i}"))
                .await
                .unwrap()
        })
    });
    let mut seen = Vec::new();
    for racer in racers.collect::<Vec<_>>() {
        seen.push(racer.await.unwrap());
    }
    let stored = installation::get(&mut store.conn().await.unwrap(), "node_race")
        .await
        .unwrap()
        .unwrap();
    assert!(
        seen.iter().all(|v| *v == stored),
        "{seen:?} vs stored {stored}"
    );
}

async fn store_answers_and_migrations_are_idempotent(store: Store) {
    store.ping().await.unwrap();
    store.migrate().await.unwrap();
    add_tenant(&store, "after-remigrate").await;
    store.migrate().await.unwrap();
    assert_eq!(
        tenants::count(&mut store.conn().await.unwrap())
            .await
            .unwrap(),
        1
    );

    assert_eq!(
        Dialect::from_url("sqlite::memory:").unwrap(),
        Dialect::Sqlite
    );
    assert_eq!(
        Dialect::from_url("postgresql://h/db").unwrap(),
        Dialect::Postgres
    );
    assert_eq!(
        Dialect::from_url("postgres://h/db").unwrap().name(),
        "postgres"
    );
    assert!(matches!(
        Store::connect("mysql://localhost/db").await,
        Err(StoreError::UnsupportedUrl)
    ));
}
