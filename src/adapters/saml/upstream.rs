//! USSO as a SAML 2.0 service provider towards a tenant's upstream IdPs
//! (SAML Profiles §4.1, SP side): the SP metadata, the AuthnRequest that
//! starts a login (HTTP-Redirect, or HTTP-POST when the IdP offers only
//! that), and the Response that ends it — checked by `usso_saml` against
//! the IdP's registered certificates, matched to a pending request
//! (`InResponseTo`, taken once), its assertion ID remembered until it
//! expires (replay cache), then mapped to an identity for
//! [`Hub::federated_login`].

use serde::{Deserialize, Serialize};
use time::Duration;
use usso_saml::binding::{post_value, redirect_query, redirect_url, InboundMessage, MessageField};
use usso_saml::metadata::{IdpMetadata, SpDescriptor};
use usso_saml::names::{Binding, NameIdFormat};

use super::idp::idp_keys;
use super::SsoError;
use crate::core::saml_sp::NameIdChoice;
use crate::core::tenant::Tenant;
use crate::core::upstream_idp::{SamlUpstream, UpstreamConfig, UpstreamIdp, UpstreamSession};
use crate::service::federation::{Arrival, FederatedLogin, FederationError};
use crate::service::login::LoginContext;
use crate::service::{Hub, ServiceError};
use crate::store::{federation, StoreError};

/// How long a user has at the IdP before the request is forgotten.
pub const PENDING_LIFETIME: Duration = Duration::minutes(15);

/// What USSO remembers of an AuthnRequest it sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PendingLogin {
    /// Where the user goes once logged in (a path of this server).
    return_to: Option<String>,
}

/// Why a login through an upstream IdP failed.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamLoginError {
    /// The IdP's answer cannot be trusted or does not fit a request.
    #[error(transparent)]
    Refused(#[from] SsoError),
    /// The answer is good, but the account rules refuse the login.
    #[error(transparent)]
    Account(#[from] FederationError),
}

impl From<ServiceError> for UpstreamLoginError {
    fn from(e: ServiceError) -> Self {
        Self::Refused(SsoError::Service(e))
    }
}

impl From<StoreError> for UpstreamLoginError {
    fn from(e: StoreError) -> Self {
        ServiceError::from(e).into()
    }
}

impl From<sqlx::Error> for UpstreamLoginError {
    fn from(e: sqlx::Error) -> Self {
        ServiceError::from(e).into()
    }
}

/// How the browser is sent to the IdP.
#[derive(Debug)]
pub enum Outbound {
    /// A 303 to this URL (HTTP-Redirect binding).
    Redirect(String),
    /// An auto-submitting form posting `saml_request` to `url`
    /// (HTTP-POST binding).
    Post { url: String, saml_request: String },
}

pub(super) fn saml_config(idp: &UpstreamIdp) -> Result<&SamlUpstream, SsoError> {
    match &idp.config {
        UpstreamConfig::Saml(s) => Ok(s),
        _ => Err(SsoError::Refused(format!("{} is not a SAML IdP", idp.name))),
    }
}

/// The registered IdP's parsed metadata.
pub(super) fn idp_metadata(idp: &UpstreamIdp) -> Result<IdpMetadata, SsoError> {
    IdpMetadata::parse(saml_config(idp)?.metadata.as_bytes()).map_err(|e| {
        SsoError::Service(ServiceError::Internal(format!(
            "stored metadata of upstream IdP {}: {e}",
            idp.id
        )))
    })
}

fn name_id_format(choice: NameIdChoice) -> NameIdFormat {
    match choice {
        NameIdChoice::Persistent => NameIdFormat::Persistent,
        NameIdChoice::EmailAddress => NameIdFormat::EmailAddress,
        NameIdChoice::Unspecified => NameIdFormat::Unspecified,
        NameIdChoice::Transient => NameIdFormat::Transient,
    }
}

/// The tenant's SP metadata document (SAML Metadata §2.4.4): its ACS and
/// SLO endpoints and the tenant's keys, for signing and for encryption.
pub async fn sp_metadata(hub: &Hub, tenant: &Tenant) -> Result<String, SsoError> {
    let keys = idp_keys(hub, tenant).await?;
    let descriptor = SpDescriptor {
        entity_id: hub.saml_sp_metadata_url(tenant),
        acs_url: hub.saml_sp_acs_url(tenant),
        slo_url: hub.saml_sp_slo_url(tenant),
        signing_certificates: keys.certificates.clone(),
        encryption_certificates: keys.certificates,
        authn_requests_signed: true,
        want_assertions_signed: false,
        name_id_formats: vec![
            NameIdFormat::Persistent,
            NameIdFormat::EmailAddress,
            NameIdFormat::Unspecified,
        ],
    };
    Ok(descriptor.to_xml())
}

/// The registered upstream IdP an inbound message claims to come from (by
/// its entityID, exactly); the claim is checked by the signature afterwards.
pub(super) async fn claimed_upstream(
    hub: &Hub,
    tenant: &Tenant,
    inbound: &InboundMessage,
) -> Result<UpstreamIdp, SsoError> {
    let claimed = inbound
        .claimed_issuer()
        .ok_or_else(|| SsoError::Refused(format!("a {} without Issuer", inbound.root_name())))?;
    match hub.saml_upstream_by_entity_id(tenant, claimed).await {
        Ok(idp) => Ok(idp),
        Err(ServiceError::NotFound(_)) => Err(SsoError::Refused(format!(
            "no upstream IdP {claimed:?} is registered with this tenant"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Sends the browser to `idp` with a new AuthnRequest; the user comes back
/// to `return_to` once logged in.
pub async fn start_login(
    hub: &Hub,
    tenant: &Tenant,
    idp: &UpstreamIdp,
    return_to: Option<String>,
) -> Result<Outbound, SsoError> {
    let config = saml_config(idp)?;
    let metadata = idp_metadata(idp)?;
    let now = hub.now();
    let id = super::assertion::new_message_id();
    let (binding, endpoint) = match metadata.sso(Binding::HttpRedirect) {
        Some(e) => (Binding::HttpRedirect, e),
        None => (
            Binding::HttpPost,
            metadata.sso(Binding::HttpPost).ok_or_else(|| {
                SsoError::Refused(format!(
                    "upstream IdP {} has no SSO endpoint over HTTP-Redirect or HTTP-POST",
                    idp.name
                ))
            })?,
        ),
    };
    let request = usso_saml::sp_request::NewAuthnRequest {
        id: id.clone(),
        issue_instant: now,
        destination: endpoint.location.clone(),
        issuer: hub.saml_sp_metadata_url(tenant),
        acs_url: hub.saml_sp_acs_url(tenant),
        name_id_format: config.settings.name_id_format.map(name_id_format),
        force_authn: config.settings.force_authn,
        is_passive: false,
    };
    let keys = idp_keys(hub, tenant).await?;
    let key = config.settings.sign_requests.then(|| keys.signing());
    let pending = serde_json::to_string(&PendingLogin { return_to })
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    let mut conn = hub.store.conn().await.map_err(ServiceError::from)?;
    federation::insert_request(
        &mut conn,
        tenant.id,
        &id,
        idp.id,
        &pending,
        now,
        now + PENDING_LIFETIME,
    )
    .await
    .map_err(ServiceError::from)?;
    Ok(match binding {
        Binding::HttpRedirect => {
            let xml = usso_saml::sp_request::build_authn_request(&request, None)?;
            let query = redirect_query(MessageField::Request, &xml, None, key)?;
            Outbound::Redirect(redirect_url(&endpoint.location, &query))
        }
        Binding::HttpPost => {
            let xml = usso_saml::sp_request::build_authn_request(&request, key)?;
            Outbound::Post {
                url: endpoint.location.clone(),
                saml_request: post_value(&xml),
            }
        }
    })
}

/// Ends a login: checks the Response an upstream IdP posted to the ACS and
/// logs its user in. Returns the login and where the user goes next.
pub async fn finish_login(
    hub: &Hub,
    tenant: &Tenant,
    inbound: InboundMessage,
    ctx: &LoginContext,
) -> Result<(FederatedLogin, Option<String>), UpstreamLoginError> {
    let idp = claimed_upstream(hub, tenant, &inbound).await?;
    let config = saml_config(&idp)?;
    let metadata = idp_metadata(&idp)?;
    let keys = idp_keys(hub, tenant).await?;
    let sp_entity_id = hub.saml_sp_metadata_url(tenant);
    let acs_url = hub.saml_sp_acs_url(tenant);
    let expectations = usso_saml::sp_response::ResponseExpectations {
        idp_entity_id: &config.entity_id,
        idp_certificates: &metadata.signing_certificates,
        sp_entity_id: &sp_entity_id,
        acs_url: &acs_url,
        decryption_keys: &keys.keys,
        require_signed_assertion: config.settings.want_assertions_signed,
        require_encrypted_assertion: config.settings.require_encrypted_assertions,
        allow_sha1: config.settings.allow_sha1,
        clock_skew: Duration::minutes(3),
        max_age: Duration::minutes(10),
    };
    let now = hub.now();
    let login = usso_saml::sp_response::accept_response(inbound, &expectations, now)
        .map_err(SsoError::from)?;
    let request_id = login.in_response_to.clone().ok_or_else(|| {
        SsoError::Refused(format!(
            "unsolicited Response from {}: only answers to USSO's requests are accepted",
            idp.name
        ))
    })?;

    // The request is answered once, and the assertion used once.
    let mut tx = hub.store.begin().await.map_err(ServiceError::from)?;
    let pending = match federation::take_request(&mut tx, tenant.id, &request_id, idp.id, now).await
    {
        Ok(p) => p,
        Err(StoreError::NotFound) => {
            return Err(SsoError::Refused(format!(
                "the Response answers no pending request of {} (replayed, expired or sent to another provider)",
                idp.name
            ))
            .into())
        }
        Err(e) => return Err(e.into()),
    };
    if !federation::remember_assertion(
        &mut tx,
        tenant.id,
        idp.id,
        &login.assertion_id,
        login.not_on_or_after,
    )
    .await?
    {
        return Err(SsoError::Refused(format!(
            "assertion {} of {} was already used",
            login.assertion_id, idp.name
        ))
        .into());
    }
    tx.commit().await?;
    let pending: PendingLogin = serde_json::from_str(&pending)
        .map_err(|e| ServiceError::Internal(format!("pending upstream request: {e}")))?;

    let attributes: Vec<(Vec<String>, Vec<String>)> = login
        .attributes
        .iter()
        .map(|a| {
            let mut names = vec![a.name.clone()];
            names.extend(a.friendly_name.clone());
            (names, a.values.clone())
        })
        .collect();
    let subject = match &config.settings.subject_attribute {
        Some(attr) => crate::core::upstream_idp::first_present(&attributes, std::slice::from_ref(attr))
            .and_then(|v| v.first().cloned())
            .ok_or_else(|| {
                SsoError::Refused(format!(
                    "the assertion of {} has no {attr:?} attribute to identify the user",
                    idp.name
                ))
            })?,
        None if login.name_id.format == NameIdFormat::Transient => {
            return Err(SsoError::Refused(format!(
                "{} sent a transient NameID, which cannot identify a returning user; set its subject_attribute",
                idp.name
            ))
            .into())
        }
        None => login.name_id.value.clone(),
    };
    let mut identity = config.settings.mapping.identity(subject, &attributes);
    // A SAML IdP has no email_verified: what it asserts is what it vouches for
    // (linking by it still needs the provider's `link_by_email`).
    identity.email_verified = true;
    let name_id = super::name_id_json(&login.name_id);
    // Kept under the NameID: what an IdP's LogoutRequest names.
    let upstream_session = UpstreamSession {
        idp_id: idp.id,
        subject: login.name_id.value.clone(),
        session_index: login.session_index.clone(),
        name_id,
    };
    let done = hub
        .federated_login(Arrival {
            tenant,
            idp: &idp,
            identity,
            upstream_session: Some(upstream_session),
            ctx,
        })
        .await?;
    Ok((done, pending.return_to))
}
