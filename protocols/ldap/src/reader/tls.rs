//! TLS client settings for `ldaps://` and StartTLS (RFC 4513 §3): when the
//! source gives its own CA (PEM), only that CA is trusted; otherwise the
//! system roots are (ldap3's default).

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

use crate::error::{Error, Result};

/// The certificates of a PEM bundle as a root store; an error if there is
/// none or one does not parse.
pub(crate) fn roots_from_pem(pem: &str) -> Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        let cert = cert.map_err(|e| Error::Config(format!("CA PEM: {e}")))?;
        store
            .add(cert)
            .map_err(|e| Error::Config(format!("CA certificate: {e}")))?;
    }
    if store.is_empty() {
        return Err(Error::Config("CA PEM holds no certificate".into()));
    }
    Ok(store)
}

/// A client configuration trusting only the CAs of `pem`, with ring as the
/// crypto provider.
pub(crate) fn client_config(pem: &str) -> Result<Arc<ClientConfig>> {
    let roots = roots_from_pem(pem)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
