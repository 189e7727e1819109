//! Search filters in their string form (RFC 4515): validation of filters
//! that come from configuration, escaping of assertion values (§3) and
//! composition of the filters this crate sends.
//!
//! Validation bounds length and nesting before handing the string to
//! ldap3's parser, which recurses once per nesting level.

use crate::error::{Error, Result};

/// Longest filter accepted from configuration, in bytes.
pub const MAX_FILTER_LEN: usize = 4096;

/// Deepest nesting of parentheses accepted.
pub const MAX_FILTER_DEPTH: usize = 32;

/// Checks that `filter` is one parenthesized RFC 4515 filter. `which` names
/// it in the error (`user`, `group`…).
pub fn validate(which: &'static str, filter: &str) -> Result<()> {
    let refuse = |reason| Error::InvalidFilter {
        which,
        filter: filter.to_owned(),
        reason,
    };
    if filter.len() > MAX_FILTER_LEN {
        return Err(refuse("longer than 4096 bytes"));
    }
    if !filter.starts_with('(') || !filter.ends_with(')') {
        return Err(refuse("a filter is enclosed in parentheses (RFC 4515 §3)"));
    }
    let mut depth = 0usize;
    for b in filter.bytes() {
        match b {
            b'(' => {
                depth += 1;
                if depth > MAX_FILTER_DEPTH {
                    return Err(refuse("nested deeper than 32 levels"));
                }
            }
            b')' => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| refuse("unbalanced parentheses"))?;
            }
            0 => return Err(refuse("contains a NUL byte")),
            _ => {}
        }
    }
    if depth != 0 {
        return Err(refuse("unbalanced parentheses"));
    }
    ldap3::parse_filter(filter)
        .map(|_| ())
        .map_err(|()| refuse("not valid RFC 4515 syntax"))
}

/// Escapes an assertion value per RFC 4515 §3: `*`, `(`, `)`, `\` and NUL
/// become `\2a`, `\28`, `\29`, `\5c`, `\00`.
pub fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for ch in value.chars() {
        match ch {
            '*' => out.push_str("\\2a"),
            '(' => out.push_str("\\28"),
            ')' => out.push_str("\\29"),
            '\\' => out.push_str("\\5c"),
            '\0' => out.push_str("\\00"),
            other => out.push(other),
        }
    }
    out
}

/// Escapes a binary assertion value (an `objectSid`, an `objectGUID`):
/// every byte as `\xx` (RFC 4515 §3).
pub fn escape_bytes(value: &[u8]) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value {
        out.push_str(&format!("\\{b:02x}"));
    }
    out
}

/// `(&a b …)`; a single part is returned as it is.
pub fn and(parts: &[&str]) -> String {
    join('&', parts)
}

/// `(|a b …)`; a single part is returned as it is.
pub fn or(parts: &[&str]) -> String {
    join('|', parts)
}

/// `(attr=value)` with the value escaped.
pub fn equals(attr: &str, value: &str) -> String {
    format!("({attr}={})", escape_value(value))
}

fn join(op: char, parts: &[&str]) -> String {
    match parts {
        [one] => (*one).to_owned(),
        _ => {
            let mut out = format!("({op}");
            for p in parts {
                out.push_str(p);
            }
            out.push(')');
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_rfc_4515_examples() {
        for f in [
            "(cn=Babs Jensen)",
            "(!(cn=Tim Howes))",
            "(&(objectClass=Person)(|(sn=Jensen)(cn=Babs J*)))",
            "(o=univ*of*mich*)",
            "(seeAlso=)",
            "(cn:caseExactMatch:=Fred Flintstone)",
            "(cn:=Betty Rubble)",
            "(sn:dn:2.4.6.8.10:=Barney Rubble)",
            "(o:dn:=Ace Industry)",
            "(:1.2.3:=Wilma Flintstone)",
            // RFC 4515's `(:DN:2.4.6.8.10:=Dino)` is left out: ldap3's parser
            // takes the `dn` flag in lower case only.
            "(:dn:2.4.6.8.10:=Dino)",
            "(o=Parens R Us \\28for all your parenthetical needs\\29)",
            "(cn=*\\2A*)",
            "(filename=C:\\5cMyFile)",
            "(sn=Lu\\c4\\8di\\c4\\87)",
            "(1.3.6.1.4.1.1466.0=\\04\\02\\48\\69)",
        ] {
            assert!(validate("user", f).is_ok(), "{f}");
        }
    }

    #[test]
    fn refuses_bad_filters() {
        for f in [
            "",
            "cn=x",
            "(cn=x",
            "(cn=x))",
            "((cn=x)",
            "(&(cn=x)(sn=y)",
            "(cn=a(b)",
            "(cn=\\zz)",
            "(=x)",
            "(cn=x)(sn=y)",
        ] {
            let err = validate("group", f).unwrap_err();
            assert!(
                matches!(err, Error::InvalidFilter { which: "group", .. }),
                "{f}"
            );
        }
        let deep = format!("{}(cn=x){}", "(!".repeat(40), ")".repeat(40));
        assert!(validate("user", &deep).is_err());
        let long = format!("(cn={})", "x".repeat(MAX_FILTER_LEN));
        assert!(validate("user", &long).is_err());
    }

    #[test]
    fn escapes_metacharacters() {
        assert_eq!(escape_value("*)(uid=*"), "\\2a\\29\\28uid=\\2a");
        assert_eq!(escape_value("a\\b\0"), "a\\5cb\\00");
        assert_eq!(escape_value("Lučić"), "Lučić");
        let f = equals("uid", "*)(uid=*");
        assert!(validate("user", &f).is_ok());
    }

    #[test]
    fn composes() {
        assert_eq!(and(&["(a=1)"]), "(a=1)");
        assert_eq!(and(&["(a=1)", "(b=2)"]), "(&(a=1)(b=2))");
        assert_eq!(or(&["(a=1)", "(b=2)"]), "(|(a=1)(b=2))");
    }
}
