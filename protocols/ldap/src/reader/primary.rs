//! Active Directory primary groups: a user's primary group (its
//! `primaryGroupID`, a RID, 513 "Domain Users" for most) is a membership
//! that neither the group's `member` nor the user's `memberOf` shows
//! (MS-ADTS §3.1.1.4.4, "primary group"). The group is the one whose
//! `objectSid` is the user's domain SID followed by that RID (MS-DTYP
//! §2.4.2.2). The reader restores the membership on both sides:
//! - a group entry gets, among its member DNs, the users of the source
//!   whose `primaryGroupID` is the group's RID and whose own `objectSid` is
//!   in the group's domain (a RID alone is only unique within a domain);
//! - a user entry gets the DN of its primary group
//!   ([`crate::DirectoryUser::primary_group`]), so that an incremental sync
//!   that sees a new user, and not the group (AD does not change the group
//!   when a user joins it as its primary group), can still add it.
//!
//! Only for mappings with both `primary_group_id` and `group_sid` (the
//! Active Directory preset). Lookups by SID are remembered for the run: a
//! domain has few primary groups.

use std::collections::{HashMap, HashSet};

use crate::ad;
use crate::dn::Dn;
use crate::entry::RawEntry;
use crate::error::Result;
use crate::mapping::Mapping;
use crate::model::DirectoryEntry;

/// What the resolution asks the directory.
pub(crate) trait PrimaryLookup {
    /// The source's users whose `primaryGroupID` is `rid`: DN and
    /// `objectSid` of each.
    async fn users_with_primary_group(&mut self, rid: u32) -> Result<Vec<(String, Vec<u8>)>>;
    /// The DN of the source's group whose `objectSid` is `sid`.
    async fn group_with_sid(&mut self, sid: &[u8]) -> Result<Option<String>>;
}

/// Primary groups resolved during one run, by SID.
#[derive(Debug, Default)]
pub(crate) struct PrimaryGroups {
    by_sid: HashMap<Vec<u8>, Option<Dn>>,
}

/// Whether `mapping` asks for primary group resolution.
pub(crate) fn applies(mapping: &Mapping) -> bool {
    mapping.primary_group_id.is_some() && mapping.group_sid.is_some()
}

impl PrimaryGroups {
    /// Adds the primary-group membership to a mapped entry (`raw` is the
    /// entry as read, for its `objectSid`).
    pub(crate) async fn complete<L: PrimaryLookup>(
        &mut self,
        lookup: &mut L,
        mapping: &Mapping,
        raw: &RawEntry,
        entry: &mut DirectoryEntry,
    ) -> Result<()> {
        let (true, Some(sid_attr)) = (applies(mapping), mapping.group_sid.as_deref()) else {
            return Ok(());
        };
        let Some(sid) = raw.values(sid_attr).next() else {
            return Ok(());
        };
        match entry {
            DirectoryEntry::Group(group) => {
                let (Some(domain), Some(rid)) = (ad::sid_domain(sid), ad::sid_rid(sid)) else {
                    return Ok(());
                };
                let users = lookup.users_with_primary_group(rid).await?;
                if users.is_empty() {
                    return Ok(());
                }
                let mut listed: HashSet<String> = group
                    .member_dns
                    .iter()
                    .map(|dn| dn.to_string().to_lowercase())
                    .collect();
                for (dn, user_sid) in users {
                    if ad::sid_domain(&user_sid) != Some(domain) {
                        continue;
                    }
                    let Ok(dn) = Dn::parse(&dn) else { continue };
                    if listed.insert(dn.to_string().to_lowercase()) {
                        group.member_dns.push(dn);
                    }
                }
            }
            DirectoryEntry::User(user) => {
                let Some(rid) = user.primary_group_id else {
                    return Ok(());
                };
                let Some(group_sid) = ad::sid_with_rid(sid, rid) else {
                    return Ok(());
                };
                if !self.by_sid.contains_key(&group_sid) {
                    let dn = lookup
                        .group_with_sid(&group_sid)
                        .await?
                        .and_then(|dn| Dn::parse(&dn).ok());
                    self.by_sid.insert(group_sid.clone(), dn);
                }
                user.primary_group = self.by_sid.get(&group_sid).cloned().flatten().map(Box::new);
            }
            DirectoryEntry::Unmapped { .. } => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
