use serde_json::json;

use super::*;
use crate::entry::RawEntry;
use crate::model::DirectoryEntry;

fn v(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

#[test]
fn every_preset_parses_and_validates() {
    for preset in Preset::ALL {
        let parsed: Mapping = serde_json::from_str(Mapping::preset_json(preset))
            .unwrap_or_else(|e| panic!("{}: {e}", preset.name()));
        parsed.validate().unwrap();
        assert_eq!(Mapping::preset(preset), parsed);
        assert_ne!(parsed, Mapping::fallback(), "{}", preset.name());
        assert_eq!(Preset::from_name(preset.name()), Some(preset));
    }
}

#[test]
fn presets_name_the_expected_attributes() {
    let ol = Mapping::preset(Preset::Openldap);
    assert_eq!(ol.stable_id.attribute, "entryUUID");
    assert_eq!(ol.username, ["uid"]);
    assert_eq!(ol.member_dn, ["member", "uniqueMember"]);
    assert_eq!(ol.member_uid, ["memberUid"]);
    assert_eq!(ol.incremental, Strategy::Syncrepl);

    let ad = Mapping::preset(Preset::ActiveDirectory);
    assert_eq!(ad.stable_id.format, IdFormat::MsGuid);
    assert_eq!(ad.username, ["sAMAccountName", "userPrincipalName"]);
    assert_eq!(
        ad.disabled,
        Some(DisabledRule::BitSet {
            attribute: "userAccountControl".into(),
            mask: 2
        })
    );
    assert_eq!(ad.primary_group_id.as_deref(), Some("primaryGroupID"));
    assert_eq!(ad.incremental, Strategy::UsnChanged);
    assert!(ad.incremental_alternatives.contains(&Strategy::Dirsync));

    let ipa = Mapping::preset(Preset::Freeipa);
    assert_eq!(ipa.stable_id.attribute, "ipaUniqueID");
    assert!(
        matches!(ipa.disabled, Some(DisabledRule::Equals { ref value, .. }) if value == "TRUE")
    );
}

#[test]
fn overrides_merge_as_json_merge_patch() {
    let base = Mapping::preset(Preset::Openldap);
    let m = base
        .with_overrides(&json!({
            "username": ["mail"],
            "email": null,
            "stable_id": { "attribute": "entryUUID" },
            "disabled": { "kind": "equals", "attribute": "pwdAccountLockedTime", "value": "000001010000Z" }
        }))
        .unwrap();
    assert_eq!(m.username, ["mail"]);
    assert_eq!(m.email, None);
    assert_eq!(m.stable_id.format, IdFormat::String);
    assert_eq!(m.given_name, base.given_name);
    assert!(m.disabled.is_some());
    // An empty patch changes nothing.
    assert_eq!(base.with_overrides(&json!({})).unwrap(), base);
}

#[test]
fn bad_overrides_are_errors() {
    let base = Mapping::preset(Preset::Openldap);
    for patch in [
        json!({ "username": [] }),
        json!({ "group_name": null }),
        json!({ "unknown_field": 1 }),
        json!({ "user_filter": "(objectClass=person" }),
        json!({ "email": "not an attribute" }),
        json!({ "stable_id": { "attribute": "ipaUniqueID" } }),
        json!({ "incremental": "carrier_pigeon" }),
        json!("not an object"),
    ] {
        assert!(base.with_overrides(&patch).is_err(), "{patch}");
    }
    // syncrepl with another stable id is refused, modify_timestamp is not.
    let ok = base.with_overrides(&json!({
        "stable_id": { "attribute": "ipaUniqueID" },
        "incremental": "modify_timestamp"
    }));
    assert!(ok.is_ok());
}

#[test]
fn maps_an_openldap_user_and_groups() {
    let m = Mapping::preset(Preset::Openldap);
    let user = RawEntry::new(
        "uid=jo,ou=people,dc=example,dc=com",
        vec![
            ("objectClass", vec![v("top"), v("inetOrgPerson")]),
            ("entryUUID", vec![v("0B1D2C3E-1111-2222-3333-444455556666")]),
            ("uid", vec![v("jo")]),
            ("mail", vec![v("jo@example.com")]),
            ("givenName", vec![v("Jo")]),
            ("sn", vec![v("Doe")]),
            (
                "memberOf",
                vec![v("cn=staff,ou=groups,dc=example,dc=com"), v("not a dn")],
            ),
        ],
    );
    let DirectoryEntry::User(u) = map_entry(&m, &user) else {
        panic!("not a user")
    };
    assert_eq!(u.stable_id, "0b1d2c3e-1111-2222-3333-444455556666");
    assert_eq!(u.username, "jo");
    assert_eq!(u.email.as_deref(), Some("jo@example.com"));
    assert_eq!(u.display_name, None);
    assert!(!u.disabled);
    assert_eq!(u.member_of.len(), 1);

    let unique = RawEntry::new(
        "cn=ops,ou=groups,dc=example,dc=com",
        vec![
            ("objectClass", vec![v("groupOfUniqueNames")]),
            ("entryUUID", vec![v("g-1")]),
            ("cn", vec![v("ops")]),
            (
                "uniqueMember",
                vec![
                    v("uid=jo,ou=people,dc=example,dc=com#'0101'B"),
                    v("uid=al,ou=people,dc=example,dc=com"),
                ],
            ),
        ],
    );
    let DirectoryEntry::Group(g) = map_entry(&m, &unique) else {
        panic!("not a group")
    };
    assert_eq!(g.member_dns.len(), 2);
    assert_eq!(
        g.member_dns[0].to_string(),
        "uid=jo,ou=people,dc=example,dc=com"
    );

    let posix = RawEntry::new(
        "cn=dev,ou=groups,dc=example,dc=com",
        vec![
            ("objectClass", vec![v("posixGroup")]),
            ("entryUUID", vec![v("g-2")]),
            ("cn", vec![v("dev")]),
            ("memberUid", vec![v("jo"), v("al")]),
        ],
    );
    let DirectoryEntry::Group(g) = map_entry(&m, &posix) else {
        panic!("not a group")
    };
    assert!(g.member_dns.is_empty());
    assert_eq!(g.member_uids, ["jo", "al"]);
}

#[test]
fn maps_an_active_directory_user() {
    let m = Mapping::preset(Preset::ActiveDirectory);
    let guid = vec![
        0xed, 0xb4, 0x58, 0x6d, 0x87, 0x70, 0x0d, 0x4e, 0x94, 0xbc, 0x1c, 0x6e, 0x27, 0x9d, 0xc5,
        0x41,
    ];
    let entry = RawEntry::new(
        "CN=Jo Doe,OU=Staff,DC=corp,DC=example",
        vec![
            (
                "objectClass",
                vec![v("top"), v("person"), v("organizationalPerson"), v("user")],
            ),
            ("objectGUID", vec![guid]),
            ("userPrincipalName", vec![v("jo@corp.example")]),
            ("userAccountControl", vec![v("514")]),
            ("primaryGroupID", vec![v("513")]),
        ],
    );
    let DirectoryEntry::User(u) = map_entry(&m, &entry) else {
        panic!("not a user")
    };
    assert_eq!(u.stable_id, "6d58b4ed-7087-4e0d-94bc-1c6e279dc541");
    // No sAMAccountName: the alternative username attribute is used.
    assert_eq!(u.username, "jo@corp.example");
    assert!(u.disabled);
    assert_eq!(u.primary_group_id, Some(513));
}

#[test]
fn maps_freeipa_lock_and_reports_unmappable_entries() {
    let m = Mapping::preset(Preset::Freeipa);
    let entry = RawEntry::new(
        "uid=jo,cn=users,cn=accounts,dc=ipa,dc=example",
        vec![
            ("objectClass", vec![v("inetorgperson"), v("posixaccount")]),
            ("ipaUniqueID", vec![v("8e1f-ipa")]),
            ("uid", vec![v("jo")]),
            ("nsAccountLock", vec![v("true")]),
        ],
    );
    let DirectoryEntry::User(u) = map_entry(&m, &entry) else {
        panic!("not a user")
    };
    assert!(u.disabled);

    let no_id = RawEntry::new(
        "uid=x,dc=e",
        vec![("objectClass", vec![v("inetOrgPerson")])],
    );
    assert!(matches!(
        map_entry(&m, &no_id),
        DirectoryEntry::Unmapped { .. }
    ));
    let bad_guid = RawEntry::new(
        "cn=x,dc=e",
        vec![
            ("objectClass", vec![v("user")]),
            ("objectGUID", vec![vec![1, 2, 3]]),
        ],
    );
    let ad = Mapping::preset(Preset::ActiveDirectory);
    assert!(matches!(
        map_entry(&ad, &bad_guid),
        DirectoryEntry::Unmapped { .. }
    ));
    let bad_dn = RawEntry::new("not a dn", vec![]);
    assert!(matches!(
        map_entry(&m, &bad_dn),
        DirectoryEntry::Unmapped { .. }
    ));
}
