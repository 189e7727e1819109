//! Tenant isolation (ARCHITECTURE.md rule 5), one test per store operation,
//! after ory/hydra's `persister_nid_test`: tenant A and tenant B each hold a
//! full set of records; every read, update and delete is called as tenant B
//! with A's ids and keys, and must find nothing (NotFound, empty, a missing
//! reference) while every record of A reads back exactly as before.

use usso::core::filter::Filter;
use usso::core::group::Member;
use usso::core::role::Principal;
use usso::store::{
    api_keys, events, groups, passwords, roles, sessions, tenants, users, workspaces, Page, Store,
};

use crate::harness::*;
use crate::world::{seed, Snapshot, World};

store_tests!(
    same_names_may_exist_in_two_tenants,
    tenants_update_and_delete_touch_one_tenant,
    users_get,
    users_by_login,
    users_list,
    users_count,
    users_update,
    users_delete,
    groups_get,
    groups_by_name,
    groups_list,
    groups_update,
    groups_delete,
    groups_add_member,
    groups_remove_member,
    groups_members,
    groups_ancestors,
    groups_of_user,
    roles_get,
    roles_by_name,
    roles_list,
    roles_delete,
    roles_assign,
    roles_unassign,
    roles_find_assignment,
    roles_assignments_of_role,
    roles_assignments_of_user,
    workspaces_get,
    workspaces_by_slug,
    workspaces_list,
    workspaces_delete,
    sessions_insert,
    sessions_by_token_hash,
    sessions_get,
    sessions_list_for_user,
    sessions_touch,
    sessions_delete,
    sessions_delete_for_user,
    sessions_delete_expired,
    sessions_delete_idle_since,
    api_keys_by_token_hash,
    api_keys_get,
    api_keys_list,
    api_keys_delete,
    events_append,
    events_list,
    passwords_get,
    passwords_set,
    passwords_delete,
);

/// Two seeded tenants and a snapshot of A, checked to describe A's records.
async fn setup(store: &Store) -> (World, World, Snapshot) {
    let a = seed(store, "a").await;
    let b = seed(store, "b").await;
    let before = Snapshot::take(store, &a).await;
    before.assert_describes(&a);
    (a, b, before)
}

async fn assert_a_unchanged(store: &Store, a: &World, before: &Snapshot) {
    assert_eq!(
        &Snapshot::take(store, a).await,
        before,
        "tenant A's records changed"
    );
}

// ---------------------------------------------------------------- tenants

async fn same_names_may_exist_in_two_tenants(store: Store) {
    let (a, b, before) = setup(&store).await;
    let t = b.tenant.id;
    // Everything unique "per tenant" takes A's values again in B.
    let mut twin = new_user(t, &a.user.username.to_uppercase(), &[&a.email()]);
    twin.external_ids = a.user.external_ids.clone();
    insert_user(&store, &twin).await;
    let mut c = store.conn().await.unwrap();
    groups::insert(&mut c, &new_group(t, &a.group.name))
        .await
        .unwrap();
    roles::insert(&mut c, &new_role(t, &a.role.name, &[]))
        .await
        .unwrap();
    workspaces::insert(&mut c, &new_workspace(t, a.workspace.slug.as_str()))
        .await
        .unwrap();
    // And each tenant's lookups find their own.
    assert_eq!(
        users::by_login(&mut c, t, &a.email()).await.unwrap().id,
        twin.id
    );
    assert_eq!(
        users::by_login(&mut c, a.tenant.id, &a.email())
            .await
            .unwrap()
            .id,
        a.user.id
    );
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn tenants_update_and_delete_touch_one_tenant(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    let mut renamed = b.tenant.clone();
    renamed.display_name = "B renamed".into();
    renamed.settings.session_idle_seconds = 1;
    tenants::update(&mut c, &renamed).await.unwrap();
    tenants::delete(&mut c, b.tenant.id).await.unwrap();
    assert_not_found(tenants::by_id(&mut c, b.tenant.id).await);
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

// ---------------------------------------------------------------- users

async fn users_get(store: Store) {
    let (a, b, before) = setup(&store).await;
    assert_not_found(users::get(&mut store.conn().await.unwrap(), b.tenant.id, a.user.id).await);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn users_by_login(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    for login in [a.login(), a.login().to_uppercase(), a.email()] {
        assert_not_found(users::by_login(&mut c, b.tenant.id, &login).await);
    }
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn users_list(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    let t = b.tenant.id;
    let all = Filter::default();
    assert_eq!(
        users::list(&mut c, t, &all, Page::first(100))
            .await
            .unwrap(),
        vec![b.user.clone()]
    );
    // A cursor taken from A's ids does not open A's rows either.
    let after = a.user.id.to_string();
    let page = Page {
        after: Some(&after),
        limit: 100,
    };
    assert!(users::list(&mut c, t, &all, page)
        .await
        .unwrap()
        .iter()
        .all(|u| u.tenant_id == t));
    for filter in [
        format!("username eq \"{}\"", a.login()),
        format!("email eq \"{}\"", a.email()),
        format!("external_id eq \"{}\"", a.user.external_ids[0].id),
        "username sw a-".to_owned(),
    ] {
        let filter = Filter::parse(&filter, users::FILTER_ATTRIBUTES).unwrap();
        assert!(users::list(&mut c, t, &filter, Page::first(100))
            .await
            .unwrap()
            .is_empty());
    }
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn users_count(store: Store) {
    let (a, b, before) = setup(&store).await;
    // Each tenant holds one user; a count across tenants would say 2.
    assert_eq!(
        users::count(&mut store.conn().await.unwrap(), b.tenant.id)
            .await
            .unwrap(),
        1
    );
    assert_a_unchanged(&store, &a, &before).await;
}

async fn users_update(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut forged = a.user.clone();
    forged.tenant_id = b.tenant.id;
    forged.username = "hijacked".into();
    forged.emails = vec![email("hijacked@example.com")];
    forged.status = usso::core::user::UserStatus::Disabled;
    forged.version = a.user.version + 1;
    let mut tx = store.begin().await.unwrap();
    assert_not_found(users::update(&mut tx, &forged, a.user.version).await);
    tx.commit().await.unwrap();
    assert_a_unchanged(&store, &a, &before).await;
}

async fn users_delete(store: Store) {
    let (a, b, before) = setup(&store).await;
    assert_not_found(users::delete(&mut store.conn().await.unwrap(), b.tenant.id, a.user.id).await);
    assert_a_unchanged(&store, &a, &before).await;
}

// ---------------------------------------------------------------- groups

async fn groups_get(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    assert_not_found(groups::get(&mut c, b.tenant.id, a.group.id).await);
    assert_not_found(groups::get(&mut c, b.tenant.id, a.child.id).await);
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn groups_by_name(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    assert_not_found(groups::by_name(&mut c, b.tenant.id, &a.group.name).await);
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn groups_list(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    let listed = groups::list(&mut c, b.tenant.id, Page::first(100))
        .await
        .unwrap();
    assert_eq!(
        sorted_ids(listed.iter().map(|g| g.id)),
        sorted_ids([b.group.id, b.child.id])
    );
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn groups_update(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut forged = a.group.clone();
    forged.tenant_id = b.tenant.id;
    forged.name = "hijacked".into();
    forged.version = a.group.version + 1;
    let mut c = store.conn().await.unwrap();
    assert_not_found(groups::update(&mut c, &forged, a.group.version).await);
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn groups_delete(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    assert_not_found(groups::delete(&mut c, b.tenant.id, a.group.id).await);
    assert_not_found(groups::delete(&mut c, b.tenant.id, a.child.id).await);
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn groups_add_member(store: Store) {
    let (a, b, before) = setup(&store).await;
    let t = b.tenant.id;
    let mut c = store.conn().await.unwrap();
    // B's member into A's group; A's members into B's group.
    assert_missing_reference(
        groups::add_member(&mut c, t, a.group.id, Member::User(b.user.id), T0).await,
    );
    assert_missing_reference(
        groups::add_member(&mut c, t, a.group.id, Member::Group(b.child.id), T0).await,
    );
    assert_missing_reference(
        groups::add_member(&mut c, t, b.group.id, Member::User(a.user.id), T0).await,
    );
    assert_missing_reference(
        groups::add_member(&mut c, t, b.group.id, Member::Group(a.child.id), T0).await,
    );
    // Even naming a membership A already has.
    assert_missing_reference(
        groups::add_member(&mut c, t, a.child.id, Member::User(a.user.id), T0).await,
    );
    assert_eq!(
        groups::members(&mut c, t, b.group.id).await.unwrap(),
        vec![Member::Group(b.child.id)]
    );
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn groups_remove_member(store: Store) {
    let (a, b, before) = setup(&store).await;
    let t = b.tenant.id;
    let mut c = store.conn().await.unwrap();
    assert_not_found(groups::remove_member(&mut c, t, a.child.id, Member::User(a.user.id)).await);
    assert_not_found(groups::remove_member(&mut c, t, a.group.id, Member::Group(a.child.id)).await);
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn groups_members(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    assert!(groups::members(&mut c, b.tenant.id, a.group.id)
        .await
        .unwrap()
        .is_empty());
    assert!(groups::members(&mut c, b.tenant.id, a.child.id)
        .await
        .unwrap()
        .is_empty());
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn groups_ancestors(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    assert!(groups::ancestors(&mut c, b.tenant.id, a.child.id)
        .await
        .unwrap()
        .is_empty());
    assert!(groups::ancestors(&mut c, b.tenant.id, a.group.id)
        .await
        .unwrap()
        .is_empty());
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn groups_of_user(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    assert!(groups::of_user(&mut c, b.tenant.id, a.user.id)
        .await
        .unwrap()
        .is_empty());
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

// ---------------------------------------------------------------- roles

async fn roles_get(store: Store) {
    let (a, b, before) = setup(&store).await;
    assert_not_found(roles::get(&mut store.conn().await.unwrap(), b.tenant.id, a.role.id).await);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn roles_by_name(store: Store) {
    let (a, b, before) = setup(&store).await;
    assert_not_found(
        roles::by_name(&mut store.conn().await.unwrap(), b.tenant.id, &a.role.name).await,
    );
    assert_a_unchanged(&store, &a, &before).await;
}

async fn roles_list(store: Store) {
    let (a, b, before) = setup(&store).await;
    let listed = roles::list(
        &mut store.conn().await.unwrap(),
        b.tenant.id,
        Page::first(100),
    )
    .await
    .unwrap();
    assert_eq!(listed, vec![b.role.clone()]);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn roles_delete(store: Store) {
    let (a, b, before) = setup(&store).await;
    assert_not_found(roles::delete(&mut store.conn().await.unwrap(), b.tenant.id, a.role.id).await);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn roles_assign(store: Store) {
    let (a, b, before) = setup(&store).await;
    let t = b.tenant.id;
    let mut c = store.conn().await.unwrap();
    for forged in [
        new_assignment(t, a.role.id, Principal::User(b.user.id), None),
        new_assignment(t, b.role.id, Principal::User(a.user.id), None),
        new_assignment(t, b.role.id, Principal::Group(a.group.id), None),
        new_assignment(
            t,
            b.role.id,
            Principal::User(b.user.id),
            Some(a.workspace.id),
        ),
        new_assignment(
            t,
            a.role.id,
            Principal::User(a.user.id),
            Some(a.workspace.id),
        ),
    ] {
        assert_missing_reference(roles::assign(&mut c, &forged).await);
    }
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn roles_unassign(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    assert_not_found(roles::unassign(&mut c, b.tenant.id, a.user_assignment.id).await);
    assert_not_found(roles::unassign(&mut c, b.tenant.id, a.group_assignment.id).await);
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn roles_find_assignment(store: Store) {
    let (a, b, before) = setup(&store).await;
    let t = b.tenant.id;
    let mut c = store.conn().await.unwrap();
    assert_not_found(
        roles::find_assignment(&mut c, t, a.role.id, Principal::User(a.user.id), None).await,
    );
    assert_not_found(
        roles::find_assignment(
            &mut c,
            t,
            a.role.id,
            Principal::Group(a.group.id),
            Some(a.workspace.id),
        )
        .await,
    );
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn roles_assignments_of_role(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    assert!(roles::assignments_of_role(&mut c, b.tenant.id, a.role.id)
        .await
        .unwrap()
        .is_empty());
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn roles_assignments_of_user(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    assert!(roles::assignments_of_user(&mut c, b.tenant.id, a.user.id)
        .await
        .unwrap()
        .is_empty());
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

// ---------------------------------------------------------------- workspaces

async fn workspaces_get(store: Store) {
    let (a, b, before) = setup(&store).await;
    assert_not_found(
        workspaces::get(
            &mut store.conn().await.unwrap(),
            b.tenant.id,
            a.workspace.id,
        )
        .await,
    );
    assert_a_unchanged(&store, &a, &before).await;
}

async fn workspaces_by_slug(store: Store) {
    let (a, b, before) = setup(&store).await;
    let slug = a.workspace.slug.as_str();
    assert_not_found(
        workspaces::by_slug(&mut store.conn().await.unwrap(), b.tenant.id, slug).await,
    );
    assert_a_unchanged(&store, &a, &before).await;
}

async fn workspaces_list(store: Store) {
    let (a, b, before) = setup(&store).await;
    let listed = workspaces::list(&mut store.conn().await.unwrap(), b.tenant.id)
        .await
        .unwrap();
    assert_eq!(listed, vec![b.workspace.clone()]);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn workspaces_delete(store: Store) {
    let (a, b, before) = setup(&store).await;
    assert_not_found(
        workspaces::delete(
            &mut store.conn().await.unwrap(),
            b.tenant.id,
            a.workspace.id,
        )
        .await,
    );
    assert_a_unchanged(&store, &a, &before).await;
}

// ---------------------------------------------------------------- sessions

async fn sessions_insert(store: Store) {
    let (a, b, before) = setup(&store).await;
    let forged = new_session(b.tenant.id, a.user.id, T0, at(3600));
    assert_missing_reference(
        sessions::insert(&mut store.conn().await.unwrap(), &forged, "forged-token").await,
    );
    assert_a_unchanged(&store, &a, &before).await;
}

async fn sessions_by_token_hash(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    assert_not_found(sessions::by_token_hash(&mut c, b.tenant.id, &a.session_token).await);
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn sessions_get(store: Store) {
    let (a, b, before) = setup(&store).await;
    assert_not_found(
        sessions::get(&mut store.conn().await.unwrap(), b.tenant.id, a.session.id).await,
    );
    assert_a_unchanged(&store, &a, &before).await;
}

async fn sessions_list_for_user(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    assert!(sessions::list_for_user(&mut c, b.tenant.id, a.user.id)
        .await
        .unwrap()
        .is_empty());
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn sessions_touch(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    assert_not_found(sessions::touch(&mut c, b.tenant.id, a.session.id, at(999)).await);
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn sessions_delete(store: Store) {
    let (a, b, before) = setup(&store).await;
    assert_not_found(
        sessions::delete(&mut store.conn().await.unwrap(), b.tenant.id, a.session.id).await,
    );
    assert_a_unchanged(&store, &a, &before).await;
}

async fn sessions_delete_for_user(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    assert_eq!(
        sessions::delete_for_user(&mut c, b.tenant.id, a.user.id)
            .await
            .unwrap(),
        0
    );
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn sessions_delete_expired(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    // Long after every session's end: B's one session goes, A's stay.
    assert_eq!(
        sessions::delete_expired(&mut c, b.tenant.id, at(1_000_000))
            .await
            .unwrap(),
        1
    );
    assert_not_found(sessions::get(&mut c, b.tenant.id, b.session.id).await);
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn sessions_delete_idle_since(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    assert_eq!(
        sessions::delete_idle_since(&mut c, b.tenant.id, at(1_000_000))
            .await
            .unwrap(),
        1
    );
    assert_not_found(sessions::get(&mut c, b.tenant.id, b.session.id).await);
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

// ---------------------------------------------------------------- API keys

async fn api_keys_by_token_hash(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    assert_not_found(api_keys::by_token_hash(&mut c, b.tenant.id, &a.api_token).await);
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn api_keys_get(store: Store) {
    let (a, b, before) = setup(&store).await;
    assert_not_found(
        api_keys::get(&mut store.conn().await.unwrap(), b.tenant.id, a.api_key.id).await,
    );
    assert_a_unchanged(&store, &a, &before).await;
}

async fn api_keys_list(store: Store) {
    let (a, b, before) = setup(&store).await;
    let listed = api_keys::list(&mut store.conn().await.unwrap(), b.tenant.id)
        .await
        .unwrap();
    assert_eq!(listed, vec![b.api_key.clone()]);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn api_keys_delete(store: Store) {
    let (a, b, before) = setup(&store).await;
    assert_not_found(
        api_keys::delete(&mut store.conn().await.unwrap(), b.tenant.id, a.api_key.id).await,
    );
    assert_a_unchanged(&store, &a, &before).await;
}

// ---------------------------------------------------------------- events

async fn events_append(store: Store) {
    let (a, b, before) = setup(&store).await;
    // An event about A's user, written as B, lands in B's log only.
    let event = usso::core::event::AuditEvent::new(
        b.tenant.id,
        at(5),
        usso::core::event::Actor::User(a.user.id),
        "user.updated",
    )
    .target("user", a.user.id);
    events::append(&mut store.conn().await.unwrap(), &event)
        .await
        .unwrap();
    let b_log = events::list(
        &mut store.conn().await.unwrap(),
        b.tenant.id,
        Page::first(100),
    )
    .await
    .unwrap();
    assert_eq!(b_log, vec![b.event.clone(), event]);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn events_list(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    assert_eq!(
        events::list(&mut c, b.tenant.id, Page::first(100))
            .await
            .unwrap(),
        vec![b.event.clone()]
    );
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

// ---------------------------------------------------------------- passwords

async fn passwords_get(store: Store) {
    let (a, b, before) = setup(&store).await;
    assert_eq!(
        passwords::get(&mut store.conn().await.unwrap(), b.tenant.id, a.user.id)
            .await
            .unwrap(),
        None
    );
    assert_a_unchanged(&store, &a, &before).await;
}

async fn passwords_set(store: Store) {
    let (a, b, before) = setup(&store).await;
    let mut c = store.conn().await.unwrap();
    assert_missing_reference(
        passwords::set(&mut c, b.tenant.id, a.user.id, "$argon2id$evil", at(1)).await,
    );
    drop(c);
    assert_a_unchanged(&store, &a, &before).await;
}

async fn passwords_delete(store: Store) {
    let (a, b, before) = setup(&store).await;
    // Deleting is idempotent, so B gets Ok; what matters is A keeps its password.
    passwords::delete(&mut store.conn().await.unwrap(), b.tenant.id, a.user.id)
        .await
        .unwrap();
    assert_a_unchanged(&store, &a, &before).await;
}
