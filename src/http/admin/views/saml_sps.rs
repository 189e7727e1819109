//! The JSON representations of SAML service providers (admin API and
//! `usso saml-sp --json`): what the provider is sent and how, and what its
//! metadata says. Listings leave the metadata document out; a single
//! provider carries it as `metadata`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::timestamp;
use crate::core::saml_sp::{AttributeNaming, NameIdChoice, SamlServiceProvider, SamlSpSettings};

/// Which NameID the provider gets: `persistent` (opaque, stable, different
/// for each provider), `email_address`, `unspecified` (the username) or
/// `transient` (new for each login).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NameIdFormatView {
    Persistent,
    EmailAddress,
    Unspecified,
    Transient,
}

impl From<NameIdChoice> for NameIdFormatView {
    fn from(c: NameIdChoice) -> Self {
        match c {
            NameIdChoice::Persistent => Self::Persistent,
            NameIdChoice::EmailAddress => Self::EmailAddress,
            NameIdChoice::Unspecified => Self::Unspecified,
            NameIdChoice::Transient => Self::Transient,
        }
    }
}

impl From<NameIdFormatView> for NameIdChoice {
    fn from(v: NameIdFormatView) -> Self {
        match v {
            NameIdFormatView::Persistent => Self::Persistent,
            NameIdFormatView::EmailAddress => Self::EmailAddress,
            NameIdFormatView::Unspecified => Self::Unspecified,
            NameIdFormatView::Transient => Self::Transient,
        }
    }
}

/// How released attributes are named: `basic` (short names) or `uri`
/// (`urn:oid:` names with friendly names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttributeNamingView {
    Basic,
    Uri,
}

impl From<AttributeNaming> for AttributeNamingView {
    fn from(a: AttributeNaming) -> Self {
        match a {
            AttributeNaming::Basic => Self::Basic,
            AttributeNaming::Uri => Self::Uri,
        }
    }
}

impl From<AttributeNamingView> for AttributeNaming {
    fn from(v: AttributeNamingView) -> Self {
        match v {
            AttributeNamingView::Basic => Self::Basic,
            AttributeNamingView::Uri => Self::Uri,
        }
    }
}

/// What a service provider is sent and how.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SamlSpSettingsView {
    pub name_id_format: NameIdFormatView,
    pub attribute_naming: AttributeNamingView,
    /// The user attributes released to it.
    #[schema(example = json!(["email", "given_name", "family_name"]))]
    pub attributes: Vec<String>,
    pub sign_response: bool,
    pub sign_assertion: bool,
    /// The assertion is encrypted to the provider's encryption certificate.
    pub encrypt_assertion: bool,
    /// AuthnRequests not signed by the provider's key are refused.
    pub require_signed_requests: bool,
}

impl From<&SamlSpSettings> for SamlSpSettingsView {
    fn from(s: &SamlSpSettings) -> Self {
        Self {
            name_id_format: s.name_id_format.into(),
            attribute_naming: s.attribute_naming.into(),
            attributes: s.attributes.clone(),
            sign_response: s.sign_response,
            sign_assertion: s.sign_assertion,
            encrypt_assertion: s.encrypt_assertion,
            require_signed_requests: s.require_signed_requests,
        }
    }
}

/// A SAML service provider, without its metadata document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SamlSpView {
    pub id: Uuid,
    #[schema(example = "Expense reports")]
    pub name: String,
    /// The provider's `entityID`, from its metadata; unique in the tenant.
    #[schema(example = "https://app.example.com/saml/metadata")]
    pub entity_id: String,
    pub settings: SamlSpSettingsView,
    /// The `Location` of each `AssertionConsumerService` of the metadata,
    /// in document order.
    #[schema(example = json!(["https://app.example.com/saml/acs"]))]
    pub acs_urls: Vec<String>,
    /// The metadata publishes a certificate for encryption.
    pub has_encryption_certificate: bool,
    /// The metadata publishes a certificate for signing.
    pub has_signing_certificate: bool,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
    /// Bumped on every change; sent as the `ETag` and expected in `If-Match`.
    pub version: i64,
}

impl From<&SamlServiceProvider> for SamlSpView {
    fn from(sp: &SamlServiceProvider) -> Self {
        // The document was checked when it was stored; should it no longer
        // parse (a stricter parser), the view shows no endpoints or keys
        // rather than failing the whole listing.
        let metadata = usso_saml::metadata::SpMetadata::parse(sp.metadata.as_bytes()).ok();
        let acs_urls = metadata
            .as_ref()
            .map(|m| {
                m.assertion_consumer_services
                    .iter()
                    .map(|acs| acs.endpoint.location.clone())
                    .collect()
            })
            .unwrap_or_default();
        Self {
            id: sp.id.as_uuid(),
            name: sp.name.clone(),
            entity_id: sp.entity_id.clone(),
            settings: SamlSpSettingsView::from(&sp.settings),
            acs_urls,
            has_encryption_certificate: metadata
                .as_ref()
                .is_some_and(|m| !m.encryption_certificates.is_empty()),
            has_signing_certificate: metadata
                .as_ref()
                .is_some_and(|m| !m.signing_certificates.is_empty()),
            created_at: sp.created_at,
            updated_at: sp.updated_at,
            version: sp.version,
        }
    }
}

/// A SAML service provider with its metadata document, as registered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SamlSpDetailView {
    #[serde(flatten)]
    pub sp: SamlSpView,
    /// The provider's metadata (`<md:EntityDescriptor>`), verbatim.
    pub metadata: String,
}

impl From<&SamlServiceProvider> for SamlSpDetailView {
    fn from(sp: &SamlServiceProvider) -> Self {
        Self {
            sp: SamlSpView::from(sp),
            metadata: sp.metadata.clone(),
        }
    }
}
