//! The RFC 4514 §3 grammar, read byte by byte with no recursion and no
//! backtracking, so the cost is linear in the input and capped by
//! [`MAX_DN_LEN`]. Every failure is a [`DnError`] carrying its byte offset.
//!
//! ```text
//! distinguishedName = [ rdn *( "," rdn ) ]
//! rdn               = attributeTypeAndValue *( "+" attributeTypeAndValue )
//! attributeTypeAndValue = attributeType "=" attributeValue
//! attributeType     = descr / numericoid            ; RFC 4512 §1.4
//! attributeValue    = string / hexstring
//! hexstring         = "#" 1*hexpair
//! pair              = "\" ( "\" / special / hexpair )
//! special           = escaped / " " / "#" / "="
//! escaped           = DQUOTE / "+" / "," / ";" / "<" / ">"
//! ```

use super::{AttributeTypeAndValue, AttributeValue, Dn, DnError, Rdn, MAX_DN_LEN};

pub(super) fn parse_dn(input: &str) -> Result<Dn, DnError> {
    if input.len() > MAX_DN_LEN {
        return Err(DnError::TooLong {
            len: input.len(),
            max: MAX_DN_LEN,
        });
    }
    let mut p = Parser {
        bytes: input.as_bytes(),
        pos: 0,
    };
    p.skip_spaces();
    if p.peek().is_none() {
        return Ok(Dn::root());
    }
    let mut rdns = Vec::new();
    loop {
        rdns.push(p.rdn()?);
        match p.peek() {
            None => return Ok(Dn::new(rdns)),
            Some(b',') => p.pos += 1,
            // Values stop only at `,`, `+` or the end; kept as an error, not
            // an assumption.
            Some(_) => return Err(DnError::ExpectedAttribute { at: p.pos }),
        }
    }
}

/// Checks a whole string as an attribute type (`descr` or `numericoid`).
pub(super) fn check_attribute_type(attr_type: &str) -> Result<(), DnError> {
    let mut p = Parser {
        bytes: attr_type.as_bytes(),
        pos: 0,
    };
    if attr_type.is_empty() {
        return Err(DnError::EmptyAttributeType { at: 0 });
    }
    p.attr_type()?;
    match p.peek() {
        None => Ok(()),
        Some(_) => Err(DnError::InvalidAttributeType { at: p.pos }),
    }
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }

    fn rdn(&mut self) -> Result<Rdn, DnError> {
        let mut avas = vec![self.ava()?];
        while self.peek() == Some(b'+') {
            self.pos += 1;
            avas.push(self.ava()?);
        }
        Ok(Rdn(avas))
    }

    fn ava(&mut self) -> Result<AttributeTypeAndValue, DnError> {
        self.skip_spaces();
        let attr_type = self.attr_type()?;
        self.skip_spaces();
        if self.peek() != Some(b'=') {
            return Err(DnError::ExpectedEquals { at: self.pos });
        }
        self.pos += 1;
        self.skip_spaces();
        let value = if self.peek() == Some(b'#') {
            self.hex_value()?
        } else {
            self.string_value()?
        };
        Ok(AttributeTypeAndValue {
            attr_type: attr_type.to_owned(),
            value,
        })
    }

    /// `descr = ALPHA *( ALPHA / DIGIT / "-" )` or
    /// `numericoid = number 1*( "." number )`, `number = DIGIT / %x31-39 1*DIGIT`.
    fn attr_type(&mut self) -> Result<&'a str, DnError> {
        let start = self.pos;
        match self.peek() {
            Some(b'=') => return Err(DnError::EmptyAttributeType { at: start }),
            None | Some(b',' | b'+') => return Err(DnError::ExpectedAttribute { at: start }),
            Some(c) if c.is_ascii_alphabetic() => {
                while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'-') {
                    self.pos += 1;
                }
            }
            Some(c) if c.is_ascii_digit() => self.numeric_oid()?,
            Some(_) => return Err(DnError::InvalidAttributeType { at: start }),
        }
        if !matches!(self.peek(), None | Some(b' ' | b'=')) {
            return Err(DnError::InvalidAttributeType { at: self.pos });
        }
        // Only ASCII was consumed, so the slice is on char boundaries.
        self.bytes
            .get(start..self.pos)
            .and_then(|b| std::str::from_utf8(b).ok())
            .ok_or(DnError::InvalidAttributeType { at: start })
    }

    fn numeric_oid(&mut self) -> Result<(), DnError> {
        let start = self.pos;
        let mut dots = 0;
        loop {
            match self.peek() {
                Some(b'0') => {
                    self.pos += 1;
                    if matches!(self.peek(), Some(c) if c.is_ascii_digit()) {
                        return Err(DnError::InvalidAttributeType { at: self.pos - 1 });
                    }
                }
                Some(c) if c.is_ascii_digit() => {
                    while matches!(self.peek(), Some(c) if c.is_ascii_digit()) {
                        self.pos += 1;
                    }
                }
                _ => return Err(DnError::InvalidAttributeType { at: self.pos }),
            }
            if self.peek() != Some(b'.') {
                break;
            }
            self.pos += 1;
            dots += 1;
        }
        if dots == 0 {
            return Err(DnError::InvalidAttributeType { at: start });
        }
        Ok(())
    }

    /// `hexstring = "#" 1*hexpair`, then optional spaces, then `,` `+` or end.
    fn hex_value(&mut self) -> Result<AttributeValue, DnError> {
        let start = self.pos;
        self.pos += 1;
        let mut bytes = Vec::new();
        while let Some(hi) = self.peek().and_then(hex_digit) {
            let lo = self
                .bytes
                .get(self.pos + 1)
                .copied()
                .and_then(hex_digit)
                .ok_or(DnError::InvalidHexString { at: start })?;
            bytes.push(hi << 4 | lo);
            self.pos += 2;
        }
        self.skip_spaces();
        if bytes.is_empty() || !matches!(self.peek(), None | Some(b',' | b'+')) {
            return Err(DnError::InvalidHexString { at: start });
        }
        Ok(AttributeValue::Ber(bytes))
    }

    /// A string value up to an unescaped `,` `+` or the end. Unescaped
    /// trailing spaces are insignificant and dropped; escaped ones are kept.
    fn string_value(&mut self) -> Result<AttributeValue, DnError> {
        let start = self.pos;
        let mut buf = Vec::new();
        let mut keep = 0;
        loop {
            match self.peek() {
                None | Some(b',' | b'+') => break,
                Some(b'\\') => {
                    buf.push(self.escape()?);
                    keep = buf.len();
                }
                Some(c @ (b'"' | b';' | b'<' | b'>' | 0)) => {
                    return Err(DnError::UnescapedCharacter {
                        ch: char::from(c),
                        at: self.pos,
                    });
                }
                Some(c) => {
                    buf.push(c);
                    self.pos += 1;
                    if c != b' ' {
                        keep = buf.len();
                    }
                }
            }
        }
        buf.truncate(keep);
        String::from_utf8(buf)
            .map(AttributeValue::Text)
            .map_err(|_| DnError::InvalidUtf8 { at: start })
    }

    /// `pair = "\" ( "\" / special / hexpair )`; returns the octet.
    fn escape(&mut self) -> Result<u8, DnError> {
        let at = self.pos;
        self.pos += 1;
        let c = self.peek().ok_or(DnError::UnterminatedEscape { at })?;
        if is_special(c) {
            self.pos += 1;
            return Ok(c);
        }
        let hi = hex_digit(c).ok_or(DnError::InvalidEscape { at })?;
        self.pos += 1;
        let lo = match self.peek() {
            None => return Err(DnError::UnterminatedEscape { at }),
            Some(c) => hex_digit(c).ok_or(DnError::InvalidEscape { at })?,
        };
        self.pos += 1;
        Ok(hi << 4 | lo)
    }
}

/// `special = escaped / SPACE / SHARP / EQUALS`, plus `\` itself.
const fn is_special(c: u8) -> bool {
    matches!(
        c,
        b'"' | b'+' | b',' | b';' | b'<' | b'>' | b' ' | b'#' | b'=' | b'\\'
    )
}

const fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}
