//! Attribute mapping: which object classes are users and groups, which
//! attributes carry the stable id, username, names, email, memberships and
//! the disabled flag, and which incremental strategy the directory supports.
//!
//! The presets are data (`metadata/ldap/*.json`, embedded here); a source
//! customises one with a JSON merge patch (RFC 7396) on top. Applying a
//! mapping to an entry lives in `mapping/apply.rs`.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

mod apply;

pub(crate) use apply::{map_entry, stable_id as stable_id_of};

const OPENLDAP: &str = include_str!("../../../metadata/ldap/openldap.json");
const ACTIVE_DIRECTORY: &str = include_str!("../../../metadata/ldap/active-directory.json");
const FREEIPA: &str = include_str!("../../../metadata/ldap/freeipa.json");

/// A directory family with a preset mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// OpenLDAP slapd (`metadata/ldap/openldap.json`).
    Openldap,
    /// Microsoft Active Directory (`metadata/ldap/active-directory.json`).
    ActiveDirectory,
    /// FreeIPA / 389 Directory Server (`metadata/ldap/freeipa.json`).
    Freeipa,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Self; 3] = [Self::Openldap, Self::ActiveDirectory, Self::Freeipa];

    /// The preset's name: `openldap`, `active-directory`, `freeipa`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Openldap => "openldap",
            Self::ActiveDirectory => "active-directory",
            Self::Freeipa => "freeipa",
        }
    }

    /// The preset for a name (as [`Preset::name`] writes it).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    const fn json(self) -> &'static str {
        match self {
            Self::Openldap => OPENLDAP,
            Self::ActiveDirectory => ACTIVE_DIRECTORY,
            Self::Freeipa => FREEIPA,
        }
    }
}

/// How a directory's entries become users and groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Object classes that make an entry a user.
    pub user_object_classes: Vec<String>,
    /// Object classes that make an entry a group (checked first).
    pub group_object_classes: Vec<String>,
    /// Default user filter (RFC 4515).
    pub user_filter: String,
    /// Default group filter (RFC 4515).
    pub group_filter: String,
    /// The attribute that identifies an entry for life, across renames.
    pub stable_id: StableId,
    /// Username attributes, the first present one wins.
    pub username: Vec<String>,
    /// Email attribute.
    pub email: Option<String>,
    /// Given name attribute.
    pub given_name: Option<String>,
    /// Family name attribute.
    pub family_name: Option<String>,
    /// Display name attribute.
    pub display_name: Option<String>,
    /// The group's name attribute.
    pub group_name: String,
    /// Group attributes whose values are member DNs.
    pub member_dn: Vec<String>,
    /// Group attributes whose values are member usernames (RFC 2307
    /// `memberUid`).
    pub member_uid: Vec<String>,
    /// The user's group DNs, kept by the directory.
    pub member_of: Option<String>,
    /// Active Directory: the user's primary group, as a RID.
    pub primary_group_id: Option<String>,
    /// Active Directory: the group's SID, whose RID a `primaryGroupID` names.
    pub group_sid: Option<String>,
    /// How a disabled account shows.
    pub disabled: Option<DisabledRule>,
    /// The incremental strategy used by default.
    pub incremental: Strategy,
    /// Other strategies this directory supports.
    pub incremental_alternatives: Vec<Strategy>,
}

/// The stable id attribute and how its value is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StableId {
    /// The attribute (`entryUUID`, `objectGUID`, `ipaUniqueID`).
    pub attribute: String,
    /// How its value becomes a string.
    pub format: IdFormat,
}

/// How a stable id value becomes a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdFormat {
    /// The value is text; UUID-shaped text is lowercased.
    String,
    /// 16 bytes in Microsoft's mixed-endian GUID layout.
    MsGuid,
}

/// How a disabled account shows in its entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DisabledRule {
    /// Disabled when the integer attribute has every bit of `mask` set
    /// (AD `userAccountControl` & 0x2).
    BitSet {
        /// The attribute.
        attribute: String,
        /// The bits.
        mask: u64,
    },
    /// Disabled when the attribute equals `value`, ignoring case (389 DS
    /// `nsAccountLock: TRUE`).
    Equals {
        /// The attribute.
        attribute: String,
        /// The value.
        value: String,
    },
}

/// How changes are found after a full sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// RFC 4533 content synchronization, refreshOnly, with a stored cookie.
    Syncrepl,
    /// Active Directory: `uSNChanged` above the stored high-water mark, and
    /// tombstones (`isDeleted`) through the Show Deleted control.
    UsnChanged,
    /// Active Directory DirSync control (1.2.840.113556.1.4.841).
    Dirsync,
    /// `modifyTimestamp` at or after the stored mark; deletes are not seen.
    ModifyTimestamp,
}

impl Mapping {
    /// The preset mapping of a directory family.
    pub fn preset(preset: Preset) -> Self {
        match serde_json::from_str(preset.json()) {
            Ok(mapping) => mapping,
            // The presets are tested to parse (mapping/tests.rs); this arm is
            // unreachable in a tested build, and falls back to the safest
            // mapping rather than panicking.
            Err(_) => Self::fallback(),
        }
    }

    /// The preset's JSON, as shipped in `metadata/ldap/`.
    pub fn preset_json(preset: Preset) -> &'static str {
        preset.json()
    }

    /// This mapping with `overrides` applied as a JSON merge patch
    /// (RFC 7396): members replace, `null` removes an optional attribute,
    /// arrays replace whole.
    pub fn with_overrides(&self, overrides: &serde_json::Value) -> Result<Self> {
        let mut doc = serde_json::to_value(self).map_err(|e| Error::Mapping(e.to_string()))?;
        merge_patch(&mut doc, overrides);
        let mapping: Self =
            serde_json::from_value(doc).map_err(|e| Error::Mapping(e.to_string()))?;
        mapping.validate()?;
        Ok(mapping)
    }

    /// Checks the mapping on its own: required attributes named, filters
    /// valid, and `syncrepl` only with `entryUUID` as the stable id (RFC 4533
    /// reports deletes by entryUUID alone).
    pub fn validate(&self) -> Result<()> {
        crate::filter::validate("preset user", &self.user_filter)?;
        crate::filter::validate("preset group", &self.group_filter)?;
        if self.username.is_empty() || self.username.iter().any(|a| !is_attr(a)) {
            return Err(Error::Mapping(
                "username needs at least one attribute".into(),
            ));
        }
        if self.user_object_classes.is_empty() || self.group_object_classes.is_empty() {
            return Err(Error::Mapping(
                "user and group object classes are required".into(),
            ));
        }
        let named = [
            Some(&self.stable_id.attribute),
            Some(&self.group_name),
            self.email.as_ref(),
            self.given_name.as_ref(),
            self.family_name.as_ref(),
            self.display_name.as_ref(),
            self.member_of.as_ref(),
            self.primary_group_id.as_ref(),
            self.group_sid.as_ref(),
        ];
        let lists = self.member_dn.iter().chain(&self.member_uid);
        if named
            .into_iter()
            .flatten()
            .chain(lists)
            .any(|a| !is_attr(a))
        {
            return Err(Error::Mapping(
                "attribute names must be descriptors or OIDs".into(),
            ));
        }
        if self.incremental == Strategy::Syncrepl
            && !self.stable_id.attribute.eq_ignore_ascii_case("entryUUID")
        {
            return Err(Error::Mapping(
                "syncrepl reports deletes by entryUUID: it needs entryUUID as the stable id".into(),
            ));
        }
        Ok(())
    }

    /// Every attribute to request for users (`objectClass` included).
    pub(crate) fn user_attributes(&self) -> Vec<String> {
        let mut attrs = vec!["objectClass".to_owned(), self.stable_id.attribute.clone()];
        attrs.extend(self.username.iter().cloned());
        let optional = [
            &self.email,
            &self.given_name,
            &self.family_name,
            &self.display_name,
            &self.member_of,
            &self.primary_group_id,
        ];
        attrs.extend(optional.into_iter().flatten().cloned());
        if let (Some(_), Some(sid)) = (&self.primary_group_id, &self.group_sid) {
            // The user's own SID gives the domain its primary group is in.
            attrs.push(sid.clone());
        }
        if let Some(rule) = &self.disabled {
            attrs.push(rule.attribute().to_owned());
        }
        attrs
    }

    /// Every attribute to request for groups (`objectClass` included).
    pub(crate) fn group_attributes(&self) -> Vec<String> {
        let mut attrs = vec![
            "objectClass".to_owned(),
            self.stable_id.attribute.clone(),
            self.group_name.clone(),
        ];
        attrs.extend(self.member_dn.iter().cloned());
        attrs.extend(self.member_uid.iter().cloned());
        attrs.extend(self.group_sid.iter().cloned());
        attrs
    }

    /// Users' and groups' attributes together, without repeats.
    pub(crate) fn all_attributes(&self) -> Vec<String> {
        let mut attrs = self.user_attributes();
        for a in self.group_attributes() {
            if !attrs.iter().any(|b| b.eq_ignore_ascii_case(&a)) {
                attrs.push(a);
            }
        }
        attrs
    }

    fn fallback() -> Self {
        Self {
            user_object_classes: vec!["inetOrgPerson".into()],
            group_object_classes: vec!["groupOfNames".into()],
            user_filter: "(objectClass=inetOrgPerson)".into(),
            group_filter: "(objectClass=groupOfNames)".into(),
            stable_id: StableId {
                attribute: "entryUUID".into(),
                format: IdFormat::String,
            },
            username: vec!["uid".into()],
            email: None,
            given_name: None,
            family_name: None,
            display_name: None,
            group_name: "cn".into(),
            member_dn: vec!["member".into()],
            member_uid: Vec::new(),
            member_of: None,
            primary_group_id: None,
            group_sid: None,
            disabled: None,
            incremental: Strategy::ModifyTimestamp,
            incremental_alternatives: Vec::new(),
        }
    }
}

impl DisabledRule {
    /// The attribute the rule reads.
    pub fn attribute(&self) -> &str {
        match self {
            Self::BitSet { attribute, .. } | Self::Equals { attribute, .. } => attribute,
        }
    }
}

/// An attribute description: a descriptor (letter, then letters, digits,
/// hyphens) or a numeric OID (RFC 4512 §1.4).
fn is_attr(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() => chars.all(|c| c.is_ascii_alphanumeric() || c == '-'),
        Some(c) if c.is_ascii_digit() => name
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit())),
        _ => false,
    }
}

/// RFC 7396 §2 MergePatch.
fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    let serde_json::Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = serde_json::Value::Object(serde_json::Map::new());
    }
    if let serde_json::Value::Object(map) = target {
        for (key, value) in patch {
            if value.is_null() {
                map.remove(key);
            } else {
                merge_patch(
                    map.entry(key.clone()).or_insert(serde_json::Value::Null),
                    value,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests;
