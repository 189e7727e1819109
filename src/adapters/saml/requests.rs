//! A service provider's AuthnRequest (SAML Core §3.4.1, Bindings §3.4 and
//! §3.5), checked against the provider's registration: known issuer,
//! signature by its registered key when required (never a key the message
//! carries), our SSO URL as Destination, an ACS its metadata lists. What
//! survives is kept as a [`PendingRequest`] while the user signs in.

use serde::{Deserialize, Serialize};
use time::Duration;
use usso_saml::authn_request::AuthnRequest;
use usso_saml::binding::InboundMessage;
use usso_saml::metadata::SpMetadata;
use usso_saml::signature::SignaturePolicy;
use usso_saml::MessagePolicy;

use super::SsoError;
use crate::core::saml_sp::SamlServiceProvider;
use crate::core::tenant::Tenant;
use crate::core::{SamlRequestId, SamlSpId};
use crate::service::{Hub, ServiceError};
use crate::store::{saml_sps, StoreError};

/// How long a user has to sign in before the request is forgotten.
pub const PENDING_LIFETIME: Duration = Duration::minutes(15);

/// What the response to a request must honour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRequest {
    pub sp_id: SamlSpId,
    /// The AuthnRequest's ID (`InResponseTo`); `None` for IdP-initiated SSO.
    pub request_id: Option<String>,
    /// Where the Response is POSTed: an ACS from the provider's metadata.
    pub acs_url: String,
    pub relay_state: Option<String>,
    pub force_authn: bool,
    pub is_passive: bool,
    /// The NameID format the request asked for, if any.
    pub name_id_format: Option<String>,
    /// When the request arrived: a `ForceAuthn` sign-in must be later.
    #[serde(with = "time::serde::timestamp::microseconds")]
    pub requested_at: time::OffsetDateTime,
}

/// The registered provider's parsed metadata.
pub fn sp_metadata(sp: &SamlServiceProvider) -> Result<SpMetadata, SsoError> {
    SpMetadata::parse(sp.metadata.as_bytes()).map_err(|e| {
        SsoError::Service(ServiceError::Internal(format!(
            "stored metadata of SAML SP {}: {e}",
            sp.id
        )))
    })
}

/// The registered provider an inbound message claims to come from (by its
/// entityID, exactly); the claim is checked by the signature afterwards.
pub async fn claimed_sp(
    hub: &Hub,
    tenant: &Tenant,
    inbound: &InboundMessage,
) -> Result<SamlServiceProvider, SsoError> {
    let claimed = inbound
        .claimed_issuer()
        .ok_or_else(|| SsoError::Refused(format!("the {} names no Issuer", inbound.root_name())))?;
    match hub.find_saml_sp(tenant, claimed).await {
        Ok(sp) if sp.entity_id == claimed => Ok(sp),
        Ok(_) | Err(ServiceError::NotFound(_)) => Err(SsoError::Refused(format!(
            "no service provider {claimed:?} is registered"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Checks an inbound AuthnRequest for `tenant`.
pub async fn accept(
    hub: &Hub,
    tenant: &Tenant,
    inbound: InboundMessage,
) -> Result<(SamlServiceProvider, PendingRequest), SsoError> {
    let sp = claimed_sp(hub, tenant, &inbound).await?;
    let metadata = sp_metadata(&sp)?;
    let policy = MessagePolicy {
        signature: SignaturePolicy {
            require_signed: sp.settings.require_signed_requests,
            allow_sha1: false,
        },
        expected_destination: Some(format!("{}/saml/sso", hub.issuer(tenant))),
        ..MessagePolicy::default()
    };
    let request =
        AuthnRequest::accept(inbound, &metadata.signing_certificates, &policy, hub.now())?;
    if request.issuer != sp.entity_id {
        return Err(SsoError::Refused(
            "the signed Issuer differs from the claimed one".into(),
        ));
    }
    let acs = metadata.resolve_acs(
        request.acs_url.as_deref(),
        request.acs_index,
        request.protocol_binding.as_deref(),
    )?;
    let pending = PendingRequest {
        sp_id: sp.id,
        request_id: Some(request.id.clone()),
        acs_url: acs.endpoint.location.clone(),
        relay_state: request.relay_state.clone(),
        force_authn: request.force_authn,
        is_passive: request.is_passive,
        name_id_format: request
            .name_id_policy
            .as_ref()
            .and_then(|p| p.format.clone()),
        requested_at: hub.now(),
    };
    Ok((sp, pending))
}

/// IdP-initiated SSO to `sp` (SAML Profiles §4.1.5): no request, the
/// provider's default ACS.
pub fn unsolicited(
    sp: &SamlServiceProvider,
    relay_state: Option<String>,
    now: time::OffsetDateTime,
) -> Result<PendingRequest, SsoError> {
    let metadata = sp_metadata(sp)?;
    let acs = metadata.default_acs().ok_or_else(|| {
        SsoError::Refused(format!("service provider {} has no POST ACS", sp.entity_id))
    })?;
    Ok(PendingRequest {
        sp_id: sp.id,
        request_id: None,
        acs_url: acs.endpoint.location.clone(),
        relay_state,
        force_authn: false,
        is_passive: false,
        name_id_format: None,
        requested_at: now,
    })
}

/// Keeps `pending` while the user signs in; its id goes in the return URL.
pub async fn save(
    hub: &Hub,
    tenant: &Tenant,
    pending: &PendingRequest,
) -> Result<SamlRequestId, SsoError> {
    let now = hub.now();
    let id = SamlRequestId::new(now);
    let json = serde_json::to_string(pending)
        .map_err(|e| ServiceError::Internal(format!("pending SAML request: {e}")))?;
    let mut tx = hub.store.begin().await.map_err(ServiceError::from)?;
    saml_sps::insert_request(
        &mut tx,
        tenant.id,
        id,
        pending.sp_id,
        &json,
        now,
        now + PENDING_LIFETIME,
    )
    .await
    .map_err(ServiceError::from)?;
    tx.commit()
        .await
        .map_err(|e| ServiceError::from(StoreError::from(e)))?;
    Ok(id)
}

/// A kept request and its provider; refused when unknown or expired.
pub async fn load(
    hub: &Hub,
    tenant: &Tenant,
    id: SamlRequestId,
) -> Result<(SamlServiceProvider, PendingRequest), SsoError> {
    let mut conn = hub.store.conn().await.map_err(ServiceError::from)?;
    let (sp_id, json) = match saml_sps::request(&mut conn, tenant.id, id, hub.now()).await {
        Ok(found) => found,
        Err(StoreError::NotFound) => {
            return Err(SsoError::Refused(
                "this sign-in request is unknown, answered or expired; start again from the application".into(),
            ))
        }
        Err(e) => return Err(ServiceError::from(e).into()),
    };
    let pending: PendingRequest = serde_json::from_str(&json)
        .map_err(|e| ServiceError::Internal(format!("pending SAML request: {e}")))?;
    let sp = saml_sps::get(&mut conn, tenant.id, sp_id)
        .await
        .map_err(ServiceError::not_found("SAML service provider"))?;
    Ok((sp, pending))
}

/// Forgets an answered request.
pub async fn finish(hub: &Hub, tenant: &Tenant, id: SamlRequestId) -> Result<(), SsoError> {
    let mut tx = hub.store.begin().await.map_err(ServiceError::from)?;
    match saml_sps::delete_request(&mut tx, tenant.id, id).await {
        Ok(()) | Err(StoreError::NotFound) => {}
        Err(e) => return Err(ServiceError::from(e).into()),
    }
    tx.commit()
        .await
        .map_err(|e| ServiceError::from(StoreError::from(e)))?;
    Ok(())
}
