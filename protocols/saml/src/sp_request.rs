//! The `<samlp:AuthnRequest>` USSO sends as a service provider to an
//! upstream IdP (saml-core-2.0-os §3.4.1; saml-profiles-2.0-os §4.1.4.1):
//! Issuer = USSO's SP entityID, the Response asked for over HTTP-POST at the
//! ACS URL, an optional `<samlp:NameIDPolicy>` (§3.4.1.1), `ForceAuthn` and
//! `IsPassive`.
//!
//! For the HTTP-POST binding the request carries an enveloped RSA-SHA256
//! signature (§5); for HTTP-Redirect it goes unsigned into
//! [`crate::binding::redirect_query`], which signs the query. The ID and the
//! instant are inputs.

use crate::error::Result;
use crate::keys::SigningKey;
use crate::metadata::absolute_url;
use crate::names::{Binding, NameIdFormat};
use crate::signature::{sign_enveloped, template};
use crate::xml::{self, escape, format_time, NS_ASSERTION, NS_PROTOCOL};
use time::OffsetDateTime;

/// An AuthnRequest to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuthnRequest {
    /// `ID` (from the caller's RNG, see [`crate::new_id`]): keep it to check
    /// the Response's `InResponseTo`.
    pub id: String,
    /// `IssueInstant`.
    pub issue_instant: OffsetDateTime,
    /// `Destination`: the IdP's SingleSignOnService URL.
    pub destination: String,
    /// `Issuer`: USSO's SP entityID.
    pub issuer: String,
    /// `AssertionConsumerServiceURL`.
    pub acs_url: String,
    /// The `Format` of `<samlp:NameIDPolicy>` (`None`: no format asked).
    pub name_id_format: Option<NameIdFormat>,
    /// `ForceAuthn`: the IdP must authenticate the user afresh.
    pub force_authn: bool,
    /// `IsPassive`: the IdP must not interact with the user.
    pub is_passive: bool,
}

/// Builds the AuthnRequest XML (no XML declaration), with an enveloped
/// signature when `key` is given (HTTP-POST binding). For HTTP-Redirect,
/// pass `None` here and the key to [`crate::binding::redirect_query`].
pub fn build_authn_request(r: &NewAuthnRequest, key: Option<&SigningKey>) -> Result<String> {
    xml::check_id(&r.id, "AuthnRequest ID")?;
    absolute_url(&r.destination, "Destination")?;
    absolute_url(&r.acs_url, "AssertionConsumerServiceURL")?;
    let mut x = format!(
        concat!(
            "<samlp:AuthnRequest xmlns:samlp=\"{}\" xmlns:saml=\"{}\" ID=\"{}\" Version=\"2.0\" ",
            "IssueInstant=\"{}\" Destination=\"{}\" ProtocolBinding=\"{}\" ",
            "AssertionConsumerServiceURL=\"{}\""
        ),
        NS_PROTOCOL,
        NS_ASSERTION,
        escape(&r.id),
        format_time(r.issue_instant),
        escape(&r.destination),
        Binding::HttpPost.as_uri(),
        escape(&r.acs_url),
    );
    if r.force_authn {
        x.push_str(" ForceAuthn=\"true\"");
    }
    if r.is_passive {
        x.push_str(" IsPassive=\"true\"");
    }
    x.push('>');
    xml::issuer_element(&mut x, &r.issuer);
    if let Some(k) = key {
        x.push_str(&template(&r.id, k.certificate()));
    }
    x.push_str("<samlp:NameIDPolicy");
    if let Some(f) = r.name_id_format {
        x.push_str(&format!(" Format=\"{}\"", f.as_uri()));
    }
    x.push_str(" AllowCreate=\"true\"/></samlp:AuthnRequest>");
    match key {
        Some(k) => sign_enveloped(&x, k),
        None => Ok(x),
    }
}
