//! SCIM 2.0 protocol engine (RFC 7643 schemas, RFC 7644 protocol): resource
//! models, filters, PATCH, list and bulk messages, errors.
//!
//! This crate knows nothing of USSO: no HTTP framework, no storage, no hub
//! types. What it needs from the outside it will ask through small traits it
//! owns. Its modules:
//!
//! - [`discovery`]: the ServiceProviderConfig and Schema resources (RFC 7643
//!   §5, §7; RFC 7644 §4);
//! - [`error`]: the SCIM error body and `scimType` keywords (RFC 7644 §3.12);
//! - [`filter`]: the filter and PATCH path grammars (RFC 7644 §3.4.2.2,
//!   §3.5.2), their canonical text and an in-memory evaluator;
//! - [`message`]: queries, list responses, bulk requests and responses
//!   (RFC 7644 §3.4.2, §3.4.3, §3.7; cursor paging of
//!   draft-ietf-scim-cursor-pagination);
//! - [`patch`]: the PatchOp message and the engine applying it to a JSON
//!   resource through a small schema port (RFC 7644 §3.5.2);
//! - [`resource`]: checking and canonicalizing written resources and
//!   projecting returned ones (RFC 7644 §3.3, §3.4.2.5, §3.5.1, §3.9);
//! - [`resource_type`]: the User and Group resource types and their schema
//!   definitions, read from `metadata/scim/schemas/` (RFC 7643 §3, §4, §6,
//!   §7, §8.7.1);
//! - [`schema`]: the schema and message URNs (RFC 7643 §4 to §7; RFC 7644
//!   §3.4.2, §3.4.3, §3.5.2, §3.7, §3.12).

#![warn(missing_docs)]

pub mod discovery;
pub mod error;
pub mod filter;
pub mod message;
pub mod patch;
pub mod resource;
pub mod resource_type;
pub mod schema;

pub use error::{ScimError, ScimType};
pub use resource::WriteMode;
pub use resource_type::ResourceType;
