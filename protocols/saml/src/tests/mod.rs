//! Tests of the whole engine, module by module, with keys made once per run
//! and messages written the way SPs write them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod external;
mod logout;
mod metadata;
mod requests;
mod response;
mod sp_decrypt;
mod sp_fixture;
mod sp_metadata;
mod sp_request;
mod sp_response;
mod xsw;

use crate::keys::{self_signed_certificate, Certificate, SigningKey};
use std::sync::OnceLock;
use time::macros::datetime;
use time::OffsetDateTime;

/// A key pair with its certificate, as PEM and as crate types.
pub(crate) struct Party {
    pub key_pem: String,
    pub cert_pem: String,
    pub key: SigningKey,
}

impl Party {
    fn new(cn: &str, serial: u8) -> Self {
        let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
        let pkey = openssl::pkey::PKey::from_rsa(rsa).unwrap();
        let key_pem = String::from_utf8(pkey.private_key_to_pem_pkcs8().unwrap()).unwrap();
        let cert_pem = self_signed_certificate(
            &key_pem,
            cn,
            datetime!(2020-01-01 0:00 UTC),
            datetime!(2040-01-01 0:00 UTC),
            &[serial, 0x42, 0x17],
        )
        .unwrap();
        let key = SigningKey::from_pkcs8_pem(&key_pem, &cert_pem).unwrap();
        Self {
            key_pem,
            cert_pem,
            key,
        }
    }

    pub fn cert(&self) -> Certificate {
        self.key.certificate().clone()
    }
}

pub(crate) fn idp() -> &'static Party {
    static P: OnceLock<Party> = OnceLock::new();
    P.get_or_init(|| Party::new("idp.example.test", 1))
}

pub(crate) fn sp() -> &'static Party {
    static P: OnceLock<Party> = OnceLock::new();
    P.get_or_init(|| Party::new("sp.example.test", 2))
}

pub(crate) fn attacker() -> &'static Party {
    static P: OnceLock<Party> = OnceLock::new();
    P.get_or_init(|| Party::new("sp.example.test", 3))
}

pub(crate) const IDP_ENTITY: &str = "https://idp.example.test/saml/acme";
pub(crate) const IDP_SSO: &str = "https://idp.example.test/saml/acme/sso";
pub(crate) const IDP_SLO: &str = "https://idp.example.test/saml/acme/slo";
pub(crate) const SP_ENTITY: &str = "https://sp.example.test/metadata";
pub(crate) const SP_ACS: &str = "https://sp.example.test/acs";

pub(crate) fn now() -> OffsetDateTime {
    datetime!(2025-03-04 05:06:07 UTC)
}

/// An AuthnRequest as an SP writes it; `extra` goes into the start tag.
pub(crate) fn authn_request_xml(id: &str, version: &str, instant: &str, extra: &str) -> String {
    format!(
        concat!(
            "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ",
            "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"{id}\" Version=\"{v}\" ",
            "IssueInstant=\"{t}\" Destination=\"{dest}\" AssertionConsumerServiceURL=\"{acs}\" ",
            "ProtocolBinding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\"{extra}>",
            "<saml:Issuer>{sp}</saml:Issuer>",
            "<samlp:NameIDPolicy Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent\" AllowCreate=\"true\"/>",
            "<samlp:RequestedAuthnContext Comparison=\"minimum\">",
            "<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>",
            "</samlp:RequestedAuthnContext></samlp:AuthnRequest>"
        ),
        id = id,
        v = version,
        t = instant,
        dest = IDP_SSO,
        acs = SP_ACS,
        extra = extra,
        sp = SP_ENTITY,
    )
}

/// Signs a message as an SP would for the POST binding: template after
/// the Issuer, enveloped RSA-SHA256.
pub(crate) fn sign_as(xml: &str, id: &str, party: &Party) -> String {
    let at = xml.find("</saml:Issuer>").unwrap() + "</saml:Issuer>".len();
    let with_template = format!(
        "{}{}{}",
        &xml[..at],
        crate::signature::template(id, party.key.certificate()),
        &xml[at..]
    );
    crate::signature::sign_enveloped(&with_template, &party.key).unwrap()
}
