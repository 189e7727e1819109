//! Users with their emails and external ids: round trip, login lookup by
//! username or email without regard to case, uniqueness conflicts,
//! optimistic-concurrency updates, delete and its cascade, cursor pages, and
//! the listing filter (eq / sw / co, `%` `_` `\` taken literally).

use usso::core::filter::Filter;
use usso::core::group::Member;
use usso::core::role::Principal;
use usso::core::user::{Email, ExternalId, User, UserStatus};
use usso::core::{TenantId, UserId};
use usso::store::{groups, passwords, roles, sessions, users, Page, Store};

use crate::harness::*;

store_tests!(
    user_round_trips_with_emails_and_external_ids,
    login_finds_users_by_username_or_email_without_regard_to_case,
    login_prefers_a_username_over_another_users_email,
    username_is_unique_without_regard_to_case,
    email_is_unique_in_a_tenant_without_regard_to_case,
    external_id_is_unique_per_source,
    a_refused_insert_in_a_transaction_leaves_nothing,
    many_users_go_in_together_and_one_clash_leaves_none,
    update_replaces_fields_emails_and_external_ids,
    update_with_a_stale_version_is_refused_and_changes_nothing,
    update_of_a_missing_user_is_not_found,
    update_to_a_taken_username_or_email_is_a_conflict,
    delete_removes_the_user_and_everything_hanging_off_it,
    users_are_paged_by_id,
    filter_matches_username_email_and_status,
    filter_matches_names_and_external_ids,
    filter_takes_like_wildcards_literally,
    filter_matches_non_ascii_values,
    filter_conditions_combine_and_page,
);

fn ext(source: &str, id: &str) -> ExternalId {
    ExternalId {
        source: source.into(),
        id: id.into(),
    }
}

async fn list(store: &Store, tenant: TenantId, filter: &str) -> Vec<String> {
    let filter = Filter::parse(filter, users::FILTER_ATTRIBUTES).unwrap();
    let found = users::list(
        &mut store.conn().await.unwrap(),
        tenant,
        &filter,
        Page::first(100),
    )
    .await
    .unwrap();
    let mut names: Vec<String> = found.into_iter().map(|u| u.username).collect();
    names.sort();
    names
}

async fn user_round_trips_with_emails_and_external_ids(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let mut user = new_user(tenant.id, "Alice", &[]);
    user.emails = vec![
        Email {
            value: "Zed.Alice@Example.com".into(),
            verified: true,
            primary: false,
            kind: Some("work".into()),
        },
        Email {
            value: "alice@home.test".into(),
            verified: false,
            primary: true,
            kind: None,
        },
    ];
    user.phone = Some("+33 1 23 45 67 89".into());
    user.given_name = Some("Alice".into());
    user.family_name = Some("Liddell".into());
    user.display_name = Some("Alice L.".into());
    user.locale = Some("fr-FR".into());
    user.status = UserStatus::Disabled;
    user.external_ids = vec![ext("ldap", "uid=alice"), ext("scim", "E-1")];
    user.created_at = at(-10);
    user.updated_at = at(5);
    user.version = 3;
    insert_user(&store, &user).await;

    let mut c = store.conn().await.unwrap();
    // Emails come back in the order given, not sorted; everything else as written.
    assert_eq!(users::get(&mut c, tenant.id, user.id).await.unwrap(), user);
    assert_eq!(users::count(&mut c, tenant.id).await.unwrap(), 1);
    assert_not_found(users::get(&mut c, tenant.id, UserId::new(T0)).await);
}

async fn login_finds_users_by_username_or_email_without_regard_to_case(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let alice = add_user(
        &store,
        tenant.id,
        "Alice",
        &["Alice.Smith@Example.com", "second@alias.test"],
    )
    .await;
    add_user(&store, tenant.id, "bob", &["bob@example.com"]).await;

    let mut c = store.conn().await.unwrap();
    for login in [
        "Alice",
        "alice",
        "ALICE",
        "alice.smith@example.com",
        "ALICE.SMITH@EXAMPLE.COM",
        "Second@Alias.test",
    ] {
        let found = users::by_login(&mut c, tenant.id, login).await.unwrap();
        assert_eq!(found, alice, "login {login:?}");
    }
    for unknown in ["alic", "alice.smith", "nobody@example.com", ""] {
        assert_not_found(users::by_login(&mut c, tenant.id, unknown).await);
    }
}

async fn login_prefers_a_username_over_another_users_email(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    // Usernames may look like addresses; the one whose username it is wins.
    let by_email = add_user(&store, tenant.id, "mallory", &["boss@example.com"]).await;
    let by_name = add_user(&store, tenant.id, "Boss@Example.com", &["real@example.com"]).await;
    let mut c = store.conn().await.unwrap();
    assert_eq!(
        users::by_login(&mut c, tenant.id, "boss@example.com")
            .await
            .unwrap()
            .id,
        by_name.id
    );
    assert_eq!(
        users::by_login(&mut c, tenant.id, "mallory")
            .await
            .unwrap()
            .id,
        by_email.id
    );
}

async fn username_is_unique_without_regard_to_case(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    add_user(&store, tenant.id, "alice", &[]).await;
    let mut tx = store.begin().await.unwrap();
    assert_conflict(
        users::insert(&mut tx, &new_user(tenant.id, "ALICE", &[])).await,
        "username",
    );
    drop(tx);
    assert_eq!(
        users::count(&mut store.conn().await.unwrap(), tenant.id)
            .await
            .unwrap(),
        1
    );
}

async fn email_is_unique_in_a_tenant_without_regard_to_case(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    add_user(&store, tenant.id, "alice", &["alice@example.com"]).await;

    let mut tx = store.begin().await.unwrap();
    let thief = new_user(
        tenant.id,
        "mallory",
        &["x@example.com", "ALICE@example.COM"],
    );
    assert_conflict(users::insert(&mut tx, &thief).await, "email");
    drop(tx);

    // Twice in one user is refused too.
    let mut tx = store.begin().await.unwrap();
    let twice = new_user(
        tenant.id,
        "carol",
        &["carol@example.com", "Carol@Example.com"],
    );
    assert_conflict(users::insert(&mut tx, &twice).await, "email");
}

async fn external_id_is_unique_per_source(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let mut alice = new_user(tenant.id, "alice", &[]);
    alice.external_ids = vec![ext("hr", "E-1")];
    insert_user(&store, &alice).await;

    let mut same_source = new_user(tenant.id, "bob", &[]);
    same_source.external_ids = vec![ext("hr", "E-1")];
    let mut tx = store.begin().await.unwrap();
    assert_conflict(users::insert(&mut tx, &same_source).await, "external_id");
    drop(tx);

    let mut other_source = new_user(tenant.id, "bob", &[]);
    other_source.external_ids = vec![ext("ldap", "E-1")];
    insert_user(&store, &other_source).await;
    let mut c = store.conn().await.unwrap();
    assert_eq!(
        users::get(&mut c, tenant.id, other_source.id)
            .await
            .unwrap(),
        other_source
    );
}

async fn a_refused_insert_in_a_transaction_leaves_nothing(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    add_user(&store, tenant.id, "alice", &["alice@example.com"]).await;
    // The user row goes in, its second email clashes: the whole insert is undone.
    let late_clash = new_user(tenant.id, "bob", &["bob@example.com", "alice@example.com"]);
    let mut tx = store.begin().await.unwrap();
    assert_conflict(users::insert(&mut tx, &late_clash).await, "email");
    drop(tx);

    let mut c = store.conn().await.unwrap();
    assert_not_found(users::get(&mut c, tenant.id, late_clash.id).await);
    assert_not_found(users::by_login(&mut c, tenant.id, "bob").await);
    assert_not_found(users::by_login(&mut c, tenant.id, "bob@example.com").await);
    assert_eq!(users::count(&mut c, tenant.id).await.unwrap(), 1);
}

async fn many_users_go_in_together_and_one_clash_leaves_none(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    // More than one statement's worth of rows (500), with and without
    // emails and external ids, NULL and set optional fields.
    let batch: Vec<User> = (0..1001)
        .map(|i| {
            let name = format!("u{i:04}");
            let mut user = match i % 3 {
                0 => new_user(tenant.id, &name, &[]),
                _ => new_user(tenant.id, &name, &[&format!("{name}@example.com")]),
            };
            user.id = UserId::new(T0);
            if i % 2 == 0 {
                user.external_ids = vec![ext("ldap:1", &format!("E-{i}")), ext("scim", &name)];
                user.given_name = Some(format!("Given {i}"));
                user.status = UserStatus::Disabled;
            }
            user
        })
        .collect();
    let mut tx = store.begin().await.unwrap();
    users::insert_many(&mut tx, &batch).await.unwrap();
    tx.commit().await.unwrap();
    let mut c = store.conn().await.unwrap();
    assert_eq!(users::count(&mut c, tenant.id).await.unwrap(), 1001);
    for user in [&batch[0], &batch[1], &batch[500], &batch[1000]] {
        assert_eq!(&users::get(&mut c, tenant.id, user.id).await.unwrap(), user);
    }
    assert_eq!(
        users::by_login(&mut c, tenant.id, "u0001@example.com")
            .await
            .unwrap()
            .id,
        batch[1].id
    );
    drop(c);

    // The last of a new batch takes a username already there (another
    // case): the whole batch is refused and nothing of it stays.
    let fresh = new_user(tenant.id, "fresh", &["fresh@example.com"]);
    let clash = new_user(tenant.id, "U0007", &[]);
    let mut tx = store.begin().await.unwrap();
    assert_conflict(
        users::insert_many(&mut tx, &[fresh.clone(), clash]).await,
        "username",
    );
    drop(tx);
    let mut c = store.conn().await.unwrap();
    assert_not_found(users::get(&mut c, tenant.id, fresh.id).await);
    assert_not_found(users::by_login(&mut c, tenant.id, "fresh@example.com").await);
    assert_eq!(users::count(&mut c, tenant.id).await.unwrap(), 1001);
}

async fn update_replaces_fields_emails_and_external_ids(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let mut user = new_user(tenant.id, "alice", &["old@example.com"]);
    user.external_ids = vec![ext("hr", "E-1")];
    insert_user(&store, &user).await;

    let mut changed = user.clone();
    changed.username = "Alice.Liddell".into();
    changed.emails = vec![email("new@example.com"), email("work@example.com")];
    changed.emails[1].primary = true;
    changed.external_ids = vec![ext("hr", "E-2")];
    changed.given_name = Some("Alice".into());
    changed.status = UserStatus::Disabled;
    changed.updated_at = at(30);
    changed.version = 2;
    let mut tx = store.begin().await.unwrap();
    users::update(&mut tx, &changed, 1).await.unwrap();
    tx.commit().await.unwrap();

    let mut c = store.conn().await.unwrap();
    assert_eq!(
        users::get(&mut c, tenant.id, user.id).await.unwrap(),
        changed
    );
    assert_eq!(
        users::by_login(&mut c, tenant.id, "alice.liddell")
            .await
            .unwrap()
            .id,
        user.id
    );
    assert_eq!(
        users::by_login(&mut c, tenant.id, "work@example.com")
            .await
            .unwrap()
            .id,
        user.id
    );
    assert_not_found(users::by_login(&mut c, tenant.id, "alice").await);
    assert_not_found(users::by_login(&mut c, tenant.id, "old@example.com").await);
    drop(c);

    // What the update let go of is free for others.
    let mut heir = new_user(tenant.id, "alice", &["old@example.com"]);
    heir.external_ids = vec![ext("hr", "E-1")];
    insert_user(&store, &heir).await;
}

async fn update_with_a_stale_version_is_refused_and_changes_nothing(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let user = add_user(&store, tenant.id, "alice", &["alice@example.com"]).await;

    let mut first = user.clone();
    first.display_name = Some("First writer".into());
    first.version = 2;
    users::update(&mut store.conn().await.unwrap(), &first, 1)
        .await
        .unwrap();

    // A second writer that also read version 1.
    let mut second = user.clone();
    second.display_name = Some("Second writer".into());
    second.emails = vec![email("second@example.com")];
    second.version = 2;
    let mut tx = store.begin().await.unwrap();
    assert_version_mismatch(users::update(&mut tx, &second, 1).await);
    tx.commit().await.unwrap();

    let mut c = store.conn().await.unwrap();
    assert_eq!(users::get(&mut c, tenant.id, user.id).await.unwrap(), first);
    // Reading again and stating the current version works.
    second.version = 3;
    users::update(&mut c, &second, 2).await.unwrap();
    assert_eq!(
        users::get(&mut c, tenant.id, user.id).await.unwrap(),
        second
    );
}

async fn update_of_a_missing_user_is_not_found(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let ghost = new_user(tenant.id, "ghost", &["ghost@example.com"]);
    let mut c = store.conn().await.unwrap();
    assert_not_found(users::update(&mut c, &ghost, 1).await);
    assert_not_found(users::update(&mut c, &ghost, 7).await);
    assert_eq!(users::count(&mut c, tenant.id).await.unwrap(), 0);
    assert_not_found(users::by_login(&mut c, tenant.id, "ghost@example.com").await);
}

async fn update_to_a_taken_username_or_email_is_a_conflict(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    add_user(&store, tenant.id, "alice", &["alice@example.com"]).await;
    let bob = add_user(&store, tenant.id, "bob", &["bob@example.com"]).await;

    let mut rename = bob.clone();
    rename.username = "ALICE".into();
    rename.version = 2;
    let mut tx = store.begin().await.unwrap();
    assert_conflict(users::update(&mut tx, &rename, 1).await, "username");
    drop(tx);

    let mut steal = bob.clone();
    steal.emails = vec![email("bob@example.com"), email("Alice@Example.com")];
    steal.version = 2;
    let mut tx = store.begin().await.unwrap();
    assert_conflict(users::update(&mut tx, &steal, 1).await, "email");
    drop(tx);

    let mut c = store.conn().await.unwrap();
    assert_eq!(users::get(&mut c, tenant.id, bob.id).await.unwrap(), bob);
}

async fn delete_removes_the_user_and_everything_hanging_off_it(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let t = tenant.id;
    let mut alice = new_user(t, "alice", &["alice@example.com"]);
    alice.external_ids = vec![ext("hr", "E-1")];
    insert_user(&store, &alice).await;
    let bob = add_user(&store, t, "bob", &["bob@example.com"]).await;
    let group = add_group(&store, t, "staff").await;
    let role = add_role(&store, t, "admin").await;
    add_assignment(&store, t, role.id, Principal::User(alice.id), None).await;
    let bobs = add_assignment(&store, t, role.id, Principal::User(bob.id), None).await;
    add_session(&store, t, alice.id, "alice-token").await;
    let bob_session = add_session(&store, t, bob.id, "bob-token").await;
    let mut c = store.conn().await.unwrap();
    groups::add_member(&mut c, t, group.id, Member::User(alice.id), T0)
        .await
        .unwrap();
    groups::add_member(&mut c, t, group.id, Member::User(bob.id), T0)
        .await
        .unwrap();
    passwords::set(&mut c, t, alice.id, "phc-alice", T0)
        .await
        .unwrap();
    passwords::set(&mut c, t, bob.id, "phc-bob", T0)
        .await
        .unwrap();

    users::delete(&mut c, t, alice.id).await.unwrap();

    assert_not_found(users::get(&mut c, t, alice.id).await);
    assert_not_found(users::by_login(&mut c, t, "alice@example.com").await);
    assert_not_found(users::delete(&mut c, t, alice.id).await);
    assert_eq!(users::count(&mut c, t).await.unwrap(), 1);
    assert_eq!(
        groups::members(&mut c, t, group.id).await.unwrap(),
        vec![Member::User(bob.id)]
    );
    assert!(groups::of_user(&mut c, t, alice.id)
        .await
        .unwrap()
        .is_empty());
    assert_not_found(sessions::by_token_hash(&mut c, t, "alice-token").await);
    assert!(sessions::list_for_user(&mut c, t, alice.id)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(passwords::get(&mut c, t, alice.id).await.unwrap(), None);
    assert_eq!(
        roles::assignments_of_role(&mut c, t, role.id)
            .await
            .unwrap(),
        vec![bobs]
    );
    // Bob is untouched.
    assert_eq!(users::get(&mut c, t, bob.id).await.unwrap(), bob);
    assert_eq!(
        sessions::by_token_hash(&mut c, t, "bob-token")
            .await
            .unwrap(),
        bob_session
    );
    assert_eq!(
        passwords::get(&mut c, t, bob.id).await.unwrap().as_deref(),
        Some("phc-bob")
    );
    drop(c);
    // Username, email and external id are free again.
    let mut again = new_user(t, "Alice", &["ALICE@example.com"]);
    again.external_ids = vec![ext("hr", "E-1")];
    insert_user(&store, &again).await;
}

async fn users_are_paged_by_id(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let other = add_tenant(&store, "other").await;
    add_user(&store, other.id, "stranger", &[]).await;
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(
            add_user(
                &store,
                tenant.id,
                &format!("user{i}"),
                &[&format!("u{i}@example.com")],
            )
            .await
            .id,
        );
    }
    let expected = sorted_ids(&ids);

    let mut c = store.conn().await.unwrap();
    let all = Filter::default();
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = Page {
            after: after.as_deref(),
            limit: 3,
        };
        let batch = users::list(&mut c, tenant.id, &all, page).await.unwrap();
        if batch.is_empty() {
            break;
        }
        sizes.push(batch.len());
        assert!(
            batch.iter().all(|u| u.emails.len() == 1),
            "children are loaded on every page"
        );
        after = batch.last().map(|u| u.id.to_string());
        seen.extend(batch.into_iter().map(|u| u.id.to_string()));
    }
    assert_eq!(sizes, [3, 3, 1]);
    assert_eq!(seen, expected);
    assert_eq!(users::count(&mut c, tenant.id).await.unwrap(), 7);
    let first = users::list(&mut c, tenant.id, &all, Page::first(1))
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].id.to_string(), expected[0]);
}

async fn seed_directory(store: &Store, tenant: TenantId) -> Vec<User> {
    let mut alice = new_user(tenant, "alice", &["alice@example.com"]);
    alice.given_name = Some("Alice".into());
    alice.family_name = Some("Liddell".into());
    alice.display_name = Some("Alice Liddell".into());
    alice.external_ids = vec![ext("hr", "E-100")];
    let mut alicia = new_user(
        tenant,
        "Alicia",
        &["alicia@corp.test", "ALICIA@example.com"],
    );
    alicia.status = UserStatus::Disabled;
    alicia.given_name = Some("Alicia".into());
    alicia.family_name = Some("Keys".into());
    let mut bob = new_user(tenant, "bob", &["Bob@Example.com"]);
    bob.external_ids = vec![ext("hr", "E-1000"), ext("ldap", "uid=bob")];
    bob.display_name = Some("Robert".into());
    let users = vec![alice, alicia, bob];
    for user in &users {
        insert_user(store, user).await;
    }
    users
}

async fn filter_matches_username_email_and_status(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    seed_directory(&store, tenant.id).await;
    let t = tenant.id;
    assert_eq!(list(&store, t, r#"username eq "ALICE""#).await, ["alice"]);
    assert_eq!(
        list(&store, t, "username eq ali").await,
        Vec::<String>::new()
    );
    assert_eq!(
        list(&store, t, "username sw ALI").await,
        ["Alicia", "alice"]
    );
    assert_eq!(
        list(&store, t, "username co LIC").await,
        ["Alicia", "alice"]
    );
    assert_eq!(list(&store, t, "username co ob").await, ["bob"]);
    assert_eq!(
        list(&store, t, r#"email eq "BOB@EXAMPLE.COM""#).await,
        ["bob"]
    );
    // Any of a user's emails matches, and the user is listed once.
    assert_eq!(list(&store, t, "email sw ali").await, ["Alicia", "alice"]);
    assert_eq!(
        list(&store, t, "email co example.com").await,
        ["Alicia", "alice", "bob"]
    );
    assert_eq!(list(&store, t, "email co corp").await, ["Alicia"]);
    assert_eq!(list(&store, t, "status eq disabled").await, ["Alicia"]);
    assert_eq!(list(&store, t, "status eq ACTIVE").await, ["alice", "bob"]);
}

async fn filter_matches_names_and_external_ids(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    seed_directory(&store, tenant.id).await;
    let t = tenant.id;
    assert_eq!(list(&store, t, "given_name eq alice").await, ["alice"]);
    assert_eq!(
        list(&store, t, "given_name sw ALI").await,
        ["Alicia", "alice"]
    );
    assert_eq!(list(&store, t, "family_name co DELL").await, ["alice"]);
    assert_eq!(list(&store, t, "family_name eq keys").await, ["Alicia"]);
    assert_eq!(
        list(&store, t, r#"display_name eq "alice liddell""#).await,
        ["alice"]
    );
    assert_eq!(list(&store, t, "display_name co rob").await, ["bob"]);
    assert_eq!(list(&store, t, "external_id eq e-100").await, ["alice"]);
    assert_eq!(
        list(&store, t, "external_id sw E-100").await,
        ["alice", "bob"]
    );
    assert_eq!(list(&store, t, "external_id co uid=").await, ["bob"]);
    assert_eq!(
        list(&store, t, "external_id eq nobody").await,
        Vec::<String>::new()
    );
}

async fn filter_takes_like_wildcards_literally(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let t = tenant.id;
    for (name, mail) in [
        ("50%off", "pct%@example.com"),
        ("50xoff", "pctx@example.com"),
        ("a_c", "under_score@example.com"),
        ("abc", "underxscore@example.com"),
        (r"back\slash", r"back\slash@example.com"),
        ("backxslash", "backxslash@example.com"),
    ] {
        add_user(&store, t, name, &[mail]).await;
    }
    assert_eq!(list(&store, t, r#"username co "%""#).await, ["50%off"]);
    assert_eq!(list(&store, t, r#"username sw "50%""#).await, ["50%off"]);
    assert_eq!(list(&store, t, r#"username sw "a_""#).await, ["a_c"]);
    assert_eq!(list(&store, t, r#"username co "_""#).await, ["a_c"]);
    assert_eq!(
        list(&store, t, r#"username co "\\""#).await,
        [r"back\slash"]
    );
    assert_eq!(
        list(&store, t, r#"username sw "back\\s""#).await,
        [r"back\slash"]
    );
    assert_eq!(list(&store, t, r#"email co "%@""#).await, ["50%off"]);
    assert_eq!(list(&store, t, r#"email sw "under_""#).await, ["a_c"]);
    assert_eq!(list(&store, t, r#"email co "k\\s""#).await, [r"back\slash"]);
    assert_eq!(list(&store, t, r#"username eq "a_c""#).await, ["a_c"]);
    assert_eq!(
        list(&store, t, r#"username eq "a%""#).await,
        Vec::<String>::new()
    );
}

async fn filter_conditions_combine_and_page(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let t = tenant.id;
    seed_directory(&store, t).await;
    assert_eq!(
        list(&store, t, "username sw a AND status eq disabled").await,
        ["Alicia"]
    );
    assert_eq!(
        list(&store, t, "email co example and external_id sw e-").await,
        ["alice", "bob"]
    );
    assert_eq!(
        list(&store, t, "username eq bob and status eq disabled").await,
        Vec::<String>::new()
    );

    for i in 0..5 {
        add_user(&store, t, &format!("al-{i}"), &[]).await;
    }
    let filter = Filter::parse("username sw al", users::FILTER_ATTRIBUTES).unwrap();
    let mut c = store.conn().await.unwrap();
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = Page {
            after: after.as_deref(),
            limit: 2,
        };
        let batch = users::list(&mut c, t, &filter, page).await.unwrap();
        let Some(last) = batch.last() else { break };
        after = Some(last.id.to_string());
        seen.extend(batch.into_iter().map(|u| u.username));
    }
    seen.sort();
    assert_eq!(
        seen,
        ["Alicia", "al-0", "al-1", "al-2", "al-3", "al-4", "alice"]
    );
}

async fn filter_matches_non_ascii_values(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let t = tenant.id;
    let mut emile = new_user(t, "Émile", &["Émile@Exämple.com"]);
    emile.given_name = Some("Émile".into());
    emile.family_name = Some("Straße".into());
    emile.external_ids = vec![ext("hr", "ÉX-1")];
    insert_user(&store, &emile).await;
    let mut eric = new_user(t, "eric", &["eric@example.com"]);
    eric.given_name = Some("Eric".into());
    insert_user(&store, &eric).await;

    // Usernames and emails ignore case in every script.
    assert_eq!(list(&store, t, "username eq ÉMILE").await, ["Émile"]);
    assert_eq!(list(&store, t, "username sw é").await, ["Émile"]);
    assert_eq!(
        list(&store, t, "email eq émile@exämple.com").await,
        ["Émile"]
    );
    // Names and external ids match at least as written, on both databases.
    assert_eq!(list(&store, t, "given_name eq Émile").await, ["Émile"]);
    assert_eq!(list(&store, t, "given_name sw É").await, ["Émile"]);
    assert_eq!(list(&store, t, "given_name co MILE").await, ["Émile"]);
    assert_eq!(list(&store, t, "family_name co ß").await, ["Émile"]);
    assert_eq!(list(&store, t, "external_id eq ÉX-1").await, ["Émile"]);
    assert_eq!(list(&store, t, "external_id sw Éx").await, ["Émile"]);
    assert_eq!(list(&store, t, "given_name sw e").await, ["eric"]);
    let mut c = store.conn().await.unwrap();
    assert_eq!(
        users::by_login(&mut c, t, "ÉMILE@EXÄMPLE.COM")
            .await
            .unwrap()
            .id,
        emile.id
    );
}
