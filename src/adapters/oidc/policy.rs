//! A registered client as the authorization request validator sees it, and
//! the subject identifier a client gets for a user (OIDC Core §8: public,
//! or pairwise per sector).

use usso_oidc::authorize::ClientPolicy;

use crate::core::client::{Client, GrantType, SubjectType};
use crate::core::UserId;
use crate::service::Hub;

pub fn client_policy(client: &Client) -> ClientPolicy {
    ClientPolicy {
        redirect_uris: client.redirect_uris.clone(),
        is_public: client.public,
        allowed_scopes: client.scopes.clone(),
        require_pkce: false,
    }
}

pub fn allows_code_flow(client: &Client) -> bool {
    client.allows_grant(GrantType::AuthorizationCode)
}

/// The sector of a pairwise client: the host of its (first) redirect URI
/// (OIDC Core §8.1; sector_identifier_uri is not supported yet, so a
/// pairwise client's redirect URIs should share one host).
fn sector(client: &Client) -> String {
    client
        .redirect_uris
        .first()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| client.client_id())
}

/// The `sub` the client sees for `user`.
pub fn subject(hub: &Hub, client: &Client, user: UserId) -> String {
    match client.subject_type {
        SubjectType::Public => user.to_string(),
        SubjectType::Pairwise => {
            let digest = hub.secrets.hash(&format!(
                "pairwise:{}:{}:{user}",
                client.tenant_id,
                sector(client)
            ));
            digest.chars().take(40).collect()
        }
    }
}
