//! The consent page of the authorization endpoint: which application asks
//! for what, with Allow and Deny. It posts the original request back to the
//! endpoint with the CSRF token, so a relying party cannot forge consent.

use std::fmt::Write as _;

use crate::http::login::page::{escape, layout};

/// What each scope means to a user.
fn describe(scope: &str) -> &str {
    match scope {
        "openid" => "Sign you in",
        "profile" => "Your name, username and locale",
        "email" => "Your email address",
        "phone" => "Your phone number",
        "address" => "Your postal address",
        "offline_access" => "Stay connected while you are away",
        "groups" => "The groups you belong to",
        "roles" => "Your roles",
        other => other,
    }
}

pub fn page(
    tenant_name: &str,
    client_name: &str,
    action: &str,
    csrf: &str,
    scope: &str,
    pairs: &[(String, String)],
) -> String {
    let mut body = format!(
        "<h1>{client} wants to access your {tenant} account</h1><p>It asks to:</p><ul>",
        client = escape(client_name),
        tenant = escape(tenant_name)
    );
    for s in scope.split(' ').filter(|s| !s.is_empty()) {
        let _ = write!(body, "<li>{}</li>", escape(describe(s)));
    }
    let _ = write!(
        body,
        "</ul><form method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        escape(action),
        escape(csrf)
    );
    for (name, value) in pairs.iter().filter(|(n, _)| n != "csrf" && n != "consent") {
        let _ = write!(
            body,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            escape(name),
            escape(value)
        );
    }
    body.push_str(
        "<button type=\"submit\" name=\"consent\" value=\"allow\">Allow</button>\
         <button type=\"submit\" name=\"consent\" value=\"deny\">Deny</button></form>",
    );
    layout(&format!("Allow access · {tenant_name}"), &body)
}
