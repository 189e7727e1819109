//! First start: an empty installation gets the `default` tenant and one
//! admin API key, so a newcomer can act at once.

use super::{Hub, ServiceError};
use crate::core::event::Actor;
use crate::core::signing_key::KeyAlgorithm;
use crate::core::tenant::{Tenant, DEFAULT_TENANT};
use crate::store::tenants;

/// What bootstrap created; the token is shown once and never stored.
#[derive(Debug)]
pub struct Bootstrapped {
    pub tenant: Tenant,
    pub admin_token: String,
}

impl Hub {
    /// Creates the default tenant and its first admin key when there is no
    /// tenant at all; `None` when the installation was already set up (also
    /// when another node won the race to set it up).
    pub async fn bootstrap(&self) -> Result<Option<Bootstrapped>, ServiceError> {
        let mut conn = self.store.conn().await?;
        if tenants::count(&mut conn).await? > 0 {
            return Ok(None);
        }
        drop(conn);
        // The RS256 key (RSA generation takes up to a second) is made by the
        // key job right after start, so that a first start stays fast.
        let tenant = match self
            .create_tenant_with_keys(
                Actor::System,
                DEFAULT_TENANT,
                Some("Default"),
                &[KeyAlgorithm::Es256, KeyAlgorithm::EdDsa],
            )
            .await
        {
            Ok(t) => t,
            Err(ServiceError::Conflict { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let (_, admin_token) = self
            .create_api_key(
                Actor::System,
                &tenant,
                "bootstrap admin",
                &["admin".to_owned()],
                None,
            )
            .await?;
        Ok(Some(Bootstrapped {
            tenant,
            admin_token,
        }))
    }
}
