//! The rest of a person's record beyond login and contact basics: name parts,
//! job data, phone numbers, postal addresses and the like. SCIM's User and
//! Enterprise User (RFC 7643 §4.1, §4.3), LDAP's inetOrgPerson and upstream
//! claims all map onto these fields; the core stores them as one document.

use serde::{Deserialize, Serialize};

use super::CoreError;

/// A value of a multi-valued attribute (phone numbers, ims, photos,
/// entitlements, x509 certificates, role names from a provisioning client).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Labeled {
    pub value: String,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub primary: bool,
}

/// A postal address (RFC 7643 §4.1.2 `addresses`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub primary: bool,
}

/// A reference to the user's manager: another user of the tenant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manager {
    /// The manager's user id.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// Organisation data (the Enterprise User extension of RFC 7643 §4.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Employment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_center: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<Manager>,
}

impl Employment {
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// Everything about a user that login does not need. Stored as one JSON
/// document (column `users.profile`); the keys below are its stable names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProfile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_suffix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phone_numbers: Vec<Labeled>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ims: Vec<Labeled>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<Labeled>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entitlements: Vec<Labeled>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Labeled>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub x509_certificates: Vec<Labeled>,
    #[serde(default, skip_serializing_if = "Employment::is_empty")]
    pub employment: Employment,
    /// The provisioning client left the user's status unstated (it sent no
    /// SCIM `active`, or removed it): the user keeps its status, and what
    /// the client reads back states none, as it wrote.
    #[serde(default, skip_serializing_if = "is_false")]
    pub status_unstated: bool,
}

/// The largest profile document accepted (the JSON text), so that one user
/// cannot fill the database.
pub const MAX_PROFILE_BYTES: usize = 64 * 1024;
const MAX_VALUES: usize = 100;

impl UserProfile {
    /// Checks sizes and the one-primary rule of each multi-valued list.
    pub fn validate(self) -> Result<Self, CoreError> {
        let lists: [(&'static str, Vec<bool>); 7] = [
            (
                "phone_numbers",
                self.phone_numbers.iter().map(|v| v.primary).collect(),
            ),
            ("ims", self.ims.iter().map(|v| v.primary).collect()),
            ("photos", self.photos.iter().map(|v| v.primary).collect()),
            (
                "addresses",
                self.addresses.iter().map(|v| v.primary).collect(),
            ),
            (
                "entitlements",
                self.entitlements.iter().map(|v| v.primary).collect(),
            ),
            ("roles", self.roles.iter().map(|v| v.primary).collect()),
            (
                "x509_certificates",
                self.x509_certificates.iter().map(|v| v.primary).collect(),
            ),
        ];
        for (field, primaries) in lists {
            if primaries.len() > MAX_VALUES {
                return Err(CoreError::invalid(
                    field,
                    format!("at most {MAX_VALUES} values"),
                ));
            }
            if primaries.iter().filter(|p| **p).count() > 1 {
                return Err(CoreError::invalid(field, "only one value can be primary"));
            }
        }
        let size = serde_json::to_vec(&self)
            .map(|v| v.len())
            .unwrap_or(usize::MAX);
        if size > MAX_PROFILE_BYTES {
            return Err(CoreError::invalid(
                "profile",
                format!("at most {MAX_PROFILE_BYTES} bytes of profile data"),
            ));
        }
        Ok(self)
    }

    /// The primary phone number, or the first.
    pub fn primary_phone(&self) -> Option<&str> {
        self.phone_numbers
            .iter()
            .find(|p| p.primary)
            .or_else(|| self.phone_numbers.first())
            .map(|p| p.value.as_str())
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_profile_is_an_empty_document() {
        assert_eq!(
            serde_json::to_string(&UserProfile::default()).unwrap(),
            "{}"
        );
    }

    #[test]
    fn two_primary_phones_are_refused() {
        let phone = |v: &str| Labeled {
            value: v.into(),
            primary: true,
            ..Labeled::default()
        };
        let profile = UserProfile {
            phone_numbers: vec![phone("1"), phone("2")],
            ..UserProfile::default()
        };
        assert_eq!(
            profile.validate().unwrap_err(),
            CoreError::invalid("phone_numbers", "only one value can be primary")
        );
    }

    #[test]
    fn oversized_profiles_are_refused() {
        let profile = UserProfile {
            title: Some("x".repeat(MAX_PROFILE_BYTES)),
            ..UserProfile::default()
        };
        assert!(profile.validate().is_err());
    }

    #[test]
    fn round_trips_through_json() {
        let profile = UserProfile {
            title: Some("Engineer".into()),
            addresses: vec![Address {
                locality: Some("Paris".into()),
                kind: Some("work".into()),
                primary: true,
                ..Address::default()
            }],
            employment: Employment {
                department: Some("R&D".into()),
                ..Employment::default()
            },
            ..UserProfile::default()
        };
        let text = serde_json::to_string(&profile).unwrap();
        assert_eq!(serde_json::from_str::<UserProfile>(&text).unwrap(), profile);
    }
}
