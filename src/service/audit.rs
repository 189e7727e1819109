//! Reading the audit log.

use super::{Hub, ServiceError};
use crate::core::event::AuditEvent;
use crate::core::tenant::Tenant;
use crate::store::{events, Page};

impl Hub {
    pub async fn list_events(
        &self,
        tenant: &Tenant,
        page: Page<'_>,
    ) -> Result<Vec<AuditEvent>, ServiceError> {
        let mut conn = self.store.conn().await?;
        Ok(events::list(&mut conn, tenant.id, page).await?)
    }
}
