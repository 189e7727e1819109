//! Writing a DN back to its RFC 4514 §2 string form. What §2.4 requires is
//! escaped (`"` `+` `,` `;` `<` `>` `\`, a leading space or `#`, a trailing
//! space, NUL); control characters are written as `\XX` too, so logs stay
//! readable. The output parses back to an equal DN.

use std::fmt::{self, Write};

use super::{AttributeTypeAndValue, AttributeValue, Dn, Rdn};

pub(super) fn write_dn(dn: &Dn, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (i, rdn) in dn.rdns().iter().enumerate() {
        if i > 0 {
            f.write_char(',')?;
        }
        write_rdn(rdn, f)?;
    }
    Ok(())
}

pub(super) fn write_rdn(rdn: &Rdn, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (i, ava) in rdn.avas().iter().enumerate() {
        if i > 0 {
            f.write_char('+')?;
        }
        write_ava(ava, f)?;
    }
    Ok(())
}

pub(super) fn write_ava(ava: &AttributeTypeAndValue, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str(ava.attr_type())?;
    f.write_char('=')?;
    match ava.value() {
        AttributeValue::Text(s) => write_escaped(s, f),
        AttributeValue::Ber(bytes) => {
            f.write_char('#')?;
            bytes.iter().try_for_each(|b| write!(f, "{b:02X}"))
        }
    }
}

fn write_escaped(value: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (i, c) in value.char_indices() {
        let first = i == 0;
        let last = i + c.len_utf8() == value.len();
        match c {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                f.write_char('\\')?;
                f.write_char(c)?;
            }
            ' ' if first || last => f.write_str("\\ ")?,
            '#' if first => f.write_str("\\#")?,
            '\0'..='\x1f' | '\x7f' => write!(f, "\\{:02X}", u32::from(c))?,
            _ => f.write_char(c)?,
        }
    }
    Ok(())
}
