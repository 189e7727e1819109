//! Login sessions: round trip, lookup by token hash, per-user listing, touch,
//! delete (one, a user's all), and the expiry and idle sweeps at their
//! boundaries.

use usso::core::{SessionId, UserId};
use usso::store::{sessions, Store, StoreError};

use crate::harness::*;

store_tests!(
    session_round_trips_and_is_found_by_token_hash,
    session_needs_an_existing_user,
    sessions_of_a_user_are_listed_by_id,
    touch_moves_last_seen,
    session_delete_is_final,
    delete_for_user_ends_every_session_of_that_user_only,
    delete_expired_removes_sessions_past_their_end,
    delete_idle_since_removes_sessions_unused_since_the_cutoff,
    session_token_hashes_are_unique,
);

async fn session_round_trips_and_is_found_by_token_hash(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let user = add_user(&store, tenant.id, "alice", &[]).await;
    let mut session = new_session(tenant.id, user.id, at(10), at(7200));
    session.ip = Some("203.0.113.7".into());
    session.user_agent = Some("Mozilla/5.0 (X11; Linux x86_64)".into());
    let mut c = store.conn().await.unwrap();
    sessions::insert(&mut c, &session, "token-hash-1")
        .await
        .unwrap();

    assert_eq!(
        sessions::get(&mut c, tenant.id, session.id).await.unwrap(),
        session
    );
    assert_eq!(
        sessions::by_token_hash(&mut c, tenant.id, "token-hash-1")
            .await
            .unwrap(),
        session
    );
    assert_not_found(sessions::by_token_hash(&mut c, tenant.id, "token-hash-2").await);
    assert_not_found(sessions::get(&mut c, tenant.id, SessionId::new(T0)).await);
}

async fn session_needs_an_existing_user(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let session = new_session(tenant.id, UserId::new(T0), T0, at(60));
    let mut c = store.conn().await.unwrap();
    assert_missing_reference(sessions::insert(&mut c, &session, "orphan").await);
    assert_not_found(sessions::by_token_hash(&mut c, tenant.id, "orphan").await);
}

async fn sessions_of_a_user_are_listed_by_id(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let alice = add_user(&store, tenant.id, "alice", &[]).await.id;
    let bob = add_user(&store, tenant.id, "bob", &[]).await.id;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            add_session(&store, tenant.id, alice, &format!("alice-{i}"))
                .await
                .id,
        );
    }
    add_session(&store, tenant.id, bob, "bob-0").await;
    let mut c = store.conn().await.unwrap();
    let listed = sessions::list_for_user(&mut c, tenant.id, alice)
        .await
        .unwrap();
    assert!(listed.iter().all(|s| s.user_id == alice));
    assert_eq!(
        listed.iter().map(|s| s.id.to_string()).collect::<Vec<_>>(),
        sorted_ids(&ids)
    );
    assert_eq!(
        sessions::list_for_user(&mut c, tenant.id, bob)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(sessions::list_for_user(&mut c, tenant.id, UserId::new(T0))
        .await
        .unwrap()
        .is_empty());
}

async fn touch_moves_last_seen(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let user = add_user(&store, tenant.id, "alice", &[]).await.id;
    let session = add_session(&store, tenant.id, user, "tok").await;
    let other = add_session(&store, tenant.id, user, "tok-other").await;
    let mut c = store.conn().await.unwrap();
    sessions::touch(&mut c, tenant.id, session.id, at(600))
        .await
        .unwrap();
    let touched = sessions::get(&mut c, tenant.id, session.id).await.unwrap();
    assert_eq!(touched.last_seen_at, at(600));
    assert_eq!(
        touched.expires_at, session.expires_at,
        "the absolute end does not move"
    );
    assert_eq!(touched.created_at, session.created_at);
    assert_eq!(
        sessions::get(&mut c, tenant.id, other.id).await.unwrap(),
        other
    );
    assert_not_found(sessions::touch(&mut c, tenant.id, SessionId::new(T0), at(600)).await);
}

async fn session_delete_is_final(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let user = add_user(&store, tenant.id, "alice", &[]).await.id;
    let session = add_session(&store, tenant.id, user, "tok").await;
    let kept = add_session(&store, tenant.id, user, "tok-kept").await;
    let mut c = store.conn().await.unwrap();
    sessions::delete(&mut c, tenant.id, session.id)
        .await
        .unwrap();
    assert_not_found(sessions::get(&mut c, tenant.id, session.id).await);
    assert_not_found(sessions::by_token_hash(&mut c, tenant.id, "tok").await);
    assert_not_found(sessions::delete(&mut c, tenant.id, session.id).await);
    assert_not_found(sessions::touch(&mut c, tenant.id, session.id, at(1)).await);
    assert_eq!(
        sessions::list_for_user(&mut c, tenant.id, user)
            .await
            .unwrap(),
        vec![kept]
    );
}

async fn delete_for_user_ends_every_session_of_that_user_only(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let alice = add_user(&store, tenant.id, "alice", &[]).await.id;
    let bob = add_user(&store, tenant.id, "bob", &[]).await.id;
    for i in 0..3 {
        add_session(&store, tenant.id, alice, &format!("alice-{i}")).await;
    }
    let bobs = add_session(&store, tenant.id, bob, "bob-0").await;
    let mut c = store.conn().await.unwrap();
    assert_eq!(
        sessions::delete_for_user(&mut c, tenant.id, alice)
            .await
            .unwrap(),
        3
    );
    assert!(sessions::list_for_user(&mut c, tenant.id, alice)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        sessions::delete_for_user(&mut c, tenant.id, alice)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        sessions::list_for_user(&mut c, tenant.id, bob)
            .await
            .unwrap(),
        vec![bobs]
    );
}

async fn delete_expired_removes_sessions_past_their_end(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let other = add_tenant(&store, "other").await;
    let user = add_user(&store, tenant.id, "alice", &[]).await.id;
    let stranger = add_user(&store, other.id, "alice", &[]).await.id;
    let mut c = store.conn().await.unwrap();
    let ends = [at(100), at(200), at(201), at(300)];
    let mut made = Vec::new();
    for (i, end) in ends.into_iter().enumerate() {
        let s = new_session(tenant.id, user, T0, end);
        sessions::insert(&mut c, &s, &format!("tok-{i}"))
            .await
            .unwrap();
        made.push(s);
    }
    let foreign = new_session(other.id, stranger, T0, at(1));
    sessions::insert(&mut c, &foreign, "foreign").await.unwrap();

    assert_eq!(
        sessions::delete_expired(&mut c, tenant.id, at(99))
            .await
            .unwrap(),
        0
    );
    // A session whose end is exactly now is over.
    assert_eq!(
        sessions::delete_expired(&mut c, tenant.id, at(200))
            .await
            .unwrap(),
        2
    );
    let left = sessions::list_for_user(&mut c, tenant.id, user)
        .await
        .unwrap();
    let mut expected = vec![made[2].clone(), made[3].clone()];
    expected.sort_by_key(|s| s.id.to_string());
    assert_eq!(left, expected);
    // Another tenant's sweep is its own business.
    assert_eq!(
        sessions::get(&mut c, other.id, foreign.id).await.unwrap(),
        foreign
    );
}

async fn delete_idle_since_removes_sessions_unused_since_the_cutoff(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let other = add_tenant(&store, "other").await;
    let user = add_user(&store, tenant.id, "alice", &[]).await.id;
    let stranger = add_user(&store, other.id, "alice", &[]).await.id;
    let mut c = store.conn().await.unwrap();
    let mut made = Vec::new();
    for (i, seen) in [at(10), at(50), at(51)].into_iter().enumerate() {
        let s = new_session(tenant.id, user, seen, at(10_000));
        sessions::insert(&mut c, &s, &format!("tok-{i}"))
            .await
            .unwrap();
        made.push(s);
    }
    let foreign = new_session(other.id, stranger, T0, at(10_000));
    sessions::insert(&mut c, &foreign, "foreign").await.unwrap();
    // Touching a session saves it from the sweep.
    sessions::touch(&mut c, tenant.id, made[0].id, at(60))
        .await
        .unwrap();

    assert_eq!(
        sessions::delete_idle_since(&mut c, tenant.id, at(50))
            .await
            .unwrap(),
        1
    );
    assert_not_found(sessions::get(&mut c, tenant.id, made[1].id).await);
    assert_eq!(
        sessions::list_for_user(&mut c, tenant.id, user)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        sessions::get(&mut c, other.id, foreign.id).await.unwrap(),
        foreign
    );
}

async fn session_token_hashes_are_unique(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let user = add_user(&store, tenant.id, "alice", &[]).await.id;
    let first = add_session(&store, tenant.id, user, "same").await;
    let mut c = store.conn().await.unwrap();
    let result = sessions::insert(&mut c, &new_session(tenant.id, user, T0, at(5)), "same").await;
    assert!(
        matches!(result, Err(StoreError::Conflict { .. })),
        "{result:?}"
    );
    assert_eq!(
        sessions::by_token_hash(&mut c, tenant.id, "same")
            .await
            .unwrap(),
        first
    );
}
