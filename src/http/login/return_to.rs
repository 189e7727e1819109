//! Where to send the browser after login or logout. Only paths on this host
//! are accepted, so the login page cannot be used as an open redirector.

/// Longest `return_to` kept.
const MAX_LEN: usize = 8192;

/// `Some(path)` when `raw` is a local absolute path (`/…`), not a
/// scheme-relative `//host` or `/\host` URL and free of control characters.
pub fn sanitize(raw: Option<&str>) -> Option<String> {
    let raw = raw?;
    let local = raw.len() <= MAX_LEN
        && raw.starts_with('/')
        && !raw.starts_with("//")
        && !raw.starts_with("/\\")
        && !raw.chars().any(|c| c.is_control() || c == '\\');
    local.then(|| raw.to_owned())
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn keeps_local_paths() {
        assert_eq!(
            sanitize(Some("/t/acme/account?x=1")).as_deref(),
            Some("/t/acme/account?x=1")
        );
    }

    #[test]
    fn refuses_other_hosts_and_tricks() {
        for bad in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example/",
            "/t/a\\b",
            "javascript:alert(1)",
            "/t/\nSet-Cookie:x",
            "",
            "relative/path",
        ] {
            assert_eq!(sanitize(Some(bad)), None, "{bad:?}");
        }
        assert_eq!(sanitize(Some(&format!("/{}", "a".repeat(9000)))), None);
        assert_eq!(sanitize(None), None);
    }
}
