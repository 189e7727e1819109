//! Conversions between core values and the portable column types
//! (TEXT ids, BIGINT unix microseconds, TEXT JSON).

use std::str::FromStr;

use time::OffsetDateTime;

use super::StoreError;

pub fn micros(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
}

pub fn from_micros(value: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(value) * 1_000)
        .map_err(|e| StoreError::Corrupt(format!("timestamp {value}: {e}")))
}

pub fn opt_micros(at: Option<OffsetDateTime>) -> Option<i64> {
    at.map(micros)
}

pub fn from_opt_micros(value: Option<i64>) -> Result<Option<OffsetDateTime>, StoreError> {
    value.map(from_micros).transpose()
}

pub fn parse_id<T: FromStr>(raw: &str) -> Result<T, StoreError> {
    raw.parse()
        .map_err(|_| StoreError::Corrupt(format!("bad id {raw:?}")))
}

pub fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub fn from_json<T: serde::de::DeserializeOwned>(raw: &str) -> Result<T, StoreError> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Fails with `NotFound` when a write touched no row.
pub fn one_row(result: sqlx::any::AnyQueryResult) -> Result<(), StoreError> {
    if result.rows_affected() == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}
