//! The crate's error type: one enum for every way a SAML message, a piece of
//! metadata or a key can be refused or fail to build.
//!
//! Each variant carries a reason fit for a log line (never for the peer: the
//! hub answers with a generic message and the [`SamlError::status_code`]
//! of saml-core-2.0-os §3.2.2.2).

use crate::status::StatusCode;

/// Why a SAML operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SamlError {
    /// The input is larger than the configured cap.
    #[error("{what} is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// What was measured (encoded message, inflated XML, metadata).
        what: &'static str,
        /// Its size, or `limit + 1` when reading stopped at the cap.
        size: usize,
        /// The cap.
        limit: usize,
    },
    /// A DOCTYPE, entity declaration or other markup declaration was found:
    /// refused before any XML parsing.
    #[error("XML markup declaration (DOCTYPE/ENTITY) refused")]
    DtdRefused,
    /// The XML is not UTF-8.
    #[error("XML is not UTF-8")]
    NotUtf8,
    /// The XML is not well formed, or exceeds a structural limit.
    #[error("malformed XML: {0}")]
    Xml(String),
    /// A base64 value could not be decoded.
    #[error("invalid base64 in {0}")]
    Base64(&'static str),
    /// The DEFLATE stream of an HTTP-Redirect message is invalid.
    #[error("invalid DEFLATE data: {0}")]
    Inflate(String),
    /// A required query or form parameter is missing.
    #[error("missing parameter {0}")]
    MissingParameter(&'static str),
    /// A parameter appears more than once.
    #[error("parameter {0} appears more than once")]
    DuplicateParameter(&'static str),
    /// The root element is not the expected message.
    #[error("expected <{expected}>, found <{found}>")]
    UnexpectedElement {
        /// The expected `{namespace}LocalName`.
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// A required element is missing.
    #[error("missing element {0}")]
    MissingElement(&'static str),
    /// A required attribute is missing.
    #[error("missing attribute {0}")]
    MissingAttribute(&'static str),
    /// An attribute or element value is not acceptable.
    #[error("invalid {name}: {reason}")]
    InvalidValue {
        /// The attribute or element.
        name: &'static str,
        /// Why.
        reason: String,
    },
    /// `Version` is not `2.0`.
    #[error("unsupported SAML version {0:?}")]
    VersionMismatch(String),
    /// `IssueInstant` is later than `now` plus the allowed skew.
    #[error("IssueInstant {issue_instant} is in the future (now {now})")]
    IssuedInFuture {
        /// The message's instant (RFC 3339).
        issue_instant: String,
        /// The verifier's clock (RFC 3339).
        now: String,
    },
    /// `IssueInstant` is older than the allowed age plus skew.
    #[error("IssueInstant {issue_instant} is too old (now {now})")]
    Expired {
        /// The message's instant (RFC 3339).
        issue_instant: String,
        /// The verifier's clock (RFC 3339).
        now: String,
    },
    /// The message's `Destination` is not the endpoint it was received at.
    #[error("Destination {found:?} does not match {expected:?}")]
    DestinationMismatch {
        /// The endpoint that received the message.
        expected: String,
        /// The message's Destination (absent = `None`).
        found: Option<String>,
    },
    /// The policy requires a signature and the message carries none.
    #[error("message is not signed but a signature is required")]
    SignatureRequired,
    /// A signature is present but there is no registered certificate to
    /// check it with.
    #[error("message is signed but no certificate is registered for its issuer")]
    NoVerificationCertificate,
    /// The signature does not verify with any registered certificate.
    #[error("signature invalid: {0}")]
    SignatureInvalid(String),
    /// The signature algorithm is refused by policy (e.g. RSA-SHA1).
    #[error("signature algorithm {0} refused by policy")]
    AlgorithmRefused(String),
    /// A key or certificate could not be read or does not fit.
    #[error("key or certificate: {0}")]
    Key(String),
    /// A cryptographic operation failed.
    #[error("crypto failure: {0}")]
    Crypto(String),
    /// The requested feature is not implemented.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// No endpoint of the SP's metadata matches the request.
    #[error("no matching endpoint: {0}")]
    NoEndpoint(String),
    /// The upstream IdP answered with a non-Success `<samlp:Status>`
    /// (saml-core-2.0-os §3.2.2): it refused or could not log the user in.
    #[error("the identity provider answered {}{}{}", .0.code, .0.second_level.as_deref().map(|s| format!(" / {s}")).unwrap_or_default(), .0.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    ErrorStatus(crate::response::Status),
    /// The message came over a binding its profile does not allow (a
    /// Response over HTTP-Redirect, saml-profiles-2.0-os §4.1.4.5).
    #[error("message received over {found}, only {expected} is allowed")]
    WrongBinding {
        /// The binding the profile allows.
        expected: crate::names::Binding,
        /// The binding it came over.
        found: crate::names::Binding,
    },
    /// The Response does not hold exactly one assertion where the profile
    /// puts it (a direct child of the Response), or holds assertions
    /// elsewhere: the shape of signature-wrapping attacks.
    #[error("unexpected assertions: {0}")]
    UnexpectedAssertions(String),
    /// An `Issuer` is not the expected IdP.
    #[error("Issuer {found:?} is not {expected:?}")]
    IssuerMismatch {
        /// The IdP's entityID.
        expected: String,
        /// The Issuer found (absent = `None`).
        found: Option<String>,
    },
    /// The bearer confirmation's `Recipient` is not this ACS.
    #[error("Recipient {found:?} is not {expected:?}")]
    RecipientMismatch {
        /// The ACS URL.
        expected: String,
        /// The Recipient found (absent = `None`).
        found: Option<String>,
    },
    /// An `AudienceRestriction` does not name this SP.
    #[error("audience {expected:?} not among {found:?}")]
    AudienceMismatch {
        /// The SP's entityID.
        expected: String,
        /// The Audiences of the restriction that fails (empty when the
        /// assertion has no AudienceRestriction at all).
        found: Vec<String>,
    },
    /// A validity window has not opened yet (`NotBefore` later than `now`
    /// plus the skew).
    #[error("{what} {not_before} is in the future (now {now})")]
    NotYetValid {
        /// Which attribute (`Conditions NotBefore`, …).
        what: &'static str,
        /// Its value (RFC 3339).
        not_before: String,
        /// The verifier's clock (RFC 3339).
        now: String,
    },
    /// A validity window has closed (`NotOnOrAfter` at or before `now`
    /// minus the skew).
    #[error("{what} {not_on_or_after} has passed (now {now})")]
    AssertionExpired {
        /// Which attribute (`Conditions NotOnOrAfter`, …).
        what: &'static str,
        /// Its value (RFC 3339).
        not_on_or_after: String,
        /// The verifier's clock (RFC 3339).
        now: String,
    },
    /// The Response's `InResponseTo` and the bearer confirmation's differ.
    #[error(
        "InResponseTo {response:?} of the Response differs from {confirmation:?} of the assertion"
    )]
    InResponseToMismatch {
        /// The Response's.
        response: String,
        /// The SubjectConfirmationData's.
        confirmation: String,
    },
    /// No usable bearer `<saml:SubjectConfirmation>` (saml-profiles-2.0-os
    /// §4.1.4.2).
    #[error("no bearer subject confirmation: {0}")]
    NoBearerConfirmation(String),
    /// The assertion was expected encrypted and came in the clear.
    #[error("the assertion is not encrypted but encryption is required")]
    EncryptionRequired,
    /// An EncryptedAssertion came and no decryption key is configured.
    #[error("the assertion is encrypted and no decryption key is configured")]
    NoDecryptionKey,
    /// No configured key decrypts the EncryptedAssertion, or its cipher
    /// text is malformed.
    #[error("decryption failed: {0}")]
    DecryptionFailed(String),
}

impl SamlError {
    /// The `StatusCode` pair (top level, optional second level) to answer an
    /// AuthnRequest or LogoutRequest refused for this reason
    /// (saml-core-2.0-os §3.2.2.2).
    pub fn status_code(&self) -> (StatusCode, Option<StatusCode>) {
        match self {
            Self::VersionMismatch(_) => (StatusCode::VersionMismatch, None),
            Self::Unsupported(_) => (StatusCode::Responder, Some(StatusCode::RequestUnsupported)),
            Self::Key(_) | Self::Crypto(_) => (StatusCode::Responder, None),
            Self::SignatureRequired
            | Self::NoVerificationCertificate
            | Self::SignatureInvalid(_)
            | Self::AlgorithmRefused(_) => (StatusCode::Requester, Some(StatusCode::RequestDenied)),
            Self::WrongBinding { .. } => {
                (StatusCode::Requester, Some(StatusCode::UnsupportedBinding))
            }
            // Upstream failures, when the hub relays them to its own SP.
            Self::ErrorStatus(s) => match StatusCode::from_uri(&s.code) {
                Some(top) if top.is_top_level() && top != StatusCode::Success => (
                    top,
                    s.second_level
                        .as_deref()
                        .and_then(StatusCode::from_uri)
                        .filter(|c| !c.is_top_level()),
                ),
                _ => (StatusCode::Responder, None),
            },
            Self::EncryptionRequired | Self::NoDecryptionKey | Self::DecryptionFailed(_) => {
                (StatusCode::Responder, None)
            }
            _ => (StatusCode::Requester, None),
        }
    }
}

/// This crate's result.
pub type Result<T, E = SamlError> = std::result::Result<T, E>;
