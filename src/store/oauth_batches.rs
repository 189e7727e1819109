//! The group commits of the OAuth hot paths ([`super::group_commit`]):
//! client credentials grant rows, inserted by one multi-row `INSERT` (a
//! statement is atomic by itself: no `BEGIN` and `COMMIT` round trips); and
//! code redemptions and refresh rotations, each its own conditional
//! `UPDATE` (so that two uses of one code or token cannot both win, in one
//! batch or across batches) followed, when it won, by the insert of the new
//! refresh token — many of them in one transaction.

use std::future::Future;
use std::pin::Pin;

use time::OffsetDateTime;

use super::group_commit::GroupCommit;
use super::{oauth_grants, Store, StoreError};
use crate::core::oauth_grant::{Grant, RefreshToken};
use crate::core::TenantId;

type Written<'a, R> = Pin<Box<dyn Future<Output = Result<Vec<R>, StoreError>> + Send + 'a>>;

/// Client credentials grant rows waiting for their group commit.
pub type GrantRows = GroupCommit<Grant, ()>;

impl Default for GroupCommit<Grant, ()> {
    fn default() -> Self {
        Self::new(write_grant_rows)
    }
}

fn write_grant_rows<'a>(store: &'a Store, grants: &'a [Grant]) -> Written<'a, ()> {
    Box::pin(async move {
        let mut writer = store.writer().await?;
        oauth_grants::insert_grants(&mut writer, grants).await?;
        Ok(vec![(); grants.len()])
    })
}

/// What is consumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redeemed {
    Code,
    RefreshToken,
}

/// A code redemption or refresh rotation: consumes the code or refresh
/// token whose keyed hash is `hash` if it is still unused, then stores
/// `new_refresh` (its keyed hash and row); the outcome is whether it won.
#[derive(Debug, Clone)]
pub struct Redemption {
    pub tenant: TenantId,
    pub kind: Redeemed,
    pub hash: String,
    pub at: OffsetDateTime,
    pub new_refresh: Option<(String, RefreshToken)>,
}

/// Redemptions waiting for their group commit.
pub type Redemptions = GroupCommit<Redemption, bool>;

impl Default for GroupCommit<Redemption, bool> {
    fn default() -> Self {
        Self::new(write_redemptions)
    }
}

fn write_redemptions<'a>(store: &'a Store, batch: &'a [Redemption]) -> Written<'a, bool> {
    Box::pin(async move {
        let mut tx = store.begin().await?;
        let mut outcomes = Vec::with_capacity(batch.len());
        for r in batch {
            let won = match r.kind {
                Redeemed::Code => oauth_grants::use_code(&mut tx, r.tenant, &r.hash, r.at).await?,
                Redeemed::RefreshToken => {
                    oauth_grants::use_refresh(&mut tx, r.tenant, &r.hash, r.at).await?
                }
            };
            if won {
                if let Some((hash, row)) = &r.new_refresh {
                    oauth_grants::insert_refresh(&mut tx, hash, row).await?;
                }
            }
            outcomes.push(won);
        }
        tx.commit().await.map_err(StoreError::Database)?;
        Ok(outcomes)
    })
}
