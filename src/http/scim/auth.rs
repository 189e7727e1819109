//! Who is calling a tenant's SCIM endpoint: an API key of that tenant with
//! the `scim` scope, sent as `Authorization: Bearer usso_ak_…` (RFC 7644
//! §2, RFC 6750 §2.1). No key: 401; a key without the scope: 403. Keys of
//! other tenants, installation admins' included, are not keys here: SCIM
//! writes in the key's own externalId namespace, which is per tenant.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use usso_scim::ScimError;

use super::response::ScimFailure;
use crate::adapters::scim::context::ScimClient;
use crate::core::api_key::ApiScope;
use crate::http::{bearer_token, AppState};
use crate::service::ServiceError;

impl FromRequestParts<AppState> for ScimClient {
    type Rejection = ScimFailure;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized = || {
            ScimFailure(ScimError::unauthorized().with_detail(
                "send an API key with the scim scope as Authorization: Bearer <token>",
            ))
        };
        let token = bearer_token(&parts.headers).ok_or_else(unauthorized)?;
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ScimFailure(ScimError::not_found()))?;
        let slug = params
            .iter()
            .find(|(name, _)| *name == "tenant")
            .map(|(_, slug)| slug.to_owned())
            .ok_or_else(|| ScimFailure(ScimError::not_found()))?;
        let tenant = match state.hub.tenant(&slug).await {
            Ok(t) => t,
            Err(ServiceError::NotFound(_)) => return Err(unauthorized()),
            Err(e) => return Err(ScimFailure(crate::adapters::scim::scim_error(e))),
        };
        let caller = match state.hub.authenticate_api_key(&tenant, &token).await {
            Ok(caller) if caller.key.tenant_id == tenant.id => caller,
            Ok(_) | Err(ServiceError::Unauthorized) => return Err(unauthorized()),
            Err(e) => return Err(ScimFailure(crate::adapters::scim::scim_error(e))),
        };
        if !caller.key.allows(ApiScope::Scim) {
            return Err(ScimFailure(
                ScimError::forbidden().with_detail("this API key does not have the scim scope"),
            ));
        }
        let base_url = state.hub.scim_base_url(&tenant);
        Ok(ScimClient::new(tenant, caller.key, base_url))
    }
}
