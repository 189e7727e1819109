//! Password credentials: absent until set, replaced by a second set, removed
//! by delete (idempotent), and only for users that exist.

use usso::core::UserId;
use usso::store::{passwords, Store};

use crate::harness::*;

store_tests!(
    password_is_set_replaced_and_deleted,
    password_needs_an_existing_user,
);

async fn password_is_set_replaced_and_deleted(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let t = tenant.id;
    let alice = add_user(&store, t, "alice", &[]).await.id;
    let bob = add_user(&store, t, "bob", &[]).await.id;
    let mut c = store.conn().await.unwrap();
    assert_eq!(passwords::get(&mut c, t, alice).await.unwrap(), None);

    passwords::set(&mut c, t, alice, "$argon2id$old", T0)
        .await
        .unwrap();
    passwords::set(&mut c, t, bob, "$argon2id$bob", T0)
        .await
        .unwrap();
    assert_eq!(
        passwords::get(&mut c, t, alice).await.unwrap().as_deref(),
        Some("$argon2id$old")
    );

    passwords::set(&mut c, t, alice, "$argon2id$new", at(60))
        .await
        .unwrap();
    assert_eq!(
        passwords::get(&mut c, t, alice).await.unwrap().as_deref(),
        Some("$argon2id$new")
    );

    passwords::delete(&mut c, t, alice).await.unwrap();
    assert_eq!(passwords::get(&mut c, t, alice).await.unwrap(), None);
    passwords::delete(&mut c, t, alice).await.unwrap();
    assert_eq!(
        passwords::get(&mut c, t, bob).await.unwrap().as_deref(),
        Some("$argon2id$bob")
    );
}

async fn password_needs_an_existing_user(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let ghost = UserId::new(T0);
    let mut c = store.conn().await.unwrap();
    assert_missing_reference(passwords::set(&mut c, tenant.id, ghost, "$argon2id$x", T0).await);
    assert_eq!(
        passwords::get(&mut c, tenant.id, ghost).await.unwrap(),
        None
    );
}
