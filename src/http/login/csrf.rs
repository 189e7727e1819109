//! CSRF protection of the login forms: a signed double-submit token. The
//! browser holds a random value in a cookie scoped to the tenant; each form
//! carries the keyed hash of that value, which only the hub can compute.

use subtle::ConstantTimeEq;

use crate::core::tenant::Tenant;
use crate::service::Hub;

/// The form token that goes with the cookie value `nonce`.
pub fn form_token(hub: &Hub, tenant: &Tenant, nonce: &str) -> String {
    hub.secrets.hash(&format!("csrf:{}:{nonce}", tenant.id))
}

/// Whether `submitted` is the form token for the cookie value `nonce`.
pub fn verify(hub: &Hub, tenant: &Tenant, nonce: Option<&str>, submitted: &str) -> bool {
    let Some(nonce) = nonce.filter(|n| !n.is_empty() && n.len() <= 128) else {
        return false;
    };
    let expected = form_token(hub, tenant, nonce);
    expected.as_bytes().ct_eq(submitted.as_bytes()).into()
}
