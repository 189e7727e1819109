//! Sync control values built by hand from RFC 4533's ASN.1, and the same
//! values cut short or mangled.

use super::*;
use crate::ber::{sequence, tlv, BOOLEAN, ENUMERATED, OCTET_STRING, SET};

const UUID: [u8; 16] = [
    0x0b, 0x1d, 0x2c, 0x3e, 0x11, 0x11, 0x22, 0x22, 0x33, 0x33, 0x44, 0x44, 0x55, 0x55, 0x66, 0x66,
];

#[test]
fn request_is_refresh_only_with_cookie_and_critical() {
    let c = request(Some(b"rid=000,csn=1".to_vec()));
    assert_eq!(c.ctype, REQUEST_OID);
    assert!(c.crit);
    let mut expected = vec![0x30, 0x12, 0x0a, 0x01, 0x01, 0x04, 0x0d];
    expected.extend_from_slice(b"rid=000,csn=1");
    assert_eq!(c.val, Some(expected));
    let c = request(None);
    assert_eq!(c.val.as_deref(), Some(&[0x30, 0x03, 0x0a, 0x01, 0x01][..]));
}

#[test]
fn state_values() {
    for (n, state) in [
        (0, EntryState::Present),
        (1, EntryState::Add),
        (2, EntryState::Modify),
        (3, EntryState::Delete),
    ] {
        let v = sequence(&[tlv(ENUMERATED, &[n]), tlv(OCTET_STRING, &UUID)]);
        let s = decode_state(&v).unwrap();
        assert_eq!(s.state, state);
        assert_eq!(s.entry_uuid, UUID);
        assert_eq!(s.cookie, None);
    }
    let v = sequence(&[
        tlv(ENUMERATED, &[1]),
        tlv(OCTET_STRING, &UUID),
        tlv(OCTET_STRING, b"c"),
    ]);
    assert_eq!(decode_state(&v).unwrap().cookie.as_deref(), Some(&b"c"[..]));
    for bad in [
        sequence(&[tlv(ENUMERATED, &[4]), tlv(OCTET_STRING, &UUID)]),
        sequence(&[tlv(ENUMERATED, &[1])]),
        sequence(&[tlv(OCTET_STRING, &UUID)]),
        sequence(&[tlv(ENUMERATED, &[1]), tlv(BOOLEAN, &[1])]),
        vec![0x30],
    ] {
        assert!(decode_state(&bad).is_err(), "{bad:?}");
    }
}

#[test]
fn done_values() {
    let d = decode_done(&sequence(&[])).unwrap();
    assert_eq!(
        d,
        DoneValue {
            cookie: None,
            refresh_deletes: false
        }
    );
    let d = decode_done(&sequence(&[tlv(OCTET_STRING, b"k"), tlv(BOOLEAN, &[0xff])])).unwrap();
    assert_eq!(d.cookie.as_deref(), Some(&b"k"[..]));
    assert!(d.refresh_deletes);
    assert!(decode_done(&sequence(&[tlv(BOOLEAN, &[1]), tlv(OCTET_STRING, b"k")])).is_err());
}

#[test]
fn info_values() {
    assert_eq!(
        decode_info(&tlv(0x80, b"new")).unwrap(),
        Info::NewCookie(b"new".to_vec())
    );
    assert_eq!(
        decode_info(&tlv(0xa1, &[])).unwrap(),
        Info::RefreshDelete {
            cookie: None,
            refresh_done: true
        }
    );
    assert_eq!(
        decode_info(&tlv(0xa2, &tlv(BOOLEAN, &[0]))).unwrap(),
        Info::RefreshPresent {
            cookie: None,
            refresh_done: false
        }
    );
    let set = tlv(
        SET,
        &[tlv(OCTET_STRING, &UUID), tlv(OCTET_STRING, &[0xaa; 16])].concat(),
    );
    let id_set = [tlv(OCTET_STRING, b"ck"), tlv(BOOLEAN, &[0xff]), set.clone()].concat();
    let Info::SyncIdSet {
        cookie,
        refresh_deletes,
        uuids,
    } = decode_info(&tlv(0xa3, &id_set)).unwrap()
    else {
        panic!("not a syncIdSet")
    };
    assert_eq!(cookie.as_deref(), Some(&b"ck"[..]));
    assert!(refresh_deletes);
    assert_eq!(uuids, vec![UUID.to_vec(), vec![0xaa; 16]]);
    // refreshDeletes defaults to FALSE: a present-phase set.
    let Info::SyncIdSet {
        refresh_deletes, ..
    } = decode_info(&tlv(0xa3, &set)).unwrap()
    else {
        panic!("not a syncIdSet")
    };
    assert!(!refresh_deletes);
    for bad in [
        tlv(0xa3, &tlv(OCTET_STRING, b"no set")),
        tlv(0xa4, &[]),
        tlv(0xa3, &tlv(SET, &tlv(BOOLEAN, &[1]))),
        [tlv(0x80, b"x"), vec![0]].concat(),
    ] {
        assert!(decode_info(&bad).is_err(), "{bad:?}");
    }
}
