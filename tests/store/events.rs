//! The audit log: every field and actor kind round trips, events list oldest
//! first in cursor pages, and an event shares the fate of the change it
//! records (a transaction dropped without commit leaves neither).

use serde_json::json;
use usso::core::event::{Actor, AuditEvent, Outcome};
use usso::core::{ApiKeyId, UserId};
use usso::store::{events, users, Page, Store};

use crate::harness::*;

store_tests!(
    events_round_trip_every_field_and_actor,
    events_list_oldest_first_in_pages,
    a_dropped_transaction_leaves_neither_change_nor_event,
    a_committed_transaction_keeps_change_and_event,
);

async fn events_round_trip_every_field_and_actor(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let t = tenant.id;
    let actors = [
        Actor::System,
        Actor::Cli,
        Actor::Anonymous,
        Actor::ApiKey(ApiKeyId::new(T0)),
        Actor::User(UserId::new(T0)),
    ];
    let mut written = Vec::new();
    let mut c = store.conn().await.unwrap();
    for (i, actor) in actors.into_iter().enumerate() {
        let secs = i64::try_from(i).unwrap();
        let event = AuditEvent::new(t, at(secs), actor, "login.failed");
        written.push(event);
    }
    written[1] = written[1]
        .clone()
        .target("user", "u-1")
        .ip(Some("198.51.100.4".into()));
    written[2] = written[2]
        .clone()
        .failed()
        .details(json!({"reason": "bad password", "attempt": 3, "tags": ["a", "ü"]}));
    for event in &written {
        events::append(&mut c, event).await.unwrap();
    }

    let listed = events::list(&mut c, t, Page::first(100)).await.unwrap();
    assert_eq!(listed, written);
    assert_eq!(listed[2].outcome, Outcome::Failure);
    assert_eq!(listed[2].details["tags"][1], "ü");
}

async fn events_list_oldest_first_in_pages(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let other = add_tenant(&store, "other").await;
    add_event(&store, other.id, at(2), "foreign").await;
    let mut written = Vec::new();
    // Listed in the order they happened, even when several share an instant
    // (ids are time-ordered and monotonic within a process).
    for secs in [10, 20, 20, 20, 30] {
        let name = format!("e{}", written.len() + 1);
        written.push(add_event(&store, tenant.id, at(secs), &name).await);
    }
    let mut c = store.conn().await.unwrap();
    let mut actions = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = Page {
            after: after.as_deref(),
            limit: 2,
        };
        let batch = events::list(&mut c, tenant.id, page).await.unwrap();
        let Some(last) = batch.last() else { break };
        assert!(batch.len() <= 2);
        after = Some(last.id.to_string());
        actions.extend(batch.into_iter().map(|e| e.action));
    }
    assert_eq!(actions, ["e1", "e2", "e3", "e4", "e5"]);
}

async fn a_dropped_transaction_leaves_neither_change_nor_event(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let user = new_user(tenant.id, "alice", &["alice@example.com"]);
    let event = AuditEvent::new(tenant.id, T0, Actor::Cli, "user.created").target("user", user.id);
    {
        let mut tx = store.begin().await.unwrap();
        users::insert(&mut tx, &user).await.unwrap();
        events::append(&mut tx, &event).await.unwrap();
        // Visible inside the transaction …
        assert_eq!(users::get(&mut tx, tenant.id, user.id).await.unwrap(), user);
        assert_eq!(
            events::list(&mut tx, tenant.id, Page::first(10))
                .await
                .unwrap()
                .len(),
            1
        );
        // … and gone when it is dropped without commit (an error path's `?`).
    }
    let mut c = store.conn().await.unwrap();
    assert_not_found(users::get(&mut c, tenant.id, user.id).await);
    assert_not_found(users::by_login(&mut c, tenant.id, "alice@example.com").await);
    assert!(events::list(&mut c, tenant.id, Page::first(10))
        .await
        .unwrap()
        .is_empty());
    drop(c);
    // Nothing half-written blocks a retry.
    insert_user(&store, &user).await;
}

async fn a_committed_transaction_keeps_change_and_event(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let user = new_user(tenant.id, "alice", &["alice@example.com"]);
    let event = AuditEvent::new(tenant.id, T0, Actor::Cli, "user.created").target("user", user.id);
    let mut tx = store.begin().await.unwrap();
    users::insert(&mut tx, &user).await.unwrap();
    events::append(&mut tx, &event).await.unwrap();
    tx.commit().await.unwrap();
    let mut c = store.conn().await.unwrap();
    assert_eq!(users::get(&mut c, tenant.id, user.id).await.unwrap(), user);
    assert_eq!(
        events::list(&mut c, tenant.id, Page::first(10))
            .await
            .unwrap(),
        vec![event]
    );
}
