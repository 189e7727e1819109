//! Password checks against the directory, never stored: search the user by
//! the mapped username attributes with the value escaped (RFC 4515 §3), then
//! a simple bind as the found DN on a fresh connection (RFC 4513 §5.1.3).
//! An empty password is refused before any bind: RFC 4513 §5.1.2 makes
//! "DN, no password" an unauthenticated bind that many servers accept.

use ldap3::Scope;

use crate::config::SourceConfig;
use crate::entry::Message;
use crate::error::{Error, Result};
use crate::filter;
use crate::mapping::map_entry;
use crate::model::{DirectoryEntry, DirectoryUser};

use super::search::Search;
use super::{connect, Directory};

/// Longest username looked up, in bytes.
pub const MAX_USERNAME_LEN: usize = 256;

/// Connects as the service account and checks `username` / `password`:
/// `Ok(Some(user))` when the directory accepts the password, `Ok(None)` for
/// an unknown user, a wrong or empty password. Configuration, connection
/// and service-bind failures are errors.
pub async fn authenticate(
    config: &SourceConfig,
    username: &str,
    password: &str,
) -> Result<Option<DirectoryUser>> {
    config.validate()?;
    if !acceptable(username, password) {
        return Ok(None);
    }
    let dir = super::connect(config).await?;
    check(&dir, username, password).await
}

pub(super) async fn check(
    dir: &Directory,
    username: &str,
    password: &str,
) -> Result<Option<DirectoryUser>> {
    if !acceptable(username, password) {
        return Ok(None);
    }
    let config = &dir.config;
    let Some((dn, user)) = find_user(dir, username).await? else {
        return Ok(None);
    };
    let mut ldap = connect::open(config).await?;
    let accepted = connect::simple_bind(&mut ldap, config, &dn, password).await?;
    let _ = ldap.unbind().await;
    Ok(accepted.then_some(user))
}

fn acceptable(username: &str, password: &str) -> bool {
    !password.is_empty() && !username.is_empty() && username.len() <= MAX_USERNAME_LEN
}

/// The one user whose username attribute equals `username`; its DN as the
/// server wrote it, and the mapped user.
async fn find_user(dir: &Directory, username: &str) -> Result<Option<(String, DirectoryUser)>> {
    let config: &SourceConfig = &dir.config;
    let by_name: Vec<String> = config
        .mapping
        .username
        .iter()
        .map(|attr| filter::equals(attr, username))
        .collect();
    let by_name_refs: Vec<&str> = by_name.iter().map(String::as_str).collect();
    let any_name = filter::or(&by_name_refs);
    let filter = filter::and(&[config.user_filter(), &any_name]);
    let mut search = Search::new(
        &dir.ldap,
        config.users_base().to_string(),
        Scope::Subtree,
        filter,
        config.mapping.user_attributes(),
        config.timeout,
    );
    let mut found = Vec::new();
    while let Some(message) = search.next().await? {
        if let Message::Entry(entry) = message {
            found.push(entry);
            if found.len() > 1 {
                return Err(Error::AmbiguousUser { count: found.len() });
            }
        }
    }
    let Some(entry) = found.pop() else {
        return Ok(None);
    };
    match map_entry(&config.mapping, &entry) {
        DirectoryEntry::User(user) => Ok(Some((entry.dn, user))),
        _ => Ok(None),
    }
}
