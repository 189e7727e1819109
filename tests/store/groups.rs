//! Groups: round trip, lookup by name without regard to case, name conflicts,
//! versioned updates, cursor pages, delete and its cascade, direct members,
//! and nesting (`ancestors`, transitive `of_user`).

use usso::core::group::{Group, Member};
use usso::core::role::Principal;
use usso::core::{GroupId, UserId};
use usso::store::{groups, roles, Page, Store};

use crate::harness::*;

store_tests!(
    group_round_trips_and_is_found_by_name_without_regard_to_case,
    group_name_is_unique_without_regard_to_case,
    group_update_is_versioned,
    group_rename_to_a_taken_name_is_a_conflict,
    groups_are_paged_by_id,
    group_delete_removes_memberships_nesting_and_assignments,
    members_are_added_once_and_removed,
    many_members_are_added_at_once,
    members_must_exist,
    ancestors_follow_nesting_upwards,
    ancestors_end_on_a_cycle,
    groups_of_a_user_include_nesting,
);

async fn group_round_trips_and_is_found_by_name_without_regard_to_case(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let mut group = new_group(tenant.id, "Engineering");
    group.description = Some("Builds things".into());
    group.created_at = at(-5);
    group.updated_at = at(7);
    group.version = 4;
    let mut c = store.conn().await.unwrap();
    groups::insert(&mut c, &group).await.unwrap();

    assert_eq!(
        groups::get(&mut c, tenant.id, group.id).await.unwrap(),
        group
    );
    assert_eq!(
        groups::by_name(&mut c, tenant.id, "engineering")
            .await
            .unwrap(),
        group
    );
    assert_eq!(
        groups::by_name(&mut c, tenant.id, "ENGINEERING")
            .await
            .unwrap(),
        group
    );
    assert_not_found(groups::by_name(&mut c, tenant.id, "engineers").await);
    assert_not_found(groups::get(&mut c, tenant.id, GroupId::new(T0)).await);
}

async fn group_name_is_unique_without_regard_to_case(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    add_group(&store, tenant.id, "Staff").await;
    let mut c = store.conn().await.unwrap();
    assert_conflict(
        groups::insert(&mut c, &new_group(tenant.id, "STAFF")).await,
        "name",
    );
    let page = groups::list(&mut c, tenant.id, Page::first(10))
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
}

async fn group_update_is_versioned(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let group = add_group(&store, tenant.id, "staff").await;
    let mut c = store.conn().await.unwrap();

    let mut renamed = group.clone();
    renamed.name = "Team".into();
    renamed.description = Some("everyone".into());
    renamed.updated_at = at(10);
    renamed.version = 2;
    groups::update(&mut c, &renamed, 1).await.unwrap();
    assert_eq!(
        groups::get(&mut c, tenant.id, group.id).await.unwrap(),
        renamed
    );
    assert_eq!(
        groups::by_name(&mut c, tenant.id, "team").await.unwrap().id,
        group.id
    );
    assert_not_found(groups::by_name(&mut c, tenant.id, "staff").await);

    let mut stale = group.clone();
    stale.name = "Stale".into();
    stale.version = 2;
    assert_version_mismatch(groups::update(&mut c, &stale, 1).await);
    assert_eq!(
        groups::get(&mut c, tenant.id, group.id).await.unwrap(),
        renamed
    );

    let ghost = new_group(tenant.id, "ghost");
    assert_not_found(groups::update(&mut c, &ghost, 1).await);
    assert_not_found(groups::by_name(&mut c, tenant.id, "ghost").await);
}

async fn group_rename_to_a_taken_name_is_a_conflict(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    add_group(&store, tenant.id, "admins").await;
    let staff = add_group(&store, tenant.id, "staff").await;
    let mut c = store.conn().await.unwrap();
    let mut clash = staff.clone();
    clash.name = "Admins".into();
    clash.version = 2;
    assert_conflict(groups::update(&mut c, &clash, 1).await, "name");
    assert_eq!(
        groups::get(&mut c, tenant.id, staff.id).await.unwrap(),
        staff
    );
}

async fn groups_are_paged_by_id(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let other = add_tenant(&store, "other").await;
    add_group(&store, other.id, "foreign").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(add_group(&store, tenant.id, &format!("g{i}")).await.id);
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
        let batch: Vec<Group> = groups::list(&mut c, tenant.id, page).await.unwrap();
        let Some(last) = batch.last() else { break };
        after = Some(last.id.to_string());
        sizes.push(batch.len());
        seen.extend(batch.iter().map(|g| g.id.to_string()));
    }
    assert_eq!(sizes, [2, 2, 1]);
    assert_eq!(seen, sorted_ids(&ids));
}

async fn group_delete_removes_memberships_nesting_and_assignments(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let t = tenant.id;
    let user = add_user(&store, t, "alice", &[]).await;
    let parent = add_group(&store, t, "parent").await;
    let doomed = add_group(&store, t, "doomed").await;
    let child = add_group(&store, t, "child").await;
    let role = add_role(&store, t, "admin").await;
    add_assignment(&store, t, role.id, Principal::Group(doomed.id), None).await;
    let kept = add_assignment(&store, t, role.id, Principal::Group(parent.id), None).await;
    let mut c = store.conn().await.unwrap();
    groups::add_member(&mut c, t, parent.id, Member::Group(doomed.id), T0)
        .await
        .unwrap();
    groups::add_member(&mut c, t, doomed.id, Member::Group(child.id), T0)
        .await
        .unwrap();
    groups::add_member(&mut c, t, doomed.id, Member::User(user.id), T0)
        .await
        .unwrap();

    groups::delete(&mut c, t, doomed.id).await.unwrap();

    assert_not_found(groups::get(&mut c, t, doomed.id).await);
    assert_not_found(groups::delete(&mut c, t, doomed.id).await);
    assert!(groups::members(&mut c, t, parent.id)
        .await
        .unwrap()
        .is_empty());
    assert!(groups::members(&mut c, t, doomed.id)
        .await
        .unwrap()
        .is_empty());
    assert!(groups::of_user(&mut c, t, user.id)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        groups::ancestors(&mut c, t, child.id).await.unwrap(),
        vec![child.id]
    );
    assert_eq!(
        roles::assignments_of_role(&mut c, t, role.id)
            .await
            .unwrap(),
        vec![kept]
    );
    // The name is free again.
    groups::insert(&mut c, &new_group(t, "Doomed"))
        .await
        .unwrap();
}

async fn many_members_are_added_at_once(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let other = add_tenant(&store, "globex").await;
    let t = tenant.id;
    let group = add_group(&store, t, "staff").await;
    let sub = add_group(&store, t, "sub").await;
    let mut users = Vec::new();
    for i in 0..3 {
        users.push(add_user(&store, t, &format!("u{i}"), &[]).await.id);
    }
    let mut c = store.conn().await.unwrap();
    groups::add_member(&mut c, t, group.id, Member::User(users[0]), T0)
        .await
        .unwrap();
    // One already there, two new users and a group: added once each.
    let members: Vec<Member> = users
        .iter()
        .map(|u| Member::User(*u))
        .chain([Member::Group(sub.id)])
        .collect();
    groups::add_members(&mut c, t, group.id, &members, at(5))
        .await
        .unwrap();
    let mut listed = groups::members(&mut c, t, group.id).await.unwrap();
    listed.sort_by_key(Member::id_string);
    let mut expected = members.clone();
    expected.sort_by_key(Member::id_string);
    assert_eq!(listed, expected);
    assert_eq!(groups::ancestors(&mut c, t, sub.id).await.unwrap().len(), 2);
    // Another tenant cannot add to this group (its members are not its own).
    assert!(
        groups::add_members(&mut c, other.id, group.id, &members, at(6))
            .await
            .is_err()
    );
    groups::add_members(&mut c, t, group.id, &[], at(7))
        .await
        .unwrap();
    assert_eq!(groups::members(&mut c, t, group.id).await.unwrap().len(), 4);
}

async fn members_are_added_once_and_removed(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let t = tenant.id;
    let group = add_group(&store, t, "staff").await;
    let users = [
        add_user(&store, t, "u1", &[]).await.id,
        add_user(&store, t, "u2", &[]).await.id,
    ];
    let subgroups = [
        add_group(&store, t, "sub1").await.id,
        add_group(&store, t, "sub2").await.id,
    ];
    let mut c = store.conn().await.unwrap();
    assert!(groups::members(&mut c, t, group.id)
        .await
        .unwrap()
        .is_empty());
    // Interleaved on purpose: the listing puts users first, then groups, each by id.
    for (u, g) in users.iter().zip(&subgroups) {
        assert!(
            groups::add_member(&mut c, t, group.id, Member::Group(*g), T0)
                .await
                .unwrap()
        );
        assert!(
            groups::add_member(&mut c, t, group.id, Member::User(*u), T0)
                .await
                .unwrap()
        );
    }
    assert!(
        !groups::add_member(&mut c, t, group.id, Member::User(users[0]), at(5))
            .await
            .unwrap()
    );
    assert!(
        !groups::add_member(&mut c, t, group.id, Member::Group(subgroups[1]), at(5))
            .await
            .unwrap()
    );

    let mut u_sorted = users.to_vec();
    u_sorted.sort_by_key(UserId::to_string);
    let mut g_sorted = subgroups.to_vec();
    g_sorted.sort_by_key(GroupId::to_string);
    let expected: Vec<Member> = u_sorted
        .iter()
        .map(|u| Member::User(*u))
        .chain(g_sorted.iter().map(|g| Member::Group(*g)))
        .collect();
    assert_eq!(
        groups::members(&mut c, t, group.id).await.unwrap(),
        expected
    );

    groups::remove_member(&mut c, t, group.id, Member::User(users[0]))
        .await
        .unwrap();
    groups::remove_member(&mut c, t, group.id, Member::Group(subgroups[0]))
        .await
        .unwrap();
    assert_not_found(groups::remove_member(&mut c, t, group.id, Member::User(users[0])).await);
    assert_not_found(groups::remove_member(&mut c, t, group.id, Member::Group(subgroups[0])).await);
    // A user id is not a group id, even when asked for the wrong kind.
    assert_not_found(
        groups::remove_member(
            &mut c,
            t,
            group.id,
            Member::Group(GroupId::from_uuid(users[1].as_uuid())),
        )
        .await,
    );
    assert_eq!(
        groups::members(&mut c, t, group.id).await.unwrap(),
        vec![Member::User(users[1]), Member::Group(subgroups[1])]
    );
}

async fn members_must_exist(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let t = tenant.id;
    let group = add_group(&store, t, "staff").await;
    let user = add_user(&store, t, "alice", &[]).await;
    let mut c = store.conn().await.unwrap();
    assert_missing_reference(
        groups::add_member(&mut c, t, group.id, Member::User(UserId::new(T0)), T0).await,
    );
    assert_missing_reference(
        groups::add_member(&mut c, t, group.id, Member::Group(GroupId::new(T0)), T0).await,
    );
    assert_missing_reference(
        groups::add_member(&mut c, t, GroupId::new(T0), Member::User(user.id), T0).await,
    );
    assert!(groups::members(&mut c, t, group.id)
        .await
        .unwrap()
        .is_empty());
}

async fn ancestors_follow_nesting_upwards(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let t = tenant.id;
    // top ⊃ left ⊃ leaf, top ⊃ right ⊃ leaf (a diamond), and an unrelated group.
    let top = add_group(&store, t, "top").await.id;
    let left = add_group(&store, t, "left").await.id;
    let right = add_group(&store, t, "right").await.id;
    let leaf = add_group(&store, t, "leaf").await.id;
    let lone = add_group(&store, t, "lone").await.id;
    let mut c = store.conn().await.unwrap();
    for (parent, child) in [(top, left), (top, right), (left, leaf), (right, leaf)] {
        groups::add_member(&mut c, t, parent, Member::Group(child), T0)
            .await
            .unwrap();
    }
    let mut up = groups::ancestors(&mut c, t, leaf).await.unwrap();
    up.sort();
    let mut expected = vec![top, left, right, leaf];
    expected.sort();
    assert_eq!(
        up, expected,
        "each ancestor once, the group itself included"
    );
    let mut up = groups::ancestors(&mut c, t, left).await.unwrap();
    up.sort();
    let mut expected = vec![top, left];
    expected.sort();
    assert_eq!(up, expected);
    assert_eq!(groups::ancestors(&mut c, t, top).await.unwrap(), vec![top]);
    assert_eq!(
        groups::ancestors(&mut c, t, lone).await.unwrap(),
        vec![lone]
    );
    // A group that does not exist has no ancestors, not even itself.
    assert!(groups::ancestors(&mut c, t, GroupId::new(T0))
        .await
        .unwrap()
        .is_empty());
}

async fn ancestors_end_on_a_cycle(store: Store) {
    // The service refuses cycles; the store must still not loop on one.
    let tenant = add_tenant(&store, "acme").await;
    let t = tenant.id;
    let a = add_group(&store, t, "a").await.id;
    let b = add_group(&store, t, "b").await.id;
    let user = add_user(&store, t, "alice", &[]).await.id;
    let mut c = store.conn().await.unwrap();
    groups::add_member(&mut c, t, a, Member::Group(b), T0)
        .await
        .unwrap();
    groups::add_member(&mut c, t, b, Member::Group(a), T0)
        .await
        .unwrap();
    groups::add_member(&mut c, t, b, Member::User(user), T0)
        .await
        .unwrap();
    let mut up = groups::ancestors(&mut c, t, a).await.unwrap();
    up.sort();
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(up, expected);
    assert_eq!(groups::of_user(&mut c, t, user).await.unwrap().len(), 2);
}

async fn groups_of_a_user_include_nesting(store: Store) {
    let tenant = add_tenant(&store, "acme").await;
    let t = tenant.id;
    let user = add_user(&store, t, "alice", &[]).await.id;
    let other = add_user(&store, t, "bob", &[]).await.id;
    // alice ∈ zeta-team ⊂ Engineering ⊂ all-staff; bob ∈ sales; unrelated ⊃ sales.
    let team = add_group(&store, t, "zeta-team").await.id;
    let eng = add_group(&store, t, "Engineering").await.id;
    let all = add_group(&store, t, "all-staff").await.id;
    let sales = add_group(&store, t, "sales").await.id;
    let unrelated = add_group(&store, t, "unrelated").await.id;
    let mut c = store.conn().await.unwrap();
    assert!(groups::of_user(&mut c, t, user).await.unwrap().is_empty());
    groups::add_member(&mut c, t, team, Member::User(user), T0)
        .await
        .unwrap();
    groups::add_member(&mut c, t, eng, Member::Group(team), T0)
        .await
        .unwrap();
    groups::add_member(&mut c, t, all, Member::Group(eng), T0)
        .await
        .unwrap();
    groups::add_member(&mut c, t, sales, Member::User(other), T0)
        .await
        .unwrap();
    groups::add_member(&mut c, t, unrelated, Member::Group(sales), T0)
        .await
        .unwrap();
    // Alice is also a direct member of the top group: listed once.
    groups::add_member(&mut c, t, all, Member::User(user), T0)
        .await
        .unwrap();

    let names = |gs: Vec<Group>| gs.into_iter().map(|g| g.name).collect::<Vec<_>>();
    // Ordered by name without regard to case.
    assert_eq!(
        names(groups::of_user(&mut c, t, user).await.unwrap()),
        ["all-staff", "Engineering", "zeta-team"]
    );
    assert_eq!(
        names(groups::of_user(&mut c, t, other).await.unwrap()),
        ["sales", "unrelated"]
    );

    groups::remove_member(&mut c, t, eng, Member::Group(team))
        .await
        .unwrap();
    assert_eq!(
        names(groups::of_user(&mut c, t, user).await.unwrap()),
        ["all-staff", "zeta-team"]
    );
}
