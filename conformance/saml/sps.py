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
LogoutResponse that pysaml2 accepts.

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
        },
    }
    if idp_xml:
        s["idp"] = OneLogin_Saml2_IdPMetadataParser.parse(idp_xml)["idp"]
    else:
        s["idp"] = {"entityId": "https://placeholder.invalid/", "singleSignOnService": {"url": "https://placeholder.invalid/sso"},
                    "x509cert": pem_body(crt)}
    return s


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

    return finish(check)


def finish(check):
    return 0 if check.summary() else 1


if __name__ == "__main__":
    sys.exit(main())
