//! The server-rendered HTML of the hosted login pages: plain forms that
//! work without JavaScript, labelled for screen readers, every dynamic value
//! escaped.

use std::fmt::Write as _;

/// Escapes text for use in HTML content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0}\
main{max-width:22rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:.5rem;\
box-shadow:0 1px 3px rgba(0,0,0,.15)}h1{font-size:1.4rem;margin-top:0}\
label{display:block;margin:.8rem 0 .2rem}input[type=text],input[type=password]\
{width:100%;padding:.5rem;box-sizing:border-box;font-size:1rem}\
button{margin-top:1.2rem;width:100%;padding:.6rem;font-size:1rem}\
.error{color:#a00;background:#fee;padding:.5rem;border-radius:.3rem}";

/// A whole page: `title` is plain text, `body` already-escaped HTML.
pub fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>\n",
        escape(title)
    )
}

/// What the login form shows.
#[derive(Debug, Default)]
pub struct LoginForm<'a> {
    pub tenant_name: &'a str,
    pub action: &'a str,
    pub csrf: &'a str,
    pub username: &'a str,
    pub return_to: Option<&'a str>,
    pub error: Option<&'a str>,
    /// A button per upstream identity provider: its label and the URL that
    /// starts a login through it.
    pub providers: &'a [(String, String)],
    /// Some provider takes users by email domain: an email without a
    /// password is a valid submission (home-realm discovery).
    pub home_realm: bool,
}

pub fn login(form: &LoginForm<'_>) -> String {
    let mut body = format!("<h1>Sign in to {}</h1>", escape(form.tenant_name));
    if let Some(error) = form.error {
        let _ = write!(
            body,
            "<p class=\"error\" role=\"alert\">{}</p>",
            escape(error)
        );
    }
    let _ = write!(
        body,
        "<form method=\"post\" action=\"{action}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">",
        action = escape(form.action),
        csrf = escape(form.csrf),
    );
    if let Some(return_to) = form.return_to {
        let _ = write!(
            body,
            "<input type=\"hidden\" name=\"return_to\" value=\"{}\">",
            escape(return_to)
        );
    }
    let (password_required, hint) = if form.home_realm {
        (
            "",
            "<p class=\"hint\">With a work email, leave the password empty to sign in at your organisation.</p>",
        )
    } else {
        (" required", "")
    };
    let _ = write!(
        body,
        "<label for=\"username\">Username or email</label>\
         <input type=\"text\" id=\"username\" name=\"username\" value=\"{}\" \
         autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" required autofocus>\
         <label for=\"password\">Password</label>\
         <input type=\"password\" id=\"password\" name=\"password\" \
         autocomplete=\"current-password\"{password_required}>{hint}\
         <button type=\"submit\">Sign in</button></form>",
        escape(form.username)
    );
    if !form.providers.is_empty() {
        body.push_str("<p>Or sign in with</p><ul class=\"providers\">");
        for (label, url) in form.providers {
            let _ = write!(
                body,
                "<li><a class=\"provider\" href=\"{}\">{}</a></li>",
                escape(url),
                escape(label)
            );
        }
        body.push_str("</ul>");
    }
    layout(&format!("Sign in · {}", form.tenant_name), &body)
}

/// The page shown while the browser tells the SAML applications of an
/// ended session (one hidden frame each, carrying a LogoutRequest), then
/// moves on to `continue_url` by itself after a few seconds (no script), or
/// at once with the link.
pub fn signing_out(tenant_name: &str, frames: &[String], continue_url: &str) -> String {
    let mut body = format!(
        "<h1>Signing you out of {}</h1><p>Telling your applications…</p>",
        escape(tenant_name)
    );
    for url in frames {
        let _ = write!(
            body,
            "<iframe src=\"{}\" title=\"sign-out\" hidden width=\"0\" height=\"0\"></iframe>",
            escape(url)
        );
    }
    let _ = write!(
        body,
        "<p><a href=\"{}\">Continue</a></p>",
        escape(continue_url)
    );
    layout("Signing out", &body).replacen(
        "<meta charset=\"utf-8\">",
        &format!(
            "<meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"3;url={}\">",
            escape(continue_url)
        ),
        1,
    )
}

/// An application the user let in, as the account page lists it.
#[derive(Debug)]
pub struct AppAccess<'a> {
    pub client_id: &'a str,
    pub name: &'a str,
    pub scope: &'a str,
}

/// A sign-in provider linked to the account, with what its Remove button
/// posts.
#[derive(Debug)]
pub struct LinkedProvider<'a> {
    pub label: &'a str,
    pub idp_id: &'a str,
    pub subject: &'a str,
}

/// What the account page shows and where its forms post.
#[derive(Debug)]
pub struct AccountPage<'a> {
    pub tenant_name: &'a str,
    pub display: &'a str,
    pub logout_action: &'a str,
    pub revoke_action: &'a str,
    pub csrf: &'a str,
    pub apps: &'a [AppAccess<'a>],
    pub linked: &'a [LinkedProvider<'a>],
    pub unlink_action: &'a str,
}

/// The signed-in user's page: the applications they let in (each with a
/// Revoke button), the sign-in providers linked to the account (each with a
/// Remove button) and a sign-out button.
pub fn account(p: &AccountPage<'_>) -> String {
    let AccountPage {
        tenant_name,
        display,
        logout_action,
        revoke_action,
        csrf,
        apps,
        linked,
        unlink_action,
    } = *p;
    let mut body = format!(
        "<h1>{tenant}</h1><p>You are signed in as <strong>{display}</strong>.</p>",
        tenant = escape(tenant_name),
        display = escape(display),
    );
    if !apps.is_empty() {
        body.push_str("<h2>Applications you allowed</h2><ul>");
        for app in apps {
            let _ = write!(
                body,
                "<li><strong>{name}</strong> ({scope})\
                 <form method=\"post\" action=\"{action}\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                 <input type=\"hidden\" name=\"client_id\" value=\"{client}\">\
                 <button type=\"submit\">Revoke access</button></form></li>",
                name = escape(app.name),
                scope = escape(app.scope),
                action = escape(revoke_action),
                csrf = escape(csrf),
                client = escape(app.client_id),
            );
        }
        body.push_str("</ul>");
    }
    if !linked.is_empty() {
        body.push_str("<h2>Sign-in providers linked to your account</h2><ul>");
        for l in linked {
            let _ = write!(
                body,
                "<li><strong>{label}</strong>\
                 <form method=\"post\" action=\"{action}\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                 <input type=\"hidden\" name=\"idp_id\" value=\"{idp}\">\
                 <input type=\"hidden\" name=\"subject\" value=\"{subject}\">\
                 <button type=\"submit\">Remove</button></form></li>",
                label = escape(l.label),
                action = escape(unlink_action),
                csrf = escape(csrf),
                idp = escape(l.idp_id),
                subject = escape(l.subject),
            );
        }
        body.push_str("</ul>");
    }
    let _ = write!(
        body,
        "<form method=\"post\" action=\"{action}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <button type=\"submit\">Sign out</button></form>",
        action = escape(logout_action),
        csrf = escape(csrf),
    );
    layout(&format!("Account · {tenant_name}"), &body)
}

/// The confirmation asked before signing out (a GET must not sign out).
pub fn confirm_logout(tenant_name: &str, logout_action: &str, csrf: &str) -> String {
    let body = format!(
        "<h1>Sign out of {tenant}?</h1>\
         <form method=\"post\" action=\"{action}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <button type=\"submit\">Sign out</button></form>",
        tenant = escape(tenant_name),
        action = escape(logout_action),
        csrf = escape(csrf),
    );
    layout(&format!("Sign out · {tenant_name}"), &body)
}

/// A page that only says what went wrong.
pub fn message(title: &str, text: &str) -> String {
    layout(
        title,
        &format!("<h1>{}</h1><p>{}</p>", escape(title), escape(text)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>"x" & 'y'</script>"#),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn login_form_escapes_the_echoed_username() {
        let html = login(&LoginForm {
            home_realm: false,
            tenant_name: "Acme",
            action: "/t/acme/login",
            csrf: "c",
            username: "\"><img src=x onerror=alert(1)>",
            ..LoginForm::default()
        });
        assert!(!html.contains("<img"));
        assert!(html.contains("name=\"username\""));
        assert!(html.contains("name=\"password\""));
        assert!(html.contains("for=\"password\""));
    }
}
