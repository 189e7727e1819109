//! API keys: round trip (scopes, optional expiry), lookup by token hash,
//! listing by id, delete, and token-hash uniqueness.

use usso::core::api_key::ApiScope;
use usso::core::ApiKeyId;
use usso::store::{api_keys, Store, StoreError};

use crate::harness::*;

store_tests!(
    api_key_round_trips_and_is_found_by_token_hash,
    api_keys_are_listed_by_id,
    api_key_delete_is_final,
    api_key_token_hashes_are_unique,
);

async fn api_key_round_trips_and_is_found_by_token_hash(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let mut scim = new_api_key(tenant.id, "hr-sync");
    scim.scopes = vec![ApiScope::Scim];
    scim.expires_at = Some(at(86_400));
    let forever = new_api_key(tenant.id, "ops");
    let mut c = store.conn().await.unwrap();
    api_keys::insert(&mut c, &scim, "hash-scim").await.unwrap();
    api_keys::insert(&mut c, &forever, "hash-ops")
        .await
        .unwrap();

    assert_eq!(
        api_keys::get(&mut c, tenant.id, scim.id).await.unwrap(),
        scim
    );
    assert_eq!(
        api_keys::by_token_hash(&mut c, tenant.id, "hash-scim")
            .await
            .unwrap(),
        scim
    );
    assert_eq!(
        api_keys::by_token_hash(&mut c, tenant.id, "hash-ops")
            .await
            .unwrap(),
        forever
    );
    assert_not_found(api_keys::by_token_hash(&mut c, tenant.id, "hash-SCIM").await);
    assert_not_found(api_keys::by_token_hash(&mut c, tenant.id, "").await);
    assert_not_found(api_keys::get(&mut c, tenant.id, ApiKeyId::new(T0)).await);
}

async fn api_keys_are_listed_by_id(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let other = add_tenant(&store, "other").await;
    add_api_key(&store, other.id, "foreign", "hash-foreign").await;
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(
            add_api_key(&store, tenant.id, &format!("k{i}"), &format!("hash-{i}"))
                .await
                .id,
        );
    }
    let listed = api_keys::list(&mut store.conn().await.unwrap(), tenant.id)
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|k| k.id.to_string()).collect::<Vec<_>>(),
        sorted_ids(&ids)
    );
}

async fn api_key_delete_is_final(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let key = add_api_key(&store, tenant.id, "ops", "hash-ops").await;
    let kept = add_api_key(&store, tenant.id, "ci", "hash-ci").await;
    let mut c = store.conn().await.unwrap();
    api_keys::delete(&mut c, tenant.id, key.id).await.unwrap();
    assert_not_found(api_keys::get(&mut c, tenant.id, key.id).await);
    assert_not_found(api_keys::by_token_hash(&mut c, tenant.id, "hash-ops").await);
    assert_not_found(api_keys::delete(&mut c, tenant.id, key.id).await);
    assert_eq!(api_keys::list(&mut c, tenant.id).await.unwrap(), vec![kept]);
}

async fn api_key_token_hashes_are_unique(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let first = add_api_key(&store, tenant.id, "ops", "same-hash").await;
    let mut c = store.conn().await.unwrap();
    let result = api_keys::insert(&mut c, &new_api_key(tenant.id, "ops2"), "same-hash").await;
    assert!(
        matches!(result, Err(StoreError::Conflict { .. })),
        "{result:?}"
    );
    assert_eq!(
        api_keys::by_token_hash(&mut c, tenant.id, "same-hash")
            .await
            .unwrap(),
        first
    );
}
