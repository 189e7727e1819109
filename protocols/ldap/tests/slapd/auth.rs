//! Password checks by binding as the user.

use usso_ldap::{authenticate, connect};

use crate::harness::{person, Slapd};

#[tokio::test]
async fn password_checks() {
    let slapd = Slapd::start();
    slapd.modify(&(person("jo") + &person("al")));
    let source = slapd.source();

    let jo = authenticate(&source, "jo", "pw-jo").await.unwrap();
    let jo = jo.expect("right password");
    assert_eq!(jo.username, "jo");
    assert_eq!(
        jo.stable_id,
        slapd.entry_uuid("uid=jo,ou=people,dc=example,dc=com")
    );

    assert_eq!(authenticate(&source, "jo", "pw-al").await.unwrap(), None);
    // Empty password: refused before binding (an unauthenticated bind
    // would succeed).
    assert_eq!(authenticate(&source, "jo", "").await.unwrap(), None);
    assert_eq!(
        authenticate(&source, "nobody", "pw-jo").await.unwrap(),
        None
    );
    // Filter metacharacters are escaped: no wildcard match.
    for name in ["*)(uid=*", "*", "j*", "jo)(|(uid=*", "jo\\", "jo\0"] {
        assert_eq!(
            authenticate(&source, name, "pw-jo").await.unwrap(),
            None,
            "{name:?}"
        );
    }

    // The same through an open service connection.
    let dir = connect(&source).await.unwrap();
    assert!(dir.authenticate("al", "pw-al").await.unwrap().is_some());
    assert!(dir.authenticate("al", "wrong").await.unwrap().is_none());
}
