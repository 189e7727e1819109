//! Cross-checks with the `xmlsec1` command-line tool (Debian's xmlsec1),
//! an implementation independent of samael's bindings. Skipped, with a
//! printed note, when the tool is not installed.

use super::response::login;
use super::*;
use crate::encrypt::{DataEncryption, Encryption};
use crate::response::{build_response, ResponseOptions};
use std::path::PathBuf;
use std::process::Command;

fn xmlsec1() -> bool {
    let ok = Command::new("xmlsec1")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!(
            "note: xmlsec1 not installed (apt-get install -y xmlsec1): external check skipped"
        );
    }
    ok
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("usso-saml-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn verify(dir: &std::path::Path, xml: &str, id_attr: &str) -> std::process::Output {
    std::fs::write(dir.join("msg.xml"), xml).unwrap();
    std::fs::write(dir.join("idp.crt"), &idp().cert_pem).unwrap();
    Command::new("xmlsec1")
        .args([
            "--verify",
            "--enabled-key-data",
            "raw-x509-cert",
            "--pubkey-cert-pem",
        ])
        .arg(dir.join("idp.crt"))
        .args(["--id-attr:ID", id_attr])
        .arg(dir.join("msg.xml"))
        .output()
        .unwrap()
}

#[test]
fn xmlsec1_verifies_response_and_assertion_signatures() {
    if !xmlsec1() {
        return;
    }
    let dir = scratch("verify");
    let opts = ResponseOptions {
        sign_response: true,
        sign_assertion: true,
        encrypt: None,
    };
    let xml = build_response(&login(now()), &idp().key, &opts).unwrap();
    let out = verify(&dir, &xml, "urn:oasis:names:tc:SAML:2.0:protocol:Response");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Assertion-only signature: xmlsec1 finds it as the first Signature.
    let opts = ResponseOptions {
        sign_response: false,
        ..opts
    };
    let xml = build_response(&login(now()), &idp().key, &opts).unwrap();
    let out = verify(
        &dir,
        &xml,
        "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A tampered value fails.
    let bad = xml.replace("ada@example.com", "eve@example.com");
    let out = verify(
        &dir,
        &bad,
        "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
    );
    assert!(!out.status.success());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn xmlsec1_decrypts_aes256_gcm_assertion() {
    if !xmlsec1() {
        return;
    }
    let dir = scratch("decrypt");
    let sp_cert = sp().cert();
    let opts = ResponseOptions {
        sign_response: true,
        sign_assertion: true,
        encrypt: Some(Encryption {
            certificate: &sp_cert,
            algorithm: DataEncryption::Aes256Gcm,
        }),
    };
    let xml = build_response(&login(now()), &idp().key, &opts).unwrap();
    std::fs::write(dir.join("msg.xml"), &xml).unwrap();
    std::fs::write(dir.join("sp.key"), &sp().key_pem).unwrap();
    let out = Command::new("xmlsec1")
        .args(["--decrypt", "--privkey-pem"])
        .arg(dir.join("sp.key"))
        .arg(dir.join("msg.xml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plain = String::from_utf8_lossy(&out.stdout);
    assert!(plain.contains("ada@example.com"), "{plain}");
    assert!(!plain.contains("EncryptedData"));
    assert!(plain.contains("<saml:Assertion"));
    std::fs::remove_dir_all(dir).ok();
}

/// Writes a fresh IdP metadata, SP key/cert and Responses (wall clock) into
/// `$USSO_SAML_DUMP_DIR` for checks by other SAML stacks (pysaml2 by hand,
/// see the crate's report). Does nothing without the variable.
#[test]
fn dump_for_external_peers() {
    let Ok(dir) = std::env::var("USSO_SAML_DUMP_DIR") else {
        return;
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let md =
        crate::metadata::IdpMetadata::standard(IDP_ENTITY, IDP_SSO, IDP_SLO, vec![idp().cert()]);
    std::fs::write(dir.join("idp-metadata.xml"), md.to_xml()).unwrap();
    std::fs::write(dir.join("idp.crt"), &idp().cert_pem).unwrap();
    std::fs::write(dir.join("sp.key"), &sp().key_pem).unwrap();
    std::fs::write(dir.join("sp.crt"), &sp().cert_pem).unwrap();
    let wall = time::OffsetDateTime::now_utc();
    let sp_cert = sp().cert();
    for (name, encrypt) in [
        ("response.xml", None),
        (
            "response-encrypted.xml",
            Some(Encryption {
                certificate: &sp_cert,
                algorithm: DataEncryption::Aes256Gcm,
            }),
        ),
    ] {
        let opts = ResponseOptions {
            sign_response: true,
            sign_assertion: true,
            encrypt,
        };
        let xml = build_response(&login(wall), &idp().key, &opts).unwrap();
        std::fs::write(dir.join(name), xml).unwrap();
    }
}
