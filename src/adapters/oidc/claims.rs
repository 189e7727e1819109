//! A user's claims by scope (OIDC Core §5.1, §5.4), plus `groups` and
//! `roles` from the core for the scopes of those names.

use serde_json::{json, Map, Value};

use crate::core::tenant::Tenant;
use crate::core::user::User;
use crate::service::{Hub, ServiceError};
use crate::store::{groups, roles};

/// The claims of `user` that the granted `scope` (space-separated) releases;
/// `sub` is the caller's.
pub async fn user_claims(
    hub: &Hub,
    tenant: &Tenant,
    user: &User,
    scope: &str,
) -> Result<Map<String, Value>, ServiceError> {
    let scopes: Vec<&str> = scope.split(' ').collect();
    let mut claims = Map::new();
    let mut put = |name: &str, value: Option<Value>| {
        if let Some(v) = value {
            claims.insert(name.to_owned(), v);
        }
    };
    if scopes.contains(&"profile") {
        let full_name = match (&user.given_name, &user.family_name) {
            (Some(g), Some(f)) => Some(format!("{g} {f}")),
            (Some(g), None) => Some(g.clone()),
            (None, Some(f)) => Some(f.clone()),
            (None, None) => None,
        };
        put(
            "name",
            user.display_name.clone().or(full_name).map(Value::from),
        );
        put("given_name", user.given_name.clone().map(Value::from));
        put("family_name", user.family_name.clone().map(Value::from));
        put(
            "preferred_username",
            Some(Value::from(user.username.clone())),
        );
        put("locale", user.locale.clone().map(Value::from));
        put("updated_at", Some(json!(user.updated_at.unix_timestamp())));
    }
    if scopes.contains(&"email") {
        if let Some(email) = user.primary_email() {
            put("email", Some(Value::from(email.value.clone())));
            put("email_verified", Some(Value::from(email.verified)));
        }
    }
    if scopes.contains(&"phone") {
        if let Some(phone) = &user.phone {
            put("phone_number", Some(Value::from(phone.clone())));
            put("phone_number_verified", Some(Value::from(false)));
        }
    }
    let wants_groups = scopes.contains(&"groups");
    let wants_roles = scopes.contains(&"roles");
    if wants_groups || wants_roles {
        let mut conn = hub.store.conn().await?;
        if wants_groups {
            let names: Vec<String> = groups::of_user(&mut conn, tenant.id, user.id)
                .await?
                .into_iter()
                .map(|g| g.name)
                .collect();
            claims.insert("groups".into(), json!(names));
        }
        if wants_roles {
            let now = hub.now();
            let mut names = Vec::new();
            for a in roles::assignments_of_user(&mut conn, tenant.id, user.id).await? {
                // Workspace-scoped roles belong to the workspace, not the tenant-wide claim.
                if a.is_active(now) && a.workspace_id.is_none() {
                    let role = roles::get(&mut conn, tenant.id, a.role_id).await?;
                    if !names.contains(&role.name) {
                        names.push(role.name);
                    }
                }
            }
            names.sort();
            claims.insert("roles".into(), json!(names));
        }
    }
    Ok(claims)
}

/// Every claim a user can have, whatever the scope.
const ALL_CLAIM_SCOPES: &str = "profile email phone groups roles";

/// The claims `claims_param` (the `claims` request parameter, OIDC Core
/// §5.5) asks for by name for `target` (`id_token` or `userinfo`), on top of
/// those of the granted scope. Unknown names are ignored, as §5.5 allows.
pub async fn requested_claims(
    hub: &Hub,
    tenant: &Tenant,
    user: &User,
    claims_param: Option<&str>,
    target: &str,
) -> Result<Map<String, Value>, ServiceError> {
    let names: Vec<String> = claims_param
        .and_then(|raw| serde_json::from_str::<Value>(raw).ok())
        .and_then(|request| request.get(target).and_then(Value::as_object).cloned())
        .map(|wanted| wanted.keys().cloned().collect())
        .unwrap_or_default();
    if names.is_empty() {
        return Ok(Map::new());
    }
    let all = user_claims(hub, tenant, user, ALL_CLAIM_SCOPES).await?;
    Ok(all
        .into_iter()
        .filter(|(name, _)| names.contains(name))
        .collect())
}
