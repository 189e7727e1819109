//! Each way of failing to reach or use a directory has its own error.

use std::time::Duration;

use usso_ldap::{authenticate, connect, Error, Secret};

use crate::harness::{free_port, Slapd};

#[tokio::test]
async fn wrong_service_password_is_invalid_credentials() {
    let slapd = Slapd::start();
    let mut source = slapd.source();
    source.bind_password = Secret::new("not-the-password");
    let err = connect(&source).await.unwrap_err();
    assert!(matches!(err, Error::InvalidCredentials), "{err}");
    assert_eq!(err.result_code(), Some(49));
    let err = authenticate(&source, "jo", "pw").await.unwrap_err();
    assert!(matches!(err, Error::InvalidCredentials), "{err}");
}

#[tokio::test]
async fn closed_port_is_unreachable() {
    let slapd = Slapd::start();
    let mut source = slapd.source();
    source.url = format!("ldap://127.0.0.1:{}", free_port());
    source.timeout = Duration::from_secs(3);
    let err = connect(&source).await.unwrap_err();
    assert!(matches!(err, Error::Unreachable { .. }), "{err}");
}

#[tokio::test]
async fn bad_filter_fails_before_connecting() {
    let slapd = Slapd::start();
    let mut source = slapd.source();
    // Nothing listens there: reaching the network would be Unreachable.
    source.url = format!("ldap://127.0.0.1:{}", free_port());
    source.user_filter = Some("(&(objectClass=inetOrgPerson)(uid=*)".into());
    let err = connect(&source).await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidFilter { which: "user", .. }),
        "{err}"
    );
    let err = authenticate(&source, "jo", "pw").await.unwrap_err();
    assert!(matches!(err, Error::InvalidFilter { .. }), "{err}");
}

#[tokio::test]
async fn start_tls_against_a_server_without_tls_is_a_tls_error() {
    let slapd = Slapd::start();
    let mut source = slapd.source();
    source.start_tls = true;
    let err = connect(&source).await.unwrap_err();
    assert!(matches!(err, Error::Tls { .. }), "{err}");
}
