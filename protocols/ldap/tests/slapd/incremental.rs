//! Incremental sync with RFC 4533 (refreshOnly, stored cookie) and with
//! modifyTimestamp polling.

use serde_json::json;
use usso_ldap::{connect, Change, DirectoryEntry, Dn, Error, SyncState};

use crate::harness::{group_of_names, person, Slapd};
use crate::{changed, deleted, full_sync, incremental};

fn user_named<'a>(changes: &'a [Change], name: &str) -> Option<&'a usso_ldap::DirectoryUser> {
    changed(changes).into_iter().find_map(|e| match e {
        DirectoryEntry::User(u) if u.username == name => Some(u),
        _ => None,
    })
}

fn group_named<'a>(changes: &'a [Change], name: &str) -> Option<&'a usso_ldap::DirectoryGroup> {
    changed(changes).into_iter().find_map(|e| match e {
        DirectoryEntry::Group(g) if g.name == name => Some(g),
        _ => None,
    })
}

#[tokio::test]
async fn add_modify_rename_delete_arrive_with_stable_ids() {
    let slapd = Slapd::start();
    let seed: String = ["jo", "al", "bo", "cy"].iter().map(|u| person(u)).collect();
    slapd.modify(&seed);
    let bo_id = slapd.entry_uuid("uid=bo,ou=people,dc=example,dc=com");
    let cy_id = slapd.entry_uuid("uid=cy,ou=people,dc=example,dc=com");

    let mut dir = connect(&slapd.source()).await.unwrap();
    let (_, state) = full_sync(&mut dir).await;

    // Nothing changed: nothing reported, and the state still works.
    let (changes, state) = incremental(&mut dir, &state).await.unwrap();
    assert!(changes.is_empty(), "{changes:?}");

    slapd.modify(&person("di"));
    slapd.modify(
        "dn: uid=al,ou=people,dc=example,dc=com\nchangetype: modify\nreplace: mail\n\
         mail: al.new@example.com\n\n",
    );
    slapd.modify(
        "dn: uid=bo,ou=people,dc=example,dc=com\nchangetype: modrdn\nnewrdn: uid=bob\n\
         deleteoldrdn: 1\n\n",
    );
    slapd.modify("dn: uid=cy,ou=people,dc=example,dc=com\nchangetype: delete\n\n");

    let (changes, next) = incremental(&mut dir, &state).await.unwrap();
    assert_ne!(next, state, "the cookie moves on");
    let di = user_named(&changes, "di").expect("added user");
    assert_eq!(
        di.stable_id,
        slapd.entry_uuid("uid=di,ou=people,dc=example,dc=com")
    );
    let al = user_named(&changes, "al").expect("modified user");
    assert_eq!(al.email.as_deref(), Some("al.new@example.com"));
    // A rename keeps the stable id; the DN and username follow.
    let bob = user_named(&changes, "bob").expect("renamed user");
    assert_eq!(bob.stable_id, bo_id);
    assert_eq!(
        bob.dn,
        Dn::parse("uid=bob,ou=people,dc=example,dc=com").unwrap()
    );
    // The delete arrives as the entryUUID (RFC 4533 syncIdSet).
    assert_eq!(deleted(&changes), [cy_id.as_str()]);
    assert!(
        user_named(&changes, "jo").is_none(),
        "unchanged entries are not sent"
    );

    let (again, _) = incremental(&mut dir, &next).await.unwrap();
    assert!(again.is_empty(), "{again:?}");
}

#[tokio::test]
async fn membership_changes_arrive_as_the_group() {
    let slapd = Slapd::start();
    let mut seed: String = ["jo", "al"].iter().map(|u| person(u)).collect();
    seed.push_str(&group_of_names("staff", &["jo"]));
    slapd.modify(&seed);
    let mut dir = connect(&slapd.source()).await.unwrap();
    let (_, state) = full_sync(&mut dir).await;

    slapd.modify(
        "dn: cn=staff,ou=groups,dc=example,dc=com\nchangetype: modify\nadd: member\n\
         member: uid=al,ou=people,dc=example,dc=com\n\n",
    );
    let (changes, _) = incremental(&mut dir, &state).await.unwrap();
    let staff = group_named(&changes, "staff").expect("group change");
    assert_eq!(staff.member_dns.len(), 2);
    // The memberof overlay rewrites al's memberOf without changing al's
    // entryCSN, so slapd does not report al: in an incremental sync the hub
    // takes memberships from the groups' member lists, not from memberOf.
    if let Some(al) = user_named(&changes, "al") {
        assert_eq!(al.member_of.len(), 1);
    }
    eprintln!(
        "memberOf change reported for the new member: {}",
        user_named(&changes, "al").is_some()
    );
}

/// The OpenLDAP trap: deleting a user makes refint/memberof remove it from
/// its groups, but those internal writes do not change the groups'
/// `entryCSN`, so an RFC 4533 refresh reports only the user's delete and
/// never the group. What the hub must do: when it applies `Deleted` for a
/// user, it drops that user's memberships itself; the groups' next real
/// change or the next full sync agree with it.
#[tokio::test]
async fn deleting_a_member_reports_the_user_delete_only() {
    let slapd = Slapd::start();
    let mut seed: String = ["jo", "al"].iter().map(|u| person(u)).collect();
    seed.push_str(&group_of_names("staff", &["jo", "al"]));
    slapd.modify(&seed);
    let jo_id = slapd.entry_uuid("uid=jo,ou=people,dc=example,dc=com");
    let mut dir = connect(&slapd.source()).await.unwrap();
    let (_, state) = full_sync(&mut dir).await;

    slapd.modify("dn: uid=jo,ou=people,dc=example,dc=com\nchangetype: delete\n\n");
    let (changes, state) = incremental(&mut dir, &state).await.unwrap();
    assert_eq!(deleted(&changes), [jo_id.as_str()]);
    // If a slapd ever reports the group, it must at least be right.
    if let Some(staff) = group_named(&changes, "staff") {
        assert_eq!(staff.member_dns.len(), 1);
    }
    let group_reported = group_named(&changes, "staff").is_some();
    eprintln!("after deleting a member, the group was reported changed: {group_reported}");
    assert!(
        !group_reported,
        "slapd 2.5 does not report the group (the trap)"
    );

    // The group really did lose jo: a full sync shows it.
    let (entries, _) = full_sync(&mut dir).await;
    let staff = crate::groups(&entries)
        .into_iter()
        .find(|g| g.name == "staff")
        .cloned()
        .unwrap();
    assert_eq!(
        staff.member_dns,
        [Dn::parse("uid=al,ou=people,dc=example,dc=com").unwrap()]
    );
    let (changes, _) = incremental(&mut dir, &state).await.unwrap();
    assert!(changes.is_empty(), "{changes:?}");
}

#[tokio::test]
async fn a_cookie_the_session_log_cannot_serve_asks_for_a_full_sync() {
    let slapd = Slapd::start();
    slapd.modify(&(person("jo") + &person("al")));
    let mut dir = connect(&slapd.source()).await.unwrap();
    let (_, state) = full_sync(&mut dir).await;
    drop(dir);

    // slapd 2.5 keeps its sync session log in memory: after a restart it
    // cannot list the deletes since the cookie, and answers with a present
    // phase (or e-syncRefreshRequired). Either means "reconcile a full sync".
    slapd.modify("dn: uid=al,ou=people,dc=example,dc=com\nchangetype: delete\n\n");
    slapd.restart();
    let mut dir = connect(&slapd.source()).await.unwrap();
    match incremental(&mut dir, &state).await {
        Err(err) => {
            eprintln!("after a restart: {err}");
            assert!(err.requires_full_sync(), "{err}");
        }
        Ok((changes, _)) => {
            eprintln!("after a restart slapd still served the cookie: {changes:?}");
            let al = deleted(&changes);
            assert_eq!(al.len(), 1, "the delete must not be lost: {changes:?}");
        }
    }

    // A state of another strategy is refused before any search.
    let other = SyncState::UsnChanged {
        server: "CN=DC1".into(),
        highest_usn: 1,
    };
    let err = incremental(&mut dir, &other).await.unwrap_err();
    assert!(matches!(err, Error::StateMismatch(_)), "{err}");
    assert!(err.requires_full_sync());
    // So is a cookie that is not hex.
    let garbage = SyncState::Syncrepl {
        cookie: "not hex".into(),
    };
    let err = incremental(&mut dir, &garbage).await.unwrap_err();
    assert!(matches!(err, Error::StateMismatch(_)), "{err}");
}

#[tokio::test]
async fn modify_timestamp_polling_sees_changes_but_not_deletes() {
    let slapd = Slapd::start();
    slapd.modify(&(person("jo") + &person("al")));
    let mut source = slapd.source();
    source.mapping = source
        .mapping
        .with_overrides(&json!({ "incremental": "modify_timestamp" }))
        .unwrap();
    let mut dir = connect(&source).await.unwrap();
    let (_, state) = full_sync(&mut dir).await;
    assert!(matches!(state, SyncState::ModifyTimestamp { .. }));

    slapd.modify(&person("di"));
    slapd.modify("dn: uid=al,ou=people,dc=example,dc=com\nchangetype: delete\n\n");
    let (changes, next) = incremental(&mut dir, &state).await.unwrap();
    assert!(user_named(&changes, "di").is_some());
    // Deletes are invisible to polling: the hub reconciles on a full sync.
    assert!(deleted(&changes).is_empty());
    assert!(matches!(next, SyncState::ModifyTimestamp { .. }));
}
