//! Content Synchronization (RFC 4533): the Sync Request control (§2.2,
//! refreshOnly), and decoding of the Sync State control (§2.3), the Sync
//! Done control (§2.4) and the Sync Info message (§2.5).

use ldap3::controls::{RawControl, RefreshMode, SyncRequest};

use crate::ber::{self, BerError, Tlv};

/// Sync Request control (ldap3 writes it; tests check it).
#[cfg(test)]
pub(crate) const REQUEST_OID: &str = "1.3.6.1.4.1.4203.1.9.1.1";
/// Sync State control, on each entry.
pub(crate) const STATE_OID: &str = "1.3.6.1.4.1.4203.1.9.1.2";
/// Sync Done control, on the SearchResultDone.
pub(crate) const DONE_OID: &str = "1.3.6.1.4.1.4203.1.9.1.3";
/// Sync Info message, an IntermediateResponse.
pub(crate) const INFO_OID: &str = "1.3.6.1.4.1.4203.1.9.1.4";

/// A refreshOnly Sync Request with an optional cookie, marked critical so a
/// server without RFC 4533 refuses it (unavailableCriticalExtension).
pub(crate) fn request(cookie: Option<Vec<u8>>) -> RawControl {
    let mut control: RawControl = SyncRequest {
        mode: RefreshMode::RefreshOnly,
        cookie,
        reload_hint: false,
    }
    .into();
    control.crit = true;
    control
}

/// An entry's state (§2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryState {
    Present,
    Add,
    Modify,
    Delete,
}

/// syncStateValue ::= SEQUENCE { state ENUMERATED, entryUUID syncUUID,
/// cookie syncCookie OPTIONAL }.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StateValue {
    pub state: EntryState,
    pub entry_uuid: Vec<u8>,
    pub cookie: Option<Vec<u8>>,
}

/// syncDoneValue ::= SEQUENCE { cookie syncCookie OPTIONAL, refreshDeletes
/// BOOLEAN DEFAULT FALSE }.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DoneValue {
    pub cookie: Option<Vec<u8>>,
    pub refresh_deletes: bool,
}

/// syncInfoValue (§2.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Info {
    NewCookie(Vec<u8>),
    RefreshDelete {
        cookie: Option<Vec<u8>>,
        refresh_done: bool,
    },
    RefreshPresent {
        cookie: Option<Vec<u8>>,
        refresh_done: bool,
    },
    SyncIdSet {
        cookie: Option<Vec<u8>>,
        refresh_deletes: bool,
        uuids: Vec<Vec<u8>>,
    },
}

pub(crate) fn decode_state(value: &[u8]) -> Result<StateValue, BerError> {
    let seq = ber::read_only(value, ber::SEQUENCE)?;
    let mut parts = seq.children();
    let state = match next(&mut parts)?.expect(ber::ENUMERATED)?.as_i64()? {
        0 => EntryState::Present,
        1 => EntryState::Add,
        2 => EntryState::Modify,
        3 => EntryState::Delete,
        _ => return Err(BerError::InvalidValue),
    };
    let entry_uuid = next(&mut parts)?.expect(ber::OCTET_STRING)?.value.to_vec();
    let cookie = match parts.next() {
        Some(t) => Some(t?.expect(ber::OCTET_STRING)?.value.to_vec()),
        None => None,
    };
    Ok(StateValue {
        state,
        entry_uuid,
        cookie,
    })
}

pub(crate) fn decode_done(value: &[u8]) -> Result<DoneValue, BerError> {
    let seq = ber::read_only(value, ber::SEQUENCE)?;
    let (cookie, refresh_deletes, _) = cookie_flag_set(seq, false)?;
    Ok(DoneValue {
        cookie,
        refresh_deletes,
    })
}

pub(crate) fn decode_info(value: &[u8]) -> Result<Info, BerError> {
    let (tlv, rest) = ber::read(value)?;
    if !rest.is_empty() {
        return Err(BerError::InvalidValue);
    }
    match tlv.tag {
        0x80 => Ok(Info::NewCookie(tlv.value.to_vec())),
        0xa1 => {
            let (cookie, refresh_done, _) = cookie_flag_set(tlv, true)?;
            Ok(Info::RefreshDelete {
                cookie,
                refresh_done,
            })
        }
        0xa2 => {
            let (cookie, refresh_done, _) = cookie_flag_set(tlv, true)?;
            Ok(Info::RefreshPresent {
                cookie,
                refresh_done,
            })
        }
        0xa3 => {
            let (cookie, refresh_deletes, uuids) = cookie_flag_set(tlv, false)?;
            Ok(Info::SyncIdSet {
                cookie,
                refresh_deletes,
                uuids: uuids.ok_or(BerError::Truncated)?,
            })
        }
        _ => Err(BerError::UnexpectedTag),
    }
}

type CookieFlagSet = (Option<Vec<u8>>, bool, Option<Vec<Vec<u8>>>);

/// `{ cookie OCTET STRING OPTIONAL, flag BOOLEAN DEFAULT d, uuids SET OF
/// OCTET STRING (syncIdSet only) }`, each part in that order.
fn cookie_flag_set(seq: Tlv<'_>, default: bool) -> Result<CookieFlagSet, BerError> {
    let mut cookie = None;
    let mut flag = default;
    let mut uuids = None;
    let mut order = 0;
    for part in seq.children() {
        let part = part?;
        match part.tag {
            ber::OCTET_STRING if order < 1 => {
                cookie = Some(part.value.to_vec());
                order = 1;
            }
            ber::BOOLEAN if order < 2 => {
                flag = part.as_bool()?;
                order = 2;
            }
            ber::SET if order < 3 => {
                let set = part
                    .children()
                    .map(|u| Ok(u?.expect(ber::OCTET_STRING)?.value.to_vec()))
                    .collect::<Result<Vec<_>, BerError>>()?;
                uuids = Some(set);
                order = 3;
            }
            _ => return Err(BerError::UnexpectedTag),
        }
    }
    Ok((cookie, flag, uuids))
}

fn next<'a>(parts: &mut ber::Children<'a>) -> Result<Tlv<'a>, BerError> {
    parts.next().ok_or(BerError::Truncated)?
}

#[cfg(test)]
mod tests;
