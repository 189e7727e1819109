//! What the reader yields: users and groups as the directory describes them
//! (already mapped, still in directory terms), changes, and the state a
//! caller stores to resume incrementally.

use serde::{Deserialize, Serialize};

use crate::dn::Dn;

/// One entry of a full sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectoryEntry {
    /// A user entry.
    User(DirectoryUser),
    /// A group entry.
    Group(DirectoryGroup),
    /// An entry that matched a filter but cannot be mapped (no stable id, no
    /// username…). The caller logs it; it is not a user or group.
    Unmapped {
        /// The entry's DN, as sent.
        dn: String,
        /// Why it was not mapped.
        reason: String,
    },
}

/// A directory user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    /// The stable id (entryUUID, objectGUID as a UUID string, ipaUniqueID):
    /// the same across renames and moves.
    pub stable_id: String,
    /// The entry's DN.
    pub dn: Dn,
    /// The username (first present mapped username attribute).
    pub username: String,
    /// Email address.
    pub email: Option<String>,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// Whether the directory marks the account disabled.
    pub disabled: bool,
    /// The groups the directory lists for the user (`memberOf`). Values that
    /// are not valid DNs are left out. OpenLDAP's memberof overlay rewrites
    /// it without changing the user's `entryCSN`, so an incremental sync does
    /// not report the user when only this changed: take memberships from the
    /// groups' member lists.
    pub member_of: Vec<Dn>,
    /// Active Directory: the RID of the user's primary group, a membership
    /// that `member` and `memberOf` do not show.
    pub primary_group_id: Option<u32>,
    /// Active Directory: the DN of the user's primary group (the group of
    /// the source whose `objectSid` is the user's domain SID followed by
    /// `primary_group_id`), resolved by the reader; `None` when the mapping
    /// has no primary group or the group is outside the source. Boxed: most
    /// directories have none, and a change stays small.
    pub primary_group: Option<Box<Dn>>,
}

/// A directory group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryGroup {
    /// The stable id.
    pub stable_id: String,
    /// The entry's DN.
    pub dn: Dn,
    /// The group's name.
    pub name: String,
    /// Member DNs (`member`, `uniqueMember`): users or nested groups. Values
    /// that are not valid DNs are left out; `uniqueMember`'s optional
    /// `#'…'B` UID suffix is removed. All of them, also past Active
    /// Directory's 1500-value ranges; on Active Directory the users whose
    /// primary group this is are added.
    pub member_dns: Vec<Dn>,
    /// Member usernames (`memberUid`, RFC 2307 posixGroup).
    pub member_uids: Vec<String>,
    /// Active Directory: the RID of the group's `objectSid`.
    pub rid: Option<u32>,
}

impl DirectoryEntry {
    /// The stable id, if the entry was mapped.
    pub fn stable_id(&self) -> Option<&str> {
        match self {
            Self::User(u) => Some(&u.stable_id),
            Self::Group(g) => Some(&g.stable_id),
            Self::Unmapped { .. } => None,
        }
    }
}

/// One change found by an incremental sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The entry was added, modified or renamed: here is its whole current
    /// state.
    Changed(DirectoryEntry),
    /// The entry with this stable id was deleted (or left the synced scope).
    /// The caller also drops its memberships: a directory may remove a
    /// deleted user from its groups without reporting the groups changed.
    Deleted {
        /// The stable id.
        stable_id: String,
    },
}

/// Where an incremental sync resumes; stored by the caller between runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "strategy", rename_all = "snake_case", deny_unknown_fields)]
pub enum SyncState {
    /// RFC 4533: the server's opaque cookie, hex-encoded.
    Syncrepl {
        /// The cookie (hex).
        cookie: String,
    },
    /// Active Directory: the `highestCommittedUSN` read before the last run,
    /// on the domain controller named by `server` (`dsServiceName`). USNs
    /// are per domain controller.
    UsnChanged {
        /// The domain controller's `dsServiceName`.
        server: String,
        /// Changes with a higher `uSNChanged` are new.
        highest_usn: u64,
    },
    /// Active Directory DirSync: the server's opaque cookie, hex-encoded.
    Dirsync {
        /// The cookie (hex).
        cookie: String,
    },
    /// `modifyTimestamp` polling: entries modified at or after `since`
    /// (GeneralizedTime, UTC).
    ModifyTimestamp {
        /// GeneralizedTime, e.g. `20250101120000Z`.
        since: String,
    },
}

/// Lowercase hex of bytes (cookies in [`SyncState`]).
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Bytes of a hex string; `None` if it is not hex.
pub(crate) fn from_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(s, 16).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        let bytes = b"rid=000,csn=20250101\x00\xff";
        assert_eq!(from_hex(&to_hex(bytes)).as_deref(), Some(&bytes[..]));
        assert_eq!(from_hex("abc"), None);
        assert_eq!(from_hex("zz"), None);
        assert_eq!(from_hex("+1"), None);
    }

    #[test]
    fn sync_state_json() {
        let s = SyncState::UsnChanged {
            server: "CN=NTDS Settings,CN=DC1".into(),
            highest_usn: 12_345,
        };
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(
            json,
            r#"{"strategy":"usn_changed","server":"CN=NTDS Settings,CN=DC1","highest_usn":12345}"#
        );
        assert_eq!(serde_json::from_str::<SyncState>(&json).unwrap(), s);
    }
}
