//! Groups: named sets of users and of other groups (nesting), the unit that
//! SCIM, LDAP and upstream IdPs map their group concepts to.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{CoreError, GroupId, TenantId, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: GroupId,
    pub tenant_id: TenantId,
    /// Unique per tenant, without regard to case.
    pub name: String,
    pub description: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// A direct member of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "lowercase")]
pub enum Member {
    User(UserId),
    Group(GroupId),
}

impl Member {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::User(_) => "user",
            Self::Group(_) => "group",
        }
    }

    pub fn id_string(&self) -> String {
        match self {
            Self::User(id) => id.to_string(),
            Self::Group(id) => id.to_string(),
        }
    }
}

/// A group name: 1–255 characters, no control characters.
pub fn parse_group_name(raw: &str) -> Result<String, CoreError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 255 {
        return Err(CoreError::invalid("name", "must be 1 to 255 characters"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(CoreError::invalid(
            "name",
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

/// Refuses a nesting that would make a group its own ancestor.
///
/// `ancestors_of_parent` are every group that (transitively) contains `parent`,
/// `parent` included.
pub fn check_nesting(
    parent: GroupId,
    child: GroupId,
    ancestors_of_parent: &[GroupId],
) -> Result<(), CoreError> {
    if parent == child || ancestors_of_parent.contains(&child) {
        return Err(CoreError::invalid(
            "member",
            "a group cannot contain itself, directly or through another group",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_are_refused() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let (a, b, c) = (GroupId::new(now), GroupId::new(now), GroupId::new(now));
        assert!(check_nesting(a, a, &[a]).is_err());
        // a contains b; putting a into b closes a cycle
        assert!(check_nesting(b, a, &[b, a]).is_err());
        assert!(check_nesting(a, c, &[a]).is_ok());
    }
}
