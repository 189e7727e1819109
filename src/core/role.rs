//! Roles: named sets of permissions (scopes), assigned to users or groups,
//! tenant-wide or inside one workspace, optionally until an expiry.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{AssignmentId, CoreError, GroupId, RoleId, TenantId, UserId, WorkspaceId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub id: RoleId,
    pub tenant_id: TenantId,
    /// Unique per tenant, without regard to case.
    pub name: String,
    pub description: Option<String>,
    /// Scopes or permissions the role grants, e.g. `billing:read`.
    pub permissions: Vec<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Who holds a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "lowercase")]
pub enum Principal {
    User(UserId),
    Group(GroupId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleAssignment {
    pub id: AssignmentId,
    pub tenant_id: TenantId,
    pub role_id: RoleId,
    pub principal: Principal,
    /// `None`: the whole tenant.
    pub workspace_id: Option<WorkspaceId>,
    pub expires_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

impl RoleAssignment {
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }
}

/// A permission: 1–128 printable ASCII characters without spaces
/// (the shape of an OAuth scope token, RFC 6749 §3.3).
pub fn parse_permission(raw: &str) -> Result<String, CoreError> {
    let ok = !raw.is_empty()
        && raw.len() <= 128
        && raw
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b));
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(CoreError::invalid(
            "permissions",
            format!("{raw:?} is not a valid scope token"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_assignments_are_inactive() {
        let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(1);
        let mut a = RoleAssignment {
            id: AssignmentId::new(now),
            tenant_id: TenantId::new(now),
            role_id: RoleId::new(now),
            principal: Principal::User(UserId::new(now)),
            workspace_id: None,
            expires_at: Some(now),
            created_at: now,
        };
        assert!(!a.is_active(now));
        a.expires_at = None;
        assert!(a.is_active(now));
    }

    #[test]
    fn permissions_are_scope_tokens() {
        assert!(parse_permission("billing:read").is_ok());
        assert!(parse_permission("a b").is_err());
        assert!(parse_permission("").is_err());
        assert!(parse_permission("quote\"").is_err());
    }
}
