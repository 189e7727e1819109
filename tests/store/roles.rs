//! Roles and role assignments: round trip, lookup by name, name conflicts,
//! cursor pages, delete and its cascade, assignment uniqueness per principal
//! and workspace, and the assignments that reach a user through nested groups.

use usso::core::group::Member;
use usso::core::role::{Principal, Role};
use usso::core::{AssignmentId, GroupId, RoleId, UserId, WorkspaceId};
use usso::store::{groups, roles, workspaces, Page, Store};

use crate::harness::*;

store_tests!(
    role_round_trips_and_is_found_by_name_without_regard_to_case,
    role_name_is_unique_without_regard_to_case,
    roles_are_paged_by_id,
    role_delete_removes_its_assignments,
    assignment_round_trips_and_is_found_by_principal_and_workspace,
    an_assignment_is_unique_per_role_principal_and_workspace,
    assignments_must_reference_existing_records,
    unassign_removes_one_assignment,
    assignments_of_a_role_are_listed_by_id,
    assignments_reach_a_user_through_nested_groups,
    workspace_delete_removes_its_assignments,
);

async fn role_round_trips_and_is_found_by_name_without_regard_to_case(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let mut role = new_role(
        tenant.id,
        "Billing Admin",
        &["billing:read", "billing:write", "x/y"],
    );
    role.description = Some("Pays the bills".into());
    role.updated_at = at(3);
    let mut c = store.conn().await.unwrap();
    roles::insert(&mut c, &role).await.unwrap();
    assert_eq!(roles::get(&mut c, tenant.id, role.id).await.unwrap(), role);
    assert_eq!(
        roles::by_name(&mut c, tenant.id, "billing admin")
            .await
            .unwrap(),
        role
    );
    assert_eq!(
        roles::by_name(&mut c, tenant.id, "BILLING ADMIN")
            .await
            .unwrap(),
        role
    );
    assert_not_found(roles::by_name(&mut c, tenant.id, "billing").await);
    assert_not_found(roles::get(&mut c, tenant.id, RoleId::new(T0)).await);

    let empty = new_role(tenant.id, "nothing", &[]);
    roles::insert(&mut c, &empty).await.unwrap();
    assert_eq!(
        roles::get(&mut c, tenant.id, empty.id)
            .await
            .unwrap()
            .permissions,
        Vec::<String>::new()
    );
}

async fn role_name_is_unique_without_regard_to_case(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    add_role(&store, tenant.id, "Admin").await;
    let mut c = store.conn().await.unwrap();
    assert_conflict(
        roles::insert(&mut c, &new_role(tenant.id, "ADMIN", &[])).await,
        "name",
    );
    assert_eq!(
        roles::list(&mut c, tenant.id, Page::first(10))
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn roles_are_paged_by_id(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let other = add_tenant(&store, "other").await;
    add_role(&store, other.id, "foreign").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(add_role(&store, tenant.id, &format!("r{i}")).await.id);
    }
    let mut c = store.conn().await.unwrap();
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = Page {
            after: after.as_deref(),
            limit: 3,
        };
        let batch: Vec<Role> = roles::list(&mut c, tenant.id, page).await.unwrap();
        let Some(last) = batch.last() else { break };
        after = Some(last.id.to_string());
        sizes.push(batch.len());
        seen.extend(batch.iter().map(|r| r.id.to_string()));
    }
    assert_eq!(sizes, [3, 2]);
    assert_eq!(seen, sorted_ids(&ids));
}

async fn role_delete_removes_its_assignments(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let t = tenant.id;
    let user = add_user(&store, t, "alice", &[]).await;
    let doomed = add_role(&store, t, "doomed").await;
    let kept = add_role(&store, t, "kept").await;
    let gone = add_assignment(&store, t, doomed.id, Principal::User(user.id), None).await;
    let stays = add_assignment(&store, t, kept.id, Principal::User(user.id), None).await;
    let mut c = store.conn().await.unwrap();

    roles::delete(&mut c, t, doomed.id).await.unwrap();

    assert_not_found(roles::get(&mut c, t, doomed.id).await);
    assert_not_found(roles::delete(&mut c, t, doomed.id).await);
    assert_not_found(roles::unassign(&mut c, t, gone.id).await);
    assert_eq!(
        roles::assignments_of_user(&mut c, t, user.id)
            .await
            .unwrap(),
        vec![stays]
    );
    roles::insert(&mut c, &new_role(t, "Doomed", &[]))
        .await
        .unwrap();
}

async fn assignment_round_trips_and_is_found_by_principal_and_workspace(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let t = tenant.id;
    let user = add_user(&store, t, "alice", &[]).await;
    let group = add_group(&store, t, "staff").await;
    let role = add_role(&store, t, "admin").await;
    let ws = add_workspace(&store, t, "team-a").await;

    let mut scoped = new_assignment(t, role.id, Principal::User(user.id), Some(ws.id));
    scoped.expires_at = Some(at(86_400));
    scoped.created_at = at(1);
    let tenant_wide = new_assignment(t, role.id, Principal::User(user.id), None);
    let to_group = new_assignment(t, role.id, Principal::Group(group.id), None);
    let mut c = store.conn().await.unwrap();
    for a in [&scoped, &tenant_wide, &to_group] {
        roles::assign(&mut c, a).await.unwrap();
    }

    assert_eq!(
        roles::find_assignment(&mut c, t, role.id, Principal::User(user.id), Some(ws.id))
            .await
            .unwrap(),
        scoped
    );
    assert_eq!(
        roles::find_assignment(&mut c, t, role.id, Principal::User(user.id), None)
            .await
            .unwrap(),
        tenant_wide
    );
    assert_eq!(
        roles::find_assignment(&mut c, t, role.id, Principal::Group(group.id), None)
            .await
            .unwrap(),
        to_group
    );
    assert_not_found(
        roles::find_assignment(&mut c, t, role.id, Principal::Group(group.id), Some(ws.id)).await,
    );
    // The same uuid as a user is not the group.
    assert_not_found(
        roles::find_assignment(
            &mut c,
            t,
            role.id,
            Principal::Group(GroupId::from_uuid(user.id.as_uuid())),
            None,
        )
        .await,
    );
    assert_not_found(
        roles::find_assignment(&mut c, t, RoleId::new(T0), Principal::User(user.id), None).await,
    );
}

async fn an_assignment_is_unique_per_role_principal_and_workspace(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let t = tenant.id;
    let user = add_user(&store, t, "alice", &[]).await;
    let role = add_role(&store, t, "admin").await;
    let ws = add_workspace(&store, t, "team-a").await;
    add_assignment(&store, t, role.id, Principal::User(user.id), None).await;
    add_assignment(&store, t, role.id, Principal::User(user.id), Some(ws.id)).await;
    let mut c = store.conn().await.unwrap();
    assert_conflict(
        roles::assign(
            &mut c,
            &new_assignment(t, role.id, Principal::User(user.id), None),
        )
        .await,
        "assignment",
    );
    assert_conflict(
        roles::assign(
            &mut c,
            &new_assignment(t, role.id, Principal::User(user.id), Some(ws.id)),
        )
        .await,
        "assignment",
    );
    assert_eq!(
        roles::assignments_of_role(&mut c, t, role.id)
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn assignments_must_reference_existing_records(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let t = tenant.id;
    let user = add_user(&store, t, "alice", &[]).await;
    let role = add_role(&store, t, "admin").await;
    let mut c = store.conn().await.unwrap();
    for bad in [
        new_assignment(t, RoleId::new(T0), Principal::User(user.id), None),
        new_assignment(t, role.id, Principal::User(UserId::new(T0)), None),
        new_assignment(t, role.id, Principal::Group(GroupId::new(T0)), None),
        new_assignment(
            t,
            role.id,
            Principal::User(user.id),
            Some(WorkspaceId::new(T0)),
        ),
    ] {
        assert_missing_reference(roles::assign(&mut c, &bad).await);
    }
    assert!(roles::assignments_of_role(&mut c, t, role.id)
        .await
        .unwrap()
        .is_empty());
}

async fn unassign_removes_one_assignment(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let t = tenant.id;
    let user = add_user(&store, t, "alice", &[]).await;
    let role = add_role(&store, t, "admin").await;
    let ws = add_workspace(&store, t, "team-a").await;
    let wide = add_assignment(&store, t, role.id, Principal::User(user.id), None).await;
    let scoped = add_assignment(&store, t, role.id, Principal::User(user.id), Some(ws.id)).await;
    let mut c = store.conn().await.unwrap();
    roles::unassign(&mut c, t, wide.id).await.unwrap();
    assert_not_found(roles::unassign(&mut c, t, wide.id).await);
    assert_not_found(roles::unassign(&mut c, t, AssignmentId::new(T0)).await);
    assert_not_found(
        roles::find_assignment(&mut c, t, role.id, Principal::User(user.id), None).await,
    );
    assert_eq!(
        roles::assignments_of_user(&mut c, t, user.id)
            .await
            .unwrap(),
        vec![scoped]
    );
    // Once removed, it can be given again.
    roles::assign(
        &mut c,
        &new_assignment(t, role.id, Principal::User(user.id), None),
    )
    .await
    .unwrap();
}

async fn assignments_of_a_role_are_listed_by_id(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let t = tenant.id;
    let role = add_role(&store, t, "admin").await;
    let other = add_role(&store, t, "other").await;
    let mut ids = Vec::new();
    for i in 0..4 {
        let user = add_user(&store, t, &format!("u{i}"), &[]).await;
        ids.push(
            add_assignment(&store, t, role.id, Principal::User(user.id), None)
                .await
                .id,
        );
        add_assignment(&store, t, other.id, Principal::User(user.id), None).await;
    }
    let mut c = store.conn().await.unwrap();
    let listed = roles::assignments_of_role(&mut c, t, role.id)
        .await
        .unwrap();
    assert!(listed.iter().all(|a| a.role_id == role.id));
    assert_eq!(sorted_ids(listed.iter().map(|a| a.id)), sorted_ids(&ids));
    assert_eq!(
        listed.iter().map(|a| a.id.to_string()).collect::<Vec<_>>(),
        sorted_ids(&ids),
        "ordered by id"
    );
    assert!(roles::assignments_of_role(&mut c, t, RoleId::new(T0))
        .await
        .unwrap()
        .is_empty());
}

async fn assignments_reach_a_user_through_nested_groups(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let t = tenant.id;
    let alice = add_user(&store, t, "alice", &[]).await.id;
    let bob = add_user(&store, t, "bob", &[]).await.id;
    // alice ∈ team ⊂ dept ⊂ company; bob ∈ other.
    let team = add_group(&store, t, "team").await.id;
    let dept = add_group(&store, t, "dept").await.id;
    let company = add_group(&store, t, "company").await.id;
    let other = add_group(&store, t, "other").await.id;
    let mut c = store.conn().await.unwrap();
    groups::add_member(&mut c, t, team, Member::User(alice), T0)
        .await
        .unwrap();
    groups::add_member(&mut c, t, dept, Member::Group(team), T0)
        .await
        .unwrap();
    groups::add_member(&mut c, t, company, Member::Group(dept), T0)
        .await
        .unwrap();
    groups::add_member(&mut c, t, other, Member::User(bob), T0)
        .await
        .unwrap();
    drop(c);

    let role = add_role(&store, t, "reader").await.id;
    let direct = add_assignment(&store, t, role, Principal::User(alice), None).await;
    let via_team = add_assignment(&store, t, role, Principal::Group(team), None).await;
    let via_company = add_assignment(&store, t, role, Principal::Group(company), None).await;
    let mut expired = new_assignment(t, role, Principal::Group(dept), None);
    expired.expires_at = Some(at(-1));
    roles::assign(&mut store.conn().await.unwrap(), &expired)
        .await
        .unwrap();
    let bobs = add_assignment(&store, t, role, Principal::Group(other), None).await;
    add_assignment(&store, t, role, Principal::User(bob), None).await;

    let mut c = store.conn().await.unwrap();
    let reached = roles::assignments_of_user(&mut c, t, alice).await.unwrap();
    let expected = [&direct, &via_team, &via_company, &expired];
    assert_eq!(
        reached.iter().map(|a| a.id.to_string()).collect::<Vec<_>>(),
        sorted_ids(expected.iter().map(|a| a.id)),
        "direct, through each level of nesting, expired included, ordered by id"
    );
    assert!(reached.contains(&expired));
    assert!(!reached.iter().any(|a| a.id == bobs.id));

    // Leaving the middle group cuts off what came through it.
    groups::remove_member(&mut c, t, dept, Member::Group(team))
        .await
        .unwrap();
    let reached = roles::assignments_of_user(&mut c, t, alice).await.unwrap();
    assert_eq!(
        reached.iter().map(|a| a.id.to_string()).collect::<Vec<_>>(),
        sorted_ids([direct.id, via_team.id])
    );
    assert!(roles::assignments_of_user(&mut c, t, UserId::new(T0))
        .await
        .unwrap()
        .is_empty());
}

async fn workspace_delete_removes_its_assignments(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let t = tenant.id;
    let user = add_user(&store, t, "alice", &[]).await;
    let role = add_role(&store, t, "admin").await;
    let ws = add_workspace(&store, t, "team-a").await;
    let wide = add_assignment(&store, t, role.id, Principal::User(user.id), None).await;
    add_assignment(&store, t, role.id, Principal::User(user.id), Some(ws.id)).await;
    let mut c = store.conn().await.unwrap();
    workspaces::delete(&mut c, t, ws.id).await.unwrap();
    assert_eq!(
        roles::assignments_of_role(&mut c, t, role.id)
            .await
            .unwrap(),
        vec![wide]
    );
}
