//! Checks of single values against their data type (RFC 7643 §2.3): the
//! JSON shape of each type, `xsd:dateTime` as RFC 3339 date-times, base64
//! for binary, and the strings `"True"` / `"False"` that Entra ID sends for
//! booleans.

use serde_json::Value;

use crate::patch::AttrKind;

/// The value checked against `kind` (not [`AttrKind::Complex`]), possibly
/// converted (`"False"` → `false`); `None` if it does not fit.
pub(super) fn check_scalar(kind: AttrKind, value: Value) -> Option<Value> {
    let fits = match (&kind, &value) {
        (AttrKind::Boolean, Value::String(s)) => {
            return if s.eq_ignore_ascii_case("true") {
                Some(Value::Bool(true))
            } else if s.eq_ignore_ascii_case("false") {
                Some(Value::Bool(false))
            } else {
                None
            };
        }
        (AttrKind::Boolean, Value::Bool(_)) => true,
        (AttrKind::String | AttrKind::Reference, Value::String(_)) => true,
        (AttrKind::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (AttrKind::Decimal, Value::Number(_)) => true,
        (AttrKind::DateTime, Value::String(s)) => is_date_time(s),
        (AttrKind::Binary, Value::String(s)) => is_base64(s),
        _ => false,
    };
    fits.then_some(value)
}

/// How a data type is named in messages.
pub(super) fn kind_noun(kind: AttrKind) -> &'static str {
    match kind {
        AttrKind::String => "a string",
        AttrKind::Boolean => "a boolean",
        AttrKind::Decimal => "a number",
        AttrKind::Integer => "an integer",
        AttrKind::DateTime => "a date-time (RFC 3339, e.g. 2010-01-23T04:56:22Z)",
        AttrKind::Binary => "a base64 string",
        AttrKind::Reference => "a URI string",
        AttrKind::Complex => "an object",
    }
}

/// Whether `s` is an RFC 3339 `date-time` (§5.6), the form RFC 7643 §2.3.5
/// gives `xsd:dateTime` values: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`,
/// with real calendar dates and a leap second allowed.
pub fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 20 || !matches!(b[10], b'T' | b't') {
        return false;
    }
    let (Some(year), Some(month), Some(day)) = (num(b, 0, 4), num(b, 5, 2), num(b, 8, 2)) else {
        return false;
    };
    if b[4] != b'-' || b[7] != b'-' || !(1..=12).contains(&month) {
        return false;
    }
    if day < 1 || day > days_in_month(year, month) {
        return false;
    }
    let (Some(h), Some(m), Some(sec)) = (num(b, 11, 2), num(b, 14, 2), num(b, 17, 2)) else {
        return false;
    };
    if b[13] != b':' || b[16] != b':' || h > 23 || m > 59 || sec > 60 {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return false;
        }
        i += 1 + digits;
    }
    match &b[i..] {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', rest @ ..] if rest.len() == 5 => {
            rest[2] == b':'
                && num(rest, 0, 2).is_some_and(|oh| oh <= 23)
                && num(rest, 3, 2).is_some_and(|om| om <= 59)
        }
        _ => false,
    }
}

/// The decimal number written by `len` ASCII digits at `at`.
fn num(b: &[u8], at: usize, len: usize) -> Option<u32> {
    let digits = b.get(at..at + len)?;
    digits.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Whether `s` is base64 (RFC 4648 §4, or the URL-safe alphabet of §5),
/// padding optional but only at the end.
fn is_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    s.len() - body.len() <= 2
        && body
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_'))
}
