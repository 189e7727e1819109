#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

fn reg(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn registration_accepts_web_native_and_loopback_uris() {
    for ok in [
        "https://app.example.com/cb",
        "https://app.example.com/cb?tenant=a",
        "https://app.example.com",
        "https://app.example.com:8443/oauth/callback",
        "http://localhost:3000/cb",
        "http://127.0.0.1/cb",
        "http://127.0.0.1:8080/cb",
        "http://[::1]/cb",
        "com.example.app:/oauth2redirect",
        "com.example.app://callback",
        "https://app.example.com/a%2Fb?x=%C3%A9&y=(1)",
        "https://[2001:db8::1]/cb",
    ] {
        assert_eq!(validate_registration(ok), Ok(()), "{ok}");
    }
}

#[test]
fn registration_refusals() {
    use InvalidRedirectUri as E;
    let cases: &[(&str, E)] = &[
        ("", E::Length),
        ("/relative/cb", E::NotAbsolute),
        ("app.example.com/cb", E::NotAbsolute),
        ("//app.example.com/cb", E::NotAbsolute),
        ("1http://x/", E::NotAbsolute),
        ("https://app.example.com/cb#frag", E::Fragment),
        ("https://app.example.com/cb#", E::Fragment),
        ("https://user@app.example.com/cb", E::Userinfo),
        ("https://user:pw@app.example.com/cb", E::Userinfo),
        ("https://@app.example.com/cb", E::Userinfo),
        ("javascript:alert(1)", E::Scheme),
        ("data:text/html,hi", E::Scheme),
        ("file:///etc/passwd", E::Scheme),
        ("myapp:/cb", E::Scheme),
        ("ftp://example.com/cb", E::Scheme),
        ("https://app.example.com/c b", E::Character),
        (" https://app.example.com/cb", E::Character),
        ("https://app.example.com/cb\n", E::Character),
        ("https://app.exa\tmple.com/cb", E::Character),
        ("https://bücher.example/cb", E::Character),
        ("https:///cb", E::NoHost),
        ("https:/app.example.com/cb", E::NoHost),
        ("https:app.example.com/cb", E::NoHost),
        ("https://app.example.com\\cb", E::Character),
        ("https://app.example.com/<cb>", E::Character),
        ("https://app.example.com/\"cb", E::Character),
        ("https://app.example.com/{cb}", E::Character),
        ("https://app.example.com/c%zzb", E::Character),
        ("https://app.example.com/cb%2", E::Character),
    ];
    for (uri, want) in cases {
        assert_eq!(validate_registration(uri).as_ref(), Err(want), "{uri:?}");
    }
    let long = format!("https://a.example/{}", "a".repeat(MAX_REDIRECT_URI_LEN));
    assert_eq!(validate_registration(&long), Err(E::Length));
}

#[test]
fn exact_match_only() {
    let r = reg(&[
        "https://app.example.com/cb",
        "https://app.example.com/cb?x=1",
    ]);
    assert!(matches(&r, "https://app.example.com/cb"));
    assert!(matches(&r, "https://app.example.com/cb?x=1"));
    for trick in [
        "https://APP.example.com/cb",
        "HTTPS://app.example.com/cb",
        "https://app.example.com/cb/",
        "https://app.example.com/CB",
        "https://app.example.com/cb?",
        "https://app.example.com/cb?x=1&y=2",
        "https://app.example.com/cb?y=2",
        "https://app.example.com:443/cb",
        "https://app.example.com/cb#x",
        "https://app.example.com/c%62",
        "https://app.example.com/cb/../cb",
        "https://app.example.com.evil.com/cb",
        "https://app.example.com@evil.com/cb",
        "https://evil.com/https://app.example.com/cb",
        " https://app.example.com/cb",
        "",
    ] {
        assert!(!matches(&r, trick), "{trick:?}");
    }
}

#[test]
fn percent_encoding_is_compared_literally() {
    let r = reg(&["https://app.example.com/a%2Fb"]);
    assert!(matches(&r, "https://app.example.com/a%2Fb"));
    assert!(!matches(&r, "https://app.example.com/a%2fb"));
    assert!(!matches(&r, "https://app.example.com/a/b"));
}

#[test]
fn loopback_any_port() {
    let r = reg(&["http://127.0.0.1/cb", "http://[::1]:8080/cb?x=1"]);
    assert!(matches(&r, "http://127.0.0.1/cb"));
    assert!(matches(&r, "http://127.0.0.1:1/cb"));
    assert!(matches(&r, "http://127.0.0.1:51234/cb"));
    assert!(matches(&r, "http://127.0.0.1:65535/cb"));
    assert!(matches(&r, "http://[::1]/cb?x=1"));
    assert!(matches(&r, "http://[::1]:9999/cb?x=1"));
}

#[test]
fn loopback_tricks() {
    let r = reg(&["http://127.0.0.1/cb", "http://[::1]/cb"]);
    for trick in [
        "http://127.0.0.1:8080/cb/",
        "http://127.0.0.1:8080/cb?x=1",
        "http://127.0.0.1:8080/CB",
        "http://127.0.0.1:8080/cb#frag",
        "http://127.0.0.1.evil.com/cb",
        "http://127.0.0.1.evil.com:8080/cb",
        "http://127.0.0.1@evil.com/cb",
        "http://127.0.0.1:8080@evil.com/cb",
        "http://127.0.0.1:/cb",
        "http://127.0.0.1:0/cb",
        "http://127.0.0.1:65536/cb",
        "http://127.0.0.1:080/cb",
        "http://127.0.0.1:80a/cb",
        "http://127.0.0.2:8080/cb",
        "https://127.0.0.1:8080/cb",
        "HTTP://127.0.0.1:8080/cb",
        "http://[::1]:8080/cb/../evil",
        "http://[0:0:0:0:0:0:0:1]:8080/cb",
        "http://[::1].evil.com/cb",
        "http://127.1:8080/cb",
        "http://2130706433:8080/cb",
        // Host swap between the two loopback literals.
        "http://[::1]:8080/cbx",
    ] {
        assert!(!matches(&r, trick), "{trick:?}");
    }
    // IPv4 registration does not accept the IPv6 literal, nor the reverse.
    let v4 = reg(&["http://127.0.0.1/cb"]);
    assert!(!matches(&v4, "http://[::1]:8080/cb"));
}

#[test]
fn localhost_gets_no_port_leeway() {
    let r = reg(&["http://localhost/cb", "http://localhost:3000/cb"]);
    assert!(matches(&r, "http://localhost/cb"));
    assert!(matches(&r, "http://localhost:3000/cb"));
    assert!(!matches(&r, "http://localhost:3001/cb"));
    assert!(!matches(&r, "http://localhost:8080/cb"));
}

#[test]
fn loopback_needs_a_loopback_registration() {
    let r = reg(&["https://app.example.com/cb"]);
    assert!(!matches(&r, "http://127.0.0.1:8080/cb"));
    assert!(is_loopback("http://127.0.0.1:8080/cb"));
    assert!(is_loopback("http://[::1]"));
    assert!(!is_loopback("http://localhost:8080/cb"));
    assert!(!is_loopback("http://127.0.0.1.evil.com/"));
}

#[test]
fn empty_registration_matches_nothing() {
    assert!(!matches(&[], "https://app.example.com/cb"));
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Every valid port matches a loopback registration.
        #[test]
        fn any_port_matches_loopback(port in 1u32..=65535) {
            let r = reg(&["http://127.0.0.1/cb", "http://[::1]/cb"]);
            let v4 = format!("http://127.0.0.1:{port}/cb");
            let v6 = format!("http://[::1]:{port}/cb");
            prop_assert!(matches(&r, &v4));
            prop_assert!(matches(&r, &v6));
        }

        /// Whatever follows the loopback host, only a port and the very
        /// same path match.
        #[test]
        fn loopback_suffixes(suffix in prop_oneof![".{0,20}", "(:[0-9+]{0,6})?[/cbC.@?#]{0,4}"]) {
            let r = reg(&["http://127.0.0.1/cb"]);
            let requested = format!("http://127.0.0.1{suffix}");
            let port_then_path = suffix
                .strip_prefix(':')
                .and_then(|s| s.strip_suffix("/cb"))
                .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && !p.starts_with('0') && p.parse::<u16>().is_ok_and(|n| n > 0));
            prop_assert_eq!(matches(&r, &requested), suffix == "/cb" || port_then_path);
        }

        /// Arbitrary text never panics the registration check.
        #[test]
        fn arbitrary_registration(uri in ".{0,60}") {
            let _ = validate_registration(&uri);
        }
    }
}
