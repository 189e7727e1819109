//! Client authentication at the token, introspection and revocation
//! endpoints: which method the client used and the credentials it sent
//! (RFC 6749 §2.3.1, OIDC Core §9, RFC 7521 §4.2, RFC 7523 §2.2). Checking
//! a secret or an assertion's signature is the hub's work.
//!
//! A request uses exactly one method (RFC 6749 §2.3): HTTP Basic, the
//! `client_secret` form parameter, a `client_assertion` JWT, or none at all
//! for a public client that only names itself with `client_id`.

use std::fmt;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine as _};

use crate::error::{OAuthError, OAuthErrorCode};
use crate::params::Params;

/// The only `client_assertion_type` accepted (RFC 7523 §2.2).
pub const JWT_BEARER_ASSERTION_TYPE: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Standard base64 for Basic credentials, with or without padding: some
/// clients leave it out.
const BASIC_B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A client authentication method, named as in `token_endpoint_auth_method`
/// (OIDC Core §9, RFC 7591 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientAuthMethod {
    /// `client_secret_basic`: HTTP Basic.
    ClientSecretBasic,
    /// `client_secret_post`: `client_id` and `client_secret` in the body.
    ClientSecretPost,
    /// `private_key_jwt`: a JWT signed with the client's key.
    PrivateKeyJwt,
    /// `none`: a public client.
    None,
}

impl ClientAuthMethod {
    /// Every method recognised, for `token_endpoint_auth_methods_supported`.
    pub const ALL: [Self; 4] = [
        Self::ClientSecretBasic,
        Self::ClientSecretPost,
        Self::PrivateKeyJwt,
        Self::None,
    ];

    /// The registered name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::PrivateKeyJwt => "private_key_jwt",
            Self::None => "none",
        }
    }

    /// The method with this registered name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == name)
    }
}

/// How a client authenticated, with what it sent. Secrets and assertions
/// are not printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub enum ClientAuthentication {
    /// HTTP Basic (RFC 6749 §2.3.1), both parts form-urlencoding-decoded.
    Basic {
        /// The client identifier.
        client_id: String,
        /// The client secret.
        secret: String,
    },
    /// `client_id` and `client_secret` in the request body.
    Post {
        /// The client identifier.
        client_id: String,
        /// The client secret.
        secret: String,
    },
    /// A `client_assertion` JWT (RFC 7523 §2.2). The hub verifies it and
    /// checks that its `iss` and `sub` equal `client_id` when sent.
    PrivateKeyJwt {
        /// The `client_id` parameter, optional with an assertion (RFC 7521 §4.2).
        client_id: Option<String>,
        /// The JWT, unverified.
        assertion: String,
    },
    /// No credentials: a public client naming itself.
    None {
        /// The client identifier.
        client_id: String,
    },
}

impl ClientAuthentication {
    /// Reads the client authentication of a request from its
    /// `Authorization` header and its form parameters.
    ///
    /// - more than one method at once → `invalid_request`;
    /// - malformed Basic credentials, another `Authorization` scheme, an
    ///   unsupported `client_assertion_type`, or no client identification
    ///   at all → `invalid_client`;
    /// - `client_assertion` without `client_assertion_type` (or the
    ///   reverse), or a body `client_id` that differs from the Basic one →
    ///   `invalid_request`.
    pub fn extract(
        authorization: Option<&str>,
        pairs: &[(String, String)],
    ) -> Result<Self, OAuthError> {
        let params = Params::parse(pairs)?;
        let basic = authorization.map(parse_basic).transpose()?;
        let body_id = params.get("client_id");
        let secret = params.get("client_secret");
        let assertion = params.get("client_assertion");
        let assertion_type = params.get("client_assertion_type");

        let uses_assertion = assertion.is_some() || assertion_type.is_some();
        let methods = usize::from(basic.is_some())
            + usize::from(secret.is_some())
            + usize::from(uses_assertion);
        if methods > 1 {
            return Err(invalid_request(
                "more than one client authentication method is used",
            ));
        }
        if let Some((client_id, secret)) = basic {
            if body_id.is_some_and(|id| id != client_id) {
                return Err(invalid_request(
                    "client_id differs from the one in the Authorization header",
                ));
            }
            return Ok(Self::Basic { client_id, secret });
        }
        if uses_assertion {
            let (Some(assertion), Some(kind)) = (assertion, assertion_type) else {
                return Err(invalid_request(
                    "client_assertion and client_assertion_type must be sent together",
                ));
            };
            if kind != JWT_BEARER_ASSERTION_TYPE {
                return Err(invalid_client("client_assertion_type is not supported"));
            }
            return Ok(Self::PrivateKeyJwt {
                client_id: body_id.map(str::to_owned),
                assertion: assertion.to_owned(),
            });
        }
        let Some(client_id) = body_id else {
            return Err(invalid_client("client authentication is missing"));
        };
        Ok(match secret {
            Some(secret) => Self::Post {
                client_id: client_id.to_owned(),
                secret: secret.to_owned(),
            },
            None => Self::None {
                client_id: client_id.to_owned(),
            },
        })
    }

    /// The method used.
    pub const fn method(&self) -> ClientAuthMethod {
        match self {
            Self::Basic { .. } => ClientAuthMethod::ClientSecretBasic,
            Self::Post { .. } => ClientAuthMethod::ClientSecretPost,
            Self::PrivateKeyJwt { .. } => ClientAuthMethod::PrivateKeyJwt,
            Self::None { .. } => ClientAuthMethod::None,
        }
    }

    /// The client identifier sent, if any (an assertion may carry it only
    /// in its `sub`).
    pub fn client_id(&self) -> Option<&str> {
        match self {
            Self::Basic { client_id, .. }
            | Self::Post { client_id, .. }
            | Self::None { client_id } => Some(client_id),
            Self::PrivateKeyJwt { client_id, .. } => client_id.as_deref(),
        }
    }

    /// Whether the client sent its credentials in the `Authorization`
    /// header: then an `invalid_client` must be a 401 carrying
    /// [`www_authenticate_basic`] (RFC 6749 §5.2).
    pub const fn used_authorization_header(&self) -> bool {
        matches!(self, Self::Basic { .. })
    }
}

impl fmt::Debug for ClientAuthentication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct(self.method().as_str());
        if let Some(id) = self.client_id() {
            s.field("client_id", &id);
        }
        s.finish_non_exhaustive()
    }
}

/// The `WWW-Authenticate` value for a 401 `invalid_client` answer to a
/// client that tried HTTP Basic (RFC 6749 §5.2, RFC 7617 §2).
pub fn www_authenticate_basic(realm: &str) -> String {
    let mut quoted = String::with_capacity(realm.len());
    for c in realm.chars() {
        if c == '"' || c == '\\' {
            quoted.push('\\');
        }
        if c.is_control() {
            continue;
        }
        quoted.push(c);
    }
    format!("Basic realm=\"{quoted}\", charset=\"UTF-8\"")
}

/// `Basic <base64(urlencode(id) ":" urlencode(secret))>` → `(id, secret)`.
fn parse_basic(header: &str) -> Result<(String, String), OAuthError> {
    let (scheme, credentials) = header
        .trim()
        .split_once(' ')
        .ok_or_else(|| invalid_client("Authorization header is malformed"))?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(invalid_client(
            "only the Basic Authorization scheme is supported",
        ));
    }
    let decoded = BASIC_B64
        .decode(credentials.trim_start_matches(' '))
        .map_err(|_| invalid_client("Basic credentials are not valid base64"))?;
    let text = String::from_utf8(decoded)
        .map_err(|_| invalid_client("Basic credentials are not UTF-8"))?;
    let (id, secret) = text
        .split_once(':')
        .ok_or_else(|| invalid_client("Basic credentials lack a colon"))?;
    let id = form_decode(id).ok_or_else(|| invalid_client("Basic client_id is badly encoded"))?;
    let secret =
        form_decode(secret).ok_or_else(|| invalid_client("Basic secret is badly encoded"))?;
    if id.is_empty() || secret.is_empty() {
        return Err(invalid_client("Basic credentials are empty"));
    }
    Ok((id, secret))
}

/// Decodes one `application/x-www-form-urlencoded` component: `+` is a
/// space, `%XX` a byte. A stray `%` or a result that is not UTF-8 is `None`.
fn form_decode(encoded: &str) -> Option<String> {
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = hex_value(*bytes.get(i + 1)?)?;
                let lo = hex_value(*bytes.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

const fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn invalid_client(description: &str) -> OAuthError {
    OAuthError::new(OAuthErrorCode::InvalidClient).with_description(description)
}

fn invalid_request(description: &str) -> OAuthError {
    OAuthError::new(OAuthErrorCode::InvalidRequest).with_description(description)
}

#[cfg(test)]
mod tests;
