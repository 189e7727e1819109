//! Group commit of grant rows: the client credentials grants of concurrent
//! requests are inserted together, in one transaction and one multi-row
//! `INSERT`, and each request is answered only once its row is committed —
//! as durable as one transaction per grant, none lost on a crash, but one
//! commit (and, on SQLite, one hand-off to the connection's thread) for a
//! whole batch instead of one per grant.
//!
//! The first request to find the queue empty spawns a flush; the flush
//! waits for the previous one to finish, then takes everything queued by
//! then. Requests arriving meanwhile join the queue for the next flush. The
//! write runs in its own task, so a request whose client hung up cannot
//! leave the others unanswered. If a batch fails, its rows are retried one
//! by one, so that each request gets its own outcome.

use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use super::{oauth_grants, Store, StoreError};
use crate::core::oauth_grant::Grant;

/// Most rows in one `INSERT` (11 parameters each).
const MAX_ROWS: usize = 256;

/// A queued row and where its outcome goes.
type Waiting = (Grant, oneshot::Sender<Result<(), StoreError>>);

/// The queue of grant rows waiting for the next group commit.
#[derive(Debug, Default)]
pub struct GrantBatch {
    queue: Mutex<Vec<Waiting>>,
    /// Held by the flush that is writing: one at a time.
    turn: tokio::sync::Mutex<()>,
}

fn gone() -> StoreError {
    StoreError::Corrupt("the grant writer stopped".into())
}

impl GrantBatch {
    /// Inserts `grant` with the next batch; returns once it is committed.
    pub async fn insert(self: &Arc<Self>, store: &Store, grant: Grant) -> Result<(), StoreError> {
        let (answer, outcome) = oneshot::channel();
        let first = {
            let mut queue = self.queue.lock().map_err(|_| gone())?;
            queue.push((grant, answer));
            queue.len() == 1
        };
        if first {
            let batch = Arc::clone(self);
            let store = store.clone();
            tokio::spawn(async move { batch.flush(&store).await });
        }
        outcome.await.map_err(|_| gone())?
    }

    /// Writes everything queued, after the flush before it.
    async fn flush(&self, store: &Store) {
        let _turn = self.turn.lock().await;
        let mut waiting = match self.queue.lock() {
            Ok(mut queue) => std::mem::take(&mut *queue),
            Err(_) => return,
        };
        while !waiting.is_empty() {
            let rest = waiting.split_off(waiting.len().min(MAX_ROWS));
            let rows: Vec<Grant> = waiting.iter().map(|(g, _)| g.clone()).collect();
            match write(store, &rows).await {
                Ok(()) => {
                    for (_, answer) in waiting {
                        let _ = answer.send(Ok(()));
                    }
                }
                Err(_) => {
                    for (grant, answer) in waiting {
                        let _ = answer.send(write(store, std::slice::from_ref(&grant)).await);
                    }
                }
            }
            waiting = rest;
        }
    }
}

/// One transaction inserting `rows`.
async fn write(store: &Store, rows: &[Grant]) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    oauth_grants::insert_grants(&mut tx, rows).await?;
    tx.commit().await.map_err(StoreError::Database)
}
