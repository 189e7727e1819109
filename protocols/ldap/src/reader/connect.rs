//! Opening a connection (RFC 4511 §5.2 over TCP, TLS for `ldaps://`,
//! StartTLS per §4.14) and the simple bind (§4.2), with each way of failing
//! mapped to its own error: unreachable, TLS, invalid credentials.

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError};

use crate::config::SourceConfig;
use crate::error::{operation_error, Error, Result};
use crate::result::ResultCode;

use super::tls;

/// Connects (and negotiates TLS), without binding. ldap3's connection
/// driver runs as a task; the connection closes when the last handle drops.
pub(crate) async fn open(config: &SourceConfig) -> Result<Ldap> {
    let mut settings = LdapConnSettings::new()
        .set_conn_timeout(config.timeout)
        .set_starttls(config.start_tls);
    if let Some(pem) = &config.ca_pem {
        settings = settings.set_config(tls::client_config(pem)?);
    }
    let url = &config.url;
    let tls_used = config.start_tls || url.to_ascii_lowercase().starts_with("ldaps://");
    let (conn, ldap) = LdapConnAsync::with_settings(settings, url)
        .await
        .map_err(|e| connect_error(url, tls_used, e))?;
    tokio::spawn(async move {
        // The error, if any, reaches the caller through its next operation.
        let _ = conn.drive().await;
    });
    Ok(ldap)
}

/// A simple bind; `Ok(false)` when the server answers invalidCredentials.
pub(crate) async fn simple_bind(
    ldap: &mut Ldap,
    config: &SourceConfig,
    dn: &str,
    password: &str,
) -> Result<bool> {
    let res = ldap
        .with_timeout(config.timeout)
        .simple_bind(dn, password)
        .await
        .map_err(crate::error::from_ldap3)?;
    match res.rc {
        0 => Ok(true),
        rc if rc == ResultCode::InvalidCredentials.code() => Ok(false),
        rc => Err(operation_error("bind", rc, res.text)),
    }
}

/// Connects and binds as the service account (anonymously if its DN is
/// empty).
pub(crate) async fn open_bound(config: &SourceConfig) -> Result<Ldap> {
    let mut ldap = open(config).await?;
    if !config.bind_dn.is_empty() {
        let dn = config.bind_dn.clone();
        if !simple_bind(&mut ldap, config, &dn, config.bind_password.expose()).await? {
            return Err(Error::InvalidCredentials);
        }
    }
    Ok(ldap)
}

fn connect_error(url: &str, tls_used: bool, err: LdapError) -> Error {
    let unreachable = |reason: String| Error::Unreachable {
        url: url.to_owned(),
        reason,
    };
    let tls = |reason: String| Error::Tls {
        url: url.to_owned(),
        reason,
    };
    match err {
        LdapError::Io { source } => {
            let is_tls = source
                .get_ref()
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some());
            if is_tls || (tls_used && source.kind() == std::io::ErrorKind::InvalidData) {
                tls(source.to_string())
            } else {
                unreachable(source.to_string())
            }
        }
        LdapError::Timeout { .. } => unreachable("timed out while connecting".into()),
        LdapError::Rustls { source } => tls(source.to_string()),
        LdapError::DNSName { source } => tls(source.to_string()),
        LdapError::LdapResult { result } if tls_used => tls(format!(
            "StartTLS refused: resultCode {} {}",
            result.rc, result.text
        )),
        LdapError::UrlParsing { source } => Error::Config(format!("URL: {source}")),
        LdapError::UnknownScheme(s) => Error::Config(format!("unknown URL scheme {s}")),
        other => Error::Connection(other.to_string()),
    }
}
