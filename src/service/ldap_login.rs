//! Password checks for directory users (issue 6): a user synced from an LDAP
//! source (external id `ldap:<source id>`) is checked by binding to the
//! directory as that user (RFC 4513 §5.1.3, through `usso_ldap`), never by
//! a stored password. The directory entry found must be the one the user
//! was synced from (same stable id) and not disabled there. A directory
//! that cannot be asked counts as a refusal; the cause is logged, and the
//! login page says what it says for any wrong password.

use super::Hub;
use crate::core::ldap_source::source_of_external;
use crate::core::tenant::Tenant;
use crate::core::user::User;

impl Hub {
    /// `Some(accepted)` when `user` comes from an LDAP source that still
    /// exists; `None` for any other user (its stored password decides).
    pub(crate) async fn check_directory_password(
        &self,
        tenant: &Tenant,
        user: &User,
        password: &str,
    ) -> Option<bool> {
        let (source_id, stable_id) = user
            .external_ids
            .iter()
            .find_map(|x| source_of_external(&x.source).map(|id| (id, x.id.as_str())))?;
        let source = match self.get_ldap_source(tenant, source_id).await {
            Ok(s) => s,
            Err(super::ServiceError::NotFound(_)) => return None,
            Err(e) => {
                tracing::warn!(user = %user.id, error = %e, "directory login: source unreadable");
                return Some(false);
            }
        };
        let config = match self.ldap_config(tenant, &source).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(source = %source.id, error = %e, "directory login: bad source configuration");
                return Some(false);
            }
        };
        match usso_ldap::authenticate(&config, &user.username, password).await {
            Ok(Some(found)) => Some(found.stable_id == stable_id && !found.disabled),
            Ok(None) => Some(false),
            Err(e) => {
                tracing::warn!(source = %source.id, user = %user.id, error = %e, "directory login: the directory could not check the password");
                Some(false)
            }
        }
    }
}
