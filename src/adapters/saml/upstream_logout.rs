//! Single Logout started by an upstream SAML IdP (SAML Profiles §4.4.3.2,
//! USSO as session participant): its LogoutRequest, signed by its
//! registered key, names the user (NameID) and the IdP session
//! (SessionIndex) of a login it vouched for; the USSO sessions that came
//! from that login end (their grants and back-channel clients with them),
//! and a signed LogoutResponse goes back to the IdP's SingleLogoutService.

use serde_json::json;
use usso_saml::binding::InboundMessage;
use usso_saml::logout::LogoutRequest;
use usso_saml::metadata::IdpMetadata;
use usso_saml::signature::SignaturePolicy;
use usso_saml::{Binding, MessagePolicy};

use super::logout::{end_sessions, logout_reply, LogoutReply};
use super::SsoError;
use crate::core::tenant::Tenant;
use crate::core::upstream_idp::UpstreamConfig;
use crate::service::{Hub, ServiceError};
use crate::store::{federation, sessions, StoreError};

/// Handles an upstream IdP's LogoutRequest for `tenant`.
pub async fn idp_initiated(
    hub: &Hub,
    tenant: &Tenant,
    inbound: InboundMessage,
) -> Result<LogoutReply, SsoError> {
    let claimed = inbound
        .claimed_issuer()
        .ok_or_else(|| SsoError::Refused("a LogoutRequest without Issuer".into()))?
        .to_owned();
    let idp = match hub.saml_upstream_by_entity_id(tenant, &claimed).await {
        Ok(idp) => idp,
        Err(ServiceError::NotFound(_)) => {
            return Err(SsoError::Refused(format!(
                "no upstream IdP {claimed:?} is registered with this tenant"
            )))
        }
        Err(e) => return Err(e.into()),
    };
    let UpstreamConfig::Saml(config) = &idp.config;
    let metadata = IdpMetadata::parse(config.metadata.as_bytes()).map_err(|e| {
        SsoError::Service(ServiceError::Internal(format!(
            "stored metadata of upstream IdP {}: {e}",
            idp.id
        )))
    })?;
    let policy = MessagePolicy {
        // Profiles §4.4.4.1: the request MUST be signed.
        signature: SignaturePolicy {
            require_signed: true,
            allow_sha1: config.settings.allow_sha1,
        },
        expected_destination: Some(hub.saml_sp_slo_url(tenant)),
        ..MessagePolicy::default()
    };
    let request =
        LogoutRequest::accept(inbound, &metadata.signing_certificates, &policy, hub.now())?;
    if request.issuer != config.entity_id {
        return Err(SsoError::Refused(
            "the signed Issuer differs from the claimed one".into(),
        ));
    }
    let endpoint = metadata
        .slo(request.binding)
        .or_else(|| metadata.slo(Binding::HttpRedirect))
        .or_else(|| metadata.slo(Binding::HttpPost))
        .ok_or_else(|| {
            SsoError::Refused(format!("{} publishes no SingleLogoutService", idp.name))
        })?;
    let binding = endpoint.known_binding().unwrap_or(Binding::HttpRedirect);
    let url = endpoint
        .response_location
        .clone()
        .unwrap_or_else(|| endpoint.location.clone());

    // The sessions that came from the named IdP session(s) of that user.
    let mut conn = hub.store.conn().await.map_err(ServiceError::from)?;
    let indexes: Vec<Option<&str>> = if request.session_indexes.is_empty() {
        vec![None]
    } else {
        request
            .session_indexes
            .iter()
            .map(|i| Some(i.as_str()))
            .collect()
    };
    let mut ended = Vec::new();
    for index in indexes {
        let found =
            federation::sessions_from(&mut conn, tenant.id, idp.id, &request.name_id.value, index)
                .await
                .map_err(ServiceError::from)?;
        for (session_id, _) in found {
            match sessions::get(&mut conn, tenant.id, session_id).await {
                Ok(s) => ended.push(s),
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(ServiceError::from(e).into()),
            }
        }
    }
    drop(conn);
    let n = end_sessions(
        hub,
        tenant,
        ended,
        json!({ "via": "saml", "idp": idp.name }),
    )
    .await?;
    tracing::info!(idp = %idp.name, ended = n, "upstream SAML single logout");
    logout_reply(
        hub,
        tenant,
        hub.saml_sp_metadata_url(tenant),
        binding,
        url,
        &request,
    )
    .await
}
