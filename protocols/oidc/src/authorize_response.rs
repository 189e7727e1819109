//! Authorization responses: the success (RFC 6749 §4.1.2) and error (RFC
//! 6749 §4.1.2.1, OIDC Core §3.1.2.6) parameters, with the `iss` of RFC 9207
//! §2, delivered in the `query` response mode (OAuth 2.0 Multiple Response
//! Type Encoding Practices §2.1) or the `form_post` one (OAuth 2.0 Form Post
//! Response Mode §2). There is no fragment mode: the implicit and hybrid
//! flows are not offered (RFC 9700 §2.1.2).

use std::fmt;

use crate::error::OAuthError;

/// How the authorization response reaches the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ResponseMode {
    /// Parameters added to the redirect URI's query; the default for `code`.
    #[default]
    Query,
    /// An auto-submitted HTML form POSTs the parameters to the redirect URI.
    FormPost,
}

impl ResponseMode {
    /// Every mode offered, for `response_modes_supported`.
    pub const ALL: [Self; 2] = [Self::Query, Self::FormPost];

    /// The `response_mode` value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::FormPost => "form_post",
        }
    }

    /// The mode named `value`, if offered.
    pub fn from_name(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == value)
    }
}

impl fmt::Display for ResponseMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An authorization response ready to deliver: where, how, and which
/// parameters, in wire order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationResponse {
    redirect_uri: String,
    mode: ResponseMode,
    params: Vec<(&'static str, String)>,
}

/// What the HTTP layer sends for an [`AuthorizationResponse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// A `303 See Other` (or `302 Found`) whose `Location` is this URL.
    Redirect(String),
    /// A `200 OK` HTML page (`text/html; charset=utf-8`) that posts the
    /// form. Send it with `Cache-Control: no-store`, a CSP whose
    /// `script-src` allows the nonce given to [`AuthorizationResponse::deliver`],
    /// and a `form-action` that allows the redirect URI.
    FormPost(String),
}

impl AuthorizationResponse {
    /// A success response: `code`, then `state` when the request had one,
    /// then `iss` (RFC 9207 §2).
    pub fn success(
        redirect_uri: &str,
        mode: ResponseMode,
        code: &str,
        state: Option<&str>,
        issuer: &str,
    ) -> Self {
        let mut params = vec![("code", code.to_owned())];
        if let Some(state) = state {
            params.push(("state", state.to_owned()));
        }
        params.push(("iss", issuer.to_owned()));
        Self {
            redirect_uri: redirect_uri.to_owned(),
            mode,
            params,
        }
    }

    /// An error response: `error`, `error_description` and `error_uri` when
    /// set, `state` when the request had one, and `iss` (RFC 9207 §2).
    pub fn error(
        redirect_uri: &str,
        mode: ResponseMode,
        error: &OAuthError,
        state: Option<&str>,
        issuer: &str,
    ) -> Self {
        let mut params = vec![("error", error.code().as_str().to_owned())];
        if let Some(d) = error.description() {
            params.push(("error_description", d.to_owned()));
        }
        if let Some(u) = error.uri() {
            params.push(("error_uri", u.to_owned()));
        }
        if let Some(state) = state {
            params.push(("state", state.to_owned()));
        }
        params.push(("iss", issuer.to_owned()));
        Self {
            redirect_uri: redirect_uri.to_owned(),
            mode,
            params,
        }
    }

    /// The redirect URI the response goes to.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The response mode.
    pub const fn mode(&self) -> ResponseMode {
        self.mode
    }

    /// The parameters, in wire order.
    pub fn params(&self) -> &[(&'static str, String)] {
        &self.params
    }

    /// Renders the response in its mode. `csp_nonce` is the nonce the page's
    /// Content-Security-Policy allows scripts with; only `form_post` uses it.
    pub fn deliver(&self, csp_nonce: &str) -> Delivery {
        match self.mode {
            ResponseMode::Query => Delivery::Redirect(self.to_redirect_url()),
            ResponseMode::FormPost => Delivery::FormPost(self.to_form_post_html(csp_nonce)),
        }
    }

    /// The redirect URI with the parameters added to its query, form-encoded
    /// (RFC 6749 Appendix B), keeping any query it already has (RFC 6749
    /// §3.1.2). A fragment, which a registered URI cannot have, is dropped.
    pub fn to_redirect_url(&self) -> String {
        let base = match self.redirect_uri.find('#') {
            Some(at) => &self.redirect_uri[..at],
            None => self.redirect_uri.as_str(),
        };
        let mut encoded = form_urlencoded::Serializer::new(String::new());
        for (name, value) in &self.params {
            encoded.append_pair(name, value);
        }
        let encoded = encoded.finish();
        let separator = match base.find('?') {
            None => "?",
            Some(at) if at + 1 == base.len() || base.ends_with('&') => "",
            Some(_) => "&",
        };
        format!("{base}{separator}{encoded}")
    }

    /// The `form_post` page: a form of hidden inputs posted to the redirect
    /// URI by a small inline script carrying `csp_nonce`, with a visible
    /// button for browsers without JavaScript. Every value is HTML-escaped.
    pub fn to_form_post_html(&self, csp_nonce: &str) -> String {
        let mut inputs = String::new();
        for (name, value) in &self.params {
            inputs.push_str(&format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
                escape_html(name),
                escape_html(value)
            ));
        }
        format!(
            "<!DOCTYPE html>\n\
             <html lang=\"en\">\n\
             <head>\n\
             <meta charset=\"utf-8\">\n\
             <meta name=\"referrer\" content=\"no-referrer\">\n\
             <title>Continue</title>\n\
             </head>\n\
             <body>\n\
             <form method=\"post\" action=\"{action}\">\n\
             {inputs}\
             <noscript><p>JavaScript is off: press the button to continue.</p></noscript>\n\
             <button type=\"submit\">Continue</button>\n\
             </form>\n\
             <script nonce=\"{nonce}\">document.forms[0].submit();</script>\n\
             </body>\n\
             </html>\n",
            action = escape_html(&self.redirect_uri),
            nonce = escape_html(csp_nonce),
        )
    }
}

/// Escapes the five characters that matter in HTML text and quoted
/// attribute values.
pub fn escape_html(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests;
