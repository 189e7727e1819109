//! Group commit: the writes of concurrent requests applied together in one
//! atomic write (one statement, or one transaction), each request answered
//! only once it committed — as durable as one write each, none lost on a
//! crash, but one commit (and, on SQLite, one turn of the single writer and
//! its connection's thread) for a whole batch. Used for client credentials
//! grant rows and for code redemptions and refresh rotations
//! ([`super::oauth_batches`]).
//!
//! The first request to find the queue empty spawns a flush; the flush
//! waits for the previous one to finish, then takes everything queued by
//! then, in arrival order. Requests arriving meanwhile join the queue for
//! the next flush. The write runs in its own task, so a request whose client
//! hung up cannot leave the others unanswered. If a batch fails, its items
//! are retried one by one, so that each request gets its own outcome.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use super::{Store, StoreError};

/// Most items in one write.
const MAX_ITEMS: usize = 256;

/// Writes a batch atomically (all of it committed, or none); one outcome per
/// item, in order.
pub type WriteFn<T, R> =
    for<'a> fn(
        &'a Store,
        &'a [T],
    ) -> Pin<Box<dyn Future<Output = Result<Vec<R>, StoreError>> + Send + 'a>>;

/// A queued item and where its outcome goes.
type Waiting<T, R> = (T, oneshot::Sender<Result<R, StoreError>>);

/// The queue of one kind of write waiting for the next group commit.
pub struct GroupCommit<T, R> {
    queue: Mutex<Vec<Waiting<T, R>>>,
    /// Held by the flush that is writing: one at a time.
    turn: tokio::sync::Mutex<()>,
    write: WriteFn<T, R>,
}

impl<T, R> std::fmt::Debug for GroupCommit<T, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

fn gone() -> StoreError {
    StoreError::Corrupt("the group commit writer stopped".into())
}

impl<T: Send + Sync + 'static, R: Send + 'static> GroupCommit<T, R> {
    pub fn new(write: WriteFn<T, R>) -> Self {
        Self {
            queue: Mutex::new(Vec::new()),
            turn: tokio::sync::Mutex::new(()),
            write,
        }
    }

    /// Writes `item` with the next batch; returns its outcome once the
    /// batch committed.
    pub async fn submit(self: &Arc<Self>, store: &Store, item: T) -> Result<R, StoreError> {
        let (answer, outcome) = oneshot::channel();
        let first = {
            let mut queue = self.queue.lock().map_err(|_| gone())?;
            queue.push((item, answer));
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
        // Let the requests already running reach the queue first: one flush
        // for them all instead of one more round trip to the writer each
        // (halved the writer's wake-ups under load; no timer, no wait when
        // nothing else is runnable).
        tokio::task::yield_now().await;
        let mut waiting = match self.queue.lock() {
            Ok(mut queue) => std::mem::take(&mut *queue),
            Err(_) => return,
        };
        while !waiting.is_empty() {
            let rest = waiting.split_off(waiting.len().min(MAX_ITEMS));
            let (items, answers): (Vec<T>, Vec<_>) = waiting.into_iter().unzip();
            match (self.write)(store, &items).await {
                Ok(outcomes) if outcomes.len() == items.len() => {
                    for (answer, outcome) in answers.into_iter().zip(outcomes) {
                        let _ = answer.send(Ok(outcome));
                    }
                }
                _ => {
                    for (item, answer) in items.iter().zip(answers) {
                        let outcome = (self.write)(store, std::slice::from_ref(item))
                            .await
                            .and_then(|mut one| one.pop().ok_or_else(gone));
                        let _ = answer.send(outcome);
                    }
                }
            }
            waiting = rest;
        }
    }
}
