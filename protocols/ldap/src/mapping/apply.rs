//! Applies a [`Mapping`] to one directory entry: classifies it as a user or
//! a group by `objectClass` and reads the mapped attributes. Member values
//! follow their syntaxes: DNs (RFC 4514), `uniqueMember`'s
//! NameAndOptionalUID (RFC 4517 §3.3.21) and `memberUid` usernames
//! (RFC 2307).

use crate::ad;
use crate::dn::Dn;
use crate::entry::RawEntry;
use crate::mapping::{DisabledRule, IdFormat, Mapping};
use crate::model::{DirectoryEntry, DirectoryGroup, DirectoryUser};

/// Maps one entry; an entry that is neither a user nor a group, or lacks a
/// required attribute, becomes [`DirectoryEntry::Unmapped`].
pub(crate) fn map_entry(mapping: &Mapping, entry: &RawEntry) -> DirectoryEntry {
    let unmapped = |reason: String| DirectoryEntry::Unmapped {
        dn: entry.dn.clone(),
        reason,
    };
    let Ok(dn) = Dn::parse(&entry.dn) else {
        return unmapped("the entry's DN is not valid RFC 4514".into());
    };
    let Some(stable_id) = stable_id(mapping, entry) else {
        return unmapped(format!("no usable {}", mapping.stable_id.attribute));
    };
    if entry.has_class(&mapping.group_object_classes) {
        let Some(name) = entry.text(&mapping.group_name) else {
            return unmapped(format!("group without {}", mapping.group_name));
        };
        let member_dns = mapping
            .member_dn
            .iter()
            .flat_map(|attr| entry.texts(attr))
            .filter_map(|v| Dn::parse(strip_optional_uid(&v)).ok())
            .collect();
        let member_uids = mapping
            .member_uid
            .iter()
            .flat_map(|attr| entry.texts(attr))
            .collect();
        let rid = mapping
            .group_sid
            .as_ref()
            .and_then(|attr| entry.values(attr).next())
            .and_then(ad::sid_rid);
        return DirectoryEntry::Group(DirectoryGroup {
            stable_id,
            dn,
            name,
            member_dns,
            member_uids,
            rid,
        });
    }
    if entry.has_class(&mapping.user_object_classes) {
        let Some(username) = mapping.username.iter().find_map(|a| entry.text(a)) else {
            return unmapped("user without a username attribute".into());
        };
        let optional = |attr: &Option<String>| attr.as_ref().and_then(|a| entry.text(a));
        let member_of = mapping
            .member_of
            .as_ref()
            .map(|attr| {
                entry
                    .texts(attr)
                    .iter()
                    .filter_map(|v| Dn::parse(v).ok())
                    .collect()
            })
            .unwrap_or_default();
        let primary_group_id =
            optional(&mapping.primary_group_id).and_then(|v| v.trim().parse::<u32>().ok());
        return DirectoryEntry::User(DirectoryUser {
            stable_id,
            dn,
            username,
            email: optional(&mapping.email),
            given_name: optional(&mapping.given_name),
            family_name: optional(&mapping.family_name),
            display_name: optional(&mapping.display_name),
            disabled: is_disabled(mapping.disabled.as_ref(), entry),
            member_of,
            primary_group_id,
            primary_group: None,
        });
    }
    unmapped("objectClass is neither a user nor a group class".into())
}

/// The entry's stable id as a string, per the mapping's format.
pub(crate) fn stable_id(mapping: &Mapping, entry: &RawEntry) -> Option<String> {
    let raw = entry.values(&mapping.stable_id.attribute).next()?;
    match mapping.stable_id.format {
        IdFormat::MsGuid => ad::guid_to_string(raw),
        IdFormat::String => {
            let text = std::str::from_utf8(raw).ok()?.trim();
            if text.is_empty() {
                None
            } else if looks_like_uuid(text) {
                Some(text.to_ascii_lowercase())
            } else {
                Some(text.to_owned())
            }
        }
    }
}

fn is_disabled(rule: Option<&DisabledRule>, entry: &RawEntry) -> bool {
    match rule {
        None => false,
        Some(DisabledRule::BitSet { attribute, mask }) => entry
            .text(attribute)
            .is_some_and(|v| ad::has_flags(&v, *mask)),
        Some(DisabledRule::Equals { attribute, value }) => entry
            .texts(attribute)
            .iter()
            .any(|v| v.trim().eq_ignore_ascii_case(value)),
    }
}

/// `uid=a,dc=b#'0101'B` → `uid=a,dc=b`; other values unchanged.
fn strip_optional_uid(value: &str) -> &str {
    if let Some(at) = value.rfind("#'") {
        let (dn, uid) = value.split_at(at);
        let bits = uid
            .strip_prefix("#'")
            .and_then(|rest| rest.strip_suffix("'B"));
        if bits.is_some_and(|b| b.bytes().all(|c| c == b'0' || c == b'1')) {
            return dn;
        }
    }
    value
}

fn looks_like_uuid(text: &str) -> bool {
    text.len() == 36
        && text.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}
