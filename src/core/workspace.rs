//! Workspaces: sub-organizations inside a tenant (a customer's team, a
//! department); roles may be assigned inside one.

use time::OffsetDateTime;

use super::tenant::Slug;
use super::{TenantId, WorkspaceId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    pub id: WorkspaceId,
    pub tenant_id: TenantId,
    /// Unique per tenant; same rules as a tenant slug.
    pub slug: Slug,
    pub display_name: String,
    pub created_at: OffsetDateTime,
}
