//! A directory source's configuration and its validation, done before any
//! network call: URL scheme (RFC 4516 `ldap://`, and `ldaps://`), filters
//! (RFC 4515), TLS options, page size (RFC 2696) and the mapping.

use std::time::Duration;

use crate::dn::Dn;
use crate::error::{Error, Result};
use crate::filter;
use crate::mapping::Mapping;
use crate::secret::Secret;

/// Largest page size accepted (servers cap it lower anyway: AD 1000).
pub const MAX_PAGE_SIZE: u32 = 10_000;

/// How to reach and read one directory.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// `ldap://host[:port]` or `ldaps://host[:port]`.
    pub url: String,
    /// The service account's DN; empty for an anonymous bind.
    pub bind_dn: String,
    /// The service account's password.
    pub bind_password: Secret,
    /// Where searches start.
    pub base_dn: Dn,
    /// Where users are searched; `base_dn` if `None`.
    pub users_dn: Option<Dn>,
    /// Where groups are searched; `base_dn` if `None`.
    pub groups_dn: Option<Dn>,
    /// Which entries are users; the mapping's filter if `None`.
    pub user_filter: Option<String>,
    /// Which entries are groups; the mapping's filter if `None`.
    pub group_filter: Option<String>,
    /// Upgrade an `ldap://` connection with StartTLS (RFC 4511 §4.14).
    pub start_tls: bool,
    /// The CA to trust (PEM) instead of the system's roots.
    pub ca_pem: Option<String>,
    /// Timeout for connecting and for each operation.
    pub timeout: Duration,
    /// Entries per page (RFC 2696).
    pub page_size: u32,
    /// How entries map to users and groups.
    pub mapping: Mapping,
}

impl SourceConfig {
    /// A configuration with the defaults: no StartTLS, system CAs, 10 s
    /// timeout, pages of 500.
    pub fn new(
        url: impl Into<String>,
        bind_dn: impl Into<String>,
        bind_password: impl Into<Secret>,
        base_dn: Dn,
        mapping: Mapping,
    ) -> Self {
        Self {
            url: url.into(),
            bind_dn: bind_dn.into(),
            bind_password: bind_password.into(),
            base_dn,
            users_dn: None,
            groups_dn: None,
            user_filter: None,
            group_filter: None,
            start_tls: false,
            ca_pem: None,
            timeout: Duration::from_secs(10),
            page_size: 500,
            mapping,
        }
    }

    /// Checks everything that can be checked without the network.
    pub fn validate(&self) -> Result<()> {
        let lower = self.url.to_ascii_lowercase();
        let tls = if lower.starts_with("ldaps://") {
            true
        } else if lower.starts_with("ldap://") {
            false
        } else {
            return Err(Error::Config(format!(
                "URL {:?} must start with ldap:// or ldaps://",
                self.url
            )));
        };
        let host = lower
            .split_once("://")
            .map(|(_, rest)| rest.split(['/', '?']).next().unwrap_or_default())
            .unwrap_or_default();
        if host.is_empty() {
            return Err(Error::Config("the URL names no host".into()));
        }
        if tls && self.start_tls {
            return Err(Error::Config(
                "StartTLS is for ldap:// URLs; ldaps:// is TLS already".into(),
            ));
        }
        if self.timeout.is_zero() {
            return Err(Error::Config("timeout must be above zero".into()));
        }
        if self.page_size == 0 || self.page_size > MAX_PAGE_SIZE {
            return Err(Error::Config(format!(
                "page size must be 1 to {MAX_PAGE_SIZE}"
            )));
        }
        if !self.bind_dn.is_empty() {
            Dn::parse(&self.bind_dn).map_err(|e| Error::Config(format!("bind DN: {e}")))?;
        }
        for (which, dn) in [("users", &self.users_dn), ("groups", &self.groups_dn)] {
            if dn
                .as_ref()
                .is_some_and(|dn| !dn.is_in_subtree_of(&self.base_dn))
            {
                return Err(Error::Config(format!(
                    "the {which} DN is not under the base DN"
                )));
            }
        }
        if let Some(pem) = &self.ca_pem {
            crate::reader::tls::roots_from_pem(pem)?;
        }
        if let Some(f) = &self.user_filter {
            filter::validate("user", f)?;
        }
        if let Some(f) = &self.group_filter {
            filter::validate("group", f)?;
        }
        self.mapping.validate()
    }

    /// The user filter in force.
    pub fn user_filter(&self) -> &str {
        self.user_filter
            .as_deref()
            .unwrap_or(&self.mapping.user_filter)
    }

    /// The group filter in force.
    pub fn group_filter(&self) -> &str {
        self.group_filter
            .as_deref()
            .unwrap_or(&self.mapping.group_filter)
    }

    /// Where users are searched.
    pub fn users_base(&self) -> &Dn {
        self.users_dn.as_ref().unwrap_or(&self.base_dn)
    }

    /// Where groups are searched.
    pub fn groups_base(&self) -> &Dn {
        self.groups_dn.as_ref().unwrap_or(&self.base_dn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::Preset;

    fn config() -> SourceConfig {
        SourceConfig::new(
            "ldap://127.0.0.1:389",
            "cn=admin,dc=example,dc=com",
            "secret",
            Dn::parse("dc=example,dc=com").unwrap(),
            Mapping::preset(Preset::Openldap),
        )
    }

    #[test]
    fn defaults_validate_and_hide_the_password() {
        let c = config();
        c.validate().unwrap();
        assert!(!format!("{c:?}").contains("secret\""));
        assert!(format!("{c:?}").contains("Secret(***)"));
        assert_eq!(c.user_filter(), "(objectClass=inetOrgPerson)");
        assert_eq!(c.users_base().to_string(), "dc=example,dc=com");
    }

    #[test]
    fn refuses_bad_settings() {
        type Change = Box<dyn Fn(&mut SourceConfig)>;
        let cases: Vec<Change> = vec![
            Box::new(|c| c.url = "http://x".into()),
            Box::new(|c| c.url = "ldap://".into()),
            Box::new(|c| {
                c.url = "ldaps://x".into();
                c.start_tls = true;
            }),
            Box::new(|c| c.timeout = Duration::ZERO),
            Box::new(|c| c.page_size = 0),
            Box::new(|c| c.page_size = MAX_PAGE_SIZE + 1),
            Box::new(|c| c.bind_dn = "not a dn".into()),
            Box::new(|c| c.ca_pem = Some("not pem".into())),
            Box::new(|c| c.user_filter = Some("(uid=*".into())),
            Box::new(|c| c.group_filter = Some("objectClass=group".into())),
            Box::new(|c| c.users_dn = Some(Dn::parse("ou=people,dc=other").unwrap())),
        ];
        for (i, change) in cases.iter().enumerate() {
            let mut c = config();
            change(&mut c);
            assert!(c.validate().is_err(), "case {i}");
        }
        let mut c = config();
        c.user_filter = Some("(&(objectClass=person)(uid=*".into());
        assert!(matches!(
            c.validate(),
            Err(Error::InvalidFilter { which: "user", .. })
        ));
    }
}
