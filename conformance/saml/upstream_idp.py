"""USSO as a SAML service provider, driven by an independent upstream IdP.

pysaml2 plays the upstream identity provider, in-process (no web server):
a `saml2.server.Server` with its own key, an SSO endpoint over
HTTP-Redirect at a URL that is never served, and USSO's SP metadata (from
`saml_sp_metadata_url`) in its metadata store. Its metadata is registered
with `usso idp add-saml`; a `requests.Session` plays the browser (cookies
kept, redirects read by hand): USSO's login start must send a signed
AuthnRequest that pysaml2 accepts, and pysaml2's Responses posted to USSO's
ACS must log the user in (created on first login), in every signing and
encryption variant. Then the refusals (a 400 page and no session) and the
account rules (403), and `idp_hint` on the OIDC authorize endpoint. Last,
single logout: the IdP's metadata lists an HTTP-Redirect SingleLogoutService
(never served either); pysaml2 sends signed and unsigned LogoutRequests to
`{issuer}/saml/sp/slo` and verifies USSO's LogoutResponse, then verifies and
answers the LogoutRequest USSO sends when a session that came from it is
signed out (also through the sign-out page when the session logged in to a
SAML application of the tenant).

Called by run.sh after sps.py, against the same server; prints one
PASS/FAIL line per check and the summary; exits non-zero on any failure.
"""

import argparse
import base64
import functools
import hashlib
import html
import json
import os
import re
import secrets
import subprocess
import sys
import time
import traceback
import urllib.parse

import requests
import saml2.assertion
import saml2.entity
import saml2.sigver
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig, SPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT, NameID
from saml2.saml import AUTHN_PASSWORD_PROTECTED
from saml2.server import Server
from saml2.sigver import verify_redirect_signature
from saml2.s_utils import assertion_factory as pysaml2_assertion_factory
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

XMLSEC1 = os.environ.get("XMLSEC1", "/usr/bin/xmlsec1")
AES128_CBC = "http://www.w3.org/2001/04/xmlenc#aes128-cbc"
AES256_GCM = "http://www.w3.org/2009/xmlenc11#aes256-gcm"
# xmlsec1's --session-key for each data cipher (pysaml2 always asks des-192).
SESSION_KEY = {AES128_CBC: "aes-128", AES256_GCM: "aes-256"}


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
        print("saml upstream-idp conformance (%s): %d checks, %d passed" % (self.label, len(self.results), passed))
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


def query_of(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True))


def pem_of(b64):
    body = re.sub(r"\s", "", b64)
    return "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % "\n".join(re.findall(".{1,64}", body))


def short(text, n=200):
    text = re.sub(r"\s+", " ", text or "")
    return text[:n]


class Usso:
    """The server under test: its URLs, the CLI, the log."""

    def __init__(self, args):
        self.base = args.base.rstrip("/")
        self.tenant = args.tenant
        self.cli = json.loads(args.cli)
        self.log = args.server_log

    def issuer(self, tenant=None):
        return "%s/t/%s" % (self.base, tenant or self.tenant)

    def acs(self, tenant=None):
        return self.issuer(tenant) + "/saml/sp/acs"

    def run(self, *argv, stdin=None):
        out = subprocess.run(self.cli + list(argv), capture_output=True, text=True, input=stdin)
        if out.returncode != 0:
            raise RuntimeError("usso %s: exit %d: %s" % (" ".join(argv[:2]), out.returncode, short(out.stderr, 400)))
        return out.stdout

    def json(self, *argv):
        return json.loads(self.run(*argv))

    def users(self, tenant=None):
        return self.json("user", "list", "--tenant", tenant or self.tenant, "--json")

    def log_size(self):
        return os.path.getsize(self.log)

    def log_since(self, offset):
        """(message, reason) of the JSON log lines written after offset."""
        time.sleep(0.05)
        out = []
        with open(self.log, "rb") as f:
            f.seek(offset)
            for line in f.read().decode("utf-8", "replace").splitlines():
                try:
                    o = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(o, dict):
                    continue
                fields = o.get("fields") if isinstance(o.get("fields"), dict) else o
                message = str(fields.get("message", o.get("message", "")))
                reason = fields.get("reason", o.get("reason"))
                if reason is not None or o.get("level") in ("WARN", "ERROR", "warn", "error"):
                    out.append((message, str(reason) if reason is not None else ""))
        return out


class Browser:
    """A browser: keeps cookies, follows nothing by itself."""

    def __init__(self, usso):
        self.usso = usso
        self.s = requests.Session()

    def get(self, url):
        return self.s.get(self.absolute(url), allow_redirects=False, timeout=15)

    def post(self, url, data):
        return self.s.post(self.absolute(url), data=data, allow_redirects=False, timeout=15)

    def absolute(self, location):
        return urllib.parse.urljoin(self.usso.base + "/", location)

    def signed_in_page(self, tenant=None):
        """The /account page when signed in (status 200), else None."""
        r = self.get(self.usso.issuer(tenant) + "/account")
        return r.text if r.status_code == 200 else None


# --- the upstream IdP (pysaml2) ----------------------------------------------


def idp_config(entity, sso, slo, key, crt, sp_metadata_files=None):
    conf = {
        "entityid": entity,
        "key_file": key,
        "cert_file": crt,
        "xmlsec_binary": XMLSEC1,
        "allow_unknown_attributes": True,
        "signing_algorithm": SIG_RSA_SHA256,
        "digest_algorithm": DIGEST_SHA256,
        "service": {
            "idp": {
                "endpoints": {"single_sign_on_service": [(sso, BINDING_HTTP_REDIRECT)],
                              # never served either: read from Location
                              "single_logout_service": [(slo, BINDING_HTTP_REDIRECT)]},
                # parse_authn_request refuses a request whose Redirect
                # signature does not verify with the SP's metadata certificate.
                "want_authn_requests_signed": True,
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "policy": {"default": {"lifetime": {"minutes": 10}, "name_form": NAME_FORMAT_URI}},
            }
        },
    }
    if sp_metadata_files:
        conf["metadata"] = {"local": list(sp_metadata_files)}
    c = IdPConfig()
    c.load(conf)
    return c


class Idp:
    """One pysaml2 IdP: its keys, its metadata file, its Server once it knows the SPs."""

    def __init__(self, work, name, entity, key=None):
        self.name, self.entity = name, entity
        self.sso = "https://%s/sso/redirect" % urllib.parse.urlsplit(entity).hostname
        self.slo = "https://%s/slo/redirect" % urllib.parse.urlsplit(entity).hostname
        self.key, self.crt = key or keypair(work, name)
        self.metadata_file = os.path.join(work, name + "-metadata.xml")
        md = create_metadata_string(None, config=idp_config(entity, self.sso, self.slo, self.key, self.crt), valid=24)
        with open(self.metadata_file, "wb") as f:
            f.write(md if isinstance(md, bytes) else md.encode())
        self.server = None

    def load_sps(self, sp_metadata_files):
        self.server = Server(config=idp_config(self.entity, self.sso, self.slo, self.key, self.crt, sp_metadata_files))

    def parse_request(self, location):
        """The AuthnRequest of a Redirect-binding URL, its signature checked."""
        q = query_of(location)
        return self.server.parse_authn_request(
            q["SAMLRequest"], BINDING_HTTP_REDIRECT, relay_state=q.get("RelayState"),
            sigalg=q.get("SigAlg"), signature=q.get("Signature"))

    def response(self, in_response_to, destination, audience, subject, attributes, *, sign_response=False,
                 sign_assertion=True, encrypt_cert=None, data_cipher=AES128_CBC, name_id_format=NAMEID_FORMAT_PERSISTENT,
                 assertion_id=None):
        """A base64 SAMLResponse for the HTTP-POST binding."""
        name_id = NameID(format=name_id_format, text=subject, name_qualifier=self.entity, sp_name_qualifier=audience)
        kw = {}
        if encrypt_cert:
            kw = {"encrypt_assertion": True, "encrypt_cert_assertion": encrypt_cert,
                  "encrypt_assertion_self_contained": True}
        with pysaml2_overrides(assertion_id=assertion_id, data_cipher=data_cipher):
            resp = self.server.create_authn_response(
                identity=attributes, in_response_to=in_response_to, destination=destination, sp_entity_id=audience,
                name_id=name_id, authn={"class_ref": AUTHN_PASSWORD_PROTECTED, "authn_auth": self.entity},
                sign_response=sign_response, sign_assertion=sign_assertion,
                sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256, **kw)
        xml = resp if isinstance(resp, str) else str(resp)
        return base64.b64encode(xml.encode()).decode(), xml


class pysaml2_overrides:
    """Within the block: the assertion ID (to replay one) and the data cipher
    of EncryptedAssertion (pysaml2's default is 3DES-CBC; AES is what IdPs send
    today)."""

    def __init__(self, assertion_id=None, data_cipher=AES128_CBC):
        self.assertion_id, self.data_cipher = assertion_id, data_cipher

    def __enter__(self):
        self.saved = (saml2.assertion.assertion_factory, saml2.entity.pre_encryption_part,
                      saml2.sigver.SecurityContext.encrypt_assertion)
        if self.assertion_id:
            fixed = self.assertion_id

            def factory(**kwargs):
                a = pysaml2_assertion_factory(**kwargs)
                a.id = fixed
                return a

            saml2.assertion.assertion_factory = factory
        saml2.entity.pre_encryption_part = functools.partial(self.saved[1], msg_enc=self.data_cipher)
        encrypt, session_key = self.saved[2], SESSION_KEY[self.data_cipher]

        def encrypt_assertion(ctx, statement, enc_key, template, key_type=None, node_xpath=None):
            return encrypt(ctx, statement, enc_key, template, session_key, node_xpath)

        saml2.sigver.SecurityContext.encrypt_assertion = encrypt_assertion
        return self

    def __exit__(self, *exc):
        (saml2.assertion.assertion_factory, saml2.entity.pre_encryption_part,
         saml2.sigver.SecurityContext.encrypt_assertion) = self.saved
        return False


def assertion_id_of(xml):
    m = re.search(r"<(?:\w+:)?Assertion\b[^>]*\bID=\"([^\"]+)\"", xml)
    return m.group(1) if m else None


# --- the run ------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--label", required=True)
    ap.add_argument("--base", required=True)
    ap.add_argument("--tenant", required=True)
    ap.add_argument("--existing-username", required=True, help="a user of the tenant, with --existing-email")
    ap.add_argument("--existing-email", required=True)
    ap.add_argument("--cli", required=True, help="JSON argv of the usso CLI with its database flags")
    ap.add_argument("--server-log", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    usso = Usso(args)
    check = Check(args.label)
    work = args.work
    os.makedirs(work, exist_ok=True)
    slug = usso.tenant
    other = slug + "-other"
    return_to = "/t/%s/account" % slug

    # The IdPs: the main one (users created, no linking), one that may not
    # create users, one that links by email, an impostor with the main one's
    # entityID and another key.
    idp = Idp(work, "upstream", "https://idp.example.test/idp")
    strict = Idp(work, "upstream-nocreate", "https://idp2.example.test/idp")
    linker = Idp(work, "upstream-link", "https://idp3.example.test/idp")
    impostor = Idp(work, "impostor", idp.entity)
    throwaway = Idp(work, "throwaway", "https://idp4.example.test/idp")

    # 1. Registration.
    def add(tenant, i, *flags):
        return usso.json("idp", "add-saml", "--tenant", tenant, "--name", i.name, "--metadata-file", i.metadata_file,
                         "--json", *flags)

    def register():
        reg = add(slug, idp, "--display-name", "Example IdP")
        check("idp add-saml --json: id, name, kind saml, entity_id",
              reg.get("id") and reg.get("name") == idp.name and reg.get("kind") == "saml"
              and reg.get("entity_id") == idp.entity, json.dumps(reg))
        reg = add(slug, strict, "--no-create-users")
        check("idp add-saml --no-create-users", reg.get("entity_id") == strict.entity, json.dumps(reg))
        reg = add(slug, linker, "--link-by-email")
        check("idp add-saml --link-by-email", reg.get("entity_id") == linker.entity, json.dumps(reg))
        listed = usso.json("idp", "list", "--tenant", slug, "--json")
        names = sorted(x.get("name") for x in listed) if isinstance(listed, list) else listed
        check("idp list --json names the three IdPs",
              isinstance(names, list) and {idp.name, strict.name, linker.name} <= set(names), json.dumps(names))
        shown = usso.json("idp", "show", "--tenant", slug, idp.name, "--json")
        check("idp show --json", shown.get("name") == idp.name and shown.get("entity_id") == idp.entity
              and shown.get("kind") == "saml", json.dumps(shown)[:300])
        reg = add(slug, throwaway)
        usso.run("idp", "delete", "--tenant", slug, throwaway.name)
        listed = usso.json("idp", "list", "--tenant", slug, "--json")
        check("idp delete: gone from idp list", reg.get("name") == throwaway.name
              and throwaway.name not in [x.get("name") for x in listed], json.dumps(listed)[:300])
        return True

    check.run("idp add-saml", register)

    # A second tenant, with the same IdP registered: its ACS must not take
    # Responses meant for the first tenant.
    def second_tenant():
        usso.run("tenant", "create", other, "--display-name", "Other Corp", "--json")
        add(other, idp)
        return True

    check.run("second tenant with the same IdP", second_tenant) and check("second tenant with the same IdP", True)

    # 2. USSO's SP metadata, into every IdP's metadata store.
    sp_md = {}

    def sp_metadata():
        for t in (slug, other):
            shown = usso.json("tenant", "show", t, "--json")
            url = shown.get("saml_sp_metadata_url")
            check("tenant show %s: saml_sp_metadata_url = {issuer}/saml/sp/metadata" % t,
                  url == usso.issuer(t) + "/saml/sp/metadata", repr(url))
            r = requests.get(url, timeout=15)
            check("SP metadata of %s: 200" % t, r.status_code == 200, "status %d" % r.status_code)
            path = os.path.join(work, "sp-%s-metadata.xml" % t)
            with open(path, "wb") as f:
                f.write(r.content)
            sp_md[t] = (url, path, r.text)
        for i in (idp, strict, linker, impostor):
            i.load_sps([sp_md[slug][1], sp_md[other][1]])
        check("pysaml2 loads USSO's SP metadata", True)
        entity = sp_md[slug][0]
        md = idp.server.metadata
        acs = md.assertion_consumer_service(entity, BINDING_HTTP_POST)
        locations = [a.get("location") for a in acs]
        check("SP metadata: entityID is its URL", ('entityID="%s"' % entity) in sp_md[slug][2])
        check("SP metadata: AssertionConsumerService HTTP-POST at {issuer}/saml/sp/acs",
              usso.acs() in locations, repr(locations))
        signing = md.certs(entity, "spsso", "signing")
        encryption = md.certs(entity, "spsso", "encryption")
        check("SP metadata: a signing certificate", bool(signing))
        check("SP metadata: an encryption certificate", bool(encryption))
        return True

    if not check.run("USSO SP metadata", sp_metadata):
        return finish(check)
    sp_entity, sp_other_entity = sp_md[slug][0], sp_md[other][0]
    enc_certs = idp.server.metadata.certs(sp_entity, "spsso", "encryption")
    sign_certs = idp.server.metadata.certs(sp_entity, "spsso", "signing")
    enc_cert = enc_certs[0][1] if enc_certs else None

    def start(browser, i, rt=return_to, name=None):
        """Login start at USSO: (pysaml2's parsed AuthnRequest, RelayState)."""
        r = browser.get("%s/login/idp/%s?%s" % (usso.issuer(), name or i.name, urllib.parse.urlencode({"return_to": rt})))
        location = r.headers.get("Location", "")
        assert r.status_code == 303 and location.startswith(i.sso + "?"), \
            "login start: status %d, Location %s" % (r.status_code, location[:160])
        return i.parse_request(location), query_of(location).get("RelayState")

    def post_acs(browser, saml_response, relay, tenant=None):
        form = {"SAMLResponse": saml_response}
        if relay is not None:
            form["RelayState"] = relay
        return browser.post(usso.acs(tenant), form)

    grace = {"mail": ["grace@example.org"], "givenName": ["Grace"], "sn": ["Hopper"], "uid": ["ghopper"]}
    grace_nid = "pid-" + secrets.token_hex(8)
    state = {}

    # 3. The AuthnRequest.
    def authn_request():
        b = Browser(usso)
        r = b.get("%s/login/idp/%s?%s" % (usso.issuer(), idp.name, urllib.parse.urlencode({"return_to": return_to})))
        location = r.headers.get("Location", "")
        check("login start: 303 to the IdP's SSO URL", r.status_code == 303 and location.startswith(idp.sso + "?"),
              "status %d, Location %s, body %s" % (r.status_code, location[:160], short(r.text)))
        q = query_of(location)
        check("login start: SAMLRequest, SigAlg, Signature", all(k in q for k in ("SAMLRequest", "SigAlg", "Signature")),
              repr(sorted(q)))
        check("login start: SigAlg is RSA-SHA256", q.get("SigAlg") == SIG_RSA_SHA256, repr(q.get("SigAlg")))
        req = idp.parse_request(location)
        check("pysaml2 parse_authn_request accepts it (signature verified with the SP metadata certificate)",
              req is not None)
        independent = any(verify_redirect_signature(
            {k: q[k] for k in ("SAMLRequest", "SigAlg", "Signature", "RelayState") if k in q},
            idp.server.sec.sec_backend, c) for _, c in sign_certs)
        check("the Redirect signature verifies with USSO's published signing certificate", independent)
        tampered = dict(q, Signature=base64.b64encode(b"\0" * 256).decode())
        try:
            bad = idp.server.parse_authn_request(tampered["SAMLRequest"], BINDING_HTTP_REDIRECT,
                                                 relay_state=tampered.get("RelayState"),
                                                 sigalg=tampered["SigAlg"], signature=tampered["Signature"])
        except Exception:  # noqa: BLE001 - refusing is the expected outcome
            bad = None
        check("pysaml2 refuses the same request with a bad signature (so it did verify)", bad is None)
        m = req.message
        check("AuthnRequest Issuer is the SP entityID", m.issuer is not None and m.issuer.text == sp_entity,
              repr(m.issuer.text if m.issuer is not None else None))
        check("AuthnRequest AssertionConsumerServiceURL is the ACS", m.assertion_consumer_service_url == usso.acs(),
              repr(m.assertion_consumer_service_url))
        check("AuthnRequest Destination is the IdP's SSO URL", m.destination == idp.sso, repr(m.destination))
        check("AuthnRequest ProtocolBinding is HTTP-POST (or absent)",
              m.protocol_binding in (None, BINDING_HTTP_POST), repr(m.protocol_binding))
        state["first"] = (b, req, query_of(location).get("RelayState"))
        return True

    check.run("AuthnRequest over HTTP-Redirect", authn_request)

    # 4. First login: the user is created.
    def first_login():
        b, req, relay = state.pop("first", (None, None, None))
        if b is None:
            b = Browser(usso)
            req, relay = start(b, idp)
        before = usso.users()
        saml_response, xml = idp.response(req.message.id, usso.acs(), sp_entity, grace_nid, grace,
                                          sign_response=False, sign_assertion=True)
        r = post_acs(b, saml_response, relay)
        state["replay"] = (saml_response, relay)
        state["assertion_id"] = assertion_id_of(xml)
        cookies = r.headers.get("Set-Cookie", "")
        check("first login (signed assertion): 303 to return_to", r.status_code == 303
              and b.absolute(r.headers.get("Location", "")) == b.absolute(return_to),
              "status %d, Location %s, body %s" % (r.status_code, r.headers.get("Location"), short(r.text)))
        check("first login: a session cookie is set", bool(cookies), repr(cookies[:120]))
        page = b.signed_in_page()
        check("first login: /account 200 shows the user", page is not None and ("ghopper" in page or "Grace" in page),
              short(page or "not signed in"))
        after = usso.users()
        made = [u for u in after if u.get("username") == "ghopper"]
        check("first login: user ghopper created (username from uid)", len(made) == 1 and len(after) == len(before) + 1,
              "%d users before, %d after: %s" % (len(before), len(after), [u.get("username") for u in after]))
        if made:
            u = made[0]
            emails = [e.get("value") for e in u.get("emails", [])]
            check("first login: email, given and family name from the attributes",
                  "grace@example.org" in emails and u.get("given_name") == "Grace" and u.get("family_name") == "Hopper",
                  json.dumps(u)[:300])
            state["grace_id"] = u.get("id")
        return True

    check.run("first login through the upstream IdP", first_login)

    # 5. Again: the same user.
    def second_login():
        b = Browser(usso)
        req, relay = start(b, idp)
        before = usso.users()
        saml_response, _ = idp.response(req.message.id, usso.acs(), sp_entity, grace_nid, grace)
        r = post_acs(b, saml_response, relay)
        check("second login: 303 to return_to", r.status_code == 303, "status %d, body %s" % (r.status_code, short(r.text)))
        page = b.signed_in_page()
        check("second login: /account shows the same user", page is not None and ("ghopper" in page or "Grace" in page),
              short(page or "not signed in"))
        after = usso.users()
        ids = [u.get("id") for u in after if u.get("username") == "ghopper"]
        check("second login: same user, no duplicate", len(after) == len(before) and ids == [state.get("grace_id")],
              "%d users before, %d after, ghopper ids %s" % (len(before), len(after), ids))
        return True

    check.run("second login, same NameID", second_login)

    # 6. Variants that must log in.
    def accepted(name, **kw):
        def go():
            b = Browser(usso)
            req, relay = start(b, idp)
            offset = usso.log_size()
            saml_response, xml = idp.response(req.message.id, usso.acs(), sp_entity, grace_nid, grace, **kw)
            if kw.get("encrypt_cert"):
                cipher = kw.get("data_cipher", AES128_CBC)
                check(name + ": the Response carries an EncryptedAssertion (%s), no plain Assertion"
                      % cipher.rsplit("#", 1)[-1],
                      "EncryptedAssertion" in xml and ('Algorithm="%s"' % cipher) in xml
                      and assertion_id_of(xml) is None, short(xml, 300))
            r = post_acs(b, saml_response, relay)
            check(name + ": 303 and signed in", r.status_code == 303 and b.signed_in_page() is not None,
                  "status %d, body %s, log %s" % (r.status_code, short(r.text), usso.log_since(offset)))
            return True
        check.run(name, go)

    accepted("signed Response only", sign_response=True, sign_assertion=False)
    accepted("signed Response and signed assertion", sign_response=True, sign_assertion=True)
    if enc_cert:
        accepted("encrypted signed assertion (AES-128-CBC, RSA-OAEP)", sign_assertion=True, encrypt_cert=enc_cert,
                 data_cipher=AES128_CBC)
        accepted("encrypted signed assertion (AES-256-GCM, RSA-OAEP)", sign_assertion=True, encrypt_cert=enc_cert,
                 data_cipher=AES256_GCM)
        accepted("encrypted assertion in a signed Response", sign_response=True, sign_assertion=False,
                 encrypt_cert=enc_cert)
    else:
        check("encrypted assertion variants", False, "no encryption certificate in the SP metadata")

    # 7. Refusals: a 400 page, a reason in the log, no session.
    def refused(name, make, status=400):
        def go():
            b = Browser(usso)
            offset = usso.log_size()
            r = make(b)
            logged = usso.log_since(offset)
            reasons = [x for x in logged if x[1]]
            check("%s: %d" % (name, status), r.status_code == status,
                  "status %d, Location %s, body %s, log %s" % (r.status_code, r.headers.get("Location"), short(r.text),
                                                               logged))
            check(name + ": no session", b.signed_in_page() is None and b.signed_in_page(other) is None)
            check(name + ": reason logged", bool(reasons), repr(logged))
            print("     (%s: %s)" % (name, "; ".join(x[1] for x in reasons)[:300]), flush=True)
            return True
        check.run(name, go)

    def fresh(b, i=idp, **kw):
        """A Response of `i` to a new login start in browser b."""
        req, relay = start(b, idp)
        saml_response, _ = i.response(req.message.id, usso.acs(), sp_entity, grace_nid, grace, **kw)
        return saml_response, relay

    refused("unsigned Response and assertion",
            lambda b: post_acs(b, *fresh(b, sign_response=False, sign_assertion=False)))
    refused("replay of the first login's POST", lambda b: post_acs(b, *state["replay"]))

    def same_assertion_id(b):
        assert state.get("assertion_id"), "no first login to replay"
        req, relay = start(b, idp)
        saml_response, xml = idp.response(req.message.id, usso.acs(), sp_entity, grace_nid, grace,
                                          assertion_id=state["assertion_id"])
        assert assertion_id_of(xml) == state["assertion_id"], "pysaml2 did not reuse the assertion ID"
        return post_acs(b, saml_response, relay)

    refused("a new Response to a new request reusing an accepted assertion ID", same_assertion_id)

    def made_up_request(b):
        start(b, idp)  # a real request is pending in this browser, but not this one
        saml_response, _ = idp.response("_" + secrets.token_hex(16), usso.acs(), sp_entity, grace_nid, grace)
        return post_acs(b, saml_response, None)

    refused("InResponseTo a made-up request ID", made_up_request)

    def unsolicited(b):
        saml_response, xml = idp.response(None, usso.acs(), sp_entity, grace_nid, grace)
        assert "InResponseTo" not in xml, "pysaml2 wrote an InResponseTo"
        return post_acs(b, saml_response, None)

    refused("unsolicited Response (no InResponseTo)", unsolicited)

    def other_audience(b):
        req, relay = start(b, idp)
        saml_response, _ = idp.response(req.message.id, usso.acs(), sp_other_entity, grace_nid, grace)
        return post_acs(b, saml_response, relay)

    refused("audience of another SP (the other tenant's)", other_audience)
    refused("Response posted to another tenant's ACS (same IdP registered there)",
            lambda b: post_acs(b, *fresh(b), tenant=other))
    refused("Response signed by another key (same entityID)",
            lambda b: post_acs(b, *fresh(b, i=impostor, sign_response=True, sign_assertion=True)))

    def unknown_issuer(b):
        stranger = Idp(work, "stranger", "https://stranger.example.test/idp")
        stranger.load_sps([sp_md[slug][1]])
        req, relay = start(b, idp)
        saml_response, _ = stranger.response(req.message.id, usso.acs(), sp_entity, grace_nid, grace)
        return post_acs(b, saml_response, relay)

    refused("Response from an unregistered IdP", unknown_issuer)
    refused("transient NameID (no subject attribute configured)",
            lambda b: post_acs(b, *fresh(b, name_id_format=NAMEID_FORMAT_TRANSIENT)))

    # 8. Account rules: 403.
    existing_email = args.existing_email

    def no_create(b):
        req, relay = start(b, strict)
        saml_response, _ = strict.response(req.message.id, usso.acs(), sp_entity, "pid-" + secrets.token_hex(8),
                                           {"mail": ["nobody@example.org"], "givenName": ["No"], "uid": ["nobody"]})
        return post_acs(b, saml_response, relay)

    count = {}

    def counted(fn):
        def go(b):
            count["before"] = len(usso.users())
            return fn(b)
        return go

    refused("--no-create-users: unknown user", counted(no_create), status=403)
    check.run("--no-create-users: no user created",
              lambda: check("--no-create-users: no user created", len(usso.users()) == count.get("before"),
                            "%s -> %d" % (count.get("before"), len(usso.users()))))

    def email_taken(b):
        req, relay = start(b, idp)
        saml_response, _ = idp.response(req.message.id, usso.acs(), sp_entity, "pid-" + secrets.token_hex(8),
                                        {"mail": [existing_email], "givenName": ["Imposter"], "uid": ["imposter"]})
        return post_acs(b, saml_response, relay)

    refused("linking off: a new NameID with an existing user's email", counted(email_taken), status=403)
    check.run("linking off: no user created",
              lambda: check("linking off: no user created", len(usso.users()) == count.get("before"),
                            "%s -> %d" % (count.get("before"), len(usso.users()))))

    def link_by_email():
        b = Browser(usso)
        before = usso.users()
        existing = [u for u in before if u.get("username") == args.existing_username]
        req, relay = start(b, linker)
        saml_response, _ = linker.response(req.message.id, usso.acs(), sp_entity, "pid-" + secrets.token_hex(8),
                                           {"mail": [existing_email], "givenName": ["Someone"], "uid": ["someone"]})
        r = post_acs(b, saml_response, relay)
        check("--link-by-email: 303", r.status_code == 303, "status %d, body %s" % (r.status_code, short(r.text)))
        page = b.signed_in_page()
        check("--link-by-email: signed in as the existing user",
              page is not None and args.existing_username.lower() in page.lower() or
              (page is not None and existing and (existing[0].get("given_name") or "\0") in page),
              short(page or "not signed in"))
        after = usso.users()
        check("--link-by-email: no new user", len(after) == len(before)
              and not any(u.get("username") == "someone" for u in after),
              "%d users before, %d after" % (len(before), len(after)))
        return True

    check.run("--link-by-email", link_by_email)

    # 9. idp_hint on the OIDC authorize endpoint, then the whole code flow.
    def idp_hint():
        redirect_uri = usso.base + "/cb-upstream"  # never served: read from Location
        client = usso.json("client", "create", "--tenant", slug, "--name", "upstream-rp", "--redirect-uri",
                           redirect_uri, "--grant-type", "authorization_code", "--skip-consent", "--json")
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        params = {"response_type": "code", "client_id": client["client_id"], "redirect_uri": redirect_uri,
                  "scope": "openid email profile", "state": "st-" + secrets.token_hex(4), "nonce": secrets.token_hex(8),
                  "code_challenge": challenge, "code_challenge_method": "S256", "idp_hint": idp.name}
        b = Browser(usso)
        r = b.get("%s/authorize?%s" % (usso.issuer(), urllib.parse.urlencode(params)))
        hops = 0
        path = "/t/%s/login/idp/%s" % (slug, idp.name)
        while r.status_code in (302, 303) and hops < 3 and \
                urllib.parse.urlsplit(b.absolute(r.headers["Location"])).path != path:
            r = b.get(r.headers["Location"])
            hops += 1
        location = r.headers.get("Location", "")
        check("idp_hint: authorize without a session goes to {issuer}/login/idp/<name>",
              r.status_code in (302, 303) and urllib.parse.urlsplit(b.absolute(location)).path == path,
              "status %d, Location %s" % (r.status_code, location[:200]))
        r = b.get(location)
        to_idp = r.headers.get("Location", "")
        check("idp_hint: then 303 to the IdP", r.status_code == 303 and to_idp.startswith(idp.sso + "?"),
              "status %d, Location %s" % (r.status_code, to_idp[:160]))
        req = idp.parse_request(to_idp)
        saml_response, _ = idp.response(req.message.id, usso.acs(), sp_entity, grace_nid, grace)
        r = post_acs(b, saml_response, query_of(to_idp).get("RelayState"))
        back = r.headers.get("Location", "")
        check("idp_hint: the ACS sends back to the authorize request",
              r.status_code == 303 and urllib.parse.urlsplit(b.absolute(back)).path == "/t/%s/authorize" % slug,
              "status %d, Location %s" % (r.status_code, back[:200]))
        r = b.get(back)
        done = r.headers.get("Location", "")
        q = query_of(done)
        check("idp_hint: authorize answers the client with a code and its state",
              r.status_code in (302, 303) and done.startswith(redirect_uri + "?") and q.get("code")
              and q.get("state") == params["state"], "status %d, Location %s" % (r.status_code, done[:200]))
        return True

    check.run("idp_hint", idp_hint)

    # 10. Single logout with the upstream IdP (SAML Profiles §4.4, USSO as
    # session participant). The main IdP's metadata lists a SingleLogoutService
    # over HTTP-Redirect (idp.slo, never served).
    sp_slo = usso.issuer() + "/saml/sp/slo"
    login_page = "/t/%s/login" % slug

    def login_through(b):
        """Grace logs in through the main IdP in browser b: the SessionIndex."""
        req, relay = start(b, idp)
        saml_response, xml = idp.response(req.message.id, usso.acs(), sp_entity, grace_nid, grace)
        r = post_acs(b, saml_response, relay)
        assert r.status_code == 303 and b.signed_in_page() is not None, \
            "login through the IdP: status %d, body %s" % (r.status_code, short(r.text))
        m = re.search(r'\bSessionIndex="([^"]+)"', xml)
        assert m, "no SessionIndex in pysaml2's AuthnStatement"
        return m.group(1)

    def flipped(sig):
        raw = bytearray(base64.b64decode(sig))
        raw[len(raw) // 2] ^= 0x01
        return base64.b64encode(bytes(raw)).decode()

    def redirect_signed_by_usso(q):
        """The Redirect signature verifies with the SP metadata's signing certificate."""
        fields = {k: q[k] for k in ("SAMLRequest", "SAMLResponse", "SigAlg", "Signature", "RelayState") if k in q}
        return any(verify_redirect_signature(fields, idp.server.sec.sec_backend, c) for _, c in sign_certs)

    def idp_logout_request(session_index, sign):
        """pysaml2's LogoutRequest for grace's login, Redirect-bound to USSO: (ID, URL)."""
        name_id = NameID(format=NAMEID_FORMAT_PERSISTENT, text=grace_nid, name_qualifier=idp.entity,
                         sp_name_qualifier=sp_entity)
        req_id, req = idp.server.create_logout_request(
            sp_slo, sp_entity, name_id=name_id, session_indexes=[session_index],
            reason="urn:oasis:names:tc:SAML:2.0:logout:user", sign=False)
        info = idp.server.apply_binding(BINDING_HTTP_REDIRECT, str(req), sp_slo, "idp-slo-rs", sign=sign,
                                        sigalg=SIG_RSA_SHA256)
        return req_id, dict(info["headers"])["Location"]

    # (a) Started by the IdP.
    def idp_initiated_slo():
        b, bystander = Browser(usso), Browser(usso)
        session_index = login_through(b)
        login_through(bystander)  # the same user, another login (another SessionIndex)
        offset = usso.log_size()
        _, unsigned = idp_logout_request(session_index, sign=False)
        check("IdP SLO unsigned: no Signature in the request", "Signature=" not in unsigned, unsigned[:160])
        r = b.get(unsigned)
        logged = usso.log_since(offset)
        check("IdP SLO unsigned LogoutRequest: 400", r.status_code == 400,
              "status %d, Location %s, body %s, log %s" % (r.status_code, r.headers.get("Location"), short(r.text),
                                                           logged))
        check("IdP SLO unsigned LogoutRequest: reason logged", any(x[1] for x in logged), repr(logged))
        print("     (IdP SLO unsigned: %s)" % "; ".join(x[1] for x in logged if x[1])[:300], flush=True)
        check("IdP SLO unsigned LogoutRequest: the session lives on", b.signed_in_page() is not None)

        req_id, location = idp_logout_request(session_index, sign=True)
        check("IdP SLO: pysaml2's request is signed (SigAlg, Signature)",
              all(k in query_of(location) for k in ("SigAlg", "Signature")), location[:160])
        offset = usso.log_size()
        r = b.get(location)
        back = r.headers.get("Location", "")
        check("IdP SLO: 303 to the IdP's SingleLogoutService", r.status_code == 303 and back.startswith(idp.slo + "?"),
              "status %d, Location %s, body %s, log %s" % (r.status_code, back[:160], short(r.text),
                                                           usso.log_since(offset)))
        q = query_of(back)
        check("IdP SLO: SAMLResponse, SigAlg (RSA-SHA256), Signature",
              "SAMLResponse" in q and "Signature" in q and q.get("SigAlg") == SIG_RSA_SHA256, repr(sorted(q)))
        check("IdP SLO: RelayState round trip", q.get("RelayState") == "idp-slo-rs", repr(q.get("RelayState")))
        check("IdP SLO: the Redirect signature verifies with USSO's SP signing certificate", redirect_signed_by_usso(q))
        check("IdP SLO: a copy with a damaged signature does not verify",
              not redirect_signed_by_usso(dict(q, Signature=flipped(q.get("Signature", "AAAA")))))
        lr = idp.server.parse_logout_request_response(q["SAMLResponse"], BINDING_HTTP_REDIRECT)
        check("IdP SLO: pysaml2 parse_logout_request_response accepts the LogoutResponse", lr is not None)
        status = lr.response.status.status_code.value
        check("IdP SLO: status Success", status == "urn:oasis:names:tc:SAML:2.0:status:Success", str(status))
        check("IdP SLO: InResponseTo is the request ID", lr.in_response_to == req_id,
              "%r != %r" % (lr.in_response_to, req_id))
        check("IdP SLO: Issuer is {issuer}/saml/sp/metadata", lr.response.issuer.text == sp_entity,
              repr(lr.response.issuer.text))
        check("IdP SLO: Destination is the IdP's SLO URL", lr.response.destination == idp.slo,
              repr(lr.response.destination))
        check("IdP SLO: the USSO session is gone", b.signed_in_page() is None)
        check("IdP SLO: the session of another login of the same user stays", bystander.signed_in_page() is not None)
        return True

    check.run("IdP-initiated single logout", idp_initiated_slo)

    def answer_usso_request(name, b, location, session_index):
        """pysaml2 checks USSO's LogoutRequest at location and answers it in b."""
        q = query_of(location)
        check(name + ": SAMLRequest, SigAlg (RSA-SHA256), Signature",
              "SAMLRequest" in q and "Signature" in q and q.get("SigAlg") == SIG_RSA_SHA256, repr(sorted(q)))

        def parse(query):
            return idp.server.parse_logout_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT,
                                                   relay_state=query.get("RelayState"), sigalg=query.get("SigAlg"),
                                                   signature=query.get("Signature"))

        req = parse(q)
        check(name + ": pysaml2 parse_logout_request accepts it (signature verified with the SP metadata)",
              req is not None)
        try:
            bad = parse(dict(q, Signature=flipped(q["Signature"])))
        except Exception:  # noqa: BLE001 - refusing is the expected outcome
            bad = None
        check(name + ": pysaml2 refuses a copy with a damaged signature (so it did verify)", bad is None)
        check(name + ": the signature verifies with USSO's SP signing certificate", redirect_signed_by_usso(q))
        m = req.message
        check(name + ": Issuer is {issuer}/saml/sp/metadata", m.issuer is not None and m.issuer.text == sp_entity,
              repr(m.issuer.text if m.issuer is not None else None))
        check(name + ": Destination is the IdP's SLO URL", m.destination == idp.slo, repr(m.destination))
        check(name + ": NameID is the login's", m.name_id is not None and m.name_id.text == grace_nid,
              "%r != %r" % (m.name_id.text if m.name_id is not None else None, grace_nid))
        indexes = [si.text for si in (m.session_index or [])]
        check(name + ": SessionIndex is the login's", indexes == [session_index], "%r != %r" % (indexes, session_index))
        resp = idp.server.create_logout_response(m, [BINDING_HTTP_REDIRECT])
        check(name + ": pysaml2 answers to {issuer}/saml/sp/slo (from the SP metadata)", resp.destination == sp_slo,
              repr(resp.destination))
        info = idp.server.apply_binding(BINDING_HTTP_REDIRECT, str(resp), resp.destination, q.get("RelayState"),
                                        response=True, sign=True, sigalg=SIG_RSA_SHA256)
        answer = dict(info["headers"])["Location"]
        offset = usso.log_size()
        r = b.get(answer)
        logged = usso.log_since(offset)
        check(name + ": the LogoutResponse ends at the login page (303)",
              r.status_code == 303 and urllib.parse.urlsplit(b.absolute(r.headers.get("Location", ""))).path == login_page,
              "status %d, Location %s, body %s" % (r.status_code, r.headers.get("Location"), short(r.text)))
        check(name + ": nothing refused", not any("refused" in x[0] for x in logged), repr(logged))
        offset = usso.log_size()
        r = b.get(answer)
        logged = usso.log_since(offset)
        check(name + ": the same LogoutResponse again also ends at the login page (303)",
              r.status_code == 303 and urllib.parse.urlsplit(b.absolute(r.headers.get("Location", ""))).path == login_page,
              "status %d, Location %s" % (r.status_code, r.headers.get("Location")))
        check(name + ": the replay is refused in the log",
              any("LogoutResponse refused" in x[0] for x in logged), repr(logged))
        print("     (%s replay: %s)" % (name, "; ".join(x[1] for x in logged if x[1])[:300]), flush=True)

    def sign_out(b):
        page = b.get(usso.issuer() + "/logout")
        csrf = re.search(r'name="csrf" value="([^"]*)"', page.text)
        assert page.status_code == 200 and csrf, "GET logout: status %d" % page.status_code
        return b.post(usso.issuer() + "/logout", {"csrf": html.unescape(csrf.group(1))})

    # (b) Started by USSO: signing out of a session that came from the IdP.
    def sp_initiated_slo():
        b = Browser(usso)
        session_index = login_through(b)
        r = sign_out(b)
        location = r.headers.get("Location", "")
        check("SP SLO: sign-out answers 303 to the IdP's SingleLogoutService",
              r.status_code == 303 and location.startswith(idp.slo + "?"),
              "status %d, Location %s, body %s" % (r.status_code, location[:160], short(r.text)))
        check("SP SLO: the USSO session is gone", b.signed_in_page() is None)
        answer_usso_request("SP SLO", b, location, session_index)
        return True

    check.run("SP-initiated single logout", sp_initiated_slo)

    # (c) The same when the session also logged in to a SAML application of
    # the tenant: the sign-out page tells it in a frame, then goes on to the IdP.
    def sp_initiated_slo_with_app():
        key, crt = keypair(work, "slo-app")
        entity, acs = "https://app.upstream.test/metadata", "https://app.upstream.test/acs"
        conf = SPConfig()
        conf.load({"entityid": entity, "key_file": key, "cert_file": crt, "xmlsec_binary": XMLSEC1,
                   "service": {"sp": {"endpoints": {
                       "assertion_consumer_service": [(acs, BINDING_HTTP_POST)],
                       "single_logout_service": [("https://app.upstream.test/slo", BINDING_HTTP_REDIRECT)]}}}})
        md_file = os.path.join(work, "slo-app-metadata.xml")
        md = create_metadata_string(None, config=conf, valid=24)
        with open(md_file, "wb") as f:
            f.write(md if isinstance(md, bytes) else md.encode())
        usso.json("saml-sp", "add", "--tenant", slug, "--metadata-file", md_file, "--name", "slo-app", "--json")
        b = Browser(usso)
        session_index = login_through(b)
        r = b.get("%s/saml/idp-initiated?%s" % (usso.issuer(), urllib.parse.urlencode({"sp": entity})))
        assert r.status_code == 200 and "SAMLResponse" in r.text, "IdP-initiated SSO to the app: %d" % r.status_code
        r = sign_out(b)
        check("SP SLO with an app: 200 sign-out page", r.status_code == 200 and "Signing you out" in r.text,
              "status %d, Location %s, body %s" % (r.status_code, r.headers.get("Location"), short(r.text)))
        frames = [html.unescape(x) for x in re.findall(r'<iframe\b[^>]*\bsrc="([^"]*)"', r.text)]
        check("SP SLO with an app: one frame, at the app's SLO URL",
              len(frames) == 1 and frames[0].startswith("https://app.upstream.test/slo?"), repr([f[:80] for f in frames]))
        refresh = re.search(r'<meta http-equiv="refresh" content="3;url=([^"]*)"', r.text)
        then = html.unescape(refresh.group(1)) if refresh else ""
        links = [html.unescape(x) for x in re.findall(r'<a\b[^>]*\bhref="([^"]*)"[^>]*>\s*Continue', r.text)]
        check("SP SLO with an app: refresh and Continue go on to the IdP's SingleLogoutService",
              then.startswith(idp.slo + "?") and links == [then], "refresh %r, links %r" % (then[:120], links))
        check("SP SLO with an app: the USSO session is gone", b.signed_in_page() is None)
        if then.startswith(idp.slo + "?"):
            answer_usso_request("SP SLO with an app", b, then, session_index)
        return True

    check.run("SP-initiated single logout with a SAML application", sp_initiated_slo_with_app)

    return finish(check)


def finish(check):
    return 0 if check.summary() else 1


if __name__ == "__main__":
    sys.exit(main())
