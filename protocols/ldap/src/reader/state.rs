//! Resume points: what a full sync records before reading, and which
//! searches an incremental sync runs from a stored [`SyncState`]:
//! RFC 4533 cookies, Active Directory `highestCommittedUSN` (per domain
//! controller, MS-ADTS §3.1.1.3.2.1) and tombstones, DirSync cookies, or
//! `modifyTimestamp` (RFC 4512 §3.4) high-water marks.

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use crate::controls::{dirsync, sync};
use crate::entry::Message;
use crate::error::{Error, Result};
use crate::filter;
use crate::mapping::Strategy;
use crate::model::{from_hex, to_hex, SyncState};

use super::cursor::Role;
use super::search::{Paging, Search};
use super::{root_dse, Directory};

/// How far before `now` a modifyTimestamp mark is set, to absorb clock skew
/// between the caller and the directory and changes made during a read.
/// Changes in the window are seen twice; applying them is idempotent.
pub const TIMESTAMP_OVERLAP: Duration = Duration::minutes(5);

/// A filter no entry matches, for reading a resume point without entries.
const NOTHING: &str = "(!(objectClass=*))";

const GENERALIZED: &[FormatItem<'static>] =
    format_description!("[year][month][day][hour][minute][second]Z");

/// The state a full sync starting now resumes from.
pub(crate) async fn resume_point(dir: &Directory, now: OffsetDateTime) -> Result<SyncState> {
    match dir.config.mapping.incremental {
        Strategy::Syncrepl => {
            let mut search = dir
                .search(
                    dir.config.base_dn.to_string(),
                    NOTHING.into(),
                    vec!["1.1".into()],
                )
                .control(sync::request(None));
            let mut cookie = None;
            while let Some(message) = search.next().await? {
                if let Message::Intermediate { value: Some(v), .. } = message {
                    if let Ok(sync::Info::NewCookie(c)) = sync::decode_info(&v) {
                        cookie = Some(c);
                    }
                }
            }
            let done = search
                .result_controls()
                .iter()
                .find(|c| c.ctype == sync::DONE_OID)
                .and_then(|c| sync::decode_done(c.val.as_deref().unwrap_or_default()).ok());
            let cookie = done
                .and_then(|d| d.cookie)
                .or(cookie)
                .ok_or(Error::Malformed("the RFC 4533 search returned no cookie"))?;
            Ok(SyncState::Syncrepl {
                cookie: to_hex(&cookie),
            })
        }
        Strategy::UsnChanged => {
            let (server, highest_usn, _) = usn_mark(dir).await?;
            Ok(SyncState::UsnChanged {
                server,
                highest_usn,
            })
        }
        Strategy::Dirsync => {
            let (_, _, naming_context) = usn_mark(dir).await?;
            let mut search = dir
                .search(naming_context, NOTHING.into(), vec!["1.1".into()])
                .paging(Paging::DirSync);
            while search.next().await?.is_some() {}
            Ok(SyncState::Dirsync {
                cookie: to_hex(search.last_cookie()),
            })
        }
        Strategy::ModifyTimestamp => Ok(SyncState::ModifyTimestamp {
            since: generalized_time(now - TIMESTAMP_OVERLAP)?,
        }),
    }
}

/// The searches of an incremental sync from `state`, and the state it ends
/// with (cookies are updated as the server sends them).
pub(crate) async fn incremental_plan(
    dir: &Directory,
    state: &SyncState,
    now: OffsetDateTime,
) -> Result<(Vec<(Role, Search)>, SyncState)> {
    let config = &dir.config;
    let strategy = config.mapping.incremental;
    let scope = filter::or(&[config.user_filter(), config.group_filter()]);
    let attrs = config.mapping.all_attributes();
    let base = config.base_dn.to_string();
    match (strategy, state) {
        (Strategy::Syncrepl, SyncState::Syncrepl { cookie }) => {
            let bytes = from_hex(cookie)
                .ok_or_else(|| Error::StateMismatch("the cookie is not hex".into()))?;
            let search = dir
                .search(base, scope, attrs)
                .control(sync::request(Some(bytes)));
            Ok((vec![(Role::Sync, search)], state.clone()))
        }
        (
            Strategy::UsnChanged,
            SyncState::UsnChanged {
                server,
                highest_usn,
            },
        ) => {
            let (current, next_usn, naming_context) = usn_mark(dir).await?;
            if &current != server {
                return Err(Error::StateMismatch(format!(
                    "uSNChanged marks are per domain controller: stored for {server}, \
                     connected to {current}"
                )));
            }
            let after = format!("(uSNChanged>={})", highest_usn.saturating_add(1));
            let live = dir
                .search(base, filter::and(&[&scope, &after]), attrs)
                .paging(Paging::Paged(config.page_size));
            let deleted_filter = filter::and(&["(isDeleted=TRUE)", &after]);
            let tombstones = dir
                .search(
                    naming_context,
                    deleted_filter,
                    vec![
                        config.mapping.stable_id.attribute.clone(),
                        "isDeleted".into(),
                        "objectClass".into(),
                    ],
                )
                .paging(Paging::Paged(config.page_size))
                .control(dirsync::show_deleted());
            let next = SyncState::UsnChanged {
                server: current,
                highest_usn: next_usn,
            };
            Ok((
                vec![(Role::Live, live), (Role::Tombstones, tombstones)],
                next,
            ))
        }
        (Strategy::Dirsync, SyncState::Dirsync { cookie }) => {
            let bytes = from_hex(cookie)
                .ok_or_else(|| Error::StateMismatch("the cookie is not hex".into()))?;
            let (_, _, naming_context) = usn_mark(dir).await?;
            let mut attrs = attrs;
            attrs.push("isDeleted".into());
            let search = dir
                .search(naming_context, scope, attrs)
                .paging(Paging::DirSync)
                .cookie(bytes);
            Ok((vec![(Role::DirSync, search)], state.clone()))
        }
        (Strategy::ModifyTimestamp, SyncState::ModifyTimestamp { since }) => {
            if !is_generalized_time(since) {
                return Err(Error::StateMismatch(format!(
                    "{since:?} is not GeneralizedTime"
                )));
            }
            let after = format!("(modifyTimestamp>={since})");
            let live = dir
                .search(base, filter::and(&[&scope, &after]), attrs)
                .paging(Paging::Paged(config.page_size));
            let next = SyncState::ModifyTimestamp {
                since: generalized_time(now - TIMESTAMP_OVERLAP)?,
            };
            Ok((vec![(Role::Live, live)], next))
        }
        (strategy, state) => Err(Error::StateMismatch(format!(
            "the source uses {strategy:?}, the stored state is {state:?}"
        ))),
    }
}

/// `dsServiceName`, `highestCommittedUSN` and `defaultNamingContext` of the
/// Active Directory domain controller.
async fn usn_mark(dir: &Directory) -> Result<(String, u64, String)> {
    let root = root_dse(
        dir,
        &[
            "dsServiceName",
            "highestCommittedUSN",
            "defaultNamingContext",
        ],
    )
    .await?;
    let server = root
        .text("dsServiceName")
        .ok_or(Error::Malformed("root DSE without dsServiceName (not AD?)"))?;
    let usn = root
        .text("highestCommittedUSN")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or(Error::Malformed("root DSE without highestCommittedUSN"))?;
    let naming_context = root
        .text("defaultNamingContext")
        .unwrap_or_else(|| dir.config.base_dn.to_string());
    Ok((server, usn, naming_context))
}

/// GeneralizedTime (RFC 4517 §3.3.13) in UTC, whole seconds.
pub(crate) fn generalized_time(at: OffsetDateTime) -> Result<String> {
    at.to_offset(time::UtcOffset::UTC)
        .format(GENERALIZED)
        .map_err(|e| Error::Config(format!("time: {e}")))
}

fn is_generalized_time(text: &str) -> bool {
    PrimitiveDateTime::parse(text, GENERALIZED).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn generalized_time_is_utc_seconds() {
        let t = datetime!(2025-03-04 05:06:07.89 +02:00);
        assert_eq!(generalized_time(t).unwrap(), "20250304030607Z");
        assert!(is_generalized_time("20250304030607Z"));
        assert!(!is_generalized_time("2025-03-04"));
        assert!(!is_generalized_time("20250304030607Z)(uid=*"));
    }
}
