//! Who is provisioning: the SCIM client (an API key with the `scim` scope) a
//! request comes from, the tenant it acts on, and the URLs its resources are
//! published under (RFC 7644 §3.1 `meta.location`).

use serde_json::{json, Value};

use crate::core::api_key::ApiKey;
use crate::core::event::Actor;
use crate::core::tenant::Tenant;
use crate::service::provisioning::Provisioner;

/// The provisioning client behind one SCIM request.
#[derive(Debug, Clone)]
pub struct ScimClient {
    pub tenant: Tenant,
    pub key: ApiKey,
    /// The tenant's SCIM base URL, without a trailing slash.
    pub base_url: String,
    source: String,
}

/// Where resources are published and whose `externalId`s they show: what
/// rendering a resource needs to know about the reader.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    pub base_url: &'a str,
    /// The externalId namespace shown; `None` shows none (a user reading
    /// itself through `/Me`).
    pub source: Option<&'a str>,
}

impl Reader<'_> {
    pub fn location(&self, endpoint: &str, id: &str) -> String {
        format!("{}/{endpoint}/{id}", self.base_url)
    }
}

impl ScimClient {
    pub fn new(tenant: Tenant, key: ApiKey, base_url: String) -> Self {
        let source = format!("scim:{}", key.id);
        Self {
            tenant,
            key,
            base_url,
            source,
        }
    }

    /// The namespace of this client's `externalId`s: two provisioning clients
    /// may give the same user different external ids (RFC 7643 §3.1 says the
    /// identifier is the client's own).
    pub fn source(&self) -> String {
        self.source.clone()
    }

    pub fn reader(&self) -> Reader<'_> {
        Reader {
            base_url: &self.base_url,
            source: Some(&self.source),
        }
    }

    pub fn actor(&self) -> Actor {
        Actor::ApiKey(self.key.id)
    }

    /// What every audit event of a SCIM change carries about its client.
    pub fn event_details(&self) -> Value {
        json!({ "via": "scim", "client": self.key.name, "api_key_id": self.key.id.to_string() })
    }

    /// The provisioner the hub records on this client's changes.
    pub fn provisioner(&self) -> Provisioner {
        Provisioner {
            actor: self.actor(),
            details: self.event_details(),
        }
    }

    pub fn location(&self, endpoint: &str, id: &str) -> String {
        self.reader().location(endpoint, id)
    }
}
