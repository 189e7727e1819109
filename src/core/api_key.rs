//! API keys: bearer credentials for machines (the admin API, SCIM clients),
//! scoped and optionally expiring. Only a keyed hash of the token is stored.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{ApiKeyId, CoreError, TenantId};

/// What an API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum ApiScope {
    /// The tenant's admin API (and, on the default tenant, every tenant's).
    Admin,
    /// The tenant's SCIM endpoint.
    Scim,
}

impl ApiScope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Scim => "scim",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, CoreError> {
        match raw {
            "admin" => Ok(Self::Admin),
            "scim" => Ok(Self::Scim),
            _ => Err(CoreError::invalid(
                "scope",
                format!("unknown scope {raw:?}; known: admin, scim"),
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub tenant_id: TenantId,
    pub name: String,
    pub scopes: Vec<ApiScope>,
    pub created_at: OffsetDateTime,
    pub expires_at: Option<OffsetDateTime>,
}

impl ApiKey {
    pub fn is_usable(&self, now: OffsetDateTime) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }

    pub fn allows(&self, scope: ApiScope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// Scopes as given on the command line or in a request: at least one, no
/// unknown one; duplicates folded.
pub fn parse_scopes<S: AsRef<str>>(raw: &[S]) -> Result<Vec<ApiScope>, CoreError> {
    let mut scopes = raw
        .iter()
        .map(|s| ApiScope::parse(s.as_ref()))
        .collect::<Result<Vec<_>, _>>()?;
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(CoreError::invalid(
            "scope",
            "at least one scope is required",
        ));
    }
    Ok(scopes)
}
