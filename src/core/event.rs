//! Audit events: one per mutation or authentication, written in the same
//! transaction as the change it records (ARCHITECTURE.md rule 9).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{ApiKeyId, EventId, TenantId, UserId};

/// Who caused an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Actor {
    /// The hub itself (bootstrap, jobs).
    System,
    /// An operator at the command line.
    Cli,
    ApiKey(ApiKeyId),
    User(UserId),
    /// Someone not (yet) known: a failed login.
    Anonymous,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Success,
    Failure,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub id: EventId,
    pub tenant_id: TenantId,
    pub at: OffsetDateTime,
    pub actor: Actor,
    /// Dotted name, e.g. `user.created`, `login.failed`.
    pub action: String,
    /// `user`, `group`, … and its id, when the event is about one record.
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub outcome: Outcome,
    pub ip: Option<String>,
    /// Free-form detail; never a secret.
    pub details: serde_json::Value,
}

impl AuditEvent {
    pub fn new(tenant_id: TenantId, at: OffsetDateTime, actor: Actor, action: &str) -> Self {
        Self {
            id: EventId::new(at),
            tenant_id,
            at,
            actor,
            action: action.to_owned(),
            target_type: None,
            target_id: None,
            outcome: Outcome::Success,
            ip: None,
            details: serde_json::Value::Null,
        }
    }

    pub fn target(mut self, kind: &str, id: impl ToString) -> Self {
        self.target_type = Some(kind.to_owned());
        self.target_id = Some(id.to_string());
        self
    }

    pub fn failed(mut self) -> Self {
        self.outcome = Outcome::Failure;
        self
    }

    pub fn ip(mut self, ip: Option<String>) -> Self {
        self.ip = ip;
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}
