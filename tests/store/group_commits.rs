//! The group commits of the OAuth hot paths (`store::group_commit`,
//! `store::oauth_batches`): client credentials grant rows sent at once all
//! land, each request gets its own outcome, and one batch `INSERT` (on the
//! writer's connection, without a transaction around it) is all or nothing.

use std::sync::Arc;

use time::Duration;
use usso::core::client::Client;
use usso::core::oauth_grant::Grant;
use usso::core::tenant::Tenant;
use usso::core::GrantId;
use usso::store::oauth_batches::GrantRows;
use usso::store::{clients, oauth_grants, Store, StoreError};

use crate::harness::*;

store_tests!(
    grant_rows_sent_at_once_all_land,
    a_clashing_grant_row_fails_alone,
    one_batch_insert_is_all_or_nothing,
);

async fn tenant_and_client(store: &Store) -> (Tenant, Client) {
    let tenant = add_tenant(store, "acme").await;
    let client = crate::clients::new_client(tenant.id, "service");
    clients::insert(
        &mut store.conn().await.unwrap(),
        &client,
        Some("hash-of-the-secret"),
    )
    .await
    .unwrap();
    (tenant, client)
}

/// A client credentials grant of `client`, told apart by `n` in its scope.
fn cc_grant(client: &Client, n: usize) -> Grant {
    Grant {
        id: GrantId::new(T0),
        tenant_id: client.tenant_id,
        client_id: client.id,
        user_id: None,
        session_id: None,
        scope: format!("api:{n}"),
        claims: None,
        auth_time: None,
        created_at: T0,
        expires_at: T0 + Duration::minutes(5),
        revoked_at: None,
    }
}

/// Submits every grant at once, each from its own task, like concurrent
/// token requests; the outcomes in the order of `grants`.
async fn submit_all(store: &Store, grants: &[Grant]) -> Vec<Result<(), StoreError>> {
    let rows = Arc::new(GrantRows::default());
    let tasks: Vec<_> = grants
        .iter()
        .map(|g| {
            let (rows, store, g) = (Arc::clone(&rows), store.clone(), g.clone());
            tokio::spawn(async move { rows.submit(&store, g).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    outcomes
}

async fn stored(store: &Store, g: &Grant) -> Result<Grant, StoreError> {
    oauth_grants::grant(&mut store.conn().await.unwrap(), g.tenant_id, g.id).await
}

async fn grant_rows_sent_at_once_all_land(store: Store) {
    let (_, client) = tenant_and_client(&store).await;
    let grants: Vec<Grant> = (0..300).map(|n| cc_grant(&client, n)).collect();
    for outcome in submit_all(&store, &grants).await {
        outcome.unwrap();
    }
    for g in &grants {
        assert_eq!(&stored(&store, g).await.unwrap(), g);
    }
}

async fn a_clashing_grant_row_fails_alone(store: Store) {
    let (_, client) = tenant_and_client(&store).await;
    let taken = cc_grant(&client, 0);
    oauth_grants::insert_grant(&mut store.writer().await.unwrap(), &taken)
        .await
        .unwrap();
    let mut grants: Vec<Grant> = (1..40).map(|n| cc_grant(&client, n)).collect();
    let clash = Grant {
        scope: "api:clash".into(),
        ..taken.clone()
    };
    grants.insert(20, clash);
    let outcomes = submit_all(&store, &grants).await;
    for (g, outcome) in grants.iter().zip(outcomes) {
        if g.scope == "api:clash" {
            assert!(outcome.is_err(), "the clashing row was accepted");
        } else {
            outcome.unwrap();
            assert_eq!(&stored(&store, g).await.unwrap(), g);
        }
    }
    // The row that was there first is untouched.
    assert_eq!(stored(&store, &taken).await.unwrap(), taken);
}

async fn one_batch_insert_is_all_or_nothing(store: Store) {
    let (_, client) = tenant_and_client(&store).await;
    let taken = cc_grant(&client, 0);
    oauth_grants::insert_grant(&mut store.writer().await.unwrap(), &taken)
        .await
        .unwrap();
    let mut batch: Vec<Grant> = (1..100).map(|n| cc_grant(&client, n)).collect();
    batch.push(taken.clone());
    let result = oauth_grants::insert_grants(&mut store.writer().await.unwrap(), &batch).await;
    assert!(result.is_err(), "a batch with a taken id was accepted");
    for g in &batch[..99] {
        assert_not_found(stored(&store, g).await);
    }
    // The writer's connection is usable after the failed statement.
    oauth_grants::insert_grants(&mut store.writer().await.unwrap(), &batch[..99])
        .await
        .unwrap();
    assert_eq!(stored(&store, &batch[42]).await.unwrap(), batch[42]);
}
