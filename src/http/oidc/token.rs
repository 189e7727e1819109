//! The token endpoint (RFC 6749 §3.2, §4.1.3, §4.4, §6): authenticate the
//! client (`client_secret_basic`, `client_secret_post`, or none for public
//! clients), parse the grant, run it, answer with tokens and
//! `Cache-Control: no-store`, or the RFC 6749 §5.2 error.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use usso_oidc::client_auth::{www_authenticate_basic, ClientAuthentication};
use usso_oidc::token_request::{TokenRequest, TokenResponse};
use usso_oidc::{OAuthErrorCode, Scope};

use super::error::OAuthResponseError;
use crate::adapters::oidc::client_assertion::{self, AssertionError};
use crate::adapters::oidc::grants::{self, GrantError, TokenSet};
use crate::core::client::{Client, GrantType, TokenEndpointAuthMethod};
use crate::core::tenant::Tenant;
use crate::http::AppState;
use crate::service::ServiceError;

fn invalid_client(description: &str, used_header: bool, realm: &str) -> OAuthResponseError {
    let e = OAuthResponseError::new(OAuthErrorCode::InvalidClient, description);
    if used_header {
        e.challenge(www_authenticate_basic(realm))
    } else {
        e
    }
}

/// The client the request authenticates as. Shared by every endpoint that
/// authenticates clients (token, revocation, introspection) through
/// [`authenticated_client`].
pub(crate) async fn authenticate(
    state: &AppState,
    tenant: &Tenant,
    auth: &ClientAuthentication,
    realm: &str,
) -> Result<Client, OAuthResponseError> {
    let hub = &state.hub;
    match auth {
        ClientAuthentication::Basic { client_id, secret }
        | ClientAuthentication::Post { client_id, secret } => {
            let basic = matches!(auth, ClientAuthentication::Basic { .. });
            let client = match hub
                .authenticate_client_secret(tenant, client_id, secret)
                .await
            {
                Ok(c) => c,
                Err(ServiceError::Unauthorized | ServiceError::NotFound(_)) => {
                    return Err(invalid_client("client authentication failed", basic, realm))
                }
                Err(e) => return Err(e.into()),
            };
            let expected = if basic {
                TokenEndpointAuthMethod::ClientSecretBasic
            } else {
                TokenEndpointAuthMethod::ClientSecretPost
            };
            if client.token_endpoint_auth_method != expected {
                return Err(invalid_client(
                    &format!(
                        "this client authenticates with {}",
                        client.token_endpoint_auth_method.as_str()
                    ),
                    basic,
                    realm,
                ));
            }
            Ok(client)
        }
        ClientAuthentication::None { client_id } => {
            match hub.find_client(tenant, client_id).await {
                Ok(c) if c.public => Ok(c),
                Ok(_) | Err(ServiceError::NotFound(_)) => {
                    Err(invalid_client("client authentication failed", false, realm))
                }
                Err(e) => Err(e.into()),
            }
        }
        ClientAuthentication::PrivateKeyJwt {
            client_id,
            assertion,
        } => {
            let token_endpoint = format!("{}/token", hub.issuer(tenant));
            match client_assertion::authenticate(
                hub,
                tenant,
                client_id.as_deref(),
                assertion,
                &token_endpoint,
                &hub.http,
            )
            .await
            {
                Ok(client) => Ok(client),
                Err(AssertionError::Invalid(why)) => {
                    tracing::info!(reason = %why, "client assertion refused");
                    Err(invalid_client(&why, false, realm))
                }
                Err(AssertionError::Service(e)) => Err(e.into()),
            }
        }
    }
}

fn grant_error(e: GrantError) -> OAuthResponseError {
    match e {
        GrantError::InvalidGrant(d) => OAuthResponseError::new(OAuthErrorCode::InvalidGrant, d),
        GrantError::InvalidScope(d) => OAuthResponseError::new(OAuthErrorCode::InvalidScope, d),
        GrantError::Service(e) => e.into(),
    }
}

fn respond(set: TokenSet) -> Response {
    let mut body =
        TokenResponse::bearer(set.access_token, u64::try_from(set.expires_in).unwrap_or(0));
    body.id_token = set.id_token;
    body.refresh_token = set.refresh_token;
    body.scope = Scope::parse(&set.scope).ok();
    let mut r = Json(body).into_response();
    let headers = r.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    r
}

pub async fn token(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match run(&state, &slug, &headers, &body).await {
        Ok(set) => respond(set),
        Err(e) => e.into_response(),
    }
}

/// A request to an endpoint that authenticates its client: the tenant, the
/// client, and the form parameters.
pub(crate) struct ClientRequest {
    pub tenant: Tenant,
    pub client: Client,
    pub pairs: Vec<(String, String)>,
}

/// The common start of the token (RFC 6749 §2.3), revocation (RFC 7009
/// §2.1) and introspection (RFC 7662 §2.1) endpoints: resolve the tenant,
/// require a form body, and authenticate the client with [`authenticate`].
/// `endpoint` names the request in the error description.
pub(crate) async fn authenticated_client(
    state: &AppState,
    slug: &str,
    headers: &HeaderMap,
    body: &[u8],
    endpoint: &str,
) -> Result<ClientRequest, OAuthResponseError> {
    let tenant = super::tenant_or_invalid_request(state, slug).await?;
    if !super::is_form(headers) {
        return Err(OAuthResponseError::new(
            OAuthErrorCode::InvalidRequest,
            &format!("the {endpoint} request must be application/x-www-form-urlencoded"),
        ));
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let realm = state.hub.issuer(&tenant);
    let auth = ClientAuthentication::extract(authorization, &pairs).map_err(|e| {
        let used_header = authorization.is_some();
        let mut r = OAuthResponseError::from(e);
        if used_header && r.error.code() == OAuthErrorCode::InvalidClient {
            r = r.challenge(www_authenticate_basic(&realm));
        }
        r
    })?;
    let client = authenticate(state, &tenant, &auth, &realm).await?;
    Ok(ClientRequest {
        tenant,
        client,
        pairs,
    })
}

async fn run(
    state: &AppState,
    slug: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<TokenSet, OAuthResponseError> {
    let ClientRequest {
        tenant,
        client,
        pairs,
    } = authenticated_client(state, slug, headers, body, "token").await?;
    let request = TokenRequest::parse(&pairs)?;
    let hub = &state.hub;
    let allowed = |grant: GrantType| {
        if client.allows_grant(grant) {
            Ok(())
        } else {
            Err(OAuthResponseError::new(
                OAuthErrorCode::UnauthorizedClient,
                &format!("this client may not use the {} grant", grant.as_str()),
            ))
        }
    };
    match request {
        TokenRequest::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
        } => {
            allowed(GrantType::AuthorizationCode)?;
            grants::redeem_code(
                hub,
                &tenant,
                &client,
                &code,
                redirect_uri.as_deref(),
                code_verifier.as_ref().map(|v| v.as_str()),
            )
            .await
            .map_err(grant_error)
        }
        TokenRequest::RefreshToken {
            refresh_token,
            scope,
        } => {
            allowed(GrantType::RefreshToken)?;
            let scope = scope.map(|s| s.to_string());
            grants::refresh(hub, &tenant, &client, &refresh_token, scope.as_deref())
                .await
                .map_err(grant_error)
        }
        TokenRequest::ClientCredentials { scope } => {
            if client.public {
                return Err(OAuthResponseError::new(
                    OAuthErrorCode::UnauthorizedClient,
                    "public clients cannot use client_credentials",
                ));
            }
            allowed(GrantType::ClientCredentials)?;
            let scope = scope.map(|s| s.to_string());
            grants::client_credentials(hub, &tenant, &client, scope.as_deref())
                .await
                .map_err(grant_error)
        }
    }
}
