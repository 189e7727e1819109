//! OAuth clients: round trip of every setting, lookup by name without regard
//! to case, name conflicts, versioned updates, cursor pages, the secret hash
//! kept beside the record, delete, the database's own rules, the cascade
//! from the tenant, and tenant isolation of every operation.

use serde_json::json;
use usso::core::client::{
    Client, GrantType, SigningAlg, SubjectType, TokenEndpointAuthMethod, TokenLifetimes,
};
use usso::core::{ClientId, TenantId};
use usso::store::{clients, tenants, Page, Store, StoreError};

use crate::harness::*;

store_tests!(
    client_round_trips_and_is_found_by_name_without_regard_to_case,
    client_name_is_unique_per_tenant_without_regard_to_case,
    client_update_is_versioned_and_keeps_the_secret,
    clients_are_paged_by_id,
    client_secret_hash_is_kept_beside_the_record,
    client_secret_hashes_are_unique,
    the_database_refuses_a_secret_for_a_public_client,
    client_delete_is_final,
    deleting_a_tenant_removes_its_clients,
    isolation_same_client_names_in_two_tenants,
    isolation_clients_get,
    isolation_clients_by_name,
    isolation_clients_with_secret_hash,
    isolation_clients_list,
    isolation_clients_update,
    isolation_clients_set_secret_hash,
    isolation_clients_delete,
);

// ---------------------------------------------------------------- builders

/// A confidential web client with the default settings.
pub(crate) fn new_client(tenant: TenantId, name: &str) -> Client {
    Client {
        id: ClientId::new(T0),
        tenant_id: tenant,
        name: name.to_owned(),
        public: false,
        redirect_uris: vec![format!("https://{name}.example.com/cb")],
        post_logout_redirect_uris: Vec::new(),
        backchannel_logout_uri: None,
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        scopes: vec!["openid".into(), "profile".into()],
        token_endpoint_auth_method: TokenEndpointAuthMethod::ClientSecretBasic,
        jwks_uri: None,
        jwks: None,
        skip_consent: false,
        id_token_signed_response_alg: SigningAlg::RS256,
        subject_type: SubjectType::Public,
        token_lifetimes: TokenLifetimes {
            access_token_seconds: Some(300),
            refresh_token_idle_seconds: None,
            refresh_token_absolute_seconds: Some(7200),
        },
        resources: vec!["https://api.example.com".into()],
        created_at: T0,
        updated_at: T0,
        version: 1,
    }
}

fn new_public_client(tenant: TenantId, name: &str) -> Client {
    Client {
        public: true,
        token_endpoint_auth_method: TokenEndpointAuthMethod::None,
        ..new_client(tenant, name)
    }
}

/// Inserts `client` with `secret_hash`.
async fn insert(store: &Store, client: &Client, secret_hash: Option<&str>) {
    clients::insert(&mut store.conn().await.unwrap(), client, secret_hash)
        .await
        .unwrap();
}

async fn add_client(store: &Store, tenant: TenantId, name: &str, secret_hash: &str) -> Client {
    let client = new_client(tenant, name);
    insert(store, &client, Some(secret_hash)).await;
    client
}

async fn add_public_client(store: &Store, tenant: TenantId, name: &str) -> Client {
    let client = new_public_client(tenant, name);
    insert(store, &client, None).await;
    client
}

async fn client_rows(store: &Store, tenant: TenantId) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM oauth_clients WHERE tenant_id = $1")
        .bind(tenant.to_string())
        .fetch_one(&mut *store.conn().await.unwrap())
        .await
        .unwrap();
    n
}

// ---------------------------------------------------------------- cases

async fn client_round_trips_and_is_found_by_name_without_regard_to_case(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let client = Client {
        redirect_uris: vec![
            "https://app.example.com/cb".into(),
            "com.example.app:/oauth2redirect".into(),
            "http://127.0.0.1/cb".into(),
        ],
        post_logout_redirect_uris: vec!["https://app.example.com/bye".into()],
        backchannel_logout_uri: Some("https://app.example.com/logout".into()),
        grant_types: vec![
            GrantType::AuthorizationCode,
            GrantType::RefreshToken,
            GrantType::ClientCredentials,
        ],
        scopes: vec!["openid".into(), "api:read".into()],
        token_endpoint_auth_method: TokenEndpointAuthMethod::PrivateKeyJwt,
        jwks: Some(json!({ "keys": [{ "kty": "EC", "crv": "P-256", "x": "a", "y": "b" }] })),
        skip_consent: true,
        id_token_signed_response_alg: SigningAlg::EdDSA,
        subject_type: SubjectType::Pairwise,
        created_at: at(-5),
        updated_at: at(7),
        version: 4,
        ..new_client(tenant.id, "Billing Portal")
    };
    let spa = Client {
        jwks_uri: Some("https://spa.example.com/jwks".into()),
        id_token_signed_response_alg: SigningAlg::ES256,
        ..new_public_client(tenant.id, "SPA")
    };
    insert(&store, &client, Some("hash-billing")).await;
    insert(&store, &spa, None).await;
    let mut c = store.conn().await.unwrap();

    assert_eq!(
        clients::get(&mut c, tenant.id, client.id).await.unwrap(),
        client
    );
    assert_eq!(clients::get(&mut c, tenant.id, spa.id).await.unwrap(), spa);
    for name in ["billing portal", "BILLING PORTAL", "Billing Portal"] {
        assert_eq!(
            clients::by_name(&mut c, tenant.id, name).await.unwrap(),
            client
        );
    }
    assert_not_found(clients::by_name(&mut c, tenant.id, "billing").await);
    assert_not_found(clients::get(&mut c, tenant.id, ClientId::new(T0)).await);
}

async fn client_name_is_unique_per_tenant_without_regard_to_case(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let other = add_tenant(&store, "other").await;
    add_client(&store, tenant.id, "Portal", "hash-1").await;
    let second = add_public_client(&store, tenant.id, "SPA").await;
    let mut c = store.conn().await.unwrap();
    assert_conflict(
        clients::insert(&mut c, &new_public_client(tenant.id, "PORTAL"), None).await,
        "name",
    );
    // A rename onto a taken name.
    let mut clash = second.clone();
    clash.name = "portal".into();
    clash.version = 2;
    assert_conflict(clients::update(&mut c, &clash, 1).await, "name");
    assert_eq!(
        clients::get(&mut c, tenant.id, second.id).await.unwrap(),
        second
    );
    // Another tenant may use the name.
    clients::insert(&mut c, &new_public_client(other.id, "Portal"), None)
        .await
        .unwrap();
    assert_eq!(
        clients::list(&mut c, tenant.id, Page::first(10))
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn client_update_is_versioned_and_keeps_the_secret(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let client = add_client(&store, tenant.id, "portal", "hash-portal").await;
    let mut c = store.conn().await.unwrap();

    let mut changed = client.clone();
    changed.name = "Portal 2".into();
    changed.redirect_uris = vec!["https://new.example.com/cb".into()];
    changed.post_logout_redirect_uris = vec!["https://new.example.com/bye".into()];
    changed.backchannel_logout_uri = Some("https://new.example.com/bcl".into());
    changed.grant_types = vec![GrantType::ClientCredentials];
    changed.scopes = vec!["api".into()];
    changed.token_endpoint_auth_method = TokenEndpointAuthMethod::ClientSecretPost;
    changed.jwks_uri = Some("https://new.example.com/jwks".into());
    changed.skip_consent = true;
    changed.id_token_signed_response_alg = SigningAlg::ES256;
    changed.subject_type = SubjectType::Pairwise;
    changed.updated_at = at(10);
    changed.version = 2;
    clients::update(&mut c, &changed, 1).await.unwrap();
    assert_eq!(
        clients::get(&mut c, tenant.id, client.id).await.unwrap(),
        changed
    );
    assert_eq!(
        clients::by_name(&mut c, tenant.id, "portal 2")
            .await
            .unwrap()
            .id,
        client.id
    );
    assert_not_found(clients::by_name(&mut c, tenant.id, "portal").await);
    let (_, hash) = clients::with_secret_hash(&mut c, tenant.id, &client.id.to_string())
        .await
        .unwrap();
    assert_eq!(hash.as_deref(), Some("hash-portal"));

    // An update never turns a client public.
    let mut flipped = changed.clone();
    flipped.public = true;
    flipped.version = 3;
    clients::update(&mut c, &flipped, 2).await.unwrap();
    assert!(
        !clients::get(&mut c, tenant.id, client.id)
            .await
            .unwrap()
            .public
    );

    let mut stale = changed.clone();
    stale.name = "Stale".into();
    stale.version = 2;
    assert_version_mismatch(clients::update(&mut c, &stale, 1).await);
    assert_eq!(
        clients::get(&mut c, tenant.id, client.id)
            .await
            .unwrap()
            .name,
        "Portal 2"
    );

    let ghost = new_client(tenant.id, "ghost");
    assert_not_found(clients::update(&mut c, &ghost, 1).await);
    assert_not_found(clients::by_name(&mut c, tenant.id, "ghost").await);
}

async fn clients_are_paged_by_id(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let other = add_tenant(&store, "other").await;
    add_public_client(&store, other.id, "foreign").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            add_public_client(&store, tenant.id, &format!("c{i}"))
                .await
                .id,
        );
    }
    let mut c = store.conn().await.unwrap();
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = Page {
            after: after.as_deref(),
            limit: 2,
        };
        let batch = clients::list(&mut c, tenant.id, page).await.unwrap();
        let Some(last) = batch.last() else { break };
        after = Some(last.id.to_string());
        sizes.push(batch.len());
        seen.extend(batch.iter().map(|c| c.id.to_string()));
    }
    assert_eq!(sizes, [2, 2, 1]);
    assert_eq!(seen, sorted_ids(&ids));
}

async fn client_secret_hash_is_kept_beside_the_record(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let confidential = add_client(&store, tenant.id, "portal", "hash-1").await;
    let public = add_public_client(&store, tenant.id, "spa").await;
    let mut c = store.conn().await.unwrap();

    let (read, hash) = clients::with_secret_hash(&mut c, tenant.id, &confidential.client_id())
        .await
        .unwrap();
    assert_eq!(read, confidential);
    assert_eq!(hash.as_deref(), Some("hash-1"));
    let (read, hash) = clients::with_secret_hash(&mut c, tenant.id, &public.client_id())
        .await
        .unwrap();
    assert_eq!(read, public);
    assert_eq!(hash, None);
    for unknown in [
        ClientId::new(T0).to_string(),
        confidential.client_id().to_uppercase(),
        "portal".into(),
        String::new(),
        "' OR 1=1 --".into(),
    ] {
        assert_not_found(clients::with_secret_hash(&mut c, tenant.id, &unknown).await);
    }

    clients::set_secret_hash(&mut c, tenant.id, confidential.id, "hash-2")
        .await
        .unwrap();
    let (read, hash) = clients::with_secret_hash(&mut c, tenant.id, &confidential.client_id())
        .await
        .unwrap();
    assert_eq!(read, confidential, "the record itself is unchanged");
    assert_eq!(hash.as_deref(), Some("hash-2"));
    assert_not_found(clients::set_secret_hash(&mut c, tenant.id, ClientId::new(T0), "h").await);
}

async fn client_secret_hashes_are_unique(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let first = add_client(&store, tenant.id, "one", "same-hash").await;
    let mut c = store.conn().await.unwrap();
    let result = clients::insert(&mut c, &new_client(tenant.id, "two"), Some("same-hash")).await;
    assert!(
        matches!(result, Err(StoreError::Conflict { .. })),
        "{result:?}"
    );
    let (read, _) = clients::with_secret_hash(&mut c, tenant.id, &first.client_id())
        .await
        .unwrap();
    assert_eq!(read, first);
}

async fn the_database_refuses_a_secret_for_a_public_client(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let mut c = store.conn().await.unwrap();
    assert!(
        clients::insert(&mut c, &new_public_client(tenant.id, "spa"), Some("h"))
            .await
            .is_err()
    );
    assert!(clients::insert(&mut c, &new_client(tenant.id, "web"), None)
        .await
        .is_err());
    let spa = new_public_client(tenant.id, "spa");
    clients::insert(&mut c, &spa, None).await.unwrap();
    assert!(clients::set_secret_hash(&mut c, tenant.id, spa.id, "h")
        .await
        .is_err());
    drop(c);
    assert_eq!(client_rows(&store, tenant.id).await, 1);
}

async fn client_delete_is_final(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let gone = add_client(&store, tenant.id, "gone", "hash-gone").await;
    let kept = add_public_client(&store, tenant.id, "kept").await;
    let mut c = store.conn().await.unwrap();
    clients::delete(&mut c, tenant.id, gone.id).await.unwrap();
    assert_not_found(clients::get(&mut c, tenant.id, gone.id).await);
    assert_not_found(clients::by_name(&mut c, tenant.id, "gone").await);
    assert_not_found(clients::with_secret_hash(&mut c, tenant.id, &gone.client_id()).await);
    assert_not_found(clients::delete(&mut c, tenant.id, gone.id).await);
    assert_eq!(
        clients::list(&mut c, tenant.id, Page::first(10))
            .await
            .unwrap(),
        vec![kept]
    );
    // The name is free again.
    clients::insert(&mut c, &new_public_client(tenant.id, "Gone"), None)
        .await
        .unwrap();
}

async fn deleting_a_tenant_removes_its_clients(store: Store) {
    let a = add_tenant(&store, "a").await;
    let b = add_tenant(&store, "b").await;
    add_client(&store, a.id, "web", "hash-a").await;
    add_public_client(&store, a.id, "spa").await;
    let b_client = add_client(&store, b.id, "web", "hash-b").await;
    assert_eq!(client_rows(&store, a.id).await, 2);

    tenants::delete(&mut store.conn().await.unwrap(), a.id)
        .await
        .unwrap();

    assert_eq!(client_rows(&store, a.id).await, 0);
    assert_eq!(client_rows(&store, b.id).await, 1);
    let mut c = store.conn().await.unwrap();
    assert_eq!(
        clients::get(&mut c, b.id, b_client.id).await.unwrap(),
        b_client
    );
    // The secret hash of the deleted tenant's client is free again.
    clients::insert(&mut c, &new_client(b.id, "reuse"), Some("hash-a"))
        .await
        .unwrap();
}

// ---------------------------------------------------------------- isolation
//
// Tenant A and tenant B each hold a confidential and a public client with
// the same names; every read, update and delete called as tenant B with A's
// ids finds nothing, and A's clients read back exactly as before
// (ARCHITECTURE.md rule 5, as in `isolation.rs`).

struct World {
    tenant: TenantId,
    web: Client,
    spa: Client,
}

async fn seed(store: &Store, slug: &str) -> World {
    let tenant = add_tenant(store, slug).await.id;
    let web = add_client(store, tenant, "web", &format!("{slug}-hash")).await;
    let spa = add_public_client(store, tenant, "spa").await;
    World { tenant, web, spa }
}

/// Everything tenant `w` can read of its clients.
async fn snapshot(store: &Store, w: &World) -> Vec<(Client, Option<String>)> {
    let mut c = store.conn().await.unwrap();
    let mut out = Vec::new();
    for client in clients::list(&mut c, w.tenant, Page::first(Page::MAX_LIMIT))
        .await
        .unwrap()
    {
        assert_eq!(
            clients::get(&mut c, w.tenant, client.id).await.unwrap(),
            client
        );
        assert_eq!(
            clients::by_name(&mut c, w.tenant, &client.name)
                .await
                .unwrap(),
            client
        );
        out.push(
            clients::with_secret_hash(&mut c, w.tenant, &client.client_id())
                .await
                .unwrap(),
        );
    }
    out
}

async fn setup(store: &Store) -> (World, World, Vec<(Client, Option<String>)>) {
    let a = seed(store, "a").await;
    let b = seed(store, "b").await;
    let before = snapshot(store, &a).await;
    assert_eq!(
        before,
        vec![
            (a.web.clone(), Some("a-hash".to_owned())),
            (a.spa.clone(), None)
        ]
    );
    (a, b, before)
}

async fn assert_a_unchanged(store: &Store, a: &World, before: &[(Client, Option<String>)]) {
    assert_eq!(
        snapshot(store, a).await,
        before,
        "tenant A's clients changed"
    );
}

async fn isolation_same_client_names_in_two_tenants(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    assert_eq!(
        clients::by_name(&mut c, b.tenant, "web").await.unwrap(),
        b.web
    );
    assert_eq!(
        clients::by_name(&mut c, a.tenant, "web").await.unwrap(),
        a.web
    );
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn isolation_clients_get(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    assert_not_found(clients::get(&mut c, b.tenant, a.web.id).await);
    assert_not_found(clients::get(&mut c, b.tenant, a.spa.id).await);
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn isolation_clients_by_name(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    // B's own client of that name, never A's.
    assert_eq!(
        clients::by_name(&mut c, b.tenant, &a.web.name)
            .await
            .unwrap()
            .id,
        b.web.id
    );
    let mut only_a = new_public_client(a.tenant, "only-a");
    only_a.id = ClientId::new(T0);
    clients::insert(&mut c, &only_a, None).await.unwrap();
    assert_not_found(clients::by_name(&mut c, b.tenant, "only-a").await);
    clients::delete(&mut c, a.tenant, only_a.id).await.unwrap();
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn isolation_clients_with_secret_hash(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    assert_not_found(clients::with_secret_hash(&mut c, b.tenant, &a.web.client_id()).await);
    assert_not_found(clients::with_secret_hash(&mut c, b.tenant, &a.spa.client_id()).await);
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn isolation_clients_list(store: Store) {
    let (a, b, before) = setup(&store).await;
    let listed = clients::list(
        &mut store.conn().await.unwrap(),
        b.tenant,
        Page::first(Page::MAX_LIMIT),
    )
    .await
    .unwrap();
    assert_eq!(listed, vec![b.web.clone(), b.spa.clone()]);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn isolation_clients_update(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    let mut hijack = a.web.clone();
    hijack.tenant_id = b.tenant;
    hijack.redirect_uris = vec!["https://evil.example/cb".into()];
    hijack.version = 2;
    assert_not_found(clients::update(&mut c, &hijack, 1).await);
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn isolation_clients_set_secret_hash(store: Store) {
    let (a, b, before) = setup(&store).await;
    assert_not_found(
        clients::set_secret_hash(
            &mut store.conn().await.unwrap(),
            b.tenant,
            a.web.id,
            "attacker-hash",
        )
        .await,
    );
    assert_a_unchanged(&store, &a, &before).await;
}

async fn isolation_clients_delete(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    assert_not_found(clients::delete(&mut c, b.tenant, a.web.id).await);
    assert_not_found(clients::delete(&mut c, b.tenant, a.spa.id).await);
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}
