//! The audit log: append-only; written in the transaction of the change.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::codec::{from_json, from_micros, micros, parse_id, to_json};
use super::dialect::Dialect;
use super::sql::Sql;
use super::{Page, StoreError};
use crate::core::event::{Actor, AuditEvent, Outcome};
use crate::core::TenantId;

fn actor_columns(actor: Actor) -> (&'static str, Option<String>) {
    match actor {
        Actor::System => ("system", None),
        Actor::Cli => ("cli", None),
        Actor::Anonymous => ("anonymous", None),
        Actor::ApiKey(id) => ("api_key", Some(id.to_string())),
        Actor::User(id) => ("user", Some(id.to_string())),
    }
}

fn outcome_column(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Success => "success",
        Outcome::Failure => "failure",
    }
}

fn decode_actor(kind: &str, id: Option<String>) -> Result<Actor, StoreError> {
    let id = || {
        id.clone()
            .ok_or_else(|| StoreError::Corrupt("actor without id".into()))
    };
    Ok(match kind {
        "system" => Actor::System,
        "cli" => Actor::Cli,
        "anonymous" => Actor::Anonymous,
        "api_key" => Actor::ApiKey(parse_id(&id()?)?),
        "user" => Actor::User(parse_id(&id()?)?),
        other => return Err(StoreError::Corrupt(format!("actor type {other:?}"))),
    })
}

fn decode(row: &AnyRow) -> Result<AuditEvent, StoreError> {
    let outcome: String = row.try_get("outcome")?;
    Ok(AuditEvent {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        tenant_id: parse_id(&row.try_get::<String, _>("tenant_id")?)?,
        at: from_micros(row.try_get("at")?)?,
        actor: decode_actor(
            &row.try_get::<String, _>("actor_type")?,
            row.try_get("actor_id")?,
        )?,
        action: row.try_get("action")?,
        target_type: row.try_get("target_type")?,
        target_id: row.try_get("target_id")?,
        outcome: if outcome == "success" {
            Outcome::Success
        } else {
            Outcome::Failure
        },
        ip: row.try_get("ip")?,
        details: from_json(&row.try_get::<String, _>("details")?)?,
    })
}

pub async fn append(conn: &mut AnyConnection, event: &AuditEvent) -> Result<(), StoreError> {
    append_many(conn, std::slice::from_ref(event)).await
}

/// Appends many events, 500 to a statement (a directory sync's batch).
pub async fn append_many(
    conn: &mut AnyConnection,
    events: &[AuditEvent],
) -> Result<(), StoreError> {
    for chunk in events.chunks(500) {
        let mut sql = Sql::new_in(
            Dialect::of(conn),
            "INSERT INTO audit_events (tenant_id, id, at, actor_type, actor_id, action, \
             target_type, target_id, outcome, ip, details) VALUES ",
        );
        for (i, event) in chunk.iter().enumerate() {
            let (actor_type, actor_id) = actor_columns(event.actor);
            sql.push(if i == 0 { "(" } else { ", (" })
                .text(event.tenant_id.to_string())
                .push(", ")
                .text(event.id.to_string())
                .push(", ")
                .int(micros(event.at))
                .push(", ")
                .text(actor_type)
                .push(", ")
                .opt_text(actor_id.as_deref())
                .push(", ")
                .text(event.action.as_str())
                .push(", ")
                .opt_text(event.target_type.as_deref())
                .push(", ")
                .opt_text(event.target_id.as_deref())
                .push(", ")
                .text(outcome_column(event.outcome))
                .push(", ")
                .opt_text(event.ip.as_deref())
                .push(", ")
                .text(to_json(&event.details)?)
                .push(")");
        }
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Events of a tenant, oldest first, after the cursor.
pub async fn list(
    conn: &mut AnyConnection,
    tenant: TenantId,
    page: Page<'_>,
) -> Result<Vec<AuditEvent>, StoreError> {
    let rows = sqlx::query(
        "SELECT tenant_id, id, at, actor_type, actor_id, action, target_type, target_id, outcome, \
         ip, details FROM audit_events WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(tenant.to_string())
    .bind(page.after.unwrap_or(""))
    .bind(page.sql_limit())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}
