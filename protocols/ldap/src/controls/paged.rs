//! Simple Paged Results Manipulation (RFC 2696 §2): the request asks for
//! `size` entries after `cookie`; the response's cookie is empty on the last
//! page.

use ldap3::controls::RawControl;

use crate::ber::{self, BerError};

/// The control's OID.
pub(crate) const OID: &str = "1.2.840.113556.1.4.319";

/// `realSearchControlValue ::= SEQUENCE { size INTEGER, cookie OCTET STRING }`.
pub(crate) fn request(size: u32, cookie: &[u8]) -> RawControl {
    let value = ber::sequence(&[
        ber::tlv(ber::INTEGER, &ber::integer(i64::from(size))),
        ber::tlv(ber::OCTET_STRING, cookie),
    ]);
    RawControl {
        ctype: OID.to_owned(),
        crit: false,
        val: Some(value),
    }
}

/// The cookie of a response control (empty when the search is complete).
pub(crate) fn response_cookie(value: &[u8]) -> Result<Vec<u8>, BerError> {
    let seq = ber::read_only(value, ber::SEQUENCE)?;
    let mut parts = seq.children();
    parts
        .next()
        .ok_or(BerError::Truncated)??
        .expect(ber::INTEGER)?;
    let cookie = parts
        .next()
        .ok_or(BerError::Truncated)??
        .expect(ber::OCTET_STRING)?;
    Ok(cookie.value.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_value_per_rfc_2696() {
        let c = request(100, b"");
        assert_eq!(c.ctype, OID);
        assert_eq!(
            c.val.as_deref(),
            Some(&[0x30, 0x05, 0x02, 0x01, 0x64, 0x04, 0x00][..])
        );
        let c = request(1000, b"ab");
        assert_eq!(
            c.val.as_deref(),
            Some(&[0x30, 0x08, 0x02, 0x02, 0x03, 0xe8, 0x04, 0x02, b'a', b'b'][..])
        );
    }

    #[test]
    fn response_cookie_decodes_and_refuses_garbage() {
        let value = [0x30, 0x08, 0x02, 0x02, 0x03, 0xe8, 0x04, 0x02, b'a', b'b'];
        assert_eq!(response_cookie(&value).unwrap(), b"ab");
        assert_eq!(
            response_cookie(&[0x30, 0x05, 0x02, 0x01, 0x00, 0x04, 0x00]).unwrap(),
            b""
        );
        for bad in [
            &[][..],
            &[0x30, 0x00],
            &[0x30, 0x03, 0x02, 0x01, 0x00],
            &[0x04, 0x00],
        ] {
            assert!(response_cookie(bad).is_err());
        }
    }
}
