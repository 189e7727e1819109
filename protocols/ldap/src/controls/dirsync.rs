//! Active Directory's DirSync control (OID 1.2.840.113556.1.4.841,
//! MS-ADTS §3.1.1.3.4.1.3) and Show Deleted control (1.2.840.113556.1.4.417,
//! §3.1.1.3.4.1.14), and how a changed or deleted (`isDeleted: TRUE`,
//! a tombstone) object becomes a [`Change`].

use ldap3::controls::RawControl;

use crate::ber::{self, BerError};
use crate::entry::RawEntry;
use crate::mapping::{self, Mapping};
use crate::model::Change;

/// DirSync.
pub(crate) const OID: &str = "1.2.840.113556.1.4.841";
/// Show Deleted: tombstones are returned by searches.
pub(crate) const SHOW_DELETED_OID: &str = "1.2.840.113556.1.4.417";

/// LDAP_DIRSYNC_OBJECT_SECURITY: return only what the caller may read, so
/// that a service account without "Replicating Directory Changes" works.
pub(crate) const OBJECT_SECURITY: i32 = 0x0000_0001;
/// LDAP_DIRSYNC_ANCESTORS_FIRST_ORDER: parents before children.
pub(crate) const ANCESTORS_FIRST_ORDER: i32 = 0x0000_0800;

/// The flags this crate sends: whole attribute values (no
/// INCREMENTAL_VALUES), so a changed `member` arrives complete.
pub(crate) const FLAGS: i32 = OBJECT_SECURITY | ANCESTORS_FIRST_ORDER;

/// Bytes asked for per response (AD's documented default when 0).
pub(crate) const MAX_BYTES: i32 = 1_048_576;

/// Request: `SEQUENCE { Flags INTEGER, MaxBytes INTEGER, Cookie OCTET
/// STRING }`, critical as AD requires.
pub(crate) fn request(flags: i32, max_bytes: i32, cookie: &[u8]) -> RawControl {
    let value = ber::sequence(&[
        ber::tlv(ber::INTEGER, &ber::integer(i64::from(flags))),
        ber::tlv(ber::INTEGER, &ber::integer(i64::from(max_bytes))),
        ber::tlv(ber::OCTET_STRING, cookie),
    ]);
    RawControl {
        ctype: OID.to_owned(),
        crit: true,
        val: Some(value),
    }
}

/// The Show Deleted control (no value).
pub(crate) fn show_deleted() -> RawControl {
    RawControl {
        ctype: SHOW_DELETED_OID.to_owned(),
        crit: true,
        val: None,
    }
}

/// A DirSync response: whether more changes wait, and the cookie to send
/// next (and to store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Response {
    pub more: bool,
    pub cookie: Vec<u8>,
}

/// Response: `SEQUENCE { MoreResults INTEGER, unused INTEGER, CookieServer
/// OCTET STRING }`.
pub(crate) fn decode_response(value: &[u8]) -> Result<Response, BerError> {
    let seq = ber::read_only(value, ber::SEQUENCE)?;
    let mut parts = seq.children();
    let mut take = || parts.next().ok_or(BerError::Truncated)?;
    let more = take()?.expect(ber::INTEGER)?.as_i64()? != 0;
    take()?.expect(ber::INTEGER)?;
    let cookie = take()?.expect(ber::OCTET_STRING)?.value.to_vec();
    Ok(Response { more, cookie })
}

/// Whether the entry is a tombstone (`isDeleted: TRUE`).
pub(crate) fn is_tombstone(entry: &RawEntry) -> bool {
    entry
        .texts("isDeleted")
        .iter()
        .any(|v| v.eq_ignore_ascii_case("TRUE"))
}

/// A tombstone becomes a delete by its stable id (its `objectGUID`
/// survives deletion); a live object is mapped whole. `None` for a tombstone
/// without a usable stable id.
pub(crate) fn change_of(mapping: &Mapping, entry: &RawEntry) -> Option<Change> {
    if is_tombstone(entry) {
        mapping::stable_id_of(mapping, entry).map(|stable_id| Change::Deleted { stable_id })
    } else {
        Some(Change::Changed(mapping::map_entry(mapping, entry)))
    }
}

#[cfg(test)]
mod tests;
