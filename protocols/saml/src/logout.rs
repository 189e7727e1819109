//! Single Logout (saml-core-2.0-os §3.7; saml-profiles-2.0-os §4.4):
//! reading a `<samlp:LogoutRequest>` (§3.7.1) from an SP and answering with
//! a `<samlp:LogoutResponse>` (§3.7.2); building a LogoutRequest for an SP
//! when the IdP ends a session, and reading the SP's LogoutResponse. Both
//! bindings, through [`crate::binding`], with the same signature rules as
//! AuthnRequests.

use crate::binding::{InboundMessage, VerifiedMessage};
use crate::error::{Result, SamlError};
use crate::keys::{Certificate, SigningKey};
use crate::message::{self, status, write_status, MessagePolicy};
use crate::names::Binding;
use crate::response::{NameId, Status};
use crate::signature::{sign_enveloped, template};
use crate::xml::{self, escape, format_time, NS_ASSERTION, NS_PROTOCOL};
use time::OffsetDateTime;

/// A `<saml:NameID>` as a peer sent it (any format URI).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedNameId {
    /// `Format`, if given.
    pub format: Option<String>,
    /// The identifier.
    pub value: String,
    /// `NameQualifier`.
    pub name_qualifier: Option<String>,
    /// `SPNameQualifier`.
    pub sp_name_qualifier: Option<String>,
}

/// A verified, checked LogoutRequest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutRequest {
    /// `ID`: the LogoutResponse's `InResponseTo`.
    pub id: String,
    /// `IssueInstant`.
    pub issue_instant: OffsetDateTime,
    /// `Issuer`: the SP's entityID.
    pub issuer: String,
    /// `Destination`.
    pub destination: Option<String>,
    /// The principal to log out.
    pub name_id: ReceivedNameId,
    /// `SessionIndex` values (none: every session of the principal).
    pub session_indexes: Vec<String>,
    /// `NotOnOrAfter`: the request is void after this.
    pub not_on_or_after: Option<OffsetDateTime>,
    /// `Reason` URI.
    pub reason: Option<String>,
    /// Whether a signature was verified.
    pub signed: bool,
    /// The binding it came over.
    pub binding: Binding,
    /// `RelayState`, to return unchanged.
    pub relay_state: Option<String>,
}

impl LogoutRequest {
    /// Verifies with the SP's registered certificates, then parses.
    pub fn accept(
        inbound: InboundMessage,
        sp_certs: &[Certificate],
        policy: &MessagePolicy,
        now: OffsetDateTime,
    ) -> Result<Self> {
        let verified = inbound.verify(sp_certs, &policy.signature)?;
        Self::from_verified(&verified, policy, now)
    }

    /// Parses a verified message (root `{samlp}LogoutRequest`, Version 2.0,
    /// IssueInstant and `NotOnOrAfter` against `now`, Destination, Issuer,
    /// a plain `<saml:NameID>`: an `<saml:EncryptedID>` is unsupported).
    pub fn from_verified(
        msg: &VerifiedMessage,
        policy: &MessagePolicy,
        now: OffsetDateTime,
    ) -> Result<Self> {
        let doc = xml::parse(&msg.xml)?;
        let root = doc.root_element();
        let h = message::header(
            root,
            "LogoutRequest",
            "{urn:oasis:names:tc:SAML:2.0:protocol}LogoutRequest",
            msg.signed,
            policy,
            now,
        )?;
        let issuer = h.issuer.ok_or(SamlError::MissingElement("Issuer"))?;
        if xml::child(root, NS_ASSERTION, "EncryptedID")?.is_some() {
            return Err(SamlError::Unsupported("EncryptedID in LogoutRequest"));
        }
        let n =
            xml::child(root, NS_ASSERTION, "NameID")?.ok_or(SamlError::MissingElement("NameID"))?;
        let name_id = ReceivedNameId {
            format: n.attribute("Format").map(|s| s.trim().to_owned()),
            value: xml::text(n, "NameID")?,
            name_qualifier: n.attribute("NameQualifier").map(str::to_owned),
            sp_name_qualifier: n.attribute("SPNameQualifier").map(str::to_owned),
        };
        let not_on_or_after = xml::time_attr(root, "NotOnOrAfter")?;
        if let Some(t) = not_on_or_after {
            if now >= t + policy.clock_skew {
                return Err(SamlError::Expired {
                    issue_instant: format_time(t),
                    now: format_time(now),
                });
            }
        }
        let session_indexes = xml::children(root, NS_PROTOCOL, "SessionIndex")
            .map(|s| xml::text(s, "SessionIndex"))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            id: h.id,
            issue_instant: h.issue_instant,
            issuer,
            destination: h.destination,
            name_id,
            session_indexes,
            not_on_or_after,
            reason: root.attribute("Reason").map(str::to_owned),
            signed: msg.signed,
            binding: msg.binding,
            relay_state: msg.relay_state.clone(),
        })
    }
}

/// A LogoutRequest the IdP sends to an SP (IdP-initiated or propagated SLO).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLogoutRequest {
    /// `ID` (from the caller's RNG).
    pub id: String,
    /// The IdP's entityID.
    pub issuer: String,
    /// The SP's SingleLogoutService URL.
    pub destination: String,
    /// Now.
    pub now: OffsetDateTime,
    /// The NameID the SP received at login.
    pub name_id: NameId,
    /// The `SessionIndex` the SP received.
    pub session_index: Option<String>,
    /// `NotOnOrAfter`.
    pub not_on_or_after: Option<OffsetDateTime>,
    /// `Reason` URI (e.g. `urn:oasis:names:tc:SAML:2.0:logout:user`).
    pub reason: Option<String>,
}

/// Builds a LogoutRequest. Give `key` for the POST binding (enveloped
/// signature); for Redirect pass `None` here and sign the query with
/// [`crate::binding::redirect_query`].
pub fn build_logout_request(r: &NewLogoutRequest, key: Option<&SigningKey>) -> Result<String> {
    xml::check_id(&r.id, "ID")?;
    let mut out = format!(
        "<samlp:LogoutRequest xmlns:samlp=\"{NS_PROTOCOL}\" xmlns:saml=\"{NS_ASSERTION}\" ID=\"{}\" Version=\"2.0\" IssueInstant=\"{}\" Destination=\"{}\"",
        escape(&r.id),
        format_time(r.now),
        escape(&r.destination)
    );
    if let Some(t) = r.not_on_or_after {
        out.push_str(&format!(" NotOnOrAfter=\"{}\"", format_time(t)));
    }
    if let Some(reason) = &r.reason {
        out.push_str(&format!(" Reason=\"{}\"", escape(reason)));
    }
    out.push('>');
    xml::issuer_element(&mut out, &r.issuer);
    if let Some(k) = key {
        out.push_str(&template(&r.id, k.certificate()));
    }
    r.name_id.write(&mut out);
    if let Some(si) = &r.session_index {
        out.push_str(&format!(
            "<samlp:SessionIndex>{}</samlp:SessionIndex>",
            escape(si)
        ));
    }
    out.push_str("</samlp:LogoutRequest>");
    match key {
        Some(k) => sign_enveloped(&out, k),
        None => Ok(out),
    }
}

/// A LogoutResponse the IdP sends back to an SP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLogoutResponse {
    /// `ID`.
    pub id: String,
    /// The IdP's entityID.
    pub issuer: String,
    /// The SP's SingleLogoutService (response) URL.
    pub destination: String,
    /// The LogoutRequest's ID.
    pub in_response_to: String,
    /// Now.
    pub now: OffsetDateTime,
    /// Success, or e.g. Responder + PartialLogout.
    pub status: Status,
}

/// Builds a LogoutResponse; `key` as for [`build_logout_request`].
pub fn build_logout_response(r: &NewLogoutResponse, key: Option<&SigningKey>) -> Result<String> {
    xml::check_id(&r.id, "ID")?;
    xml::check_id(&r.in_response_to, "InResponseTo")?;
    let mut out = format!(
        "<samlp:LogoutResponse xmlns:samlp=\"{NS_PROTOCOL}\" xmlns:saml=\"{NS_ASSERTION}\" ID=\"{}\" Version=\"2.0\" IssueInstant=\"{}\" Destination=\"{}\" InResponseTo=\"{}\">",
        escape(&r.id),
        format_time(r.now),
        escape(&r.destination),
        escape(&r.in_response_to)
    );
    xml::issuer_element(&mut out, &r.issuer);
    if let Some(k) = key {
        out.push_str(&template(&r.id, k.certificate()));
    }
    write_status(&mut out, &r.status);
    out.push_str("</samlp:LogoutResponse>");
    match key {
        Some(k) => sign_enveloped(&out, k),
        None => Ok(out),
    }
}

/// A verified LogoutResponse from an SP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutResponse {
    /// `ID`.
    pub id: String,
    /// `IssueInstant`.
    pub issue_instant: OffsetDateTime,
    /// `Issuer`: the SP's entityID.
    pub issuer: String,
    /// `Destination`.
    pub destination: Option<String>,
    /// `InResponseTo`: match it with the pending LogoutRequest.
    pub in_response_to: Option<String>,
    /// The status.
    pub status: Status,
    /// Whether a signature was verified.
    pub signed: bool,
    /// The binding it came over.
    pub binding: Binding,
    /// `RelayState`.
    pub relay_state: Option<String>,
}

impl LogoutResponse {
    /// Verifies with the SP's registered certificates, then parses.
    pub fn accept(
        inbound: InboundMessage,
        sp_certs: &[Certificate],
        policy: &MessagePolicy,
        now: OffsetDateTime,
    ) -> Result<Self> {
        let verified = inbound.verify(sp_certs, &policy.signature)?;
        Self::from_verified(&verified, policy, now)
    }

    /// Parses a verified message.
    pub fn from_verified(
        msg: &VerifiedMessage,
        policy: &MessagePolicy,
        now: OffsetDateTime,
    ) -> Result<Self> {
        let doc = xml::parse(&msg.xml)?;
        let root = doc.root_element();
        let h = message::header(
            root,
            "LogoutResponse",
            "{urn:oasis:names:tc:SAML:2.0:protocol}LogoutResponse",
            msg.signed,
            policy,
            now,
        )?;
        Ok(Self {
            id: h.id,
            issue_instant: h.issue_instant,
            issuer: h.issuer.ok_or(SamlError::MissingElement("Issuer"))?,
            destination: h.destination,
            in_response_to: root.attribute("InResponseTo").map(str::to_owned),
            status: status(root)?,
            signed: msg.signed,
            binding: msg.binding,
            relay_state: msg.relay_state.clone(),
        })
    }
}
