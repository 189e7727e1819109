//! SAML 2.0 status codes (saml-core-2.0-os §3.2.2.2): the four top-level
//! values a `<samlp:StatusCode>` may carry and the second-level values that
//! may be nested inside it, each named by a
//! `urn:oasis:names:tc:SAML:2.0:status:…` URI.

use std::fmt;

/// The namespace every status URI starts with.
pub const STATUS_PREFIX: &str = "urn:oasis:names:tc:SAML:2.0:status:";

/// A status code defined by saml-core-2.0-os §3.2.2.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusCode {
    /// Top-level: the request succeeded.
    Success,
    /// Top-level: the request could not be performed due to an error on the
    /// part of the requester.
    Requester,
    /// Top-level: the request could not be performed due to an error on the
    /// part of the responder.
    Responder,
    /// Top-level: the request's SAML version is not supported.
    VersionMismatch,
    /// The responder could not authenticate the principal.
    AuthnFailed,
    /// An attribute name or value in the request is unexpected or invalid.
    InvalidAttrNameOrValue,
    /// The requested NameID policy cannot be honoured.
    InvalidNameIdPolicy,
    /// The requested authentication context cannot be satisfied.
    NoAuthnContext,
    /// None of the supported IdPs in an IDPList can be resolved or is available.
    NoAvailableIdp,
    /// The responder cannot authenticate the principal passively.
    NoPassive,
    /// None of the IdPs in an IDPList is supported by the intermediary.
    NoSupportedIdp,
    /// Logout could not be propagated to every session participant.
    PartialLogout,
    /// The request cannot be proxied: the `ProxyCount` is exhausted.
    ProxyCountExceeded,
    /// The responder chooses not to respond.
    RequestDenied,
    /// The request is not supported by the responder.
    RequestUnsupported,
    /// The request's SAML version is deprecated.
    RequestVersionDeprecated,
    /// The request's SAML major version is too high.
    RequestVersionTooHigh,
    /// The request's SAML major version is too low.
    RequestVersionTooLow,
    /// The resource in the request is not recognised.
    ResourceNotRecognized,
    /// More responses would be produced than the request allows.
    TooManyResponses,
    /// An attribute profile in the request is unknown.
    UnknownAttrProfile,
    /// The principal named in the request is unknown to the responder.
    UnknownPrincipal,
    /// The responder cannot respond with the requested protocol binding.
    UnsupportedBinding,
}

impl StatusCode {
    /// Every code: the four top-level ones, then the second-level ones in the
    /// order of §3.2.2.2.
    pub const ALL: [Self; 23] = [
        Self::Success,
        Self::Requester,
        Self::Responder,
        Self::VersionMismatch,
        Self::AuthnFailed,
        Self::InvalidAttrNameOrValue,
        Self::InvalidNameIdPolicy,
        Self::NoAuthnContext,
        Self::NoAvailableIdp,
        Self::NoPassive,
        Self::NoSupportedIdp,
        Self::PartialLogout,
        Self::ProxyCountExceeded,
        Self::RequestDenied,
        Self::RequestUnsupported,
        Self::RequestVersionDeprecated,
        Self::RequestVersionTooHigh,
        Self::RequestVersionTooLow,
        Self::ResourceNotRecognized,
        Self::TooManyResponses,
        Self::UnknownAttrProfile,
        Self::UnknownPrincipal,
        Self::UnsupportedBinding,
    ];

    /// The full URI, as written in `<samlp:StatusCode Value="…">`.
    pub const fn as_uri(self) -> &'static str {
        match self {
            Self::Success => "urn:oasis:names:tc:SAML:2.0:status:Success",
            Self::Requester => "urn:oasis:names:tc:SAML:2.0:status:Requester",
            Self::Responder => "urn:oasis:names:tc:SAML:2.0:status:Responder",
            Self::VersionMismatch => "urn:oasis:names:tc:SAML:2.0:status:VersionMismatch",
            Self::AuthnFailed => "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed",
            Self::InvalidAttrNameOrValue => {
                "urn:oasis:names:tc:SAML:2.0:status:InvalidAttrNameOrValue"
            }
            Self::InvalidNameIdPolicy => "urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy",
            Self::NoAuthnContext => "urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext",
            Self::NoAvailableIdp => "urn:oasis:names:tc:SAML:2.0:status:NoAvailableIDP",
            Self::NoPassive => "urn:oasis:names:tc:SAML:2.0:status:NoPassive",
            Self::NoSupportedIdp => "urn:oasis:names:tc:SAML:2.0:status:NoSupportedIDP",
            Self::PartialLogout => "urn:oasis:names:tc:SAML:2.0:status:PartialLogout",
            Self::ProxyCountExceeded => "urn:oasis:names:tc:SAML:2.0:status:ProxyCountExceeded",
            Self::RequestDenied => "urn:oasis:names:tc:SAML:2.0:status:RequestDenied",
            Self::RequestUnsupported => "urn:oasis:names:tc:SAML:2.0:status:RequestUnsupported",
            Self::RequestVersionDeprecated => {
                "urn:oasis:names:tc:SAML:2.0:status:RequestVersionDeprecated"
            }
            Self::RequestVersionTooHigh => {
                "urn:oasis:names:tc:SAML:2.0:status:RequestVersionTooHigh"
            }
            Self::RequestVersionTooLow => "urn:oasis:names:tc:SAML:2.0:status:RequestVersionTooLow",
            Self::ResourceNotRecognized => {
                "urn:oasis:names:tc:SAML:2.0:status:ResourceNotRecognized"
            }
            Self::TooManyResponses => "urn:oasis:names:tc:SAML:2.0:status:TooManyResponses",
            Self::UnknownAttrProfile => "urn:oasis:names:tc:SAML:2.0:status:UnknownAttrProfile",
            Self::UnknownPrincipal => "urn:oasis:names:tc:SAML:2.0:status:UnknownPrincipal",
            Self::UnsupportedBinding => "urn:oasis:names:tc:SAML:2.0:status:UnsupportedBinding",
        }
    }

    /// The code named by `uri`, or `None` for a URI this specification does
    /// not define (SAML lets a peer nest its own URIs at the second level).
    /// URIs compare case-sensitively; surrounding XML whitespace is ignored,
    /// as the `xs:anyURI` type collapses it.
    pub fn from_uri(uri: &str) -> Option<Self> {
        let uri = uri.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
        Self::ALL.into_iter().find(|c| c.as_uri() == uri)
    }

    /// Whether this code may appear as the outermost `<StatusCode>`
    /// (§3.2.2.2: only Success, Requester, Responder and VersionMismatch).
    pub const fn is_top_level(self) -> bool {
        matches!(
            self,
            Self::Success | Self::Requester | Self::Responder | Self::VersionMismatch
        )
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_uri())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn uris_are_prefix_plus_spec_name() {
        let names = [
            "Success",
            "Requester",
            "Responder",
            "VersionMismatch",
            "AuthnFailed",
            "InvalidAttrNameOrValue",
            "InvalidNameIDPolicy",
            "NoAuthnContext",
            "NoAvailableIDP",
            "NoPassive",
            "NoSupportedIDP",
            "PartialLogout",
            "ProxyCountExceeded",
            "RequestDenied",
            "RequestUnsupported",
            "RequestVersionDeprecated",
            "RequestVersionTooHigh",
            "RequestVersionTooLow",
            "ResourceNotRecognized",
            "TooManyResponses",
            "UnknownAttrProfile",
            "UnknownPrincipal",
            "UnsupportedBinding",
        ];
        assert_eq!(names.len(), StatusCode::ALL.len());
        for (code, name) in StatusCode::ALL.into_iter().zip(names) {
            assert_eq!(code.as_uri(), format!("{STATUS_PREFIX}{name}"));
            assert_eq!(code.to_string(), code.as_uri());
        }
    }

    #[test]
    fn from_uri_round_trips() {
        for code in StatusCode::ALL {
            assert_eq!(StatusCode::from_uri(code.as_uri()), Some(code));
        }
    }

    #[test]
    fn from_uri_rejects_unknown_and_miscased() {
        for uri in [
            "",
            STATUS_PREFIX,
            "Success",
            "urn:oasis:names:tc:SAML:2.0:status:success",
            "urn:oasis:names:tc:SAML:2.0:status:InvalidNameIdPolicy",
            "urn:oasis:names:tc:SAML:1.0:status:Success",
            "urn:oasis:names:tc:SAML:2.0:status:Success:extra",
            "urn:example:vendor:status:Locked",
        ] {
            assert_eq!(StatusCode::from_uri(uri), None, "{uri:?}");
        }
    }

    #[test]
    fn from_uri_ignores_surrounding_xml_whitespace() {
        assert_eq!(
            StatusCode::from_uri("\n  urn:oasis:names:tc:SAML:2.0:status:Success\t"),
            Some(StatusCode::Success)
        );
    }

    #[test]
    fn exactly_four_top_level_codes() {
        let top: Vec<_> = StatusCode::ALL
            .into_iter()
            .filter(|c| c.is_top_level())
            .collect();
        assert_eq!(
            top,
            [
                StatusCode::Success,
                StatusCode::Requester,
                StatusCode::Responder,
                StatusCode::VersionMismatch
            ]
        );
        assert!(!StatusCode::AuthnFailed.is_top_level());
    }

    #[test]
    fn all_distinct() {
        for (i, a) in StatusCode::ALL.iter().enumerate() {
            for b in &StatusCode::ALL[i + 1..] {
                assert_ne!(a.as_uri(), b.as_uri());
            }
        }
    }
}
