//! DirSync and tombstone handling. Active Directory cannot run on this
//! machine, so these are constructed fixtures: control values written byte
//! by byte from the ASN.1 in MS-ADTS §3.1.1.3.4.1.3, and entries shaped as
//! AD returns live objects and tombstones (`isDeleted: TRUE`, the RDN
//! mangled with `\0ADEL:<guid>`, under `CN=Deleted Objects`).

use super::*;
use crate::mapping::Preset;
use crate::model::DirectoryEntry;

const GUID: [u8; 16] = [
    0xed, 0xb4, 0x58, 0x6d, 0x87, 0x70, 0x0d, 0x4e, 0x94, 0xbc, 0x1c, 0x6e, 0x27, 0x9d, 0xc5, 0x41,
];

#[test]
fn request_value_bytes() {
    let c = request(FLAGS, MAX_BYTES, b"");
    assert_eq!(c.ctype, "1.2.840.113556.1.4.841");
    assert!(c.crit);
    // SEQUENCE { INTEGER 0x801, INTEGER 0x100000, OCTET STRING "" }
    let expected = [
        0x30, 0x0b, 0x02, 0x02, 0x08, 0x01, 0x02, 0x03, 0x10, 0x00, 0x00, 0x04, 0x00,
    ];
    assert_eq!(c.val.as_deref(), Some(&expected[..]));
    // LDAP_DIRSYNC_INCREMENTAL_VALUES (0x80000000) is a negative INT32.
    let c = request(i32::MIN, 0, &[0xde, 0xad]);
    let expected = [
        0x30, 0x0d, 0x02, 0x04, 0x80, 0x00, 0x00, 0x00, 0x02, 0x01, 0x00, 0x04, 0x02, 0xde, 0xad,
    ];
    assert_eq!(c.val.as_deref(), Some(&expected[..]));
}

#[test]
fn response_value_fixtures() {
    let more = [
        0x30, 0x0e, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x04, 0x06, 0x4d, 0x53, 0x44, 0x53, 0x03,
        0x00,
    ];
    assert_eq!(
        decode_response(&more).unwrap(),
        Response {
            more: true,
            cookie: vec![0x4d, 0x53, 0x44, 0x53, 0x03, 0x00]
        }
    );
    let last = [0x30, 0x08, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x04, 0x00];
    assert_eq!(
        decode_response(&last).unwrap(),
        Response {
            more: false,
            cookie: vec![]
        }
    );
    for bad in [
        &[][..],
        &[0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00],
        &[0x30, 0x08, 0x04, 0x01, 0x00, 0x02, 0x01, 0x00, 0x04, 0x00],
        &[
            0x30, 0x09, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x04, 0x05, 0x00,
        ],
    ] {
        assert!(decode_response(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn tombstone_becomes_a_delete_by_object_guid() {
    let ad = Mapping::preset(Preset::ActiveDirectory);
    let tombstone = RawEntry::new(
        "CN=Jo Doe\\0ADEL:6d58b4ed-7087-4e0d-94bc-1c6e279dc541,CN=Deleted Objects,DC=corp,DC=example",
        vec![
            ("objectClass", vec![b"top".to_vec(), b"user".to_vec()]),
            ("objectGUID", vec![GUID.to_vec()]),
            ("isDeleted", vec![b"TRUE".to_vec()]),
            ("uSNChanged", vec![b"40213".to_vec()]),
        ],
    );
    assert!(is_tombstone(&tombstone));
    assert_eq!(
        change_of(&ad, &tombstone),
        Some(Change::Deleted {
            stable_id: "6d58b4ed-7087-4e0d-94bc-1c6e279dc541".into()
        })
    );
    let no_guid = RawEntry::new(
        "CN=x\\0ADEL:00,CN=Deleted Objects,DC=corp,DC=example",
        vec![("isDeleted", vec![b"TRUE".to_vec()])],
    );
    assert_eq!(change_of(&ad, &no_guid), None);
}

#[test]
fn live_group_becomes_a_change() {
    let ad = Mapping::preset(Preset::ActiveDirectory);
    let mut sid = vec![1, 5, 0, 0, 0, 0, 0, 5];
    for sub in [21u32, 1, 2, 3, 1104] {
        sid.extend_from_slice(&sub.to_le_bytes());
    }
    let group = RawEntry::new(
        "CN=Staff,OU=Groups,DC=corp,DC=example",
        vec![
            ("objectClass", vec![b"top".to_vec(), b"group".to_vec()]),
            ("objectGUID", vec![GUID.to_vec()]),
            ("cn", vec![b"Staff".to_vec()]),
            ("objectSid", vec![sid]),
            (
                "member",
                vec![b"CN=Doe\\, Jo,OU=Staff,DC=corp,DC=example".to_vec()],
            ),
            ("isDeleted", vec![b"FALSE".to_vec()]),
        ],
    );
    let Some(Change::Changed(DirectoryEntry::Group(g))) = change_of(&ad, &group) else {
        panic!("not a group change")
    };
    assert_eq!(g.name, "Staff");
    assert_eq!(g.rid, Some(1104));
    assert_eq!(g.member_dns.len(), 1);
}
