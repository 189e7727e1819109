//! SCIM 2.0 protocol engine (RFC 7643 schemas, RFC 7644 protocol): resource
//! models, filters, PATCH, list and bulk messages, errors.
//!
//! This crate knows nothing of USSO: no HTTP framework, no storage, no hub
//! types. What it needs from the outside it will ask through small traits it
//! owns. This first step holds the boundary pieces later issues build on:
//!
//! - [`error`]: the SCIM error body and `scimType` keywords (RFC 7644 §3.12);
//! - [`filter`]: the filter and PATCH path grammars (RFC 7644 §3.4.2.2,
//!   §3.5.2), their canonical text and an in-memory evaluator;
//! - [`patch`]: the PatchOp message and the engine applying it to a JSON
//!   resource through a small schema port (RFC 7644 §3.5.2);
//! - [`schema`]: the schema and message URNs (RFC 7643 §4 to §7; RFC 7644
//!   §3.4.2, §3.4.3, §3.5.2, §3.7, §3.12).

#![warn(missing_docs)]

pub mod error;
pub mod filter;
pub mod patch;
pub mod schema;

pub use error::{ScimError, ScimType};
