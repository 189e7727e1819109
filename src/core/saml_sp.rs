//! SAML service providers: the applications a tenant's SAML 2.0 IdP logs
//! users in to, each registered from its metadata, with what it is sent
//! (NameID format, released attributes) and how (signed, encrypted). The
//! metadata itself is parsed by `usso_saml`; the core keeps it verbatim.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{CoreError, SamlSpId, TenantId};

/// Which NameID a service provider gets for a user (SAML Core §8.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum NameIdChoice {
    /// Opaque, stable and different for each service provider.
    #[default]
    Persistent,
    /// The user's primary email.
    EmailAddress,
    /// The username.
    Unspecified,
    /// A new opaque value for each login.
    Transient,
}

impl NameIdChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Persistent => "persistent",
            Self::EmailAddress => "email_address",
            Self::Unspecified => "unspecified",
            Self::Transient => "transient",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, CoreError> {
        match raw {
            "persistent" => Ok(Self::Persistent),
            "email_address" | "email" => Ok(Self::EmailAddress),
            "unspecified" => Ok(Self::Unspecified),
            "transient" => Ok(Self::Transient),
            _ => Err(CoreError::invalid(
                "name_id_format",
                "persistent, email_address, unspecified or transient",
            )),
        }
    }
}

/// How released attributes are named (SAML Profiles §8.1, §8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AttributeNaming {
    /// Short names (`email`, `givenName`), NameFormat `basic`.
    #[default]
    Basic,
    /// `urn:oid:` names with friendly names, NameFormat `uri` (X.500/LDAP
    /// profile), as Shibboleth-style service providers expect.
    Uri,
}

/// The user attributes a tenant can release to a service provider.
pub const RELEASABLE: [&str; 6] = [
    "email",
    "given_name",
    "family_name",
    "display_name",
    "username",
    "groups",
];

/// What a service provider is sent and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamlSpSettings {
    pub name_id_format: NameIdChoice,
    pub attribute_naming: AttributeNaming,
    /// Which of [`RELEASABLE`] are sent.
    pub attributes: Vec<String>,
    pub sign_response: bool,
    pub sign_assertion: bool,
    /// Encrypt the assertion to the provider's encryption certificate.
    pub encrypt_assertion: bool,
    /// Refuse AuthnRequests that are not signed by the provider's key.
    pub require_signed_requests: bool,
}

impl Default for SamlSpSettings {
    fn default() -> Self {
        Self {
            name_id_format: NameIdChoice::Persistent,
            attribute_naming: AttributeNaming::Basic,
            attributes: RELEASABLE.iter().map(|a| (*a).to_owned()).collect(),
            sign_response: true,
            sign_assertion: true,
            encrypt_assertion: false,
            require_signed_requests: false,
        }
    }
}

impl SamlSpSettings {
    /// Checks the attribute list and that something is signed.
    pub fn validate(mut self) -> Result<Self, CoreError> {
        for a in &self.attributes {
            if !RELEASABLE.contains(&a.as_str()) {
                return Err(CoreError::invalid(
                    "attributes",
                    format!("unknown attribute {a:?}; known: {}", RELEASABLE.join(", ")),
                ));
            }
        }
        self.attributes.sort();
        self.attributes.dedup();
        if !self.sign_response && !self.sign_assertion {
            return Err(CoreError::invalid(
                "sign_response",
                "the response, the assertion or both must be signed",
            ));
        }
        Ok(self)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlServiceProvider {
    pub id: SamlSpId,
    pub tenant_id: TenantId,
    pub name: String,
    /// The provider's `entityID`, unique in the tenant.
    pub entity_id: String,
    /// Its metadata document, as registered.
    pub metadata: String,
    pub settings: SamlSpSettings,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// A display name: 1–255 characters, no control characters.
pub fn parse_sp_name(raw: &str) -> Result<String, CoreError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 255 || name.chars().any(char::is_control) {
        return Err(CoreError::invalid(
            "name",
            "must be 1 to 255 characters without control characters",
        ));
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_release_everything_signed_and_persistent() {
        let s = SamlSpSettings::default().validate().unwrap();
        assert_eq!(s.name_id_format, NameIdChoice::Persistent);
        assert_eq!(s.attributes.len(), RELEASABLE.len());
        assert!(s.sign_assertion && s.sign_response && !s.encrypt_assertion);
    }

    #[test]
    fn unknown_attributes_and_nothing_signed_are_refused() {
        let s = SamlSpSettings {
            attributes: vec!["salary".into()],
            ..SamlSpSettings::default()
        };
        assert!(s.validate().is_err());
        let s = SamlSpSettings {
            sign_response: false,
            sign_assertion: false,
            ..SamlSpSettings::default()
        };
        assert!(s.validate().is_err());
    }

    #[test]
    fn name_id_choices_round_trip() {
        for c in [
            NameIdChoice::Persistent,
            NameIdChoice::EmailAddress,
            NameIdChoice::Unspecified,
            NameIdChoice::Transient,
        ] {
            assert_eq!(NameIdChoice::parse(c.as_str()).unwrap(), c);
        }
    }
}
