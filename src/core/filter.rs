//! The listing filter of the CLI and the admin API: `attr op value`
//! conditions joined by `and`, e.g. `username sw "al" and status eq active`.
//! Operators `eq`, `sw` (starts with), `co` (contains), compared without
//! regard to case. The full SCIM grammar lives in `protocols/scim`.

use super::CoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    Eq,
    StartsWith,
    Contains,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub attribute: String,
    pub op: FilterOp,
    pub value: String,
}

/// A parsed filter: every condition must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub conditions: Vec<Condition>,
}

const MAX_FILTER_BYTES: usize = 2048;
const MAX_CONDITIONS: usize = 16;

impl Filter {
    /// Parses `raw`, accepting only the attributes in `allowed`.
    pub fn parse(raw: &str, allowed: &[&str]) -> Result<Self, CoreError> {
        if raw.len() > MAX_FILTER_BYTES {
            return Err(CoreError::invalid("filter", "too long"));
        }
        let tokens = tokenize(raw)?;
        let mut conditions = Vec::new();
        let mut rest = tokens.as_slice();
        loop {
            let [attr, op, value, tail @ ..] = rest else {
                return Err(CoreError::invalid(
                    "filter",
                    "expected `attribute op value`, e.g. username eq \"alice\"",
                ));
            };
            let attribute = attr.to_ascii_lowercase();
            if !allowed.contains(&attribute.as_str()) {
                return Err(CoreError::invalid(
                    "filter",
                    format!("unknown attribute {attr:?}; known: {}", allowed.join(", ")),
                ));
            }
            let op = match op.to_ascii_lowercase().as_str() {
                "eq" => FilterOp::Eq,
                "sw" => FilterOp::StartsWith,
                "co" => FilterOp::Contains,
                other => {
                    return Err(CoreError::invalid(
                        "filter",
                        format!("unknown operator {other:?}; known: eq, sw, co"),
                    ))
                }
            };
            conditions.push(Condition {
                attribute,
                op,
                value: value.clone(),
            });
            if conditions.len() > MAX_CONDITIONS {
                return Err(CoreError::invalid("filter", "too many conditions"));
            }
            match tail {
                [] => break,
                [and, more @ ..] if and.eq_ignore_ascii_case("and") => rest = more,
                _ => {
                    return Err(CoreError::invalid(
                        "filter",
                        "conditions are joined by `and`",
                    ))
                }
            }
        }
        Ok(Self { conditions })
    }
}

fn tokenize(raw: &str) -> Result<Vec<String>, CoreError> {
    let mut tokens = Vec::new();
    let mut chars = raw.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut value = String::new();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some(escaped) => value.push(escaped),
                        None => return Err(CoreError::invalid("filter", "unterminated string")),
                    },
                    Some(other) => value.push(other),
                    None => return Err(CoreError::invalid("filter", "unterminated string")),
                }
            }
            tokens.push(value);
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '"' {
                    break;
                }
                word.push(c);
                chars.next();
            }
            tokens.push(word);
        }
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ATTRS: &[&str] = &["username", "email", "status"];

    #[test]
    fn parses_conditions_joined_by_and() {
        let f = Filter::parse(r#"username sw "al ice" AND status eq active"#, ATTRS).unwrap();
        assert_eq!(f.conditions.len(), 2);
        assert_eq!(f.conditions[0].value, "al ice");
        assert_eq!(f.conditions[0].op, FilterOp::StartsWith);
        assert_eq!(f.conditions[1].attribute, "status");
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        for bad in [
            "",
            "username",
            "password eq x",
            "username gt x",
            "username eq \"x",
            "username eq x or status eq y",
        ] {
            assert!(Filter::parse(bad, ATTRS).is_err(), "{bad:?} accepted");
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,200}") {
            let _ = Filter::parse(&s, ATTRS);
        }
    }
}
