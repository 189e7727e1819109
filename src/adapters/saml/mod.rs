//! The SAML 2.0 adapter: each tenant's IdP keys and metadata, the checking
//! of a service provider's AuthnRequest against its registration, and the
//! assertion a signed-in user carries to it (NameID, attributes).

pub mod assertion;
pub mod idp;
pub mod logout;
pub mod requests;

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
