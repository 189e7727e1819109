//! A tenant's SAML IdP identity: its entityID, its signing key and the
//! certificates it publishes. The keys are the tenant's RS256 signing keys
//! (the ones that rotate for OIDC); each gets a self-signed certificate made
//! from it, the same bytes every time, so the metadata publishes the next key
//! before it signs and the previous one while it retires.

use base64::Engine as _;
use sha2::{Digest, Sha256};
use time::Duration;
use usso_saml::keys::{self_signed_certificate, Certificate, SigningKey};
use usso_saml::metadata::IdpMetadata;

use super::SsoError;
use crate::core::signing_key::KeyAlgorithm;
use crate::core::tenant::Tenant;
use crate::service::{Hub, ServiceError};

/// How long an IdP certificate is valid from its key's creation.
const CERTIFICATE_YEARS: i64 = 10;

/// The SAML keys of one tenant, as IdP and as SP towards upstream IdPs.
#[derive(Debug)]
pub struct IdpKeys {
    /// Every published key, the one that signs now first; the others (the
    /// next one and the one retiring) still decrypt what was encrypted to
    /// them.
    pub keys: Vec<SigningKey>,
    /// Published in the metadata: the signing one first.
    pub certificates: Vec<Certificate>,
}

impl IdpKeys {
    /// The key that signs now.
    pub fn signing(&self) -> &SigningKey {
        &self.keys[0]
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn internal(e: impl std::fmt::Display) -> SsoError {
    SsoError::Service(ServiceError::Internal(format!("SAML IdP key: {e}")))
}

/// The tenant's IdP keys and certificates.
pub async fn idp_keys(hub: &Hub, tenant: &Tenant) -> Result<IdpKeys, SsoError> {
    let entity_id = hub.saml_idp_metadata_url(tenant);
    let opened = hub
        .published_private_keys(tenant, KeyAlgorithm::Rs256)
        .await?;
    let mut keys = Vec::with_capacity(opened.len());
    let mut certificates = Vec::with_capacity(opened.len());
    for (info, der) in &opened {
        let key_pem = zeroize::Zeroizing::new(pem("PRIVATE KEY", der));
        let cert_pem = self_signed_certificate(
            &key_pem,
            &entity_id,
            info.created_at,
            info.created_at + Duration::days(365 * CERTIFICATE_YEARS),
            // The serial: 16 bytes derived from the key id (X.509 allows 20).
            &Sha256::digest(info.kid.as_bytes())[..16],
        )
        .map_err(internal)?;
        keys.push(SigningKey::from_pkcs8_pem(&key_pem, &cert_pem).map_err(internal)?);
        certificates.push(Certificate::from_pem(&cert_pem).map_err(internal)?);
    }
    if keys.is_empty() {
        return Err(internal("no RS256 key"));
    }
    Ok(IdpKeys { keys, certificates })
}

/// The IdP metadata document of the tenant (SAML Metadata §2.4.3).
pub async fn idp_metadata(hub: &Hub, tenant: &Tenant) -> Result<String, SsoError> {
    let keys = idp_keys(hub, tenant).await?;
    let issuer = hub.issuer(tenant);
    let metadata = IdpMetadata::standard(
        &hub.saml_idp_metadata_url(tenant),
        &format!("{issuer}/saml/sso"),
        &format!("{issuer}/saml/slo"),
        keys.certificates,
    );
    Ok(metadata.to_xml())
}
