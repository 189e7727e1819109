"""Independent SAML service providers log in through a running USSO IdP.

pysaml2 (two SPs: one that signs its HTTP-Redirect AuthnRequests and
requires that USSO refuse unsigned ones, one that sends signed HTTP-POST
requests) and python3-saml (OneLogin, strict mode, HTTP-Redirect) are
registered with `usso saml-sp add`, load USSO's IdP metadata, and drive the
browser flow with `requests`: AuthnRequest -> hosted login page -> the
auto-posting Response, which each SP must accept. Then the refusals: each
must end at USSO with a 400 page and a logged reason. Last, single logout
started by the first pysaml2 SP (its metadata lists SingleLogoutService for
HTTP-Redirect and HTTP-POST): an unsigned LogoutRequest is refused, a signed
one over HTTP-Redirect ends the USSO session and comes back as a signed
LogoutResponse that pysaml2 accepts. Then single logout started by USSO: a
fresh session logs in to both pysaml2 SPs and python3-saml (whose metadata
now lists an HTTP-Redirect SingleLogoutService too) and signs out of USSO
(`GET`/`POST {issuer}/logout`); the sign-out page carries one hidden frame
per SP, whose signed LogoutRequest each library verifies (a damaged
signature refused) and answers at `{issuer}/saml/slo` (200).

Called by run.sh; prints one PASS/FAIL line per check and the summary.
"""

import argparse
import base64
import html
import json
import os
import re
import subprocess
import sys
import time
import traceback
import urllib.parse

import requests
import saml2
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.s_utils import decode_base64_and_inflate
from saml2.samlp import STATUS_SUCCESS
from saml2.sigver import verify_redirect_signature
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_PERSISTENT
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants as OL
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.logout_request import OneLogin_Saml2_Logout_Request
from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings

XMLSEC1 = os.environ.get("XMLSEC1", "/usr/bin/xmlsec1")
PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"


class Check:
    def __init__(self, label):
        self.label = label
        self.results = []

    def __call__(self, name, ok, detail=""):
        self.results.append((name, bool(ok), detail))
        print("%s %s%s" % ("PASS" if ok else "FAIL", name, (": " + detail) if detail and not ok else ""), flush=True)
        return bool(ok)

    def run(self, name, fn):
        """Runs fn(); an exception is a failure of `name`."""
        try:
            return fn()
        except Exception as e:  # noqa: BLE001 - every failure is reported
            self(name, False, "%s: %s" % (type(e).__name__, e))
            traceback.print_exc(file=sys.stdout)
            return None

    def summary(self):
        passed = sum(1 for _, ok, _ in self.results if ok)
        print("saml conformance (%s): %d checks, %d passed" % (self.label, len(self.results), passed))
        for name, ok, detail in self.results:
            if not ok:
                print("  FAILED %s%s" % (name, (": " + detail[:300]) if detail else ""))
        return passed == len(self.results) and self.results


# --- helpers ---------------------------------------------------------------


def keypair(work, name):
    key, crt = os.path.join(work, name + ".key"), os.path.join(work, name + ".crt")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "30",
         "-subj", "/CN=" + name, "-keyout", key, "-out", crt],
        check=True, capture_output=True,
    )
    return key, crt


def pem_body(path):
    return "".join(l.strip() for l in open(path) if not l.startswith("-----"))


def hidden_inputs(page):
    out = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        name = re.search(r'\bname="([^"]*)"', tag)
        value = re.search(r'\bvalue="([^"]*)"', tag)
        if name:
            out[html.unescape(name.group(1))] = html.unescape(value.group(1)) if value else ""
    return out


def query_of(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True))


def form_action(page):
    m = re.search(r'<form\b[^>]*\baction="([^"]*)"', page)
    return html.unescape(m.group(1)) if m else None


class Usso:
    """The server under test: its URLs, the CLI, the log."""

    def __init__(self, args):
        self.base = args.base.rstrip("/")
        self.tenant = args.tenant
        self.cli = json.loads(args.cli)
        self.log = args.server_log
        self.username = args.username
        self.password = args.password
        self.issuer = "%s/t/%s" % (self.base, self.tenant)
        self.metadata_url = self.issuer + "/saml/metadata"
        self.sso = self.issuer + "/saml/sso"

    def add_sp(self, metadata_file, *flags):
        out = subprocess.run(
            self.cli + ["saml-sp", "add", "--tenant", self.tenant, "--metadata-file", metadata_file, "--json", *flags],
            check=True, capture_output=True, text=True,
        )
        return json.loads(out.stdout)

    def log_size(self):
        return os.path.getsize(self.log)

    def refusals_since(self, offset):
        """Reasons of 'SAML request refused' log lines written after offset."""
        time.sleep(0.05)
        reasons = []
        with open(self.log, "rb") as f:
            f.seek(offset)
            for line in f.read().decode("utf-8", "replace").splitlines():
                try:
                    o = json.loads(line)
                except ValueError:
                    continue
                fields = o.get("fields", o)
                if "SAML request refused" in json.dumps(o):
                    reasons.append(str(fields.get("reason", o.get("reason", line))))
        return reasons


class Browser:
    """A browser: keeps cookies, signs in on the hosted login page."""

    def __init__(self, usso):
        self.usso = usso
        self.s = requests.Session()

    def get(self, url):
        return self.s.get(url, allow_redirects=False, timeout=15)

    def post(self, url, data):
        return self.s.post(url, data=data, allow_redirects=False, timeout=15)

    def absolute(self, location):
        return urllib.parse.urljoin(self.usso.base + "/", location)

    def log_in_from(self, response):
        """From a 303 to the login page: signs in, follows to the auto-post page."""
        assert response.status_code == 303, "expected 303 to the login page, got %d" % response.status_code
        login_url = self.absolute(response.headers["Location"])
        path = urllib.parse.urlsplit(login_url).path
        assert path == "/t/%s/login" % self.usso.tenant, "redirected to %s" % login_url
        page = self.s.get(login_url, timeout=15)
        assert page.status_code == 200, "login page: %d" % page.status_code
        fields = hidden_inputs(page.text)
        assert "csrf" in fields, "no csrf field on the login page"
        return_to = fields.get("return_to", "")
        assert "/saml/continue/" in return_to, "return_to is %r" % return_to
        form = {"username": self.usso.username, "password": self.usso.password, "csrf": fields["csrf"],
                "return_to": return_to}
        r = self.post(self.absolute(form_action(page.text) or path), form)
        hops = 0
        while r.status_code in (302, 303) and hops < 5:
            r = self.get(self.absolute(r.headers["Location"]))
            hops += 1
        return r, return_to

    def auto_post(self, response):
        """The auto-posting page: (action, SAMLResponse, RelayState)."""
        assert response.status_code == 200, "expected the auto-post page, got %d" % response.status_code
        fields = hidden_inputs(response.text)
        assert "SAMLResponse" in fields, "no SAMLResponse on the page"
        return form_action(response.text), fields["SAMLResponse"], fields.get("RelayState")


# --- pysaml2 -----------------------------------------------------------------


def slo_urls(acs):
    """The SP's SingleLogoutService URLs (HTTP-Redirect, HTTP-POST), next to its ACS."""
    base = acs.rsplit("/", 1)[0]
    return base + "/slo/redirect", base + "/slo/post"


def pysaml2_config(entity, acs, key, crt, signed_requests, idp_metadata=None):
    conf = {
        "entityid": entity,
        "key_file": key,
        "cert_file": crt,
        "xmlsec_binary": XMLSEC1,
        "allow_unknown_attributes": True,
        "service": {
            "sp": {
                "endpoints": {
                    "assertion_consumer_service": [(acs, BINDING_HTTP_POST)],
                    "single_logout_service": [(slo_urls(acs)[0], BINDING_HTTP_REDIRECT),
                                              (slo_urls(acs)[1], BINDING_HTTP_POST)],
                },
                "authn_requests_signed": signed_requests,
                "logout_requests_signed": True,
                "want_response_signed": True,
                "want_assertions_signed": True,
                "allow_unsolicited": True,
                "name_id_format": NAMEID_FORMAT_PERSISTENT,
                "signing_algorithm": SIG_RSA_SHA256,
                "digest_algorithm": DIGEST_SHA256,
            }
        },
    }
    if idp_metadata:
        conf["metadata"] = {"local": [idp_metadata]}
    c = SPConfig()
    c.load(conf)
    return c


class PySp:
    def __init__(self, work, name, entity, acs, signed_requests, key=None):
        self.name, self.entity, self.acs, self.signed = name, entity, acs, signed_requests
        self.key, self.crt = key or keypair(work, name)
        self.metadata_file = os.path.join(work, name + "-metadata.xml")
        md = create_metadata_string(None, config=pysaml2_config(entity, acs, self.key, self.crt, signed_requests),
                                    valid=24)
        with open(self.metadata_file, "wb") as f:
            f.write(md if isinstance(md, bytes) else md.encode())
        self.client = None

    def load_idp(self, idp_metadata_file):
        self.client = Saml2Client(
            config=pysaml2_config(self.entity, self.acs, self.key, self.crt, self.signed, idp_metadata_file))

    def redirect_request(self, idp, relay_state, sign=True, **kw):
        req_id, info = self.client.prepare_for_authenticate(
            entityid=idp, relay_state=relay_state, binding=BINDING_HTTP_REDIRECT,
            sign=sign, sigalg=SIG_RSA_SHA256 if sign else None, **kw)
        location = dict(info["headers"])["Location"]
        return req_id, location

    def post_request(self, idp_sso, relay_state):
        req_id, req = self.client.create_authn_request(
            idp_sso, binding=BINDING_HTTP_POST, sign=True, sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
        info = self.client.apply_binding(BINDING_HTTP_POST, str(req), idp_sso, relay_state)
        fields = hidden_inputs(info["data"])
        return req_id, fields

    def accept(self, saml_response, req_id):
        outstanding = {req_id: "/"} if req_id else None
        return self.client.parse_authn_request_response(saml_response, BINDING_HTTP_POST, outstanding=outstanding)

    def logout_redirect(self, idp, name_id, sign=True):
        """A LogoutRequest over HTTP-Redirect for name_id (pysaml2 adds the
        SessionIndex it kept from the login): (request ID, URL at the IdP)."""
        responses = self.client.do_logout(
            name_id, [idp], "urn:oasis:names:tc:SAML:2.0:logout:user", None, sign=sign,
            expected_binding=BINDING_HTTP_REDIRECT, sign_alg=SIG_RSA_SHA256 if sign else None,
            digest_alg=DIGEST_SHA256)
        binding, info = responses[idp]
        assert binding == BINDING_HTTP_REDIRECT, binding
        location = dict(info["headers"])["Location"]
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
        xml = decode_base64_and_inflate(query["SAMLRequest"]).decode()
        req_id = re.search(r'\bID="([^"]+)"', xml).group(1)
        return req_id, location, xml


def name_id_of(authn_response):
    nid = authn_response.name_id
    return nid.format, nid.text


def values_of(authn_response):
    out = set()
    for vals in (authn_response.ava or {}).values():
        out.update(vals)
    return out


# --- python3-saml ------------------------------------------------------------


def onelogin_settings(entity, acs, key, crt, idp_xml=None):
    s = {
        "strict": True,
        "debug": False,
        "sp": {
            "entityId": entity,
            "assertionConsumerService": {"url": acs, "binding": OL.BINDING_HTTP_POST},
            "singleLogoutService": {"url": onelogin_slo(acs), "binding": OL.BINDING_HTTP_REDIRECT},
            "NameIDFormat": PERSISTENT,
            "x509cert": pem_body(crt),
            "privateKey": open(key).read(),
        },
        "security": {
            "authnRequestsSigned": True,
            "wantAssertionsSigned": True,
            "wantMessagesSigned": True,
            "wantNameId": True,
            "signatureAlgorithm": OL.RSA_SHA256,
            "digestAlgorithm": OL.SHA256,
            "rejectDeprecatedAlgorithm": True,
            "logoutResponseSigned": True,
        },
    }
    if idp_xml:
        s["idp"] = OneLogin_Saml2_IdPMetadataParser.parse(idp_xml)["idp"]
    else:
        s["idp"] = {"entityId": "https://placeholder.invalid/", "singleSignOnService": {"url": "https://placeholder.invalid/sso"},
                    "x509cert": pem_body(crt)}
    return s


def onelogin_slo(acs):
    """python3-saml's SingleLogoutService (HTTP-Redirect), next to its ACS."""
    return acs.rsplit("/", 1)[0] + "/slo"


def request_data(url):
    u = urllib.parse.urlsplit(url)
    return {"https": "on" if u.scheme == "https" else "off", "http_host": u.hostname,
            "server_port": str(u.port or (443 if u.scheme == "https" else 80)), "script_name": u.path,
            "get_data": {}, "post_data": {}}


# --- the run ------------------------------------------------------------------


def xmlsec1_verifies(work, saml_response, idp_cert_pem):
    path = os.path.join(work, "response.xml")
    cert = os.path.join(work, "idp.crt")
    with open(path, "wb") as f:
        f.write(base64.b64decode(saml_response))
    with open(cert, "w") as f:
        f.write(idp_cert_pem)
    r = subprocess.run(
        [XMLSEC1, "--verify", "--enabled-key-data", "raw-x509-cert", "--pubkey-cert-pem", cert,
         "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:Response", path],
        capture_output=True, text=True)
    return r.returncode == 0, (r.stdout + r.stderr).strip()[-300:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--label", required=True)
    ap.add_argument("--base", required=True)
    ap.add_argument("--tenant", required=True)
    ap.add_argument("--username", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--cli", required=True, help="JSON argv of the usso CLI with its database flags")
    ap.add_argument("--server-log", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    usso = Usso(args)
    check = Check(args.label)
    work = args.work

    # SPs, their metadata, their registration.
    sp1 = PySp(work, "pysaml2-redirect", "https://sp1.pysaml2.test/metadata", "https://sp1.pysaml2.test/acs", True)
    sp2 = PySp(work, "pysaml2-post", "https://sp2.pysaml2.test/metadata", "https://sp2.pysaml2.test/acs", True)
    ol_key, ol_crt = keypair(work, "onelogin")
    ol_entity, ol_acs = "https://sp.onelogin.test/metadata", "https://sp.onelogin.test/acs"
    ol_md = OneLogin_Saml2_Settings(onelogin_settings(ol_entity, ol_acs, ol_key, ol_crt), sp_validation_only=True).get_sp_metadata()
    ol_md_file = os.path.join(work, "onelogin-metadata.xml")
    with open(ol_md_file, "wb") as f:
        f.write(ol_md if isinstance(ol_md, bytes) else ol_md.encode())

    reg = check.run("register pysaml2 SP (signed requests required)", lambda: usso.add_sp(sp1.metadata_file, "--name", "pysaml2 redirect", "--require-signed-requests", "true"))
    if reg is not None:
        check("register pysaml2 SP (signed requests required)", reg.get("entity_id") == sp1.entity, json.dumps(reg))
    reg = check.run("register pysaml2 SP (POST)", lambda: usso.add_sp(sp2.metadata_file, "--name", "pysaml2 post", "--require-signed-requests", "false"))
    if reg is not None:
        check("register pysaml2 SP (POST)", reg.get("entity_id") == sp2.entity, json.dumps(reg))
    reg = check.run("register python3-saml SP", lambda: usso.add_sp(ol_md_file, "--name", "python3-saml"))
    if reg is not None:
        check("register python3-saml SP", reg.get("entity_id") == ol_entity, json.dumps(reg))

    # USSO's IdP metadata, loaded into every SP.
    md = requests.get(usso.metadata_url, timeout=15)
    check("IdP metadata 200 with SAML metadata type",
          md.status_code == 200 and md.headers.get("content-type", "").startswith("application/samlmetadata+xml"),
          "%d %s" % (md.status_code, md.headers.get("content-type")))
    idp_md_file = os.path.join(work, "idp-metadata.xml")
    with open(idp_md_file, "wb") as f:
        f.write(md.content)
    check("IdP metadata entityID is its URL", ('entityID="%s"' % usso.metadata_url) in md.text)
    certs = re.findall(r"<(?:\w+:)?X509Certificate>([^<]+)<", md.text)
    check("IdP metadata publishes a certificate", bool(certs))
    idp_cert_pem = "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % "\n".join(
        re.findall(".{1,64}", re.sub(r"\s", "", certs[0] if certs else "")))
    if not check.run("pysaml2 loads the IdP metadata", lambda: (sp1.load_idp(idp_md_file), sp2.load_idp(idp_md_file), True)[-1]):
        return finish(check)
    check("pysaml2 loads the IdP metadata", True)
    ol_settings = check.run("python3-saml loads the IdP metadata",
                            lambda: OneLogin_Saml2_Settings(onelogin_settings(ol_entity, ol_acs, ol_key, ol_crt, md.text)))
    check("python3-saml loads the IdP metadata", ol_settings is not None)

    browser = Browser(usso)
    first_nid = {}

    # 1. pysaml2, HTTP-Redirect, signed, through the login page.
    def sp1_login():
        req_id, location = sp1.redirect_request(usso.metadata_url, "rs-redirect/1?a=b&c")
        check("pysaml2 Redirect request goes to USSO's SSO URL", location.startswith(usso.sso + "?"), location[:120])
        r = browser.get(location)
        r, _ = browser.log_in_from(r)
        action, resp, relay = browser.auto_post(r)
        check("pysaml2 Redirect: form posts to the SP's ACS", action == sp1.acs, str(action))
        check("pysaml2 Redirect: RelayState round trip", relay == "rs-redirect/1?a=b&c", repr(relay))
        ok, out = xmlsec1_verifies(work, resp, idp_cert_pem)
        check("xmlsec1 verifies the Response signature with the IdP certificate", ok, out)
        ar = sp1.accept(resp, req_id)
        check("pysaml2 accepts the Response (SP-initiated, Redirect)", ar is not None)
        fmt, nid = name_id_of(ar)
        check("pysaml2: NameID is persistent", fmt == PERSISTENT, str(fmt))
        vals = values_of(ar)
        check("pysaml2: email attribute released", "alice@example.com" in vals, repr(ar.ava))
        check("pysaml2: givenName attribute released", "Alice" in vals, repr(ar.ava))
        first_nid["sp1"] = nid
        first_nid["sp1-name-id"] = ar.name_id
        first_nid["sp1-session-index"] = ar.session_info().get("session_index")
        return True

    check.run("pysaml2 SP-initiated Redirect login", sp1_login)

    # 2. Again with the session: answered at once, same NameID.
    def sp1_again():
        req_id, location = sp1.redirect_request(usso.metadata_url, "second")
        r = browser.get(location)
        check("existing session: answered without the login page", r.status_code == 200, "status %d" % r.status_code)
        action, resp, relay = browser.auto_post(r)
        ar = sp1.accept(resp, req_id)
        check("pysaml2 accepts the second Response", ar is not None)
        check("persistent NameID stable across logins", name_id_of(ar)[1] == first_nid.get("sp1"))
        return True

    check.run("pysaml2 second SSO", sp1_again)

    # 3. pysaml2, HTTP-POST binding, signed request, with the session.
    def sp2_post():
        req_id, fields = sp2.post_request(usso.sso, "rs-post")
        check("pysaml2 POST request carries SAMLRequest", "SAMLRequest" in fields)
        r = browser.post(usso.sso, {"SAMLRequest": fields["SAMLRequest"], "RelayState": fields.get("RelayState", "")})
        action, resp, relay = browser.auto_post(r)
        check("pysaml2 POST: form posts to the SP's ACS", action == sp2.acs, str(action))
        check("pysaml2 POST: RelayState round trip", relay == "rs-post", repr(relay))
        ar = sp2.accept(resp, req_id)
        check("pysaml2 accepts the Response (SP-initiated, POST)", ar is not None)
        nid = name_id_of(ar)[1]
        check("persistent NameID differs between SPs", nid and nid != first_nid.get("sp1"))
        first_nid["sp2"] = nid
        return True

    check.run("pysaml2 SP-initiated POST login", sp2_post)

    # 4. IdP-initiated to the POST SP, with RelayState.
    def idp_initiated():
        q = urllib.parse.urlencode({"sp": sp2.entity, "RelayState": "x"})
        r = browser.get("%s/saml/idp-initiated?%s" % (usso.issuer, q))
        action, resp, relay = browser.auto_post(r)
        check("IdP-initiated: form posts to the SP's ACS", action == sp2.acs, str(action))
        check("IdP-initiated: RelayState round trip", relay == "x", repr(relay))
        ar = sp2.accept(resp, None)
        check("pysaml2 accepts the unsolicited Response", ar is not None)
        check("IdP-initiated: same persistent NameID", name_id_of(ar)[1] == first_nid.get("sp2"))
        return True

    check.run("IdP-initiated SSO", idp_initiated)

    # 5. python3-saml, strict, Redirect, signed; new browser (login page).
    def onelogin():
        b = Browser(usso)
        auth = OneLogin_Saml2_Auth(request_data(ol_acs), ol_settings)
        location = auth.login(return_to="ol-relay")
        req_id = auth.get_last_request_id()
        check("python3-saml request is signed", "Signature=" in location and "SigAlg=" in location)
        r = b.get(location)
        r, _ = b.log_in_from(r)
        action, resp, relay = b.auto_post(r)
        check("python3-saml: form posts to the SP's ACS", action == ol_acs, str(action))
        check("python3-saml: RelayState round trip", relay == "ol-relay", repr(relay))
        response = OneLogin_Saml2_Response(ol_settings, resp)
        valid = response.is_valid(request_data(ol_acs), req_id, raise_exceptions=False)
        check("python3-saml (strict) accepts the Response", valid, str(response.get_error()))
        if valid:
            check("python3-saml: persistent NameID", response.get_nameid_format() == PERSISTENT,
                  str(response.get_nameid_format()))
            attrs = response.get_attributes()
            check("python3-saml: email attribute", any("alice@example.com" in v for v in attrs.values()), repr(attrs))
        # The same Response for another request ID must fail at the SP.
        other = OneLogin_Saml2_Response(ol_settings, resp)
        check("python3-saml refuses it for another request ID",
              not other.is_valid(request_data(ol_acs), "_not-the-request", raise_exceptions=False))
        return True

    check.run("python3-saml SP-initiated login", onelogin)

    # 6. Refusals: a 400 page at USSO and a logged reason.
    def refused(name, send, reason_re):
        def go():
            offset = usso.log_size()
            r = send()
            check(name + ": 400 page", r.status_code == 400 and "SAMLResponse" not in r.text,
                  "status %d" % r.status_code)
            reasons = usso.refusals_since(offset)
            check(name + ": reason logged", any(re.search(reason_re, x, re.I) for x in reasons), repr(reasons))
            return True
        check.run(name, go)

    stranger = PySp(work, "stranger", "https://stranger.pysaml2.test/metadata", "https://stranger.pysaml2.test/acs", True)
    stranger.load_idp(idp_md_file)
    refused("unregistered entity",
            lambda: browser.get(stranger.redirect_request(usso.metadata_url, "s")[1]),
            r"no service provider")
    refused("ACS URL not in the metadata",
            lambda: browser.get(sp1.redirect_request(usso.metadata_url, "s",
                                                     assertion_consumer_service_url="https://evil.test/acs")[1]),
            r"ACS URL .* not registered|no matching endpoint")
    refused("unsigned request to an SP requiring signatures",
            lambda: browser.get(sp1.redirect_request(usso.metadata_url, "s", sign=False)[1]),
            r"not signed but a signature is required")
    intruder = PySp(work, "intruder", sp1.entity, sp1.acs, True)
    intruder.load_idp(idp_md_file)
    refused("request signed by another key",
            lambda: browser.get(intruder.redirect_request(usso.metadata_url, "s")[1]),
            r"signature invalid")

    # 7. Single logout started by the pysaml2 SP (Profiles §4.4), in the
    # browser of the first login: unsigned first (refused, the session
    # lives on), then signed over HTTP-Redirect.
    def slo_refused_unsigned():
        name_id = first_nid.get("sp1-name-id")
        assert name_id is not None, "no login to log out of"
        offset = usso.log_size()
        _, location, _ = sp1.logout_redirect(usso.metadata_url, name_id, sign=False)
        check("SLO unsigned: request carries no Signature", "Signature=" not in location, location[:160])
        r = browser.get(location)
        check("SLO unsigned LogoutRequest: 400 page", r.status_code == 400 and "SAMLResponse" not in r.text,
              "status %d" % r.status_code)
        reasons = usso.refusals_since(offset)
        check("SLO unsigned LogoutRequest: reason logged",
              any(re.search(r"not signed but a signature is required", x, re.I) for x in reasons), repr(reasons))
        req_id, location = sp1.redirect_request(usso.metadata_url, "still")
        r = browser.get(location)
        check("SLO unsigned LogoutRequest: the session lives on", r.status_code == 200, "status %d" % r.status_code)
        return True

    check.run("SLO unsigned LogoutRequest refused", slo_refused_unsigned)

    def slo():
        name_id = first_nid.get("sp1-name-id")
        assert name_id is not None, "no login to log out of"
        req_id, location, xml = sp1.logout_redirect(usso.metadata_url, name_id)
        check("SLO: pysaml2 sends its signed LogoutRequest to USSO's SLO URL",
              location.startswith(usso.issuer + "/saml/slo?") and "Signature=" in location, location[:160])
        session_index = first_nid.get("sp1-session-index")
        check("SLO: LogoutRequest carries the login's SessionIndex",
              session_index and (">%s<" % session_index) in xml, "%r not in %s" % (session_index, xml[:400]))
        request_relay = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query)).get("RelayState")
        r = browser.get(location)
        check("SLO: 303 to the SP's SingleLogoutService (Redirect)",
              r.status_code == 303 and r.headers.get("Location", "").startswith(slo_urls(sp1.acs)[0] + "?"),
              "status %d, Location %s" % (r.status_code, r.headers.get("Location", "")[:160]))
        back = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(r.headers.get("Location", "")).query))
        check("SLO: SAMLResponse, SigAlg and Signature in the redirect",
              all(k in back for k in ("SAMLResponse", "SigAlg", "Signature")), repr(sorted(back)))
        check("SLO: RelayState round trip", back.get("RelayState") == request_relay,
              "%r != %r" % (back.get("RelayState"), request_relay))
        idp_cert_b64 = re.sub(r"\s", "", certs[0])
        check("SLO: pysaml2 verifies the Redirect signature with the IdP certificate",
              verify_redirect_signature(back, sp1.client.sec.sec_backend, idp_cert_b64))
        tampered = dict(back, RelayState=(back.get("RelayState") or "") + "x")
        check("SLO: a tampered redirect does not verify",
              not verify_redirect_signature(tampered, sp1.client.sec.sec_backend, idp_cert_b64))
        lr = sp1.client.parse_logout_request_response(back["SAMLResponse"], BINDING_HTTP_REDIRECT)
        check("SLO: pysaml2 accepts the LogoutResponse", lr is not None)
        status = lr.response.status.status_code.value
        check("SLO: LogoutResponse status Success", status == STATUS_SUCCESS, str(status))
        check("SLO: InResponseTo is the request ID", lr.in_response_to == req_id,
              "%r != %r" % (lr.in_response_to, req_id))
        check("SLO: LogoutResponse Issuer is the IdP", lr.response.issuer.text == usso.metadata_url,
              str(lr.response.issuer.text))
        check("SLO: LogoutResponse Destination is the SP's SLO URL",
              lr.response.destination == slo_urls(sp1.acs)[0], str(lr.response.destination))
        # The USSO session is gone: a new SSO goes to the login page.
        _, location = sp1.redirect_request(usso.metadata_url, "after-slo")
        r = browser.get(location)
        login = urllib.parse.urlsplit(browser.absolute(r.headers.get("Location", ""))).path
        check("SLO: the USSO session is gone (next SSO goes to the login page)",
              r.status_code == 303 and login == "/t/%s/login" % usso.tenant,
              "status %d, Location %s" % (r.status_code, r.headers.get("Location")))
        return True

    check.run("SLO signed LogoutRequest over HTTP-Redirect", slo)

    # 8. USSO ends the session (sign-out at USSO, SAML Profiles §4.4.3.2 with
    # USSO as the IdP): a fresh browser logs in to the two pysaml2 SPs and
    # python3-saml, then signs out of USSO. The answer is the sign-out page,
    # one hidden frame per SP carrying a LogoutRequest signed by the IdP key
    # over HTTP-Redirect; each SP library verifies and answers its request.
    slo_state = {}

    def idp_logout_logins():
        b = Browser(usso)
        slo_state["browser"] = b
        req_id, location = sp1.redirect_request(usso.metadata_url, "slo-1")
        r, _ = b.log_in_from(b.get(location))
        _, resp, _ = b.auto_post(r)
        ar = sp1.accept(resp, req_id)
        slo_state["sp1"] = (ar.name_id, ar.session_info().get("session_index"))
        req_id, fields = sp2.post_request(usso.sso, "slo-2")
        r = b.post(usso.sso, {"SAMLRequest": fields["SAMLRequest"], "RelayState": fields.get("RelayState", "")})
        _, resp, _ = b.auto_post(r)
        ar = sp2.accept(resp, req_id)
        slo_state["sp2"] = (ar.name_id, ar.session_info().get("session_index"))
        auth = OneLogin_Saml2_Auth(request_data(ol_acs), ol_settings)
        location = auth.login(return_to="slo-3")
        ol_req_id = auth.get_last_request_id()
        _, resp, _ = b.auto_post(b.get(location))
        response = OneLogin_Saml2_Response(ol_settings, resp)
        assert response.is_valid(request_data(ol_acs), ol_req_id, raise_exceptions=False), response.get_error()
        slo_state["ol"] = (response.get_nameid(), response.get_session_index())
        check("IdP-initiated SLO: a fresh session logged in to the two pysaml2 SPs and python3-saml",
              all(slo_state[k][1] for k in ("sp1", "sp2", "ol")), repr(slo_state))
        return True

    def idp_logout_page():
        b = slo_state["browser"]
        page = b.get(usso.issuer + "/logout")
        csrf = hidden_inputs(page.text).get("csrf")
        check("sign-out: GET {issuer}/logout offers a form with csrf", page.status_code == 200 and csrf,
              "status %d" % page.status_code)
        r = b.post(usso.issuer + "/logout", {"csrf": csrf})
        check("sign-out: 200 'Signing you out' page", r.status_code == 200 and "Signing you out" in r.text,
              "status %d, Location %s, body %s" % (r.status_code, r.headers.get("Location"), r.text[:200]))
        raw = re.findall(r'<iframe\b[^>]*\bsrc="([^"]*)"', r.text)
        check("sign-out: & in the frame URLs is written &amp;",
              raw and all("&amp;" in x and not re.search(r"&(?!amp;)", x) for x in raw), repr([x[:120] for x in raw]))
        frames = [html.unescape(x) for x in raw]
        hidden = re.findall(r"<iframe\b[^>]*>", r.text)
        check("sign-out: the frames are hidden", hidden and all(re.search(r"\bhidden\b", t) for t in hidden),
              repr(hidden[:1]))
        targets = {"sp1": slo_urls(sp1.acs)[0], "sp2": slo_urls(sp2.acs)[0], "ol": onelogin_slo(ol_acs)}
        by_sp = {k: [f for f in frames if f.startswith(u + "?")] for k, u in targets.items()}
        check("sign-out: one frame per SP, at its HTTP-Redirect SingleLogoutService",
              len(frames) == 3 and all(len(v) == 1 for v in by_sp.values()), repr([f[:80] for f in frames]))
        csp = r.headers.get("Content-Security-Policy", "")
        frame_src = re.search(r"frame-src ([^;]*)", csp)
        origins = set(frame_src.group(1).split()) if frame_src else set()
        want = {"https://sp1.pysaml2.test", "https://sp2.pysaml2.test", "https://sp.onelogin.test"}
        check("sign-out: CSP frame-src lists the SPs' origins", want <= origins, repr(csp))
        login = "/t/%s/login" % usso.tenant
        refresh = re.search(r'<meta http-equiv="refresh" content="([^"]*)"', r.text)
        check("sign-out: meta refresh to the login page after 3 s",
              refresh and html.unescape(refresh.group(1)) == "3;url=" + login, repr(refresh and refresh.group(0)))
        links = [html.unescape(x) for x in re.findall(r'<a\b[^>]*\bhref="([^"]*)"[^>]*>\s*Continue', r.text)]
        check("sign-out: Continue link to the login page", links == [login], repr(links))
        for k, v in by_sp.items():
            if v:
                q = query_of(v[0])
                check("sign-out frame %s: SAMLRequest, SigAlg (RSA-SHA256), Signature" % k,
                      "SAMLRequest" in q and "Signature" in q and q.get("SigAlg") == SIG_RSA_SHA256, repr(sorted(q)))
        slo_state["frames"] = {k: v[0] for k, v in by_sp.items() if v}
        return True

    def flipped(sig):
        raw = bytearray(base64.b64decode(sig))
        raw[len(raw) // 2] ^= 0x01
        return base64.b64encode(bytes(raw)).decode()

    def pysaml2_frame(name, sp, key, answer_binding):
        def go():
            src = slo_state["frames"][key]
            q = query_of(src)
            # pysaml2 checks a Redirect request's signature only when told to
            # (this knob, though named for AuthnRequests, governs every
            # request it parses): against USSO's IdP metadata certificate.
            sp.client.config.setattr("idp", "want_authn_requests_signed", True)

            def parse(query):
                return sp.client.parse_logout_request(
                    query["SAMLRequest"], BINDING_HTTP_REDIRECT, relay_state=query.get("RelayState"),
                    sigalg=query.get("SigAlg"), signature=query.get("Signature"))

            req = parse(q)
            check(name + ": pysaml2 parse_logout_request accepts it (Redirect signature verified)", req is not None)
            try:
                bad = parse(dict(q, Signature=flipped(q["Signature"])))
            except Exception:  # noqa: BLE001 - refusing is the expected outcome
                bad = None
            check(name + ": pysaml2 refuses a copy with a damaged signature (so it did verify)", bad is None)
            idp_cert_b64 = re.sub(r"\s", "", certs[0])
            check(name + ": the signature verifies with the certificate in the IdP metadata",
                  verify_redirect_signature({k: q[k] for k in ("SAMLRequest", "SigAlg", "Signature", "RelayState")
                                             if k in q}, sp.client.sec.sec_backend, idp_cert_b64))
            m = req.message
            name_id, session_index = slo_state[key]
            check(name + ": Issuer is the IdP entityID", m.issuer is not None and m.issuer.text == usso.metadata_url,
                  repr(m.issuer.text if m.issuer is not None else None))
            check(name + ": Destination is the SP's SLO URL", m.destination == slo_urls(sp.acs)[0], repr(m.destination))
            check(name + ": NameID is the one of the login",
                  m.name_id is not None and m.name_id.text == name_id.text and m.name_id.format == name_id.format,
                  "%r != %r" % (m.name_id, name_id))
            indexes = [si.text for si in (m.session_index or [])]
            check(name + ": SessionIndex is the one of the login", indexes == [session_index],
                  "%r != %r" % (indexes, session_index))
            # pysaml2's LogoutResponse, to USSO's SingleLogoutService.
            sign_xml = answer_binding == BINDING_HTTP_POST
            resp = sp.client.create_logout_response(m, [answer_binding], sign=sign_xml, sign_alg=SIG_RSA_SHA256,
                                                    digest_alg=DIGEST_SHA256)
            # (signed, pysaml2 hands back the XML text rather than the object)
            xml = resp if isinstance(resp, str) else str(resp)
            destination = re.search(r'<(?:\w+:)?LogoutResponse\b[^>]*\bDestination="([^"]*)"', xml)
            destination = html.unescape(destination.group(1)) if destination else None
            check(name + ": pysaml2 answers to USSO's SLO URL", destination == usso.issuer + "/saml/slo",
                  repr(destination))
            if sign_xml:
                check(name + ": pysaml2 signed its LogoutResponse (XML signature, for HTTP-POST)",
                      re.search(r"<(?:\w+:)?Signature\b", xml), xml[:200])
            info = sp.client.apply_binding(answer_binding, xml, destination, q.get("RelayState"),
                                           response=True, sign=not sign_xml, sigalg=SIG_RSA_SHA256)
            b = slo_state["browser"]
            if answer_binding == BINDING_HTTP_REDIRECT:
                r = b.get(dict(info["headers"])["Location"])
            else:
                fields = hidden_inputs(info["data"])
                r = b.post(form_action(info["data"]) or destination, fields)
            check(name + ": USSO acknowledges the LogoutResponse (%s): 200" % answer_binding.rsplit(":", 1)[-1],
                  r.status_code == 200, "status %d, body %s" % (r.status_code, r.text[:200]))
            return True
        check.run(name, go)

    def onelogin_frame():
        name = "sign-out frame python3-saml"
        src = slo_state["frames"]["ol"]
        q = query_of(src)
        xml = decode_base64_and_inflate(q["SAMLRequest"]).decode()
        name_id, session_index = slo_state["ol"]
        check(name + ": NameID is the one of the login", OneLogin_Saml2_Logout_Request.get_nameid(xml) == name_id,
              "%r != %r" % (OneLogin_Saml2_Logout_Request.get_nameid(xml), name_id))
        check(name + ": SessionIndex is the one of the login",
              OneLogin_Saml2_Logout_Request.get_session_indexes(xml) == [session_index],
              "%r != %r" % (OneLogin_Saml2_Logout_Request.get_session_indexes(xml), session_index))

        def process(query):
            data = dict(request_data(onelogin_slo(ol_acs)), get_data=query)
            auth = OneLogin_Saml2_Auth(data, ol_settings)
            return auth, auth.process_slo(keep_local_session=True)

        bad_auth, bad = process(dict(q, Signature=flipped(q["Signature"])))
        check(name + ": python3-saml refuses a copy with a damaged signature (invalid_logout_request_signature)",
              bad is None and "invalid_logout_request_signature" in bad_auth.get_errors(), repr(bad_auth.get_errors()))
        auth, back = process(q)
        check(name + ": python3-saml (strict) accepts it (signature checked with the IdP certificate)",
              not auth.get_errors() and back, "%s %s" % (auth.get_errors(), auth.get_last_error_reason()))
        check(name + ": python3-saml answers with a signed LogoutResponse to USSO's SLO URL",
              back and back.startswith(usso.issuer + "/saml/slo?") and "Signature=" in back, str(back)[:160])
        if back:
            r = slo_state["browser"].get(back)
            check(name + ": USSO acknowledges the LogoutResponse: 200", r.status_code == 200,
                  "status %d, body %s" % (r.status_code, r.text[:200]))
        return True

    def idp_logout_ended():
        b = slo_state["browser"]
        _, location = sp1.redirect_request(usso.metadata_url, "after-sign-out")
        r = b.get(location)
        login = urllib.parse.urlsplit(b.absolute(r.headers.get("Location", ""))).path
        check("sign-out: the USSO session is gone (next SSO goes to the login page)",
              r.status_code == 303 and login == "/t/%s/login" % usso.tenant,
              "status %d, Location %s" % (r.status_code, r.headers.get("Location")))
        return True

    if check.run("IdP-initiated SLO logins", idp_logout_logins) and check.run("sign-out page", idp_logout_page):
        pysaml2_frame("sign-out frame pysaml2 Redirect SP", sp1, "sp1", BINDING_HTTP_REDIRECT)
        pysaml2_frame("sign-out frame pysaml2 POST SP", sp2, "sp2", BINDING_HTTP_POST)
        check.run("sign-out frame python3-saml", onelogin_frame)
        check.run("sign-out ends the session", idp_logout_ended)

    return finish(check)


def finish(check):
    return 0 if check.summary() else 1


if __name__ == "__main__":
    sys.exit(main())
