//! Upstream identity providers and what federated logins leave behind: the
//! registry row and its sealed client secret, pending requests taken once
//! (by provider, or whichever provider for a parked link), linked
//! identities; and tenant isolation of each (tenant B reads, takes and
//! changes nothing of A's).

use usso::core::upstream_idp::{FederatedIdentity, UpstreamConfig, UpstreamIdp};
use usso::core::upstream_oidc::{OidcUpstream, OidcUpstreamSettings};
use usso::core::{TenantId, UpstreamIdpId};
use usso::store::{federation, upstream_idps, Store, StoreError};

use crate::harness::*;

store_tests!(
    a_provider_keeps_its_sealed_secret_apart,
    pending_requests_are_taken_once,
    isolation_upstream_idps_and_federation,
);

fn oidc(tenant: TenantId, name: &str) -> UpstreamIdp {
    UpstreamIdp {
        id: UpstreamIdpId::new(T0),
        tenant_id: tenant,
        name: name.into(),
        display_name: "Corp".into(),
        config: UpstreamConfig::Oidc(OidcUpstream {
            issuer: "https://idp.corp.example".into(),
            preset: None,
            client_id: "usso".into(),
            scopes: vec!["openid".into()],
            endpoints: Default::default(),
            settings: OidcUpstreamSettings::default(),
        }),
        created_at: T0,
        updated_at: T0,
        version: 1,
    }
}

async fn a_provider_keeps_its_sealed_secret_apart(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let idp = oidc(tenant.id, "corp");
    let mut c = store.conn().await.unwrap();
    upstream_idps::insert(&mut c, &idp).await.unwrap();
    assert_eq!(
        upstream_idps::get(&mut c, tenant.id, idp.id).await.unwrap(),
        idp
    );
    assert_eq!(
        upstream_idps::by_name(&mut c, tenant.id, "corp")
            .await
            .unwrap(),
        idp
    );
    assert_eq!(
        upstream_idps::client_secret(&mut c, tenant.id, idp.id)
            .await
            .unwrap(),
        None
    );
    upstream_idps::set_client_secret(&mut c, tenant.id, idp.id, Some("v1.sealed"))
        .await
        .unwrap();
    assert_eq!(
        upstream_idps::client_secret(&mut c, tenant.id, idp.id)
            .await
            .unwrap()
            .as_deref(),
        Some("v1.sealed")
    );
    // A settings update keeps the secret; clearing it is explicit.
    let mut changed = idp.clone();
    changed.display_name = "Corporate".into();
    changed.version = 2;
    upstream_idps::update(&mut c, &changed, 1).await.unwrap();
    assert!(upstream_idps::client_secret(&mut c, tenant.id, idp.id)
        .await
        .unwrap()
        .is_some());
    upstream_idps::set_client_secret(&mut c, tenant.id, idp.id, None)
        .await
        .unwrap();
    assert_eq!(
        upstream_idps::client_secret(&mut c, tenant.id, idp.id)
            .await
            .unwrap(),
        None
    );
}

async fn pending_requests_are_taken_once(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let idp = oidc(tenant.id, "corp");
    let mut c = store.conn().await.unwrap();
    upstream_idps::insert(&mut c, &idp).await.unwrap();
    federation::insert_request(&mut c, tenant.id, "r1", idp.id, "{}", T0, at(60))
        .await
        .unwrap();
    assert_eq!(
        federation::take_any_request(&mut c, tenant.id, "r1", at(1))
            .await
            .unwrap(),
        Some((idp.id, "{}".to_owned()))
    );
    assert_eq!(
        federation::take_any_request(&mut c, tenant.id, "r1", at(2))
            .await
            .unwrap(),
        None
    );
    federation::insert_request(&mut c, tenant.id, "r2", idp.id, "{}", T0, at(60))
        .await
        .unwrap();
    assert_eq!(
        federation::take_any_request(&mut c, tenant.id, "r2", at(61))
            .await
            .unwrap(),
        None,
        "expired"
    );
}

async fn isolation_upstream_idps_and_federation(store: Store) {
    let a = add_tenant(&store, "acme").await;
    let b = add_tenant(&store, "other").await;
    let idp = oidc(a.id, "corp");
    let alice = add_user(&store, a.id, "alice", &["alice@example.com"]).await;
    let mut c = store.conn().await.unwrap();
    upstream_idps::insert(&mut c, &idp).await.unwrap();
    upstream_idps::set_client_secret(&mut c, a.id, idp.id, Some("v1.sealed"))
        .await
        .unwrap();
    federation::insert_request(&mut c, a.id, "r1", idp.id, "{}", T0, at(60))
        .await
        .unwrap();
    federation::link(
        &mut c,
        &FederatedIdentity {
            tenant_id: a.id,
            idp_id: idp.id,
            subject: "s1".into(),
            user_id: alice.id,
            created_at: T0,
            last_login_at: T0,
        },
    )
    .await
    .unwrap();

    assert!(matches!(
        upstream_idps::get(&mut c, b.id, idp.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        upstream_idps::by_name(&mut c, b.id, "corp").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        upstream_idps::client_secret(&mut c, b.id, idp.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        upstream_idps::set_client_secret(&mut c, b.id, idp.id, Some("evil")).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        federation::take_any_request(&mut c, b.id, "r1", at(1))
            .await
            .unwrap(),
        None
    );
    assert!(matches!(
        federation::take_request(&mut c, b.id, "r1", idp.id, at(1)).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        federation::identity(&mut c, b.id, idp.id, "s1").await,
        Err(StoreError::NotFound)
    ));
    assert!(federation::identities_of(&mut c, b.id, alice.id)
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        upstream_idps::delete(&mut c, b.id, idp.id).await,
        Err(StoreError::NotFound)
    ));
    // A's rows are all still there.
    assert_eq!(
        upstream_idps::client_secret(&mut c, a.id, idp.id)
            .await
            .unwrap()
            .as_deref(),
        Some("v1.sealed")
    );
    assert!(federation::take_any_request(&mut c, a.id, "r1", at(1))
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        federation::identities_of(&mut c, a.id, alice.id)
            .await
            .unwrap()
            .len(),
        1
    );
}
