//! What a signed-in user carries to a service provider (SAML Core §2.2,
//! §2.7; Profiles §4.1.4.2): its NameID in the format the provider asked
//! for or was registered with, the released attributes named as the
//! provider expects, in a Response signed (and the assertion encrypted) as
//! its registration says. One audit event per assertion issued.

use serde_json::json;
use time::Duration;
use usso_saml::binding::post_value;
use usso_saml::encrypt::{DataEncryption, Encryption};
use usso_saml::response::{
    build_error_response, build_response, Attribute, AttributeNameFormat, ErrorResponse,
    LoginResponse, NameId, ResponseOptions, Status, AC_PASSWORD_PROTECTED_TRANSPORT,
};
use usso_saml::{new_id, NameIdFormat, StatusCode};

use super::idp::idp_keys;
use super::requests::{sp_metadata, PendingRequest};
use super::SsoError;
use crate::core::event::{Actor, AuditEvent};
use crate::core::saml_sp::{AttributeNaming, NameIdChoice, SamlServiceProvider};
use crate::core::session::Session;
use crate::core::tenant::Tenant;
use crate::core::user::User;
use crate::secrets::tokens::new_token;
use crate::service::{record, Hub, ServiceError};
use crate::store::{groups, saml_sps};

/// How long an assertion may be presented.
const ASSERTION_LIFETIME: Duration = Duration::minutes(5);

/// The form a browser POSTs to the provider: ACS URL, base64 Response and
/// RelayState.
#[derive(Debug)]
pub struct Delivery {
    pub acs_url: String,
    pub saml_response: String,
    pub relay_state: Option<String>,
}

/// A fresh message or assertion `ID` from the CSPRNG.
pub fn new_message_id() -> String {
    new_id(new_token("").as_bytes())
}

/// The persistent NameID of `user` at `sp` (SAML Core §8.3.7): a keyed hash
/// of both, so it is stable at one provider and differs between providers.
pub fn persistent_name_id(hub: &Hub, sp: &SamlServiceProvider, user: &User) -> String {
    hub.secrets
        .hash(&format!("saml-persistent:{}:{}", sp.entity_id, user.id))
}

/// The NameID of `user` for `sp` (SAML Core §8.3).
fn name_id(
    hub: &Hub,
    idp_entity_id: &str,
    sp: &SamlServiceProvider,
    pending: &PendingRequest,
    user: &User,
) -> Result<NameId, SsoError> {
    let requested = pending
        .name_id_format
        .as_deref()
        .and_then(NameIdFormat::from_uri)
        .filter(|f| *f != NameIdFormat::Unspecified);
    let format = requested.unwrap_or(match sp.settings.name_id_format {
        NameIdChoice::Persistent => NameIdFormat::Persistent,
        NameIdChoice::EmailAddress => NameIdFormat::EmailAddress,
        NameIdChoice::Unspecified => NameIdFormat::Unspecified,
        NameIdChoice::Transient => NameIdFormat::Transient,
    });
    let value = match format {
        NameIdFormat::Persistent => persistent_name_id(hub, sp, user),
        NameIdFormat::Transient => new_message_id(),
        NameIdFormat::EmailAddress => {
            user.primary_email()
                .map(|e| e.value.clone())
                .ok_or_else(|| {
                    SsoError::Unsatisfiable(
                        "the user has no email for an emailAddress NameID".into(),
                    )
                })?
        }
        NameIdFormat::Unspecified => user.username.clone(),
    };
    let persistent = format == NameIdFormat::Persistent;
    Ok(NameId {
        format,
        value,
        name_qualifier: persistent.then(|| idp_entity_id.to_owned()),
        sp_name_qualifier: persistent.then(|| sp.entity_id.clone()),
    })
}

/// The attributes released to `sp`, named as it expects.
async fn attributes(
    hub: &Hub,
    sp: &SamlServiceProvider,
    user: &User,
) -> Result<Vec<Attribute>, SsoError> {
    let uri = sp.settings.attribute_naming == AttributeNaming::Uri;
    let mut out = Vec::new();
    for name in &sp.settings.attributes {
        let values: Vec<String> = match name.as_str() {
            "email" => user
                .primary_email()
                .map(|e| e.value.clone())
                .into_iter()
                .collect(),
            "given_name" => user.given_name.clone().into_iter().collect(),
            "family_name" => user.family_name.clone().into_iter().collect(),
            "display_name" => user.display_name.clone().into_iter().collect(),
            "username" => vec![user.username.clone()],
            "groups" => {
                let mut conn = hub.store.conn().await.map_err(ServiceError::from)?;
                groups::of_user(&mut conn, user.tenant_id, user.id)
                    .await
                    .map_err(ServiceError::from)?
                    .into_iter()
                    .map(|g| g.name)
                    .collect()
            }
            _ => Vec::new(),
        };
        if values.is_empty() {
            continue;
        }
        // (basic name, urn:oid name, friendly name): the LDAP/X.500 names
        // of eduPerson and inetOrgPerson.
        let (basic, oid, friendly) = match name.as_str() {
            "email" => ("email", "urn:oid:0.9.2342.19200300.100.1.3", "mail"),
            "given_name" => ("givenName", "urn:oid:2.5.4.42", "givenName"),
            "family_name" => ("surname", "urn:oid:2.5.4.4", "sn"),
            "display_name" => (
                "displayName",
                "urn:oid:2.16.840.1.113730.3.1.241",
                "displayName",
            ),
            "username" => ("username", "urn:oid:0.9.2342.19200300.100.1.1", "uid"),
            _ => ("groups", "urn:oid:1.3.6.1.4.1.5923.1.5.1.1", "isMemberOf"),
        };
        out.push(if uri {
            Attribute {
                name: oid.into(),
                name_format: AttributeNameFormat::Uri,
                friendly_name: Some(friendly.into()),
                values,
            }
        } else {
            Attribute {
                name: basic.into(),
                name_format: AttributeNameFormat::Basic,
                friendly_name: None,
                values,
            }
        });
    }
    Ok(out)
}

/// The signed Response that logs `user` in to `sp`, and the audit event.
pub async fn login_response(
    hub: &Hub,
    tenant: &Tenant,
    sp: &SamlServiceProvider,
    pending: &PendingRequest,
    user: &User,
    session: &Session,
) -> Result<Delivery, SsoError> {
    let keys = idp_keys(hub, tenant).await?;
    let metadata = sp_metadata(sp)?;
    let issuer = hub.saml_idp_metadata_url(tenant);
    let name_id = name_id(hub, &issuer, sp, pending, user)?;
    let login = LoginResponse {
        response_id: new_message_id(),
        assertion_id: new_message_id(),
        issuer,
        destination: pending.acs_url.clone(),
        in_response_to: pending.request_id.clone(),
        audience: sp.entity_id.clone(),
        name_id,
        session_index: Some(session.id.to_string()),
        authn_instant: session.created_at,
        authn_context_class_ref: AC_PASSWORD_PROTECTED_TRANSPORT.into(),
        session_not_on_or_after: Some(session.expires_at),
        attributes: attributes(hub, sp, user).await?,
        now: hub.now(),
        lifetime: ASSERTION_LIFETIME,
    };
    let encryption_certificate = metadata.encryption_certificates.first();
    let encrypt = match (sp.settings.encrypt_assertion, encryption_certificate) {
        (true, Some(certificate)) => Some(Encryption {
            certificate,
            algorithm: DataEncryption::Aes256Gcm,
        }),
        (true, None) => {
            return Err(SsoError::Unsatisfiable(
                "encryption is on but the provider publishes no encryption key".into(),
            ))
        }
        (false, _) => None,
    };
    let xml = build_response(
        &login,
        keys.signing(),
        &ResponseOptions {
            sign_response: sp.settings.sign_response,
            sign_assertion: sp.settings.sign_assertion,
            encrypt,
        },
    )?;
    let mut tx = hub.store.begin().await.map_err(ServiceError::from)?;
    record(
        &mut tx,
        &AuditEvent::new(
            tenant.id,
            login.now,
            Actor::User(user.id),
            "saml.assertion_issued",
        )
        .target("saml_sp", sp.id)
        .details(json!({
            "entity_id": sp.entity_id,
            "session_id": session.id.to_string(),
            "in_response_to": pending.request_id,
            "name_id_format": login.name_id.format.as_uri(),
        })),
    )
    .await?;
    // The session now has this provider to log out of when it ends.
    saml_sps::record_participant(
        &mut tx,
        tenant.id,
        session.id,
        sp.id,
        &super::name_id_json(&login.name_id),
        login.now,
    )
    .await
    .map_err(ServiceError::from)?;
    tx.commit().await.map_err(ServiceError::from)?;
    Ok(Delivery {
        acs_url: pending.acs_url.clone(),
        saml_response: post_value(&xml),
        relay_state: pending.relay_state.clone(),
    })
}

/// A signed error Response to the provider's ACS (e.g. `NoPassive` when
/// `IsPassive` was asked and no one is signed in).
pub async fn error_response(
    hub: &Hub,
    tenant: &Tenant,
    pending: &PendingRequest,
    second_level: StatusCode,
    message: &str,
) -> Result<Delivery, SsoError> {
    let keys = idp_keys(hub, tenant).await?;
    let status = Status::error(StatusCode::Responder, Some(second_level), Some(message))?;
    let xml = build_error_response(
        &ErrorResponse {
            response_id: new_message_id(),
            issuer: hub.saml_idp_metadata_url(tenant),
            destination: pending.acs_url.clone(),
            in_response_to: pending.request_id.clone(),
            now: hub.now(),
            status,
        },
        Some(keys.signing()),
    )?;
    Ok(Delivery {
        acs_url: pending.acs_url.clone(),
        saml_response: post_value(&xml),
        relay_state: pending.relay_state.clone(),
    })
}
