//! LDAP protocol engine for directory sync: distinguished names, result
//! codes, filters, attribute mapping, and the directory reader (paged,
//! incremental, password checks) on the ldap3 client.
//!
//! This crate knows nothing of USSO: no HTTP framework, no storage, no hub
//! types. The hub calls it and applies what it yields.
//!
//! - [`dn`]: distinguished names, parsed and written per RFC 4514;
//! - [`result`]: LDAP result codes (RFC 4511 §4.1.9, Appendix A);
//! - [`filter`]: RFC 4515 filter validation and escaping;
//! - [`mapping`]: presets (`metadata/ldap/*.json`) and overrides;
//! - [`config`]: a source's configuration, validated before the network;
//! - [`reader`]: connect, count, full sync (RFC 2696 pages), incremental
//!   sync (RFC 4533, AD uSNChanged / DirSync, modifyTimestamp), password
//!   checks by bind;
//! - [`ad`]: Active Directory value formats (objectGUID, objectSid,
//!   userAccountControl).

#![warn(missing_docs)]

pub mod ad;
mod ber;
pub mod config;
mod controls;
pub mod dn;
mod entry;
pub mod error;
pub mod filter;
pub mod mapping;
pub mod model;
pub mod reader;
pub mod result;
pub mod secret;

pub use config::SourceConfig;
pub use dn::{AttributeTypeAndValue, AttributeValue, Dn, DnError, Rdn};
pub use error::{Error, Result};
pub use mapping::{DisabledRule, IdFormat, Mapping, Preset, StableId, Strategy};
pub use model::{Change, DirectoryEntry, DirectoryGroup, DirectoryUser, SyncState};
pub use reader::{authenticate, connect, Directory, FullSync, Incremental};
pub use result::ResultCode;
pub use secret::Secret;
