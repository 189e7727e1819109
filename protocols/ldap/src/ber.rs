//! A small BER reader and writer (X.690 §8, the subset RFC 4511 §5.1 allows:
//! definite lengths, low tag numbers) for the control values this crate
//! encodes and decodes itself: paged results (RFC 2696), content
//! synchronization (RFC 4533) and Active Directory DirSync.
//!
//! The reader never recurses and never panics: it walks one TLV at a time and
//! every length is checked against the bytes that remain.

/// Universal tags used here.
pub(crate) const BOOLEAN: u8 = 0x01;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const ENUMERATED: u8 = 0x0a;
pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const SET: u8 = 0x31;

/// Why bytes are not the BER this crate expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum BerError {
    /// The input ended inside a TLV.
    #[error("truncated BER")]
    Truncated,
    /// Indefinite lengths, high tag numbers or lengths over 4 octets.
    #[error("unsupported BER form")]
    Unsupported,
    /// A tag other than the one expected.
    #[error("unexpected BER tag")]
    UnexpectedTag,
    /// An INTEGER or BOOLEAN of the wrong size.
    #[error("invalid BER value")]
    InvalidValue,
}

/// One tag-length-value, borrowing its contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tlv<'a> {
    /// The identifier octet (class, constructed bit, tag number).
    pub tag: u8,
    /// The contents octets.
    pub value: &'a [u8],
}

/// Reads the first TLV of `input`; returns it and the bytes after it.
pub(crate) fn read(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), BerError> {
    let (&tag, rest) = input.split_first().ok_or(BerError::Truncated)?;
    if tag & 0x1f == 0x1f {
        return Err(BerError::Unsupported);
    }
    let (&first, mut rest) = rest.split_first().ok_or(BerError::Truncated)?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return Err(BerError::Unsupported);
        }
        let (bytes, after) = rest.split_at_checked(n).ok_or(BerError::Truncated)?;
        rest = after;
        bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    let (value, after) = rest.split_at_checked(len).ok_or(BerError::Truncated)?;
    Ok((Tlv { tag, value }, after))
}

/// Reads exactly one TLV with tag `tag` filling all of `input`.
pub(crate) fn read_only(input: &[u8], tag: u8) -> Result<Tlv<'_>, BerError> {
    let (tlv, rest) = read(input)?;
    if !rest.is_empty() {
        return Err(BerError::InvalidValue);
    }
    tlv.expect(tag)
}

impl<'a> Tlv<'a> {
    /// This TLV if its tag is `tag`.
    pub(crate) fn expect(self, tag: u8) -> Result<Self, BerError> {
        if self.tag == tag {
            Ok(self)
        } else {
            Err(BerError::UnexpectedTag)
        }
    }

    /// The TLVs inside a constructed value, in order.
    pub(crate) fn children(&self) -> Children<'a> {
        Children { rest: self.value }
    }

    /// The value as a signed INTEGER / ENUMERATED (at most 8 octets).
    pub(crate) fn as_i64(&self) -> Result<i64, BerError> {
        let bytes = self.value;
        if bytes.is_empty() || bytes.len() > 8 {
            return Err(BerError::InvalidValue);
        }
        let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
        let start: i64 = if negative { -1 } else { 0 };
        Ok(bytes
            .iter()
            .fold(start, |acc, &b| (acc << 8) | i64::from(b)))
    }

    /// The value as a BOOLEAN (one octet, non-zero is TRUE).
    pub(crate) fn as_bool(&self) -> Result<bool, BerError> {
        match self.value {
            [b] => Ok(*b != 0),
            _ => Err(BerError::InvalidValue),
        }
    }
}

/// Iterator over the TLVs of a constructed value.
#[derive(Debug, Clone)]
pub(crate) struct Children<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<Tlv<'a>, BerError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match read(self.rest) {
            Ok((tlv, rest)) => {
                self.rest = rest;
                Some(Ok(tlv))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

/// Appends one TLV to `out` (definite length, short or long form).
pub(crate) fn write(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    let len = value.len();
    if len < 0x80 {
        out.extend_from_slice(&[len as u8]);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(value);
}

/// The contents octets of an INTEGER: minimal two's complement.
pub(crate) fn integer(value: i64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let mut start = 0;
    while start < 7 {
        let (Some(&b), Some(&next)) = (bytes.get(start), bytes.get(start + 1)) else {
            break;
        };
        let redundant = (b == 0x00 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0);
        if !redundant {
            break;
        }
        start += 1;
    }
    bytes.get(start..).unwrap_or_default().to_vec()
}

/// A SEQUENCE of already-encoded TLVs.
pub(crate) fn sequence(parts: &[Vec<u8>]) -> Vec<u8> {
    let inner = parts.concat();
    let mut out = Vec::with_capacity(inner.len() + 6);
    write(&mut out, SEQUENCE, &inner);
    out
}

/// One encoded TLV.
pub(crate) fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 6);
    write(&mut out, tag, value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_minimal() {
        assert_eq!(integer(0), [0x00]);
        assert_eq!(integer(127), [0x7f]);
        assert_eq!(integer(128), [0x00, 0x80]);
        assert_eq!(integer(256), [0x01, 0x00]);
        assert_eq!(integer(-1), [0xff]);
        assert_eq!(integer(-128), [0x80]);
        assert_eq!(integer(-129), [0xff, 0x7f]);
        assert_eq!(integer(i64::from(i32::MIN)), [0x80, 0x00, 0x00, 0x00]);
        for v in [0, 1, -1, 127, 128, -128, -129, 65_535, i64::MAX, i64::MIN] {
            let t = Tlv {
                tag: INTEGER,
                value: &integer(v),
            };
            assert_eq!(t.as_i64(), Ok(v));
        }
    }

    #[test]
    fn long_lengths_round_trip() {
        let value = vec![7u8; 300];
        let enc = tlv(OCTET_STRING, &value);
        assert_eq!(enc.get(..4), Some(&[0x04, 0x82, 0x01, 0x2c][..]));
        let (t, rest) = read(&enc).unwrap();
        assert!(rest.is_empty());
        assert_eq!(t.value, &value[..]);
    }

    #[test]
    fn hostile_input_is_an_error_not_a_panic() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x05, 0x01],
            &[0x30, 0x80, 0x00, 0x00],
            &[0x1f, 0x01, 0x00],
            &[0x04, 0x85, 1, 1, 1, 1, 1],
            &[0x04, 0x84, 0xff, 0xff, 0xff, 0xff],
        ] {
            assert!(read(bad).is_err(), "{bad:?}");
        }
        let seq = [0x30, 0x03, 0x02, 0x05, 0x00];
        let (t, _) = read(&seq).unwrap();
        assert!(t.children().any(|c| c.is_err()));
        assert!(Tlv {
            tag: INTEGER,
            value: &[]
        }
        .as_i64()
        .is_err());
        assert!(Tlv {
            tag: BOOLEAN,
            value: &[1, 2]
        }
        .as_bool()
        .is_err());
    }

    #[test]
    fn every_prefix_of_a_valid_encoding_is_handled() {
        let enc = sequence(&[tlv(INTEGER, &integer(100)), tlv(OCTET_STRING, b"cookie")]);
        for cut in 0..enc.len() {
            let prefix = enc.get(..cut).unwrap();
            if let Ok((t, _)) = read(prefix) {
                for child in t.children() {
                    let _ = child;
                }
            }
        }
    }
}
