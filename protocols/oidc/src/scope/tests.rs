#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

fn tokens(s: &Scope) -> Vec<&str> {
    s.iter().collect()
}

#[test]
fn parses_single_and_multiple_tokens() {
    assert_eq!(tokens(&Scope::parse("openid").unwrap()), ["openid"]);
    assert_eq!(
        tokens(&Scope::parse("openid profile email offline_access").unwrap()),
        ["openid", "profile", "email", "offline_access"]
    );
}

#[test]
fn accepts_every_allowed_character() {
    let all: String = (0x21u8..=0x7E)
        .filter(|b| *b != b'"' && *b != b'\\')
        .map(char::from)
        .collect();
    let scope = Scope::parse(&all).unwrap();
    assert_eq!(tokens(&scope), [all.as_str()]);
    let urlish = "https://api.example.com/read:all urn:x:y?z=[1]";
    assert_eq!(Scope::parse(urlish).unwrap().iter().len(), 2);
}

#[test]
fn deduplicates_keeping_first_order() {
    let scope = Scope::parse("b a b c a").unwrap();
    assert_eq!(tokens(&scope), ["b", "a", "c"]);
    assert_eq!(scope.to_string(), "b a c");
}

#[test]
fn tokens_are_case_sensitive() {
    let scope = Scope::parse("Read read").unwrap();
    assert_eq!(tokens(&scope), ["Read", "read"]);
    assert!(!scope.contains("READ"));
}

#[test]
fn rejects_empty_tokens_and_bad_characters() {
    use ScopeError::*;
    let cases = [
        ("", Empty),
        (" ", EmptyToken { at: 0 }),
        (" openid", EmptyToken { at: 0 }),
        ("openid ", EmptyToken { at: 7 }),
        ("openid  email", EmptyToken { at: 7 }),
        ("a\tb", InvalidCharacter { ch: '\t', at: 1 }),
        ("a\nb", InvalidCharacter { ch: '\n', at: 1 }),
        ("openid \"x\"", InvalidCharacter { ch: '"', at: 7 }),
        ("a\\b", InvalidCharacter { ch: '\\', at: 1 }),
        (
            "a b\u{7f}",
            InvalidCharacter {
                ch: '\u{7f}',
                at: 3,
            },
        ),
        (
            "ok caf\u{e9}",
            InvalidCharacter {
                ch: '\u{e9}',
                at: 6,
            },
        ),
        ("nul\0", InvalidCharacter { ch: '\0', at: 3 }),
        (
            "a\u{a0}b",
            InvalidCharacter {
                ch: '\u{a0}',
                at: 1,
            },
        ),
    ];
    for (input, want) in cases {
        assert_eq!(Scope::parse(input), Err(want), "{input:?}");
    }
}

#[test]
fn enforces_length_limit() {
    let at_limit = "a".repeat(MAX_SCOPE_LEN);
    assert!(Scope::parse(&at_limit).is_ok());
    let over = "a ".repeat(MAX_SCOPE_LEN / 2) + "a";
    assert_eq!(
        Scope::parse(&over),
        Err(ScopeError::TooLong {
            len: MAX_SCOPE_LEN + 1,
            max: MAX_SCOPE_LEN
        })
    );
    let huge = " ".repeat(64 * 1024);
    assert!(matches!(
        Scope::parse(&huge),
        Err(ScopeError::TooLong { .. })
    ));
}

#[test]
fn many_duplicates_collapse() {
    let input = ["x"; 2000].join(" ");
    assert_eq!(tokens(&Scope::parse(&input).unwrap()), ["x"]);
}

#[test]
fn display_round_trips() {
    for input in ["openid", "openid profile", "z y x", "a:b c/d e=f"] {
        let scope = Scope::parse(input).unwrap();
        assert_eq!(scope.to_string(), input);
        assert_eq!(scope.to_string().parse::<Scope>().unwrap(), scope);
    }
}

#[test]
fn equality_ignores_order() {
    let a = Scope::parse("openid email profile").unwrap();
    let b = Scope::parse("profile openid email email").unwrap();
    let c = Scope::parse("openid email").unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_ne!(c, a);
}

#[test]
fn subset_and_intersection() {
    let granted = Scope::parse("openid email profile").unwrap();
    let narrower = Scope::parse("email openid").unwrap();
    let wider = Scope::parse("openid admin").unwrap();
    assert!(narrower.is_subset_of(&granted));
    assert!(granted.is_subset_of(&granted));
    assert!(!wider.is_subset_of(&granted));
    assert_eq!(tokens(&wider.intersection(&granted).unwrap()), ["openid"]);
    let unrelated = Scope::parse("admin").unwrap();
    assert_eq!(unrelated.intersection(&granted), None);
}

#[test]
fn serde_uses_the_wire_string() {
    let scope = Scope::parse("openid email").unwrap();
    assert_eq!(serde_json::to_string(&scope).unwrap(), r#""openid email""#);
    let back: Scope = serde_json::from_str(r#""email openid email""#).unwrap();
    assert_eq!(back, scope);
    assert!(serde_json::from_str::<Scope>(r#""openid  email""#).is_err());
    assert!(serde_json::from_str::<Scope>(r#""""#).is_err());
}
