//! `<samlp:AuthnRequest>` (saml-core-2.0-os §3.4.1) as received by the IdP
//! over HTTP-Redirect or HTTP-POST (saml-profiles-2.0-os §4.1.4.1): decoded
//! by [`crate::binding::InboundMessage`], its signature checked with the
//! SP's registered certificate, then read from the signed content only.

use crate::binding::{InboundMessage, VerifiedMessage};
use crate::error::{Result, SamlError};
use crate::keys::Certificate;
use crate::message::{self, MessagePolicy};
use crate::names::Binding;
use crate::xml::{self, NS_ASSERTION, NS_PROTOCOL};
use time::OffsetDateTime;

/// `<samlp:NameIDPolicy>` (§3.4.1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameIdPolicy {
    /// `Format` URI, if given.
    pub format: Option<String>,
    /// `SPNameQualifier`, if given.
    pub sp_name_qualifier: Option<String>,
    /// `AllowCreate` (absent = `None`, which means false).
    pub allow_create: Option<bool>,
}

/// `Comparison` of a `<samlp:RequestedAuthnContext>` (§3.3.2.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthnContextComparison {
    /// `exact` (the default).
    Exact,
    /// `minimum`.
    Minimum,
    /// `maximum`.
    Maximum,
    /// `better`.
    Better,
}

/// `<samlp:RequestedAuthnContext>` (§3.3.2.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedAuthnContext {
    /// How to compare.
    pub comparison: AuthnContextComparison,
    /// `AuthnContextClassRef` values.
    pub class_refs: Vec<String>,
    /// `AuthnContextDeclRef` values.
    pub decl_refs: Vec<String>,
}

/// A verified, checked AuthnRequest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthnRequest {
    /// `ID`: the Response's `InResponseTo`.
    pub id: String,
    /// `IssueInstant`.
    pub issue_instant: OffsetDateTime,
    /// `Issuer`: the SP's entityID (required by the Web SSO profile).
    pub issuer: String,
    /// `Destination`, if present.
    pub destination: Option<String>,
    /// `AssertionConsumerServiceURL`.
    pub acs_url: Option<String>,
    /// `AssertionConsumerServiceIndex`.
    pub acs_index: Option<u16>,
    /// `AttributeConsumingServiceIndex`.
    pub attribute_consuming_service_index: Option<u16>,
    /// `ProtocolBinding` URI.
    pub protocol_binding: Option<String>,
    /// `ProviderName`.
    pub provider_name: Option<String>,
    /// `<NameIDPolicy>`.
    pub name_id_policy: Option<NameIdPolicy>,
    /// `ForceAuthn` (default false).
    pub force_authn: bool,
    /// `IsPassive` (default false).
    pub is_passive: bool,
    /// `<RequestedAuthnContext>`.
    pub requested_authn_context: Option<RequestedAuthnContext>,
    /// Whether a signature was verified.
    pub signed: bool,
    /// The binding it came over.
    pub binding: Binding,
    /// `RelayState`, to return unchanged.
    pub relay_state: Option<String>,
}

impl AuthnRequest {
    /// Verifies `inbound` with the SP's registered signing certificates,
    /// then parses and checks it (see [`Self::from_verified`]).
    pub fn accept(
        inbound: InboundMessage,
        sp_certs: &[Certificate],
        policy: &MessagePolicy,
        now: OffsetDateTime,
    ) -> Result<Self> {
        let verified = inbound.verify(sp_certs, &policy.signature)?;
        Self::from_verified(&verified, policy, now)
    }

    /// Parses a verified message: root `{samlp}AuthnRequest`, Version 2.0,
    /// IssueInstant within `policy`'s age and skew of `now`, Destination
    /// matching, Issuer present.
    pub fn from_verified(
        msg: &VerifiedMessage,
        policy: &MessagePolicy,
        now: OffsetDateTime,
    ) -> Result<Self> {
        let doc = xml::parse(&msg.xml)?;
        let root = doc.root_element();
        let h = message::header(
            root,
            "AuthnRequest",
            "{urn:oasis:names:tc:SAML:2.0:protocol}AuthnRequest",
            msg.signed,
            policy,
            now,
        )?;
        let issuer = h.issuer.ok_or(SamlError::MissingElement("Issuer"))?;
        let name_id_policy = xml::child(root, NS_PROTOCOL, "NameIDPolicy")?
            .map(|p| -> Result<NameIdPolicy> {
                Ok(NameIdPolicy {
                    format: p.attribute("Format").map(|s| s.trim().to_owned()),
                    sp_name_qualifier: p.attribute("SPNameQualifier").map(str::to_owned),
                    allow_create: xml::bool_attr(p, "AllowCreate")?,
                })
            })
            .transpose()?;
        let requested_authn_context = xml::child(root, NS_PROTOCOL, "RequestedAuthnContext")?
            .map(|r| -> Result<RequestedAuthnContext> {
                let comparison = match r.attribute("Comparison").map(str::trim) {
                    None | Some("exact") => AuthnContextComparison::Exact,
                    Some("minimum") => AuthnContextComparison::Minimum,
                    Some("maximum") => AuthnContextComparison::Maximum,
                    Some("better") => AuthnContextComparison::Better,
                    Some(other) => {
                        return Err(SamlError::InvalidValue {
                            name: "Comparison",
                            reason: other.to_owned(),
                        })
                    }
                };
                let refs = |name: &'static str| {
                    xml::children(r, NS_ASSERTION, name)
                        .map(|n| xml::text(n, name))
                        .collect::<Result<Vec<_>>>()
                };
                Ok(RequestedAuthnContext {
                    comparison,
                    class_refs: refs("AuthnContextClassRef")?,
                    decl_refs: refs("AuthnContextDeclRef")?,
                })
            })
            .transpose()?;
        let acs_url = root
            .attribute("AssertionConsumerServiceURL")
            .map(|s| s.trim().to_owned());
        let acs_index = xml::u16_attr(root, "AssertionConsumerServiceIndex")?;
        if acs_url.is_some() && acs_index.is_some() {
            return Err(SamlError::InvalidValue {
                name: "AuthnRequest",
                reason:
                    "AssertionConsumerServiceURL and AssertionConsumerServiceIndex are exclusive"
                        .into(),
            });
        }
        Ok(Self {
            id: h.id,
            issue_instant: h.issue_instant,
            issuer,
            destination: h.destination,
            acs_url,
            acs_index,
            attribute_consuming_service_index: xml::u16_attr(
                root,
                "AttributeConsumingServiceIndex",
            )?,
            protocol_binding: root
                .attribute("ProtocolBinding")
                .map(|s| s.trim().to_owned()),
            provider_name: root.attribute("ProviderName").map(str::to_owned),
            name_id_policy,
            force_authn: xml::bool_attr(root, "ForceAuthn")?.unwrap_or(false),
            is_passive: xml::bool_attr(root, "IsPassive")?.unwrap_or(false),
            requested_authn_context,
            signed: msg.signed,
            binding: msg.binding,
            relay_state: msg.relay_state.clone(),
        })
    }
}
