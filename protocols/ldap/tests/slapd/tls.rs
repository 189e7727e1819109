//! TLS to the directory (RFC 4513 §3): `ldaps://` and StartTLS against a
//! slapd serving a certificate from a throwaway CA. Trusting that CA (the
//! source's `--ca-file`) lets the service account read and users sign in;
//! the system roots, or another CA, are refused before any password is sent.

use usso_ldap::{authenticate, connect, Error};

use crate::harness::{person, Slapd};
use crate::{full_sync, users};

#[tokio::test]
async fn ldaps_with_the_directory_ca_reads_and_checks_passwords() {
    let slapd = Slapd::start_with_tls();
    slapd.modify(&(person("jo") + &person("al")));
    let mut source = slapd.source();
    source.url = slapd.ldaps_url();
    source.ca_pem = Some(slapd.ca_pem());

    let mut dir = connect(&source).await.unwrap();
    assert_eq!(dir.count().await.unwrap(), (2, 0));
    let (entries, _) = full_sync(&mut dir).await;
    let mut names: Vec<&str> = users(&entries)
        .iter()
        .map(|u| u.username.as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["al", "jo"]);

    assert!(authenticate(&source, "jo", "pw-jo")
        .await
        .unwrap()
        .is_some());
    assert_eq!(authenticate(&source, "jo", "pw-al").await.unwrap(), None);
}

#[tokio::test]
async fn start_tls_with_the_directory_ca_reads_and_checks_passwords() {
    let slapd = Slapd::start_with_tls();
    slapd.modify(&person("jo"));
    let mut source = slapd.source();
    source.start_tls = true;
    source.ca_pem = Some(slapd.ca_pem());

    let mut dir = connect(&source).await.unwrap();
    assert_eq!(dir.count().await.unwrap(), (1, 0));
    assert!(authenticate(&source, "jo", "pw-jo")
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn a_certificate_from_an_untrusted_ca_is_refused() {
    let slapd = Slapd::start_with_tls();
    let other = Slapd::start_with_tls();
    for start_tls in [false, true] {
        let mut source = slapd.source();
        if start_tls {
            source.start_tls = true;
        } else {
            source.url = slapd.ldaps_url();
        }
        // The system roots do not know the throwaway CA.
        source.ca_pem = None;
        let err = connect(&source).await.unwrap_err();
        assert!(matches!(err, Error::Tls { .. }), "{start_tls}: {err}");
        let err = authenticate(&source, "jo", "pw-jo").await.unwrap_err();
        assert!(matches!(err, Error::Tls { .. }), "{start_tls}: {err}");
        // Another directory's CA neither.
        source.ca_pem = Some(other.ca_pem());
        let err = connect(&source).await.unwrap_err();
        assert!(matches!(err, Error::Tls { .. }), "{start_tls}: {err}");
    }
}

#[tokio::test]
async fn a_ca_file_without_a_certificate_is_a_configuration_error() {
    let slapd = Slapd::start_with_tls();
    let mut source = slapd.source();
    source.url = slapd.ldaps_url();
    source.ca_pem = Some("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".into());
    let err = connect(&source).await.unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
}
