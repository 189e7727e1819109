//! Tests of the SCIM filter and PATCH path module (RFC 7644 §3.4.2.2,
//! §3.5.2): the RFC's own examples, the grammar's corners, malformed input,
//! limits, property tests and the evaluator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod errors;
mod eval;
mod grammar;
mod limits;
mod path;
mod props;
mod rfc;

use super::*;

/// Parses a filter that must be valid.
fn parse(src: &str) -> Filter {
    Filter::parse(src).unwrap_or_else(|e| panic!("{src:?} should parse: {e}"))
}

/// An attribute path from `name` or `name.sub`.
fn at(path: &str) -> AttrPath {
    match path.split_once('.') {
        Some((name, sub)) => AttrPath::new(name).with_sub(sub),
        None => AttrPath::new(path),
    }
}

fn s(v: &str) -> CompValue {
    CompValue::String(v.to_owned())
}

fn n(v: i64) -> CompValue {
    CompValue::Number(v.into())
}

fn cmp(path: &str, op: CompareOp, value: CompValue) -> Filter {
    Filter::Compare {
        path: at(path),
        op,
        value,
    }
}

fn eq(path: &str, value: CompValue) -> Filter {
    cmp(path, CompareOp::Eq, value)
}

fn pr(path: &str) -> Filter {
    Filter::Present { path: at(path) }
}

fn and(l: Filter, r: Filter) -> Filter {
    Filter::And(Box::new(l), Box::new(r))
}

fn or(l: Filter, r: Filter) -> Filter {
    Filter::Or(Box::new(l), Box::new(r))
}

fn not(f: Filter) -> Filter {
    Filter::Not(Box::new(f))
}

fn vp(attr: &str, filter: Filter) -> Filter {
    Filter::ValuePath {
        attr: at(attr),
        filter: Box::new(filter),
    }
}

/// The error of a filter that must be refused, checked to be a 400
/// `invalidFilter` with a byte position.
fn refused(src: &str) -> ScimError {
    let err = match Filter::parse(src) {
        Ok(f) => panic!("{src:?} should be refused, parsed as {f:?}"),
        Err(e) => e,
    };
    assert_eq!(err.status, 400, "{src:?}");
    assert_eq!(err.scim_type, Some(ScimType::InvalidFilter), "{src:?}");
    let detail = err.detail.clone().unwrap_or_default();
    assert!(
        detail.starts_with("invalid filter at byte "),
        "{src:?}: {detail}"
    );
    err
}

/// The byte position an error's detail names.
fn position(err: &ScimError) -> usize {
    let detail = err.detail.as_deref().unwrap_or_default();
    let rest = detail
        .split_once("at byte ")
        .map(|(_, r)| r)
        .unwrap_or_default();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap()
}
