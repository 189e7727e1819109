//! The SAML 2.0 adapter: each tenant's IdP keys and metadata, the checking
//! of a service provider's AuthnRequest against its registration, and the
//! assertion a signed-in user carries to it (NameID, attributes); and, as
//! service provider, logins through the tenant's upstream SAML IdPs.

pub mod assertion;
pub mod idp;
pub mod logout;
pub mod requests;
pub mod upstream;
pub mod upstream_logout;

use usso_saml::SamlError;

/// Why a SAML exchange failed: what is logged, and whether the service
/// provider may be told (it is only told through a SAML Response to its
/// registered ACS, never at an unverified address).
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    /// The message could not be trusted or read: shown as an error page.
    #[error("SAML message refused: {0}")]
    Refused(String),
    /// A registered provider's well-formed request we cannot satisfy: an
    /// error Response goes back to its ACS.
    #[error("SAML request cannot be satisfied: {0}")]
    Unsatisfiable(String),
    #[error(transparent)]
    Service(#[from] crate::service::ServiceError),
}

impl From<SamlError> for SsoError {
    fn from(e: SamlError) -> Self {
        Self::Refused(e.to_string())
    }
}

/// A NameID as kept in the database (JSON): what names the user again in a
/// later LogoutRequest.
pub fn name_id_json(n: &usso_saml::response::NameId) -> String {
    serde_json::json!({
        "format": n.format.as_uri(),
        "value": n.value,
        "name_qualifier": n.name_qualifier,
        "sp_name_qualifier": n.sp_name_qualifier,
    })
    .to_string()
}

/// The NameID [`name_id_json`] kept; `None` if the JSON is not one.
pub fn name_id_from_json(raw: &str) -> Option<usso_saml::response::NameId> {
    let v: serde_json::Value = serde_json::from_str(raw).ok()?;
    let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
    Some(usso_saml::response::NameId {
        format: usso_saml::NameIdFormat::from_uri(&text("format")?)?,
        value: text("value")?,
        name_qualifier: text("name_qualifier"),
        sp_name_qualifier: text("sp_name_qualifier"),
    })
}
