//! SAML 2.0 identifiers for NameID formats (saml-core-2.0-os §8.3.1, §8.3.2,
//! §8.3.7, §8.3.8) and for the HTTP Redirect and HTTP POST bindings
//! (saml-bindings-2.0-os §3.4, §3.5).

use std::fmt;

/// `urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified` (§8.3.1).
pub const NAMEID_UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
/// `urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress` (§8.3.2).
pub const NAMEID_EMAIL_ADDRESS: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
/// `urn:oasis:names:tc:SAML:2.0:nameid-format:persistent` (§8.3.7).
pub const NAMEID_PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
/// `urn:oasis:names:tc:SAML:2.0:nameid-format:transient` (§8.3.8).
pub const NAMEID_TRANSIENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";

/// `urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect` (bindings §3.4).
pub const BINDING_HTTP_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
/// `urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST` (bindings §3.5).
pub const BINDING_HTTP_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";

/// A NameID format (the `Format` of `<NameID>` and `<NameIDPolicy>`).
/// The first two names date from SAML 1.1 and keep their `1.1` URIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameIdFormat {
    /// Interpretation left to the parties (§8.3.1).
    Unspecified,
    /// An email address, `addr-spec` of RFC 2822 (§8.3.2).
    EmailAddress,
    /// An opaque, stable, pairwise identifier (§8.3.7).
    Persistent,
    /// An opaque identifier valid for this session only (§8.3.8).
    Transient,
}

impl NameIdFormat {
    /// Every format this module names.
    pub const ALL: [Self; 4] = [
        Self::Unspecified,
        Self::EmailAddress,
        Self::Persistent,
        Self::Transient,
    ];

    /// The format's URI.
    pub const fn as_uri(self) -> &'static str {
        match self {
            Self::Unspecified => NAMEID_UNSPECIFIED,
            Self::EmailAddress => NAMEID_EMAIL_ADDRESS,
            Self::Persistent => NAMEID_PERSISTENT,
            Self::Transient => NAMEID_TRANSIENT,
        }
    }

    /// The format named by `uri` (exact, case-sensitive), if it is one of these.
    pub fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_uri() == uri)
    }
}

impl fmt::Display for NameIdFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_uri())
    }
}

/// A SAML protocol binding (the `Binding` of metadata endpoints and
/// `ProtocolBinding` of an AuthnRequest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Binding {
    /// Message deflated, base64-encoded, in a URL query (bindings §3.4).
    HttpRedirect,
    /// Message base64-encoded in an auto-submitted HTML form (bindings §3.5).
    HttpPost,
}

impl Binding {
    /// Every binding this module names.
    pub const ALL: [Self; 2] = [Self::HttpRedirect, Self::HttpPost];

    /// The binding's URI.
    pub const fn as_uri(self) -> &'static str {
        match self {
            Self::HttpRedirect => BINDING_HTTP_REDIRECT,
            Self::HttpPost => BINDING_HTTP_POST,
        }
    }

    /// The binding named by `uri` (exact, case-sensitive), if it is one of these.
    pub fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_uri() == uri)
    }
}

impl fmt::Display for Binding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_uri())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_id_formats_round_trip() {
        for f in NameIdFormat::ALL {
            assert_eq!(NameIdFormat::from_uri(f.as_uri()), Some(f));
            assert_eq!(f.to_string(), f.as_uri());
        }
    }

    #[test]
    fn name_id_format_versions() {
        assert!(NameIdFormat::Unspecified.as_uri().contains(":SAML:1.1:"));
        assert!(NameIdFormat::EmailAddress.as_uri().contains(":SAML:1.1:"));
        assert!(NameIdFormat::Persistent.as_uri().contains(":SAML:2.0:"));
        assert!(NameIdFormat::Transient.as_uri().contains(":SAML:2.0:"));
        // The 2.0 namespace has no emailAddress: a peer sending it is wrong.
        assert_eq!(
            NameIdFormat::from_uri("urn:oasis:names:tc:SAML:2.0:nameid-format:emailAddress"),
            None
        );
        assert_eq!(
            NameIdFormat::from_uri("urn:oasis:names:tc:SAML:1.1:nameid-format:emailaddress"),
            None
        );
    }

    #[test]
    fn bindings_round_trip() {
        for b in Binding::ALL {
            assert_eq!(Binding::from_uri(b.as_uri()), Some(b));
            assert_eq!(b.to_string(), b.as_uri());
        }
        assert_eq!(
            Binding::from_uri("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"),
            None
        );
        assert_eq!(
            Binding::from_uri("urn:oasis:names:tc:SAML:2.0:bindings:http-post"),
            None
        );
    }
}
