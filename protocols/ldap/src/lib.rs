//! LDAP protocol engine for directory sync: distinguished names, result
//! codes, and later the paged / incremental directory reader and attribute
//! mapping.
//!
//! This crate knows nothing of USSO: no HTTP framework, no storage, no hub
//! types. What it needs from the outside it will ask through small traits it
//! owns. This first step holds the boundary pieces later issues build on:
//!
//! - [`dn`]: distinguished names, parsed and written per RFC 4514;
//! - [`result`]: LDAP result codes (RFC 4511 §4.1.9, Appendix A).

#![warn(missing_docs)]

pub mod dn;
pub mod result;

pub use dn::{AttributeTypeAndValue, AttributeValue, Dn, DnError, Rdn};
pub use result::ResultCode;
