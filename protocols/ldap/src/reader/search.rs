//! One logical search read message by message: a streaming Search (RFC 4511
//! §4.5) reissued page after page with the paged results cookie (RFC 2696)
//! or the DirSync cookie, so that no more than a page is ever held. The
//! controls of the last SearchResultDone are kept for the caller (RFC 4533's
//! Sync Done control).

use std::time::Duration;

use ldap3::controls::{Control, RawControl};
use ldap3::{Ldap, LdapResult, Scope, SearchStream};

use crate::controls::{dirsync, malformed, paged};
use crate::entry::{read_message, Message};
use crate::error::{from_ldap3, operation_error, Result};

type Stream = SearchStream<'static, String, Vec<String>>;

/// How a search goes on after its first response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Paging {
    /// One request, one response.
    None,
    /// RFC 2696 pages of this size.
    Paged(u32),
    /// Active Directory DirSync: reissued while the server says more.
    DirSync,
}

/// A search in progress.
pub(crate) struct Search {
    ldap: Ldap,
    base: String,
    scope: Scope,
    filter: String,
    attrs: Vec<String>,
    controls: Vec<RawControl>,
    paging: Paging,
    timeout: Duration,
    cookie: Vec<u8>,
    stream: Option<Stream>,
    done: bool,
    result_controls: Vec<RawControl>,
}

impl std::fmt::Debug for Search {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Search")
            .field("base", &self.base)
            .field("filter", &self.filter)
            .field("paging", &self.paging)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Search {
    /// A whole-subtree search (or `scope`), not yet sent.
    pub(crate) fn new(
        ldap: &Ldap,
        base: String,
        scope: Scope,
        filter: String,
        attrs: Vec<String>,
        timeout: Duration,
    ) -> Self {
        Self {
            ldap: ldap.clone(),
            base,
            scope,
            filter,
            attrs,
            controls: Vec::new(),
            paging: Paging::None,
            timeout,
            cookie: Vec::new(),
            stream: None,
            done: false,
            result_controls: Vec::new(),
        }
    }

    /// Reads page by page.
    pub(crate) fn paging(mut self, paging: Paging) -> Self {
        self.paging = paging;
        self
    }

    /// Starts from this cookie (DirSync).
    pub(crate) fn cookie(mut self, cookie: Vec<u8>) -> Self {
        self.cookie = cookie;
        self
    }

    /// Sends this control with every request.
    pub(crate) fn control(mut self, control: RawControl) -> Self {
        self.controls.push(control);
        self
    }

    /// The next message; `None` once the last page is done.
    pub(crate) async fn next(&mut self) -> Result<Option<Message>> {
        loop {
            if self.done {
                return Ok(None);
            }
            if self.stream.is_none() {
                let stream = self.start().await?;
                self.stream = Some(stream);
            }
            let Some(stream) = self.stream.as_mut() else {
                continue;
            };
            match stream.next().await.map_err(from_ldap3)? {
                Some(item) => return read_message(item).map(Some),
                None => {
                    let res = stream.finish().await;
                    self.stream = None;
                    self.end_of_page(res)?;
                }
            }
        }
    }

    /// The controls of the last SearchResultDone.
    pub(crate) fn result_controls(&self) -> &[RawControl] {
        &self.result_controls
    }

    /// The last cookie (DirSync: the one to store).
    pub(crate) fn last_cookie(&self) -> &[u8] {
        &self.cookie
    }

    async fn start(&mut self) -> Result<Stream> {
        let mut controls = self.controls.clone();
        match self.paging {
            Paging::None => {}
            Paging::Paged(size) => controls.push(paged::request(size, &self.cookie)),
            Paging::DirSync => controls.push(dirsync::request(
                dirsync::FLAGS,
                dirsync::MAX_BYTES,
                &self.cookie,
            )),
        }
        let mut ldap = self.ldap.clone();
        ldap.with_controls(controls).with_timeout(self.timeout);
        ldap.streaming_search(&self.base, self.scope, &self.filter, self.attrs.clone())
            .await
            .map_err(from_ldap3)
    }

    fn end_of_page(&mut self, res: LdapResult) -> Result<()> {
        let controls: Vec<RawControl> = res.ctrls.into_iter().map(|Control(_, raw)| raw).collect();
        if res.rc != 0 {
            self.done = true;
            return Err(operation_error("search", res.rc, res.text));
        }
        let value_of = |oid: &str| {
            controls
                .iter()
                .find(|c| c.ctype == oid)
                .map(|c| c.val.clone().unwrap_or_default())
        };
        match self.paging {
            Paging::None => self.done = true,
            Paging::Paged(_) => {
                let cookie = match value_of(paged::OID) {
                    Some(v) => paged::response_cookie(&v).map_err(malformed("paged results"))?,
                    // The server ignored the (non-critical) control: all is here.
                    None => Vec::new(),
                };
                self.done = cookie.is_empty();
                self.cookie = cookie;
            }
            Paging::DirSync => {
                let v = value_of(dirsync::OID).ok_or(crate::error::Error::Malformed(
                    "DirSync response control missing",
                ))?;
                let response = dirsync::decode_response(&v).map_err(malformed("DirSync"))?;
                self.done = !response.more;
                self.cookie = response.cookie;
            }
        }
        self.result_controls = controls;
        Ok(())
    }
}
