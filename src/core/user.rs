//! Users: the normalized person record every protocol maps to (a SCIM User,
//! an LDAP entry, an upstream ID token and a hosted-form login all land here).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::user_profile::UserProfile;
use super::{CoreError, TenantId, UserId};

/// Whether a user may log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    Active,
    Disabled,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Disabled => "disabled",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, CoreError> {
        match raw {
            "active" => Ok(Self::Active),
            "disabled" => Ok(Self::Disabled),
            _ => Err(CoreError::invalid("status", "must be active or disabled")),
        }
    }
}

/// One email address of a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    pub value: String,
    #[serde(default)]
    pub verified: bool,
    #[serde(default)]
    pub primary: bool,
    /// `work`, `home`, … as SCIM names it; free text.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// The id a user carries in another system (an LDAP source, a SCIM client).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalId {
    pub source: String,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub username: String,
    pub emails: Vec<Email>,
    pub phone: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub display_name: Option<String>,
    pub locale: Option<String>,
    pub status: UserStatus,
    pub external_ids: Vec<ExternalId>,
    /// Name parts, job data, phones, addresses: what login does not need.
    pub profile: UserProfile,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// Bumped on every change; writers state the version they read
    /// (optimistic concurrency, the source of SCIM's ETags).
    pub version: i64,
}

impl User {
    /// The user's writable fields as they are (the profile kept as stored),
    /// to change a few and write them back.
    pub fn to_fields(&self) -> UserFields {
        UserFields {
            username: self.username.clone(),
            emails: self.emails.clone(),
            phone: self.phone.clone(),
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            display_name: self.display_name.clone(),
            locale: self.locale.clone(),
            external_ids: self.external_ids.clone(),
            profile: None,
        }
    }

    pub fn primary_email(&self) -> Option<&Email> {
        self.emails
            .iter()
            .find(|e| e.primary)
            .or_else(|| self.emails.first())
    }
}

/// The fields a caller may set on a user; validated by [`UserFields::validate`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserFields {
    pub username: String,
    #[serde(default)]
    pub emails: Vec<Email>,
    pub phone: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub display_name: Option<String>,
    pub locale: Option<String>,
    #[serde(default)]
    pub external_ids: Vec<ExternalId>,
    /// The profile to store; `None` keeps the stored one on update.
    #[serde(default)]
    pub profile: Option<UserProfile>,
}

const MAX_NAME: usize = 255;

impl UserFields {
    /// Normalizes (trims) and checks every field; the first broken rule is
    /// returned with its field. A list of emails without a primary one stays
    /// so ([`User::primary_email`] falls back to the first): provisioning
    /// clients read back exactly what they wrote.
    pub fn validate(mut self) -> Result<Self, CoreError> {
        self.username = parse_username(&self.username)?;
        for email in &mut self.emails {
            email.value = parse_email(&email.value)?;
        }
        let mut seen = std::collections::HashSet::new();
        for email in &self.emails {
            if !seen.insert(email_key(&email.value)) {
                return Err(CoreError::invalid("email", "listed twice"));
            }
        }
        if self.emails.iter().filter(|e| e.primary).count() > 1 {
            return Err(CoreError::invalid("email", "only one email can be primary"));
        }
        self.profile = self.profile.map(UserProfile::validate).transpose()?;
        self.phone = optional(self.phone, "phone", 64)?;
        self.given_name = optional(self.given_name, "given_name", MAX_NAME)?;
        self.family_name = optional(self.family_name, "family_name", MAX_NAME)?;
        self.display_name = optional(self.display_name, "display_name", MAX_NAME)?;
        self.locale = optional(self.locale, "locale", 64)?;
        if let Some(locale) = &self.locale {
            if !locale
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(CoreError::invalid(
                    "locale",
                    "must be a BCP 47 language tag",
                ));
            }
        }
        for ext in &self.external_ids {
            if ext.source.trim().is_empty() || ext.source.len() > MAX_NAME {
                return Err(CoreError::invalid(
                    "external_id",
                    "source must be 1 to 255 bytes",
                ));
            }
            if ext.id.is_empty() || ext.id.len() > 1024 {
                return Err(CoreError::invalid(
                    "external_id",
                    "id must be 1 to 1024 bytes",
                ));
            }
        }
        Ok(self)
    }
}

fn optional(
    value: Option<String>,
    field: &'static str,
    max: usize,
) -> Result<Option<String>, CoreError> {
    let Some(value) = value else { return Ok(None) };
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if trimmed.chars().count() > max {
        return Err(CoreError::invalid(
            field,
            format!("at most {max} characters"),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(CoreError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(Some(trimmed.to_owned()))
}

/// A username: 1–255 characters, no whitespace at either end, no control
/// characters. Unique per tenant without regard to case.
pub fn parse_username(raw: &str) -> Result<String, CoreError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_NAME {
        return Err(CoreError::invalid(
            "username",
            "must be 1 to 255 characters",
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(CoreError::invalid(
            "username",
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

/// The case-insensitive key under which a username is unique.
pub fn username_key(username: &str) -> String {
    username.to_lowercase()
}

/// An email address: `local@domain`, at most 254 bytes (RFC 5321 §4.5.3.1.3).
pub fn parse_email(raw: &str) -> Result<String, CoreError> {
    let trimmed = raw.trim();
    let invalid = || CoreError::invalid("email", "must be an address like name@example.com");
    if trimmed.len() > 254 || trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let (local, domain) = trimmed.rsplit_once('@').ok_or_else(invalid)?;
    if local.is_empty() || local.len() > 64 || domain.is_empty() || domain.starts_with('.') {
        return Err(invalid());
    }
    if local.contains('@') || domain.contains('@') || domain.ends_with('.') || domain.contains("..")
    {
        return Err(invalid());
    }
    Ok(trimmed.to_owned())
}

/// The case-insensitive key under which an email is unique in a tenant.
pub fn email_key(email: &str) -> String {
    email.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fields(username: &str) -> UserFields {
        UserFields {
            username: username.into(),
            ..UserFields::default()
        }
    }

    #[test]
    fn emails_keep_their_primary_flags_and_the_first_stands_in() {
        let mut f = fields("alice");
        f.emails = vec![
            Email {
                value: "a@example.com".into(),
                verified: false,
                primary: false,
                kind: None,
            },
            Email {
                value: "b@example.com".into(),
                verified: false,
                primary: false,
                kind: None,
            },
        ];
        let f = f.validate().unwrap();
        assert!(!f.emails[0].primary && !f.emails[1].primary);
        let user = User {
            id: UserId::new(time::OffsetDateTime::UNIX_EPOCH),
            tenant_id: TenantId::new(time::OffsetDateTime::UNIX_EPOCH),
            username: f.username,
            emails: f.emails,
            phone: None,
            given_name: None,
            family_name: None,
            display_name: None,
            locale: None,
            status: UserStatus::Active,
            external_ids: Vec::new(),
            profile: UserProfile::default(),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
            version: 1,
        };
        assert_eq!(user.primary_email().unwrap().value, "a@example.com");
    }

    #[test]
    fn duplicate_emails_are_refused_whatever_the_case() {
        let mut f = fields("alice");
        let e = |v: &str| Email {
            value: v.into(),
            verified: false,
            primary: false,
            kind: None,
        };
        f.emails = vec![e("A@example.com"), e("a@EXAMPLE.com")];
        assert_eq!(
            f.validate().unwrap_err(),
            CoreError::invalid("email", "listed twice")
        );
    }

    #[test]
    fn bad_emails_are_refused() {
        for bad in [
            "", "a", "@x.com", "a@", "a@@b", "a b@c.d", "a@.c", "a@c.", "a@b..c",
        ] {
            assert!(parse_email(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(parse_email(" a@b.c ").unwrap(), "a@b.c");
    }

    #[test]
    fn usernames_are_trimmed_and_bounded() {
        assert_eq!(parse_username("  bob ").unwrap(), "bob");
        assert!(parse_username("").is_err());
        assert!(parse_username("a\u{0}b").is_err());
        assert!(parse_username(&"x".repeat(256)).is_err());
    }

    proptest! {
        #[test]
        fn username_parse_never_panics_and_is_idempotent(s in ".{0,300}") {
            if let Ok(u) = parse_username(&s) {
                prop_assert_eq!(parse_username(&u).unwrap(), u);
            }
        }

        #[test]
        fn email_parse_never_panics(s in ".{0,300}") {
            let _ = parse_email(&s);
        }
    }
}
