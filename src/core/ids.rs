//! Opaque, time-ordered identifiers (UUIDv7, RFC 9562 §5.7), one type per
//! kind of record so that a user id can never be passed where a group id is
//! expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new identifier ordered by `now`.
            pub fn new(now: OffsetDateTime) -> Self {
                Self(new_v7(now))
            }

            pub fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

/// The counter that keeps ids made within one millisecond in the order they
/// were made (RFC 9562 §6.2, method 1), so that the audit log and every
/// cursor-paged listing follow causality. Process-wide by necessity, like the
/// random number generator: two contexts could hand out ids out of order.
static ID_CONTEXT: std::sync::Mutex<uuid::ContextV7> =
    std::sync::Mutex::new(uuid::ContextV7::new());

fn new_v7(now: OffsetDateTime) -> Uuid {
    let nanos = now.unix_timestamp_nanos().max(0);
    let secs = u64::try_from(nanos / 1_000_000_000).unwrap_or(0);
    let subsec = u32::try_from(nanos % 1_000_000_000).unwrap_or(0);
    Uuid::new_v7(uuid::Timestamp::from_unix(&ID_CONTEXT, secs, subsec))
}

id_type!(/// A tenant.
    TenantId);
id_type!(/// A user of a tenant.
    UserId);
id_type!(/// A group of a tenant.
    GroupId);
id_type!(/// A role of a tenant.
    RoleId);
id_type!(/// An assignment of a role to a user or a group.
    AssignmentId);
id_type!(/// A workspace (sub-organization) of a tenant.
    WorkspaceId);
id_type!(/// A login session.
    SessionId);
id_type!(/// An API key.
    ApiKeyId);
id_type!(/// An OAuth / OpenID Connect client (relying party) of a tenant; its
    /// string form is the client's public `client_id`.
    ClientId);
id_type!(/// A grant: what a user gave an OAuth client in one authorization
    /// (its code, refresh tokens and access tokens hang from it).
    GrantId);
id_type!(/// An audit event.
    EventId);
id_type!(/// A SAML service provider (application) registered with a tenant.
    SamlSpId);
id_type!(/// A SAML AuthnRequest waiting for its user to sign in.
    SamlRequestId);
id_type!(/// An upstream identity provider (SAML IdP, OIDC or OAuth provider).
    UpstreamIdpId);
id_type!(/// An LDAP or Active Directory source whose users and groups a tenant
    /// syncs.
    LdapSourceId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_creation_time() {
        let t0 = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let a = UserId::new(t0);
        let b = UserId::new(t0 + time::Duration::milliseconds(1));
        assert!(a.to_string() < b.to_string());
        assert_eq!(a.to_string().parse::<UserId>().unwrap(), a);
    }

    #[test]
    fn ids_made_in_the_same_millisecond_keep_their_order() {
        let t0 = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let ids: Vec<String> = (0..1000).map(|_| EventId::new(t0).to_string()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
    }
}
