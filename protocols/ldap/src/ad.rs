//! Active Directory value formats: `objectGUID` (16 bytes in Microsoft's
//! mixed-endian GUID layout, MS-DTYP §2.3.4.2) written as a UUID string,
//! `objectSid` (MS-DTYP §2.4.2.2) reduced to its RID, and the
//! `userAccountControl` flags (MS-ADTS §2.2.16).

/// `userAccountControl` ACCOUNTDISABLE (MS-ADTS §2.2.16).
pub const UF_ACCOUNTDISABLE: u32 = 0x0002;

/// Writes an `objectGUID` as a lowercase UUID string. The first three
/// fields are stored little-endian, the last eight bytes as they are, so
/// bytes `33 22 11 00 55 44 77 66 88 99 aa bb cc dd ee ff` read
/// `00112233-4455-6677-8899-aabbccddeeff`. `None` unless 16 bytes.
pub fn guid_to_string(bytes: &[u8]) -> Option<String> {
    let b: &[u8; 16] = bytes.try_into().ok()?;
    let ordered = [
        b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13],
        b[14], b[15],
    ];
    Some(uuid_string(&ordered))
}

/// Writes 16 bytes in network order (RFC 4122, as RFC 4533 `syncUUID`s are
/// sent) as a lowercase UUID string. `None` unless 16 bytes.
pub fn uuid_bytes_to_string(bytes: &[u8]) -> Option<String> {
    let b: &[u8; 16] = bytes.try_into().ok()?;
    Some(uuid_string(b))
}

fn uuid_string(b: &[u8; 16]) -> String {
    let mut out = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// The relative identifier (the last sub-authority) of a binary SID:
/// revision (1), sub-authority count (1), authority (6, big-endian), then
/// that many 32-bit little-endian sub-authorities.
pub fn sid_rid(bytes: &[u8]) -> Option<u32> {
    let count = usize::from(*bytes.get(1)?);
    if count == 0 || bytes.len() != 8 + 4 * count {
        return None;
    }
    let last = bytes.get(bytes.len() - 4..)?;
    Some(u32::from_le_bytes(last.try_into().ok()?))
}

/// The domain part of a binary SID: everything but its RID (revision and
/// count bytes left out, so that SIDs of one domain compare equal).
/// `None` for a malformed SID.
pub fn sid_domain(bytes: &[u8]) -> Option<&[u8]> {
    sid_rid(bytes)?;
    bytes.get(2..bytes.len() - 4)
}

/// The SID of the same domain as `sid` with `rid` as its RID: how a
/// `primaryGroupID` names a group (MS-ADTS §3.1.1.4.4). `None` for a
/// malformed SID.
pub fn sid_with_rid(sid: &[u8], rid: u32) -> Option<Vec<u8>> {
    sid_rid(sid)?;
    let mut out = sid.get(..sid.len() - 4)?.to_vec();
    out.extend_from_slice(&rid.to_le_bytes());
    Some(out)
}

/// Whether a `userAccountControl` value (decimal text, as AD sends it) has
/// every bit of `mask` set. A value that is not a number is not.
pub fn has_flags(value: &str, mask: u64) -> bool {
    value
        .trim()
        .parse::<i64>()
        // The attribute is a 32-bit signed integer: keep its low 32 bits.
        .map(|v| (v as u64) & 0xffff_ffff & mask == mask)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_mixed_endian() {
        let bytes = [
            0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
            0xee, 0xff,
        ];
        assert_eq!(
            guid_to_string(&bytes).as_deref(),
            Some("00112233-4455-6677-8899-aabbccddeeff")
        );
        // The same bytes as an RFC 4122 UUID keep their order.
        assert_eq!(
            uuid_bytes_to_string(&bytes).as_deref(),
            Some("33221100-5544-7766-8899-aabbccddeeff")
        );
        assert_eq!(guid_to_string(&bytes[..15]), None);
        assert_eq!(guid_to_string(&[0; 17]), None);
    }

    #[test]
    fn guid_of_a_known_ad_object() {
        // objectGUID as base64 "7bRYbYdwDU6UvBxuJ53FQQ=="; the expected string
        // is Python's independent `uuid.UUID(bytes_le=...)` of the same bytes.
        let bytes = [
            0xed, 0xb4, 0x58, 0x6d, 0x87, 0x70, 0x0d, 0x4e, 0x94, 0xbc, 0x1c, 0x6e, 0x27, 0x9d,
            0xc5, 0x41,
        ];
        assert_eq!(
            guid_to_string(&bytes).as_deref(),
            Some("6d58b4ed-7087-4e0d-94bc-1c6e279dc541")
        );
    }

    #[test]
    fn sid_rid_of_domain_users() {
        // S-1-5-21-1004336348-1177238915-682003330-513
        let mut sid = vec![1, 5, 0, 0, 0, 0, 0, 5];
        for sub in [21u32, 1_004_336_348, 1_177_238_915, 682_003_330, 513] {
            sid.extend_from_slice(&sub.to_le_bytes());
        }
        assert_eq!(sid_rid(&sid), Some(513));
        assert_eq!(sid_rid(&sid[..sid.len() - 1]), None);
        assert_eq!(sid_rid(&[1, 0, 0, 0, 0, 0, 0, 5]), None);
        assert_eq!(sid_rid(&[]), None);
    }

    #[test]
    fn primary_group_sid_from_a_user_sid() {
        let sid = |subs: &[u32]| {
            let mut out = vec![1, subs.len() as u8, 0, 0, 0, 0, 0, 5];
            for s in subs {
                out.extend_from_slice(&s.to_le_bytes());
            }
            out
        };
        let user = sid(&[21, 1_004_336_348, 1_177_238_915, 682_003_330, 1105]);
        let domain_users = sid(&[21, 1_004_336_348, 1_177_238_915, 682_003_330, 513]);
        let other_domain = sid(&[21, 1, 2, 3, 513]);
        assert_eq!(sid_with_rid(&user, 513), Some(domain_users.clone()));
        assert_eq!(sid_domain(&user), sid_domain(&domain_users));
        assert_ne!(sid_domain(&user), sid_domain(&other_domain));
        assert_eq!(sid_domain(&user[..5]), None);
        assert_eq!(sid_with_rid(&[1, 0, 0, 0, 0, 0, 0, 5], 513), None);
    }

    #[test]
    fn user_account_control() {
        let mask = u64::from(UF_ACCOUNTDISABLE);
        assert!(!has_flags("512", mask)); // NORMAL_ACCOUNT
        assert!(has_flags("514", mask)); // NORMAL_ACCOUNT | ACCOUNTDISABLE
        assert!(has_flags("66050", mask)); // + DONT_EXPIRE_PASSWORD
        assert!(!has_flags("66048", mask));
        assert!(has_flags("-2147483646", mask)); // high bit set, as a signed int
        assert!(!has_flags("", mask));
        assert!(!has_flags("abc", mask));
        assert!(!has_flags("99999999999999999999999", mask));
    }
}
