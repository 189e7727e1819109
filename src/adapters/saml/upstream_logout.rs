//! Single Logout with an upstream SAML IdP (SAML Profiles §4.4, USSO as
//! session participant). Started by the IdP (§4.4.3.2): its LogoutRequest,
//! signed by its registered key, names the user (NameID) and the IdP
//! session (SessionIndex) of a login it vouched for; the USSO sessions that
//! came from that login end (their grants and back-channel clients with
//! them), and a signed LogoutResponse goes back to the IdP's
//! SingleLogoutService. Started by USSO (§4.4.3.1) when such a session
//! ends: a signed LogoutRequest to the IdP, whose LogoutResponse returns to
//! the SP's SingleLogoutService with the path to go on to as RelayState.

use serde_json::json;
use usso_saml::binding::{redirect_query, redirect_url, InboundMessage, MessageField};
use usso_saml::logout::{build_logout_request, LogoutRequest, LogoutResponse, NewLogoutRequest};
use usso_saml::signature::SignaturePolicy;
use usso_saml::{Binding, MessagePolicy};

use super::logout::{end_sessions, logout_reply, LogoutReply};
use super::upstream::{claimed_upstream, idp_metadata, saml_config};
use super::SsoError;
use crate::core::session::Session;
use crate::core::tenant::Tenant;
use crate::service::{Hub, ServiceError};
use crate::store::{federation, sessions, upstream_idps, StoreError};

/// Handles an upstream IdP's LogoutRequest for `tenant`.
pub async fn idp_initiated(
    hub: &Hub,
    tenant: &Tenant,
    inbound: InboundMessage,
) -> Result<LogoutReply, SsoError> {
    let idp = claimed_upstream(hub, tenant, &inbound).await?;
    let config = saml_config(&idp)?;
    let metadata = idp_metadata(&idp)?;
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

/// The LogoutRequest telling the upstream IdP that `session`, which came
/// from it, is ending: a signed HTTP-Redirect URL to its SingleLogoutService
/// with `next` as RelayState; `None` when the session did not come from a
/// SAML IdP or the IdP has no Redirect SingleLogoutService.
pub async fn sp_initiated_request(
    hub: &Hub,
    tenant: &Tenant,
    session: &Session,
    next: &str,
) -> Result<Option<String>, SsoError> {
    let mut conn = hub.store.conn().await.map_err(ServiceError::from)?;
    let Some(upstream) = federation::session_upstream(&mut conn, tenant.id, session.id)
        .await
        .map_err(ServiceError::from)?
    else {
        return Ok(None);
    };
    let idp = match upstream_idps::get(&mut conn, tenant.id, upstream.idp_id).await {
        Ok(idp) => idp,
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(ServiceError::from(e).into()),
    };
    drop(conn);
    let Ok(config) = saml_config(&idp) else {
        return Ok(None);
    };
    let metadata = idp_metadata(&idp)?;
    let (Some(endpoint), Some(name_id)) = (
        metadata.slo(Binding::HttpRedirect),
        super::name_id_from_json(&upstream.name_id),
    ) else {
        return Ok(None);
    };
    let now = hub.now();
    let request = NewLogoutRequest {
        id: super::assertion::new_message_id(),
        issuer: hub.saml_sp_metadata_url(tenant),
        destination: endpoint.location.clone(),
        now,
        name_id,
        session_index: upstream.session_index.clone(),
        not_on_or_after: Some(now + time::Duration::minutes(5)),
        reason: Some("urn:oasis:names:tc:SAML:2.0:logout:user".into()),
    };
    let xml = build_logout_request(&request, None)?;
    let keys = super::idp::idp_keys(hub, tenant).await?;
    let key = config.settings.sign_requests.then(|| keys.signing());
    let query = redirect_query(MessageField::Request, &xml, None, key)?;
    // Where to go once the IdP answers, kept under the request's ID.
    let pending = serde_json::json!({ "next": next }).to_string();
    let mut conn = hub.store.conn().await.map_err(ServiceError::from)?;
    federation::insert_request(
        &mut conn,
        tenant.id,
        &request.id,
        idp.id,
        &pending,
        now,
        now + time::Duration::minutes(15),
    )
    .await
    .map_err(ServiceError::from)?;
    Ok(Some(redirect_url(&endpoint.location, &query)))
}

/// An upstream IdP's LogoutResponse to [`sp_initiated_request`]: checked
/// with the IdP's registered keys (a signature is checked when present),
/// matched to the pending request it answers (taken once); returns where
/// the browser goes on to. The USSO session ended before the request was
/// sent, so a refused or failed answer changes nothing for it.
pub async fn logout_returned(
    hub: &Hub,
    tenant: &Tenant,
    inbound: InboundMessage,
) -> Result<String, SsoError> {
    let idp = claimed_upstream(hub, tenant, &inbound).await?;
    let config = saml_config(&idp)?;
    let metadata = idp_metadata(&idp)?;
    let policy = MessagePolicy {
        signature: SignaturePolicy {
            require_signed: false,
            allow_sha1: config.settings.allow_sha1,
        },
        expected_destination: Some(hub.saml_sp_slo_url(tenant)),
        ..MessagePolicy::default()
    };
    let response =
        LogoutResponse::accept(inbound, &metadata.signing_certificates, &policy, hub.now())?;
    let request_id = response
        .in_response_to
        .ok_or_else(|| SsoError::Refused("a LogoutResponse without InResponseTo".into()))?;
    let mut conn = hub.store.conn().await.map_err(ServiceError::from)?;
    let pending = match federation::take_request(
        &mut conn,
        tenant.id,
        &request_id,
        idp.id,
        hub.now(),
    )
    .await
    {
        Ok(p) => p,
        Err(StoreError::NotFound) => {
            return Err(SsoError::Refused(
                "the LogoutResponse answers no pending request".into(),
            ))
        }
        Err(e) => return Err(ServiceError::from(e).into()),
    };
    if !response.status.is_success() {
        tracing::info!(idp = %idp.name, status = %response.status.code, "the upstream IdP did not log the user out");
    }
    let next: serde_json::Value = serde_json::from_str(&pending)
        .map_err(|e| ServiceError::Internal(format!("pending upstream logout: {e}")))?;
    Ok(next["next"].as_str().unwrap_or_default().to_owned())
}
