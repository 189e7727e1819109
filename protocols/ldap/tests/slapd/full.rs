//! Full sync: users and groups of every supported shape, and paging.

use usso_ldap::{connect, Dn, SyncState};

use crate::harness::{group_of_names, person, Slapd};
use crate::{full_sync, groups, users};

fn dn(s: &str) -> Dn {
    Dn::parse(s).unwrap()
}

#[tokio::test]
async fn full_sync_maps_users_and_all_group_kinds() {
    let slapd = Slapd::start();
    let mut ldif = String::new();
    for uid in ["jo", "al", "bo"] {
        ldif.push_str(&person(uid));
    }
    ldif.push_str(&group_of_names("staff", &["jo", "al"]));
    // A nested group: admins holds jo and the staff group.
    ldif.push_str(&group_of_names(
        "admins",
        &["jo", "cn=staff,ou=groups,dc=example,dc=com"],
    ));
    ldif.push_str(
        "dn: cn=ops,ou=groups,dc=example,dc=com\nchangetype: add\nobjectClass: groupOfUniqueNames\n\
         cn: ops\nuniqueMember: uid=al,ou=people,dc=example,dc=com\n\n\
         dn: cn=dev,ou=groups,dc=example,dc=com\nchangetype: add\nobjectClass: posixGroup\n\
         cn: dev\ngidNumber: 5000\nmemberUid: jo\nmemberUid: bo\n\n",
    );
    slapd.modify(&ldif);

    let mut dir = connect(&slapd.source()).await.unwrap();
    assert_eq!(dir.count().await.unwrap(), (3, 4));
    let (entries, state) = full_sync(&mut dir).await;
    assert!(matches!(state, SyncState::Syncrepl { ref cookie } if !cookie.is_empty()));

    let users = users(&entries);
    assert_eq!(users.len(), 3);
    let jo = users.iter().find(|u| u.username == "jo").unwrap();
    assert_eq!(
        jo.stable_id,
        slapd.entry_uuid("uid=jo,ou=people,dc=example,dc=com")
    );
    assert_eq!(jo.dn, dn("uid=jo,ou=people,dc=example,dc=com"));
    assert_eq!(jo.email.as_deref(), Some("jo@example.com"));
    assert_eq!(jo.given_name.as_deref(), Some("jo"));
    assert_eq!(jo.family_name.as_deref(), Some("Example"));
    assert_eq!(jo.display_name.as_deref(), Some("jo E."));
    assert!(!jo.disabled);
    // memberOf is kept by the memberof overlay for groupOfNames only.
    let mut member_of: Vec<String> = jo.member_of.iter().map(ToString::to_string).collect();
    member_of.sort();
    assert_eq!(
        member_of,
        [
            "cn=admins,ou=groups,dc=example,dc=com",
            "cn=staff,ou=groups,dc=example,dc=com"
        ]
    );

    let groups = groups(&entries);
    assert_eq!(groups.len(), 4);
    let by_name = |n: &str| *groups.iter().find(|g| g.name == n).unwrap();
    let admins = by_name("admins");
    assert!(admins
        .member_dns
        .contains(&dn("cn=staff,ou=groups,dc=example,dc=com")));
    assert!(admins
        .member_dns
        .contains(&dn("uid=jo,ou=people,dc=example,dc=com")));
    assert_eq!(by_name("staff").member_dns.len(), 2);
    assert_eq!(
        by_name("ops").member_dns,
        [dn("uid=al,ou=people,dc=example,dc=com")]
    );
    let dev = by_name("dev");
    assert!(dev.member_dns.is_empty());
    assert_eq!(dev.member_uids, ["jo", "bo"]);
    for g in &groups {
        assert_eq!(g.stable_id, slapd.entry_uuid(&g.dn.to_string()));
    }
}

#[tokio::test]
async fn paged_reads_bring_every_entry_past_the_size_limit() {
    let slapd = Slapd::start();
    let ldif: String = (0..250).map(|i| person(&format!("user{i:03}"))).collect();
    slapd.modify(&ldif);

    // cn=reader may get 100 entries per unpaged search (slapd.sh's limits):
    // a page of 100 must bring all 250.
    let mut source = slapd.source();
    source.page_size = 100;
    let mut dir = connect(&source).await.unwrap();
    assert_eq!(dir.count().await.unwrap(), (250, 0));
    let (entries, _) = full_sync(&mut dir).await;
    let mut names: Vec<&str> = users(&entries)
        .iter()
        .map(|u| u.username.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 250);

    // A page of 7 (not a divisor of 250) too.
    source.page_size = 7;
    let mut dir = connect(&source).await.unwrap();
    let (entries, _) = full_sync(&mut dir).await;
    assert_eq!(users(&entries).len(), 250);
}
