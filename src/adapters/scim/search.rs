//! Listing and searching Users and Groups (RFC 7644 §3.4.2, §3.4.3).

use usso_scim::message::{ListQuery, ListResponse};
use usso_scim::ScimError;

use super::context::ScimClient;
use super::Kind;
use crate::service::Hub;

pub async fn search(
    _hub: &Hub,
    _client: &ScimClient,
    _kind: Option<Kind>,
    _query: &ListQuery,
) -> Result<ListResponse, ScimError> {
    Err(ScimError::not_implemented())
}
