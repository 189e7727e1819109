//! Storage errors. A broken uniqueness rule becomes `Conflict` naming the
//! field, whichever database reported it.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken; `field` is the user-facing field name.
    #[error("{field} is already taken")]
    Conflict { field: &'static str },
    /// The row changed since the caller read it (optimistic concurrency).
    #[error("the record was changed by someone else; read it again")]
    VersionMismatch,
    /// A referenced record (a member, a role) does not exist in the tenant.
    #[error("{0} does not exist in this tenant")]
    MissingReference(&'static str),
    #[error("the database URL must start with sqlite: or postgres://")]
    UnsupportedUrl,
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
}

/// Constraint names (PostgreSQL) and column lists (SQLite) of every
/// uniqueness rule, with the field a caller should be told about.
const UNIQUE_RULES: &[(&str, &str, &str)] = &[
    ("tenants_slug_uq", "tenants.slug", "slug"),
    ("users_username_uq", "users.username_key", "username"),
    ("user_emails_email_uq", "user_emails.value_key", "email"),
    (
        "user_external_ids_pkey",
        "user_external_ids.external_id",
        "external_id",
    ),
    ("groups_name_uq", "groups.name_key", "name"),
    (
        "group_external_ids_pkey",
        "group_external_ids.external_id",
        "external_id",
    ),
    ("roles_name_uq", "roles.name_key", "name"),
    ("workspaces_slug_uq", "workspaces.slug", "slug"),
    ("ldap_sources_name_uq", "ldap_sources.name_key", "name"),
    (
        "saml_sps_entity_uq",
        "saml_service_providers.entity_id",
        "entity_id",
    ),
    (
        "role_assignments_uq",
        "role_assignments.workspace_key",
        "assignment",
    ),
    (
        "group_user_members_pkey",
        "group_user_members.user_id",
        "member",
    ),
    (
        "group_group_members_pkey",
        "group_group_members.child_group_id",
        "member",
    ),
];

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::RowNotFound = err {
            return Self::NotFound;
        }
        if let Some(db) = err.as_database_error() {
            if db.is_unique_violation() {
                let constraint = db.constraint().unwrap_or_default();
                let message = db.message();
                for (name, columns, field) in UNIQUE_RULES {
                    if constraint == *name || message.contains(columns) {
                        return Self::Conflict { field };
                    }
                }
                return Self::Conflict { field: "id" };
            }
            if db.is_foreign_key_violation() {
                return Self::MissingReference("a referenced record");
            }
        }
        Self::Database(err)
    }
}
