//! The JSON representations of the admin API, shared with the CLI's `--json`
//! output. Each view is built from a core type (`UserView::from(&user)`); the
//! core types themselves know nothing of JSON schemas (ARCHITECTURE.md rule 2).
//! Timestamps are RFC 3339, ids are UUIDs.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::core::api_key::{ApiKey, ApiScope};
use crate::core::event::{Actor, AuditEvent, Outcome};
use crate::core::group::{Group, Member};
use crate::core::role::{Principal, Role, RoleAssignment};
use crate::core::tenant::{Tenant, TenantSettings};
use crate::core::user::{Email, ExternalId, User, UserStatus};
use crate::core::workspace::Workspace;
use crate::service::Hub;

mod clients;
mod idps;
mod ldap_sources;
mod saml_sps;
pub use clients::*;
pub use idps::*;
pub use ldap_sources::*;
pub use saml_sps::*;

/// Timestamps as RFC 3339 in UTC, to the microsecond: the precision they are
/// stored with, so that a record reads the same when created and when read.
mod timestamp {
    use serde::Serializer;
    use time::{OffsetDateTime, UtcOffset};

    fn micros(at: OffsetDateTime) -> OffsetDateTime {
        let at = at.to_offset(UtcOffset::UTC);
        at.replace_nanosecond(at.nanosecond() / 1_000 * 1_000)
            .unwrap_or(at)
    }

    pub fn serialize<S: Serializer>(at: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        time::serde::rfc3339::serialize(&micros(*at), s)
    }

    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(
            at: &Option<OffsetDateTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            time::serde::rfc3339::option::serialize(&at.map(micros), s)
        }
    }
}

/// One page of a listing. `next_cursor`, when not null, is passed as
/// `cursor` to read the next page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The id of the last item of this page when more may follow.
    pub next_cursor: Option<String>,
}

/// The per-tenant policy.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TenantSettingsView {
    /// A session ends after this many seconds without use.
    pub session_idle_seconds: i64,
    /// A session ends this many seconds after login, used or not.
    pub session_absolute_seconds: i64,
    /// Failed logins allowed per account within `lockout_window_seconds`.
    pub max_failed_logins_per_account: u32,
    /// Failed logins allowed per client IP within `lockout_window_seconds`.
    pub max_failed_logins_per_ip: u32,
    pub lockout_window_seconds: i64,
    /// Access and ID tokens live this many seconds (1–86400).
    pub access_token_seconds: i64,
    /// A refresh token unused this long expires.
    pub refresh_token_idle_seconds: i64,
    /// No refresh token of an authorization outlives this.
    pub refresh_token_absolute_seconds: i64,
}

impl From<&TenantSettings> for TenantSettingsView {
    fn from(s: &TenantSettings) -> Self {
        Self {
            session_idle_seconds: s.session_idle_seconds,
            session_absolute_seconds: s.session_absolute_seconds,
            max_failed_logins_per_account: s.max_failed_logins_per_account,
            max_failed_logins_per_ip: s.max_failed_logins_per_ip,
            lockout_window_seconds: s.lockout_window_seconds,
            access_token_seconds: s.access_token_seconds,
            refresh_token_idle_seconds: s.refresh_token_idle_seconds,
            refresh_token_absolute_seconds: s.refresh_token_absolute_seconds,
        }
    }
}

/// A tenant: an isolated set of users, groups, roles and applications, with
/// its own OIDC issuer and login page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TenantView {
    pub id: Uuid,
    #[schema(example = "acme")]
    pub slug: String,
    pub display_name: String,
    /// The tenant's OpenID Connect issuer.
    pub issuer: String,
    /// The tenant's hosted login page.
    pub login_url: String,
    /// The tenant's SCIM 2.0 base URL (`/Users`, `/Groups`, … below it).
    pub scim_base_url: String,
    /// The tenant's SAML 2.0 IdP metadata (its URL is the IdP's entityID).
    pub saml_idp_metadata_url: String,
    /// The tenant's SAML 2.0 SP metadata, for upstream SAML IdPs (its URL
    /// is the SP's entityID).
    pub saml_sp_metadata_url: String,
    pub settings: TenantSettingsView,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl TenantView {
    /// The view of `tenant`, with the URLs `hub` publishes it under.
    pub fn new(hub: &Hub, tenant: &Tenant) -> Self {
        Self {
            id: tenant.id.as_uuid(),
            slug: tenant.slug.as_str().to_owned(),
            display_name: tenant.display_name.clone(),
            issuer: hub.issuer(tenant),
            login_url: hub.login_url(tenant),
            scim_base_url: hub.scim_base_url(tenant),
            saml_idp_metadata_url: hub.saml_idp_metadata_url(tenant),
            saml_sp_metadata_url: hub.saml_sp_metadata_url(tenant),
            settings: TenantSettingsView::from(&tenant.settings),
            created_at: tenant.created_at,
            updated_at: tenant.updated_at,
        }
    }
}

/// One email address of a user.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EmailView {
    #[schema(example = "alice@example.com")]
    pub value: String,
    pub verified: bool,
    pub primary: bool,
    /// `work`, `home`, … (free text).
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

impl From<&Email> for EmailView {
    fn from(e: &Email) -> Self {
        Self {
            value: e.value.clone(),
            verified: e.verified,
            primary: e.primary,
            kind: e.kind.clone(),
        }
    }
}

/// The id a user carries in another system (an LDAP source, a SCIM client).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExternalIdView {
    pub source: String,
    pub id: String,
}

impl From<&ExternalId> for ExternalIdView {
    fn from(x: &ExternalId) -> Self {
        Self {
            source: x.source.clone(),
            id: x.id.clone(),
        }
    }
}

/// Whether a user may log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UserStatusView {
    Active,
    Disabled,
}

impl From<UserStatus> for UserStatusView {
    fn from(s: UserStatus) -> Self {
        match s {
            UserStatus::Active => Self::Active,
            UserStatus::Disabled => Self::Disabled,
        }
    }
}

/// A user of a tenant.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    #[schema(example = "alice")]
    pub username: String,
    pub emails: Vec<EmailView>,
    pub phone: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub display_name: Option<String>,
    /// A BCP 47 language tag.
    pub locale: Option<String>,
    pub status: UserStatusView,
    pub external_ids: Vec<ExternalIdView>,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
    /// Bumped on every change; sent as the `ETag` and expected in `If-Match`.
    pub version: i64,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.as_uuid(),
            username: u.username.clone(),
            emails: u.emails.iter().map(EmailView::from).collect(),
            phone: u.phone.clone(),
            given_name: u.given_name.clone(),
            family_name: u.family_name.clone(),
            display_name: u.display_name.clone(),
            locale: u.locale.clone(),
            status: u.status.into(),
            external_ids: u.external_ids.iter().map(ExternalIdView::from).collect(),
            created_at: u.created_at,
            updated_at: u.updated_at,
            version: u.version,
        }
    }
}

/// A named set of users and other groups.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupView {
    pub id: Uuid,
    #[schema(example = "engineering")]
    pub name: String,
    pub description: Option<String>,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

impl From<&Group> for GroupView {
    fn from(g: &Group) -> Self {
        Self {
            id: g.id.as_uuid(),
            name: g.name.clone(),
            description: g.description.clone(),
            created_at: g.created_at,
            updated_at: g.updated_at,
            version: g.version,
        }
    }
}

/// The kind of a group member or of a role holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PrincipalType {
    User,
    Group,
}

/// A direct member of a group, or the holder of a role.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PrincipalView {
    #[serde(rename = "type")]
    pub kind: PrincipalType,
    pub id: Uuid,
}

impl From<&Member> for PrincipalView {
    fn from(m: &Member) -> Self {
        match m {
            Member::User(id) => Self {
                kind: PrincipalType::User,
                id: id.as_uuid(),
            },
            Member::Group(id) => Self {
                kind: PrincipalType::Group,
                id: id.as_uuid(),
            },
        }
    }
}

impl From<&Principal> for PrincipalView {
    fn from(p: &Principal) -> Self {
        match p {
            Principal::User(id) => Self {
                kind: PrincipalType::User,
                id: id.as_uuid(),
            },
            Principal::Group(id) => Self {
                kind: PrincipalType::Group,
                id: id.as_uuid(),
            },
        }
    }
}

/// A named set of permissions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoleView {
    pub id: Uuid,
    #[schema(example = "billing-admin")]
    pub name: String,
    pub description: Option<String>,
    /// Scope tokens the role grants, e.g. `billing:read`.
    pub permissions: Vec<String>,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl From<&Role> for RoleView {
    fn from(r: &Role) -> Self {
        Self {
            id: r.id.as_uuid(),
            name: r.name.clone(),
            description: r.description.clone(),
            permissions: r.permissions.clone(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A role held by a user or a group, tenant-wide or in one workspace.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssignmentView {
    pub id: Uuid,
    pub role_id: Uuid,
    pub principal: PrincipalView,
    /// Null: the whole tenant.
    pub workspace_id: Option<Uuid>,
    /// Null: until removed.
    #[serde(with = "timestamp::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<&RoleAssignment> for AssignmentView {
    fn from(a: &RoleAssignment) -> Self {
        Self {
            id: a.id.as_uuid(),
            role_id: a.role_id.as_uuid(),
            principal: PrincipalView::from(&a.principal),
            workspace_id: a.workspace_id.map(|w| w.as_uuid()),
            expires_at: a.expires_at,
            created_at: a.created_at,
        }
    }
}

/// A sub-organization of a tenant, in which roles may be assigned.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkspaceView {
    pub id: Uuid,
    #[schema(example = "team-blue")]
    pub slug: String,
    pub display_name: String,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<&Workspace> for WorkspaceView {
    fn from(w: &Workspace) -> Self {
        Self {
            id: w.id.as_uuid(),
            slug: w.slug.as_str().to_owned(),
            display_name: w.display_name.clone(),
            created_at: w.created_at,
        }
    }
}

/// What an API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ApiScopeView {
    /// The tenant's admin API (on the default tenant: every tenant's).
    Admin,
    /// The tenant's SCIM endpoint.
    Scim,
}

impl From<ApiScope> for ApiScopeView {
    fn from(s: ApiScope) -> Self {
        match s {
            ApiScope::Admin => Self::Admin,
            ApiScope::Scim => Self::Scim,
        }
    }
}

/// An API key, without its token (which is shown once, at creation).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKeyView {
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<ApiScopeView>,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Null: never expires.
    #[serde(with = "timestamp::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<OffsetDateTime>,
}

impl From<&ApiKey> for ApiKeyView {
    fn from(k: &ApiKey) -> Self {
        Self {
            id: k.id.as_uuid(),
            name: k.name.clone(),
            scopes: k.scopes.iter().copied().map(ApiScopeView::from).collect(),
            created_at: k.created_at,
            expires_at: k.expires_at,
        }
    }
}

/// A new API key with its token. The token is shown this once and never
/// stored: keep it now.
#[derive(Clone, Serialize, ToSchema)]
pub struct CreatedApiKeyView {
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<ApiScopeView>,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "timestamp::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<OffsetDateTime>,
    /// The bearer token: `Authorization: Bearer <token>`.
    #[schema(example = "usso_ak_…")]
    pub token: String,
}

impl CreatedApiKeyView {
    pub fn new(key: &ApiKey, token: String) -> Self {
        let view = ApiKeyView::from(key);
        Self {
            id: view.id,
            name: view.name,
            scopes: view.scopes,
            created_at: view.created_at,
            expires_at: view.expires_at,
            token,
        }
    }
}

impl std::fmt::Debug for CreatedApiKeyView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedApiKeyView")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("token", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Who caused an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActorType {
    /// The hub itself (bootstrap, jobs).
    System,
    /// An operator at the command line.
    Cli,
    ApiKey,
    User,
    /// Someone not (yet) known, e.g. a failed login.
    Anonymous,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActorView {
    #[serde(rename = "type")]
    pub kind: ActorType,
    /// The API key's or the user's id.
    pub id: Option<Uuid>,
}

impl From<&Actor> for ActorView {
    fn from(a: &Actor) -> Self {
        let (kind, id) = match a {
            Actor::System => (ActorType::System, None),
            Actor::Cli => (ActorType::Cli, None),
            Actor::ApiKey(id) => (ActorType::ApiKey, Some(id.as_uuid())),
            Actor::User(id) => (ActorType::User, Some(id.as_uuid())),
            Actor::Anonymous => (ActorType::Anonymous, None),
        };
        Self { kind, id }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OutcomeView {
    Success,
    Failure,
}

/// One entry of a tenant's audit log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    pub id: Uuid,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    pub actor: ActorView,
    /// Dotted name, e.g. `user.created`, `login.failed`.
    #[schema(example = "user.created")]
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub outcome: OutcomeView,
    pub ip: Option<String>,
    /// Free-form detail of the event (never a secret).
    #[schema(value_type = Option<Object>)]
    pub details: serde_json::Value,
}

impl From<&AuditEvent> for EventView {
    fn from(e: &AuditEvent) -> Self {
        Self {
            id: e.id.as_uuid(),
            at: e.at,
            actor: ActorView::from(&e.actor),
            action: e.action.clone(),
            target_type: e.target_type.clone(),
            target_id: e.target_id.clone(),
            outcome: match e.outcome {
                Outcome::Success => OutcomeView::Success,
                Outcome::Failure => OutcomeView::Failure,
            },
            ip: e.ip.clone(),
            details: e.details.clone(),
        }
    }
}

/// Where a signing key is in its life cycle.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatusView {
    /// Published in the JWKS, not signing yet.
    Next,
    /// Signs new tokens.
    Active,
    /// Published for the tokens it signed, no longer signing.
    Retired,
    /// Gone from the JWKS.
    Expired,
}

impl KeyStatusView {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Next => "next",
            Self::Active => "active",
            Self::Retired => "retired",
            Self::Expired => "expired",
        }
    }
}

impl From<crate::core::signing_key::KeyStatus> for KeyStatusView {
    fn from(s: crate::core::signing_key::KeyStatus) -> Self {
        use crate::core::signing_key::KeyStatus;
        match s {
            KeyStatus::Next => Self::Next,
            KeyStatus::Active => Self::Active,
            KeyStatus::Retired => Self::Retired,
            KeyStatus::Expired => Self::Expired,
        }
    }
}

/// A token-signing key of a tenant (its public half is in the JWKS).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SigningKeyView {
    pub kid: String,
    /// `ES256`, `RS256` or `EdDSA`.
    pub alg: &'static str,
    pub status: KeyStatusView,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// When it starts signing.
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub activates_at: OffsetDateTime,
    /// When it stops signing.
    #[serde(with = "timestamp::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub retires_at: Option<OffsetDateTime>,
    /// When it leaves the JWKS.
    #[serde(with = "timestamp::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<OffsetDateTime>,
}

impl SigningKeyView {
    pub fn new(key: &crate::core::signing_key::SigningKeyInfo, now: OffsetDateTime) -> Self {
        Self {
            kid: key.kid.clone(),
            alg: key.alg.as_str(),
            status: key.status(now).into(),
            created_at: key.created_at,
            activates_at: key.activates_at,
            retires_at: key.retires_at,
            expires_at: key.expires_at,
        }
    }
}
