//! Single Logout of the IdP (SAML Profiles §4.4). Started by a service
//! provider (§4.4.3.1, §4.4.4): its LogoutRequest, signed by its registered
//! key, names the user (NameID) and the session (SessionIndex) of an
//! assertion we issued to it; that USSO session ends, and a signed
//! LogoutResponse goes back to the provider's SingleLogoutService over the
//! binding the request came on. Started by USSO when a session ends
//! (§4.4.3.2): a signed LogoutRequest to each provider the session logged in
//! to, carried by the browser.

use serde_json::json;
use usso_saml::binding::{post_value, redirect_query, redirect_url, InboundMessage, MessageField};
use usso_saml::logout::{
    build_logout_request, build_logout_response, LogoutRequest, NewLogoutRequest, NewLogoutResponse,
};
use usso_saml::response::Status;
use usso_saml::signature::SignaturePolicy;
use usso_saml::{Binding, MessagePolicy, NameIdFormat};

use super::assertion::persistent_name_id;
use super::idp::idp_keys;
use super::requests::{claimed_sp, sp_metadata};
use super::SsoError;
use crate::adapters::oidc::backchannel::{deliver_soon, session_ended};
use crate::core::event::{Actor, AuditEvent};
use crate::core::session::Session;
use crate::core::tenant::Tenant;
use crate::core::SessionId;
use crate::service::{record, Hub, ServiceError};
use crate::store::{saml_sps, sessions, users, StoreError};

/// How the LogoutResponse travels back.
#[derive(Debug)]
pub enum LogoutReply {
    /// Redirect the browser to this URL (HTTP-Redirect binding).
    Redirect(String),
    /// Auto-post `SAMLResponse` to `url` (HTTP-POST binding).
    Post {
        url: String,
        saml_response: String,
        relay_state: Option<String>,
    },
}

/// Handles a provider's LogoutRequest for `tenant`.
///
/// `browser_session` is the USSO session of the browser that carried the
/// request: it is the one meant when the request names no SessionIndex
/// (SAML Core §3.7.1 means "every session of the principal"; over the front
/// channel that is the browser's).
pub async fn sp_initiated(
    hub: &Hub,
    tenant: &Tenant,
    inbound: InboundMessage,
    browser_session: Option<Session>,
) -> Result<LogoutReply, SsoError> {
    let sp = claimed_sp(hub, tenant, &inbound).await?;
    let metadata = sp_metadata(&sp)?;
    let policy = MessagePolicy {
        // Profiles §4.4.4.1: the request MUST be signed; a provider that
        // publishes no key cannot sign, and is refused.
        signature: SignaturePolicy {
            require_signed: true,
            allow_sha1: false,
        },
        expected_destination: Some(format!("{}/saml/slo", hub.issuer(tenant))),
        ..MessagePolicy::default()
    };
    let request =
        LogoutRequest::accept(inbound, &metadata.signing_certificates, &policy, hub.now())?;
    if request.issuer != sp.entity_id {
        return Err(SsoError::Refused(
            "the signed Issuer differs from the claimed one".into(),
        ));
    }
    let endpoint = metadata
        .slo(request.binding)
        .or_else(|| metadata.slo(Binding::HttpRedirect))
        .or_else(|| metadata.slo(Binding::HttpPost))
        .ok_or_else(|| {
            SsoError::Refused(format!("{} publishes no SingleLogoutService", sp.entity_id))
        })?;
    let binding = endpoint.known_binding().unwrap_or(Binding::HttpRedirect);
    let url = endpoint
        .response_location
        .clone()
        .unwrap_or_else(|| endpoint.location.clone());

    // End every named session whose user the NameID designates.
    let named: Vec<SessionId> = if request.session_indexes.is_empty() {
        browser_session.iter().map(|s| s.id).collect()
    } else {
        request
            .session_indexes
            .iter()
            .filter_map(|i| i.parse::<SessionId>().ok())
            .collect()
    };
    let mut named_sessions = Vec::new();
    let mut conn = hub.store.conn().await.map_err(ServiceError::from)?;
    for session_id in named {
        let session = match sessions::get(&mut conn, tenant.id, session_id).await {
            Ok(s) => s,
            Err(StoreError::NotFound) => continue,
            Err(e) => return Err(ServiceError::from(e).into()),
        };
        let user = users::get(&mut conn, tenant.id, session.user_id)
            .await
            .map_err(ServiceError::from)?;
        let format = request
            .name_id
            .format
            .as_deref()
            .and_then(NameIdFormat::from_uri)
            .unwrap_or(NameIdFormat::Unspecified);
        let matches = match format {
            NameIdFormat::Persistent => {
                request.name_id.value == persistent_name_id(hub, &sp, &user)
            }
            NameIdFormat::EmailAddress => user
                .emails
                .iter()
                .any(|e| e.value.eq_ignore_ascii_case(&request.name_id.value)),
            NameIdFormat::Unspecified => {
                request.name_id.value == user.username
                    || request.name_id.value == user.id.to_string()
            }
            // A transient NameID is not kept: the signed SessionIndex names
            // the session.
            NameIdFormat::Transient => true,
        };
        if !matches {
            tracing::warn!(sp = %sp.entity_id, "SAML LogoutRequest: NameID does not match the session's user");
            continue;
        }
        named_sessions.push(session);
    }
    drop(conn);
    let ended = end_sessions(
        hub,
        tenant,
        named_sessions,
        json!({ "via": "saml", "saml_sp": sp.entity_id }),
    )
    .await?;
    tracing::info!(sp = %sp.entity_id, ended, "SAML single logout");
    logout_reply(
        hub,
        tenant,
        hub.saml_idp_metadata_url(tenant),
        binding,
        url,
        &request,
    )
    .await
}

/// Ends `ended` sessions (one transaction, one `logout` event each with
/// `details`), then their OAuth side: grants revoked, OIDC clients told by
/// back channel, as with any other logout. Returns how many ended.
pub(super) async fn end_sessions(
    hub: &Hub,
    tenant: &Tenant,
    ended: Vec<Session>,
    details: serde_json::Value,
) -> Result<usize, SsoError> {
    let mut tx = hub.store.begin().await.map_err(ServiceError::from)?;
    for session in &ended {
        sessions::delete(&mut tx, tenant.id, session.id)
            .await
            .map_err(ServiceError::from)?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, hub.now(), Actor::User(session.user_id), "logout")
                .target("session", session.id)
                .details(details.clone()),
        )
        .await?;
    }
    tx.commit().await.map_err(ServiceError::from)?;
    for session in &ended {
        let queued = session_ended(hub, tenant, session, session.user_id).await?;
        deliver_soon(hub, tenant, queued);
    }
    Ok(ended.len())
}

/// The signed LogoutResponse (Success) to `request`, from `issuer`, sent to
/// `url` over `binding`.
pub(super) async fn logout_reply(
    hub: &Hub,
    tenant: &Tenant,
    issuer: String,
    binding: Binding,
    url: String,
    request: &LogoutRequest,
) -> Result<LogoutReply, SsoError> {
    let keys = idp_keys(hub, tenant).await?;
    let response = NewLogoutResponse {
        id: super::assertion::new_message_id(),
        issuer,
        destination: url.clone(),
        in_response_to: request.id.clone(),
        now: hub.now(),
        status: Status::success(),
    };
    Ok(match binding {
        Binding::HttpPost => LogoutReply::Post {
            saml_response: post_value(&build_logout_response(&response, Some(keys.signing()))?),
            url,
            relay_state: request.relay_state.clone(),
        },
        _ => {
            let xml = build_logout_response(&response, None)?;
            let query = redirect_query(
                MessageField::Response,
                &xml,
                request.relay_state.as_deref(),
                Some(keys.signing()),
            )?;
            LogoutReply::Redirect(redirect_url(&url, &query))
        }
    })
}

/// What the browser carries when a USSO session ends (front channel).
#[derive(Debug, Default)]
pub struct SessionEndNotices {
    /// LogoutRequests to the SAML applications the session logged in to,
    /// each a signed HTTP-Redirect URL, for hidden frames.
    pub frames: Vec<String>,
    /// The LogoutRequest to the upstream SAML IdP the session came from
    /// (or the end-session request to its upstream OIDC provider), visited
    /// last, at the top level; the answer comes back to USSO, which then
    /// goes on to the `next` path.
    pub upstream: Option<String>,
}

/// The notices for `session`, to read before it ends (its records go with
/// it); `next` is where the browser goes once every party was told.
pub async fn session_end_notices(
    hub: &Hub,
    tenant: &Tenant,
    session: &Session,
    next: &str,
) -> Result<SessionEndNotices, SsoError> {
    Ok(SessionEndNotices {
        frames: sp_logout_requests(hub, tenant, session).await?,
        upstream: match super::upstream_logout::sp_initiated_request(hub, tenant, session, next)
            .await?
        {
            Some(saml) => Some(saml),
            None => {
                crate::adapters::oidc::upstream_logout::rp_logout_url(hub, tenant, session, next)
                    .await?
            }
        },
    })
}

/// The LogoutRequests that tell the service providers `session` logged in
/// to that it is ending (SAML Profiles §4.4.3.2, IdP-initiated), as signed
/// HTTP-Redirect URLs for the browser to visit (front channel). Providers
/// without a Redirect SingleLogoutService are skipped (and logged): POST
/// needs a page of its own per provider.
async fn sp_logout_requests(
    hub: &Hub,
    tenant: &Tenant,
    session: &Session,
) -> Result<Vec<String>, SsoError> {
    let mut conn = hub.store.conn().await.map_err(ServiceError::from)?;
    let participants = saml_sps::participants(&mut conn, tenant.id, session.id)
        .await
        .map_err(ServiceError::from)?;
    if participants.is_empty() {
        return Ok(Vec::new());
    }
    let mut sps = Vec::with_capacity(participants.len());
    for (sp_id, name_id) in participants {
        match saml_sps::get(&mut conn, tenant.id, sp_id).await {
            Ok(sp) => sps.push((sp, name_id)),
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(ServiceError::from(e).into()),
        }
    }
    drop(conn);
    let keys = idp_keys(hub, tenant).await?;
    let now = hub.now();
    let mut urls = Vec::new();
    for (sp, name_id) in sps {
        let metadata = sp_metadata(&sp)?;
        let (Some(endpoint), Some(name_id)) = (
            metadata.slo(Binding::HttpRedirect),
            super::name_id_from_json(&name_id),
        ) else {
            tracing::info!(sp = %sp.entity_id, "no HTTP-Redirect SingleLogoutService: not told of the logout");
            continue;
        };
        let request = NewLogoutRequest {
            id: super::assertion::new_message_id(),
            issuer: hub.saml_idp_metadata_url(tenant),
            destination: endpoint.location.clone(),
            now,
            name_id,
            session_index: Some(session.id.to_string()),
            not_on_or_after: Some(now + time::Duration::minutes(5)),
            reason: Some("urn:oasis:names:tc:SAML:2.0:logout:user".into()),
        };
        let xml = build_logout_request(&request, None)?;
        let query = redirect_query(MessageField::Request, &xml, None, Some(keys.signing()))?;
        urls.push(redirect_url(&endpoint.location, &query));
    }
    Ok(urls)
}
