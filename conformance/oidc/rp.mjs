// Drives a running USSO tenant, as an OpenID Provider, with openid-client
// (an OpenID Certified relying party library). No browser: the hosted login
// page is scripted with fetch, manual redirects and a tiny cookie jar.
//
// Each step prints `ok <step>`; the first failure prints `FAIL <step>: …`
// with the request and response that went wrong, and exits 1.
//
// Environment (run.sh sets all of it):
//   USSO_ISSUER                      e.g. http://127.0.0.1:PORT/t/acme
//   USSO_USERNAME, USSO_PASSWORD     a user of that tenant
//   USSO_EMAIL, USSO_GIVEN_NAME, USSO_FAMILY_NAME   what userinfo must say
//   RP_CLIENT_ID, RP_CLIENT_SECRET   confidential, client_secret_basic,
//                                    authorization_code + refresh_token, skip-consent
//   RP_REDIRECT_URI                  its redirect URI (never served: the RP
//                                    reads the Location header or the form_post page)
//   PUBLIC_CLIENT_ID                 public client (auth method none), skip-consent,
//                                    same redirect URI
//   CC_CLIENT_ID, CC_CLIENT_SECRET   client_credentials only, client_secret_post,
//                                    allowed scope CC_SCOPE (default api:read)
//   RP_POST_LOGOUT_REDIRECT_URI      registered for RP_CLIENT_ID (never served)
//   USSO_CLI                         JSON array: the usso command line (binary,
//                                    database and public URL options) with
//                                    which this script registers two clients
//                                    of its own in tenant USSO_TENANT: one whose
//                                    backchannel_logout_uri is the receiver it
//                                    started on a random port, one with the
//                                    public key it generated (private_key_jwt)
//   USSO_TENANT                      the tenant's slug (default acme)

import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { promisify } from 'node:util';

import * as jose from 'jose';
import * as client from 'openid-client';

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined || v === '') {
    console.error(`FAIL setup: environment variable ${name} is not set`);
    process.exit(2);
  }
  return v;
};

const ISSUER = env('USSO_ISSUER');
const USERNAME = env('USSO_USERNAME');
const PASSWORD = env('USSO_PASSWORD');
const EMAIL = env('USSO_EMAIL');
const GIVEN_NAME = env('USSO_GIVEN_NAME');
const FAMILY_NAME = env('USSO_FAMILY_NAME');
const RP_CLIENT_ID = env('RP_CLIENT_ID');
const RP_CLIENT_SECRET = env('RP_CLIENT_SECRET');
const REDIRECT_URI = env('RP_REDIRECT_URI');
const PUBLIC_CLIENT_ID = env('PUBLIC_CLIENT_ID');
const CC_CLIENT_ID = env('CC_CLIENT_ID');
const CC_CLIENT_SECRET = env('CC_CLIENT_SECRET');
const CC_SCOPE = env('CC_SCOPE', 'api:read');
const POST_LOGOUT_REDIRECT_URI = env('RP_POST_LOGOUT_REDIRECT_URI');
const USSO_CLI = JSON.parse(env('USSO_CLI'));
const TENANT = env('USSO_TENANT', 'acme');

const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const SCOPE = 'openid profile email offline_access';
const HTTP_TIMEOUT_MS = 15_000;

// ---------------------------------------------------------------- helpers

class StepError extends Error {}

function fail(message) {
  throw new StepError(message);
}

function check(condition, message) {
  if (!condition) fail(message);
}

/** Everything useful about an error thrown by openid-client or by us. */
function describe(err) {
  if (err instanceof StepError) return err.message;
  const lines = [`${err?.name ?? 'Error'}: ${err?.message ?? String(err)}`];
  if (err?.code) lines.push(`  code: ${err.code}`);
  if (err?.error) lines.push(`  error: ${err.error}`);
  if (err?.error_description) lines.push(`  error_description: ${err.error_description}`);
  if (err?.status) lines.push(`  HTTP status: ${err.status}`);
  let cause = err?.cause;
  for (let depth = 0; cause !== undefined && depth < 4; depth += 1) {
    if (cause instanceof Response) {
      lines.push(`  cause: HTTP ${cause.status} response from ${cause.url}`);
      break;
    }
    const text =
      typeof cause === 'object' && cause !== null && !(cause instanceof Error)
        ? JSON.stringify(cause)
        : String(cause?.stack ?? cause);
    lines.push(`  cause: ${text}`);
    cause = cause?.cause;
  }
  return lines.join('\n');
}

async function step(name, fn) {
  lastExchange = undefined;
  try {
    const result = await fn();
    console.log(`ok ${name}`);
    return result;
  } catch (err) {
    console.error(`FAIL ${name}: ${describe(err)}`);
    if (lastExchange) console.error(`  last request made by openid-client:\n${lastExchange}`);
    throw new Failed();
  }
}

/** The last request openid-client made in the current step, and its answer. */
let lastExchange;

function redactForm(body) {
  return body.replace(/((?:^|&)(?:client_secret|password)=)[^&]*/g, '$1***');
}

/**
 * openid-client's fetch (set as `customFetch` on every Configuration):
 * plain fetch that keeps a transcript, so that a failing step can show the
 * request and the answer behind the library's error.
 */
async function recordingFetch(url, options = {}) {
  const method = options.method ?? 'GET';
  const body =
    options.body === undefined || options.body === null ? '' : ` (form: ${redactForm(String(options.body))})`;
  const auth = new Headers(options.headers).get('authorization');
  const request = `${method} ${url}${body}${auth ? ` (Authorization: ${auth.split(' ')[0]} ***)` : ''}`;
  lastExchange = `${request}\n  -> (no answer)`;
  const response = await fetch(url, options);
  const text = await response.clone().text();
  const wwwAuth = response.headers.get('www-authenticate');
  lastExchange =
    `${request}\n  -> HTTP ${response.status}${wwwAuth ? ` WWW-Authenticate: ${wwwAuth}` : ''}\n` +
    `  -> body: ${text.replace(/\s+/g, ' ').slice(0, 600)}`;
  return response;
}

/** Lets a Configuration talk plain http to the test server, through recordingFetch. */
function configure(cfg) {
  client.allowInsecureRequests(cfg);
  cfg[client.customFetch] = recordingFetch;
  return cfg;
}

/** Thrown once a step has printed its failure: stops the run. */
class Failed extends Error {}

/** A cookie jar just big enough for one origin: name, value and path. */
class CookieJar {
  #cookies = new Map(); // name -> { value, path }

  store(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = '/';
      let expired = value === '';
      for (const attr of attrs) {
        const [k, v = ''] = attr.split('=');
        const key = k.trim().toLowerCase();
        if (key === 'path') path = v.trim() || '/';
        if (key === 'max-age' && Number(v) <= 0) expired = true;
        if (key === 'expires' && Date.parse(v) <= Date.now()) expired = true;
      }
      if (expired) this.#cookies.delete(name);
      else this.#cookies.set(name, { value, path });
    }
  }

  header(url) {
    const { pathname } = new URL(url);
    const pairs = [];
    for (const [name, { value, path }] of this.#cookies) {
      const prefix = path.endsWith('/') ? path : `${path}/`;
      if (pathname === path || pathname.startsWith(prefix)) pairs.push(`${name}=${value}`);
    }
    return pairs.join('; ');
  }

  has(name) {
    return this.#cookies.has(name);
  }

  /** The cookie `name` as { value, path }, or undefined. */
  get(name) {
    const c = this.#cookies.get(name);
    return c && { ...c };
  }

  set(name, cookie) {
    this.#cookies.set(name, { ...cookie });
  }
}

/** One request, no redirect following; keeps a transcript for error messages. */
async function http(jar, method, url, form) {
  const headers = { accept: 'text/html,application/json;q=0.9,*/*;q=0.8' };
  const cookie = jar.header(url);
  if (cookie) headers.cookie = cookie;
  let body;
  if (form) {
    body = new URLSearchParams(form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const response = await fetch(url, {
    method,
    headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  });
  jar.store(response);
  const text = await response.text();
  const location = response.headers.get('location');
  const transcript =
    `${method} ${url}${body ? ` (form: ${redact(body)})` : ''}${cookie ? ` (cookies: ${cookieNames(cookie)})` : ''}\n` +
    `  -> HTTP ${response.status}${location ? ` Location: ${location}` : ''}\n` +
    `  -> body: ${text.replace(/<head>[\s\S]*?<\/head>/i, '').replace(/\s+/g, ' ').slice(0, 600)}`;
  return {
    status: response.status,
    headers: response.headers,
    location: location ? new URL(location, url).href : null,
    text,
    transcript,
  };
}

function redact(body) {
  return body.replace(/(password=)[^&]*/, '$1***');
}

function cookieNames(header) {
  return header
    .split('; ')
    .map((p) => p.split('=')[0])
    .join(', ');
}

function htmlUnescape(s) {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#x27;/gi, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&amp;/g, '&');
}

function attr(tag, name) {
  const m = tag.match(new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)')`, 'i'));
  return m ? htmlUnescape(m[2] ?? m[3]) : undefined;
}

/** The first <form> of a page: its method, absolute action and input fields. */
function parseForm(html, baseUrl) {
  const formTag = html.match(/<form\b[^>]*>/i)?.[0];
  if (!formTag) return undefined;
  const fields = {};
  for (const input of html.match(/<input\b[^>]*>/gi) ?? []) {
    const name = attr(input, 'name');
    if (name !== undefined) fields[name] = attr(input, 'value') ?? '';
  }
  return {
    method: (attr(formTag, 'method') ?? 'get').toUpperCase(),
    action: new URL(attr(formTag, 'action') ?? baseUrl, baseUrl).href,
    fields,
  };
}

function isRedirect(status) {
  return [301, 302, 303, 307, 308].includes(status);
}

/**
 * Runs an authorization request in a "browser": logs in through the hosted
 * login page when asked to, and returns what reaches the redirect URI:
 * either { url } (query response mode) or { request } (form_post).
 */
async function browse(jar, authorizationUrl, { expectLogin }) {
  let url = authorizationUrl.href;
  let loggedIn = false;
  for (let hop = 0; hop < 10; hop += 1) {
    if (url.startsWith(REDIRECT_URI)) return { url: new URL(url) };
    const r = await http(jar, 'GET', url);
    if (isRedirect(r.status)) {
      check(r.location, `redirect without a Location header:\n${r.transcript}`);
      const next = new URL(r.location);
      if (next.pathname.endsWith('/login') && !next.href.startsWith(REDIRECT_URI)) {
        check(expectLogin, `asked to log in again although the session cookie was sent:\n${r.transcript}`);
        check(!loggedIn, `sent back to the login page right after a successful login:\n${r.transcript}`);
        url = await login(jar, next.href);
        loggedIn = true;
      } else {
        url = next.href;
      }
      continue;
    }
    if (r.status === 200) {
      const form = parseForm(r.text, url);
      if (form && form.action.startsWith(REDIRECT_URI)) {
        // response_mode=form_post: the page would auto-submit this form.
        check(form.method === 'POST', `form_post page whose form method is ${form.method}:\n${r.transcript}`);
        const request = new Request(form.action, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(form.fields).toString(),
        });
        return { request, form, page: r };
      }
      if (/consent/i.test(r.text)) {
        fail(`a consent page was shown to a client created with --skip-consent:\n${r.transcript}`);
      }
    }
    fail(`unexpected answer while following the authorization request:\n${r.transcript}`);
  }
  fail(`more than 10 redirects starting at ${authorizationUrl.href}`);
}

/** GET the login page, POST the credentials; returns where login sends us. */
async function login(jar, loginUrl) {
  const page = await http(jar, 'GET', loginUrl);
  check(page.status === 200, `login page did not load:\n${page.transcript}`);
  check(jar.has('usso_csrf'), `login page set no usso_csrf cookie:\n${page.transcript}`);
  const csrf = page.text.match(/name="csrf" value="([^"]*)"/)?.[1];
  check(csrf, `no csrf field in the login page:\n${page.transcript}`);
  const form = parseForm(page.text, loginUrl);
  check(form && form.method === 'POST', `no POST form in the login page:\n${page.transcript}`);
  const returnTo = form.fields.return_to ?? new URL(loginUrl).searchParams.get('return_to');
  check(returnTo, `the login page carries no return_to:\n${page.transcript}`);
  const posted = await http(jar, 'POST', form.action, {
    username: USERNAME,
    password: PASSWORD,
    csrf: htmlUnescape(csrf),
    return_to: returnTo,
  });
  check(
    posted.status === 303 && posted.location,
    `login POST did not answer 303 with a Location:\n${posted.transcript}`,
  );
  check(jar.has('usso_session'), `login succeeded but set no usso_session cookie:\n${posted.transcript}`);
  return posted.location;
}

function decodeJwtPayload(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}

/** Expects an openid-client call to be refused with `error` (e.g. invalid_grant). */
async function expectOAuthError(promise, error, what) {
  let result;
  try {
    result = await promise;
  } catch (err) {
    if (err instanceof client.ResponseBodyError) {
      check(
        err.error === error,
        `${what}: expected error ${error}, got ${err.error} (HTTP ${err.status}): ${err.error_description ?? ''}`,
      );
      return err;
    }
    // RFC 6749 5.2: a client that authenticated with the Authorization
    // header gets invalid_client as HTTP 401 with a WWW-Authenticate
    // challenge; openid-client reports the challenge, the body keeps the error.
    if (err instanceof client.WWWAuthenticateChallengeError && err.status === 401) {
      let body;
      try {
        body = await err.response.clone().json();
      } catch (e) {
        fail(`${what}: HTTP 401 with a WWW-Authenticate challenge but no JSON error body (${e.message})`);
      }
      check(
        body?.error === error,
        `${what}: expected error ${error}, got HTTP 401 with body ${JSON.stringify(body)}`,
      );
      return err;
    }
    fail(`${what}: expected an OAuth error ${error}, got ${describe(err)}`);
  }
  fail(`${what}: expected error ${error}, but the server answered with tokens: ${JSON.stringify(result)}`);
}

/** Expects userinfo to refuse an access token with invalid_token (HTTP 401). */
async function expectBearerRejected(cfg, accessToken, what) {
  try {
    const info = await client.fetchUserInfo(cfg, accessToken, client.skipSubjectCheck);
    fail(`${what} still works at userinfo: ${JSON.stringify(info)}`);
  } catch (err) {
    if (err instanceof StepError) throw err;
    const challenge = err instanceof client.WWWAuthenticateChallengeError ? err.cause?.[0] : undefined;
    check(
      err.status === 401 && challenge?.parameters?.error === 'invalid_token',
      `${what}: expected HTTP 401 with error=invalid_token, got ${describe(err)}`,
    );
  }
}

/** An application/x-www-form-urlencoded POST with plain fetch; keeps a transcript. */
async function postForm(url, form) {
  const body = new URLSearchParams(form).toString();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {}
  const wwwAuth = response.headers.get('www-authenticate');
  const transcript =
    `POST ${url} (form: ${redactForm(body)})\n` +
    `  -> HTTP ${response.status}${wwwAuth ? ` WWW-Authenticate: ${wwwAuth}` : ''}\n` +
    `  -> body: ${text.replace(/\s+/g, ' ').slice(0, 600)}`;
  return { status: response.status, json, transcript };
}

const execFileP = promisify(execFile);

/** Runs `usso <args…> --json` against the test installation; its JSON answer. */
async function usso(...args) {
  const [bin, ...common] = USSO_CLI;
  const argv = [...common, ...args, '--json'];
  let stdout;
  try {
    ({ stdout } = await execFileP(bin, argv, { timeout: 60_000 }));
  } catch (err) {
    fail(`usso ${args.join(' ')} failed (exit ${err.code}):\n${err.stderr ?? err.message}`);
  }
  try {
    return JSON.parse(stdout);
  } catch {
    fail(`usso ${args.join(' ')} printed no JSON: ${stdout}`);
  }
}

/**
 * A tiny relying-party endpoint for Back-Channel Logout on 127.0.0.1 (a
 * random port): records every request and acknowledges it with 200.
 */
async function startBackchannelReceiver() {
  const received = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(200, { 'cache-control': 'no-store' });
      res.end();
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    uri: `http://127.0.0.1:${port}/backchannel-logout`,
    received,
    /** Waits until `count` requests have arrived, or `ms` have passed. */
    async waitFor(count, ms) {
      const deadline = Date.now() + ms;
      while (received.length < count && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      return received.length >= count;
    },
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

function describeReceived(r) {
  return `${r.method} ${r.url}\n  headers: ${JSON.stringify(r.headers)}\n  body: ${r.body.slice(0, 2000)}`;
}

function scopeSet(scope) {
  return [...new Set((scope ?? '').split(' ').filter(Boolean))].sort().join(' ');
}

/** RFC 7662 §2.2: an inactive token is `{"active": false}` and nothing more. */
function checkInactive(answer, what) {
  const json = JSON.stringify(answer);
  check(json === '{"active":false}', `${what}: introspection should be exactly {"active":false}, got ${json}`);
}

const insecure = { execute: [client.allowInsecureRequests], [client.customFetch]: recordingFetch };

// ---------------------------------------------------------------- the flows

async function main() {
  console.log(`# openid-client against ${ISSUER}`);

  const config = await step('discovery', async () => {
    const c = await client.discovery(
      new URL(ISSUER),
      RP_CLIENT_ID,
      { client_secret: RP_CLIENT_SECRET, redirect_uris: [REDIRECT_URI], response_types: ['code'] },
      client.ClientSecretBasic(RP_CLIENT_SECRET),
      insecure,
    );
    const m = c.serverMetadata();
    check(m.issuer === ISSUER, `discovery issuer ${m.issuer} is not ${ISSUER}`);
    for (const field of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri']) {
      check(typeof m[field] === 'string' && m[field].startsWith('http'), `discovery lacks ${field}`);
    }
    check(
      m.code_challenge_methods_supported?.includes('S256'),
      `code_challenge_methods_supported does not list S256: ${JSON.stringify(m.code_challenge_methods_supported)}`,
    );
    check(m.supportsPKCE('S256'), 'openid-client does not see S256 PKCE support');
    for (const [field, value] of [
      ['response_types_supported', 'code'],
      ['grant_types_supported', 'authorization_code'],
      ['grant_types_supported', 'refresh_token'],
      ['grant_types_supported', 'client_credentials'],
      ['token_endpoint_auth_methods_supported', 'client_secret_basic'],
      ['token_endpoint_auth_methods_supported', 'client_secret_post'],
      ['token_endpoint_auth_methods_supported', 'none'],
      ['scopes_supported', 'openid'],
      ['scopes_supported', 'offline_access'],
      ['token_endpoint_auth_methods_supported', 'private_key_jwt'],
      ['token_endpoint_auth_signing_alg_values_supported', 'ES256'],
    ]) {
      check(m[field]?.includes(value), `discovery ${field} does not list ${value}: ${JSON.stringify(m[field])}`);
    }
    for (const field of ['revocation_endpoint', 'introspection_endpoint', 'end_session_endpoint']) {
      check(
        typeof m[field] === 'string' && m[field].startsWith(`${ISSUER}/`),
        `discovery ${field} is ${JSON.stringify(m[field])}, not an endpoint under ${ISSUER}`,
      );
    }
    for (const field of ['backchannel_logout_supported', 'backchannel_logout_session_supported']) {
      check(m[field] === true, `discovery ${field} is ${JSON.stringify(m[field])}, not true`);
    }
    const jwks = await fetch(m.jwks_uri, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    check(jwks.ok, `JWKS ${m.jwks_uri} answered HTTP ${jwks.status}`);
    const keys = (await jwks.json()).keys;
    check(Array.isArray(keys) && keys.length > 0, `JWKS ${m.jwks_uri} has no keys`);
    return c;
  });

  const meta = config.serverMetadata();
  const jar = new CookieJar();

  /** Builds an authorization URL with fresh state, nonce and PKCE. */
  async function authorizationRequest(cfg, extra = {}) {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(cfg, {
      redirect_uri: REDIRECT_URI,
      scope: SCOPE,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    return { url, verifier, state, nonce };
  }

  // Authorization code + PKCE, logging in through the hosted login page.
  const first = await authorizationRequest(config);
  const callback = await step('login+authorize (hosted login page, code + PKCE S256)', async () => {
    const got = await browse(jar, first.url, { expectLogin: true });
    check(got.url, 'expected a query-mode redirect to the redirect URI');
    const p = got.url.searchParams;
    check(!p.has('error'), `authorization error: ${p.get('error')}: ${p.get('error_description')}`);
    check(p.get('code'), `no code in ${got.url.href}`);
    check(p.get('state') === first.state, `state ${p.get('state')} is not ${first.state}`);
    check(p.get('iss') === ISSUER, `iss (RFC 9207) ${p.get('iss')} is not ${ISSUER}`);
    return got.url;
  });

  const tokens = await step('code exchange + ID token validation (authorizationCodeGrant)', async () => {
    const t = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: first.verifier,
      expectedState: first.state,
      expectedNonce: first.nonce,
      idTokenExpected: true,
    });
    check(t.access_token, 'no access_token');
    check(t.token_type?.toLowerCase() === 'bearer', `token_type is ${t.token_type}`);
    check(t.refresh_token, `no refresh_token although offline_access was granted: ${JSON.stringify(t)}`);
    const claims = t.claims();
    check(claims, 'no ID token claims');
    check(claims.iss === ISSUER, `ID token iss ${claims.iss}`);
    check(claims.aud === RP_CLIENT_ID || claims.aud?.includes?.(RP_CLIENT_ID), `ID token aud ${claims.aud}`);
    check(claims.nonce === first.nonce, 'ID token nonce mismatch');
    check(typeof claims.sub === 'string' && claims.sub.length > 0, 'ID token has no sub');
    check(typeof claims.auth_time === 'number', `ID token has no auth_time: ${JSON.stringify(claims)}`);
    return t;
  });
  const subject = tokens.claims().sub;

  await step('userinfo (fetchUserInfo with the expected subject)', async () => {
    const info = await client.fetchUserInfo(config, tokens.access_token, subject);
    check(info.sub === subject, `userinfo sub ${info.sub} is not ${subject}`);
    check(info.email === EMAIL, `userinfo email ${info.email} is not ${EMAIL}`);
    check(info.given_name === GIVEN_NAME, `userinfo given_name ${info.given_name} is not ${GIVEN_NAME}`);
    check(info.family_name === FAMILY_NAME, `userinfo family_name ${info.family_name} is not ${FAMILY_NAME}`);
  });

  const refreshed = await step('refresh (refreshTokenGrant, rotation)', async () => {
    const r = await client.refreshTokenGrant(config, tokens.refresh_token, { scope: SCOPE });
    check(r.access_token, 'refresh gave no access_token');
    check(r.refresh_token, `refresh gave no new refresh_token: ${JSON.stringify(r)}`);
    check(r.refresh_token !== tokens.refresh_token, 'refresh returned the same refresh_token (no rotation)');
    if (r.id_token) {
      // openid-client has validated signature, iss, aud; the subject must not change.
      check(r.claims()?.sub === subject, `refreshed ID token sub ${r.claims()?.sub} is not ${subject}`);
    }
    const info = await client.fetchUserInfo(config, r.access_token, subject);
    check(info.sub === subject, 'the refreshed access token does not work at userinfo');
    return r;
  });

  await step('refresh: the rotated-out refresh token is refused (invalid_grant)', async () => {
    await expectOAuthError(
      client.refreshTokenGrant(config, tokens.refresh_token, { scope: SCOPE }),
      'invalid_grant',
      'reuse of the old refresh token',
    );
  });

  await step('refresh: the replay revoked the family, the new refresh token too (RFC 9700 4.14.2)', async () => {
    await expectOAuthError(
      client.refreshTokenGrant(config, refreshed.refresh_token, { scope: SCOPE }),
      'invalid_grant',
      'the rotated-in refresh token after a replay of its predecessor',
    );
  });

  await step('wrong client secret is refused (invalid_client)', async () => {
    const bad = new client.Configuration(
      meta,
      RP_CLIENT_ID,
      { client_secret: `${RP_CLIENT_SECRET}x` },
      client.ClientSecretBasic(`${RP_CLIENT_SECRET}x`),
    );
    configure(bad);
    await expectOAuthError(
      client.refreshTokenGrant(bad, refreshed.refresh_token),
      'invalid_client',
      'refresh with a wrong client secret',
    );
  });

  // A public client (token_endpoint_auth_method none): PKCE is its only proof.
  await step('public client: code + PKCE, auth method none', async () => {
    const pub = configure(new client.Configuration(meta, PUBLIC_CLIENT_ID, {}, client.None()));
    const req = await authorizationRequest(pub);
    const got = await browse(jar, req.url, { expectLogin: false }); // the session cookie is reused
    check(got.url, 'expected a query-mode redirect to the redirect URI');
    const t = await client.authorizationCodeGrant(pub, got.url, {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
      idTokenExpected: true,
    });
    const claims = t.claims();
    check(claims.sub === subject, `public client's ID token sub ${claims.sub} is not ${subject}`);
    check(claims.aud === PUBLIC_CLIENT_ID || claims.aud?.includes?.(PUBLIC_CLIENT_ID), `ID token aud ${claims.aud}`);
    const info = await client.fetchUserInfo(pub, t.access_token, subject);
    check(info.email === EMAIL, `userinfo email ${info.email} is not ${EMAIL}`);

    // A second redemption of the code is refused and revokes what the code
    // gave (RFC 6749 4.1.2; OIDF oidcc-codereuse).
    await expectOAuthError(
      client.authorizationCodeGrant(pub, got.url, {
        pkceCodeVerifier: req.verifier,
        expectedState: req.state,
        expectedNonce: req.nonce,
      }),
      'invalid_grant',
      'second use of the same authorization code',
    );
    await expectBearerRejected(pub, t.access_token, 'the access token of a replayed code');

    // A wrong code_verifier must not redeem a code.
    const again = await authorizationRequest(pub);
    const got2 = await browse(jar, again.url, { expectLogin: false });
    await expectOAuthError(
      client.authorizationCodeGrant(pub, got2.url, {
        pkceCodeVerifier: client.randomPKCECodeVerifier(),
        expectedState: again.state,
        expectedNonce: again.nonce,
      }),
      'invalid_grant',
      'code redeemed with the wrong code_verifier',
    );
  });

  // response_mode=form_post: openid-client consumes the POSTed form as a Request.
  await step('form_post response mode', async () => {
    check(
      meta.response_modes_supported?.includes('form_post'),
      `discovery response_modes_supported does not list form_post: ${JSON.stringify(meta.response_modes_supported)}`,
    );
    const req = await authorizationRequest(config, { response_mode: 'form_post' });
    const got = await browse(jar, req.url, { expectLogin: false });
    check(got.request, 'expected an auto-submitting form_post page, got a redirect');
    check(got.form.fields.iss === ISSUER, `form_post iss ${got.form.fields.iss} is not ${ISSUER}`);
    check(!('error' in got.form.fields), `form_post error ${got.form.fields.error}`);
    const t = await client.authorizationCodeGrant(config, got.request, {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
      idTokenExpected: true,
    });
    check(t.claims().sub === subject, 'form_post ID token has another subject');
  });

  await step('client credentials (clientCredentialsGrant, client_secret_post)', async () => {
    const cc = new client.Configuration(
      meta,
      CC_CLIENT_ID,
      { client_secret: CC_CLIENT_SECRET },
      client.ClientSecretPost(CC_CLIENT_SECRET),
    );
    configure(cc);
    const t = await client.clientCredentialsGrant(cc, { scope: CC_SCOPE });
    check(t.access_token, 'no access_token');
    check(t.token_type?.toLowerCase() === 'bearer', `token_type is ${t.token_type}`);
    check(!t.refresh_token, 'client_credentials must not return a refresh_token');
    check(!t.id_token, 'client_credentials must not return an ID token');
    if (t.scope !== undefined) {
      check(t.scope.split(' ').includes(CC_SCOPE), `granted scope ${t.scope} lacks ${CC_SCOPE}`);
    }
    if (t.access_token.split('.').length === 3) {
      const payload = decodeJwtPayload(t.access_token);
      check(payload.iss === ISSUER, `access token iss ${payload.iss}`);
    }
  });

  // ------------------------------------------- introspection and revocation

  /** A fresh code flow for `cfg` in the browser's session (no login page). */
  async function codeFlow(cfg, what) {
    const req = await authorizationRequest(cfg);
    const got = await browse(jar, req.url, { expectLogin: false });
    check(got.url, `${what}: expected a query-mode redirect to the redirect URI`);
    const t = await client.authorizationCodeGrant(cfg, got.url, {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
      idTokenExpected: true,
    });
    check(t.refresh_token, `${what}: no refresh_token although offline_access was granted: ${JSON.stringify(t)}`);
    return t;
  }

  const live = await step('introspection: live access token (tokenIntrospection)', async () => {
    const t = await codeFlow(config, 'rp');
    const granted = scopeSet(t.scope ?? SCOPE);
    const a = await client.tokenIntrospection(config, t.access_token, { token_type_hint: 'access_token' });
    const json = JSON.stringify(a);
    check(a.active === true, `the live access token is not active: ${json}`);
    check(a.sub === subject, `introspection sub ${a.sub} is not ${subject}: ${json}`);
    check(a.client_id === RP_CLIENT_ID, `introspection client_id ${a.client_id} is not ${RP_CLIENT_ID}: ${json}`);
    check(scopeSet(a.scope) === granted, `introspection scope "${a.scope}" is not the granted "${granted}": ${json}`);
    check(a.iss === undefined || a.iss === ISSUER, `introspection iss ${a.iss} is not ${ISSUER}`);
    check(
      typeof a.exp !== 'number' || a.exp > Date.now() / 1000,
      `introspection exp ${a.exp} is in the past: ${json}`,
    );
    check(
      a.token_type === undefined || a.token_type.toLowerCase() === 'bearer',
      `introspection token_type of an access token is ${a.token_type}`,
    );
    return t;
  });

  await step('introspection: refresh token', async () => {
    const a = await client.tokenIntrospection(config, live.refresh_token, { token_type_hint: 'refresh_token' });
    const json = JSON.stringify(a);
    check(a.active === true, `the live refresh token is not active: ${json}`);
    check(a.sub === subject, `introspection sub ${a.sub} is not ${subject}: ${json}`);
    check(a.client_id === RP_CLIENT_ID, `introspection client_id ${a.client_id} is not ${RP_CLIENT_ID}: ${json}`);
    check(
      scopeSet(a.scope) === scopeSet(live.scope ?? SCOPE),
      `introspection scope "${a.scope}" of the refresh token is not the granted one: ${json}`,
    );
    // Without the hint too (RFC 7662 §2.1: the hint only helps the search).
    const b = await client.tokenIntrospection(config, live.refresh_token);
    check(b.active === true && b.sub === subject, `without token_type_hint: ${JSON.stringify(b)}`);
  });

  await step('introspection: another client\'s token is exactly {"active":false}', async () => {
    const cc = configure(
      new client.Configuration(
        meta,
        CC_CLIENT_ID,
        { client_secret: CC_CLIENT_SECRET },
        client.ClientSecretPost(CC_CLIENT_SECRET),
      ),
    );
    checkInactive(await client.tokenIntrospection(cc, live.access_token), "rp's access token asked by rp-service");
    checkInactive(await client.tokenIntrospection(cc, live.refresh_token), "rp's refresh token asked by rp-service");
  });

  await step('revocation: tokenRevocation of the refresh token; then inactive and invalid_grant', async () => {
    await client.tokenRevocation(config, live.refresh_token, { token_type_hint: 'refresh_token' });
    checkInactive(await client.tokenIntrospection(config, live.refresh_token), 'the revoked refresh token');
    await expectOAuthError(
      client.refreshTokenGrant(config, live.refresh_token, { scope: SCOPE }),
      'invalid_grant',
      'refresh with the revoked refresh token',
    );
    // USSO revokes the whole grant (RFC 7009 §2.1 says it SHOULD): its
    // access token is dead too.
    checkInactive(await client.tokenIntrospection(config, live.access_token), 'the access token of the revoked grant');
    await expectBearerRejected(config, live.access_token, 'the access token of the revoked grant');
    // Revoking again, or a token nobody knows, is still 200 (RFC 7009 §2.2).
    await client.tokenRevocation(config, live.refresh_token);
    await client.tokenRevocation(config, `unknown-${randomUUID()}`);
  });

  // ------------------------------------------------------- private_key_jwt

  const pkjwt = await step('private_key_jwt: register a generated ES256 key, clientCredentialsGrant', async () => {
    const { publicKey, privateKey } = await jose.generateKeyPair('ES256');
    const publicJwk = await jose.exportJWK(publicKey);
    const kid = await jose.calculateJwkThumbprint(publicJwk);
    const jwks = { keys: [{ ...publicJwk, kid, alg: 'ES256', use: 'sig' }] };
    const created = await usso(
      'client', 'create', '--tenant', TENANT, '--name', 'rp-pkjwt',
      '--grant-type', 'client_credentials', '--scope', CC_SCOPE,
      '--token-endpoint-auth-method', 'private_key_jwt', '--jwks', JSON.stringify(jwks),
    );
    const clientId = created.client_id;
    check(typeof clientId === 'string', `usso client create printed no client_id: ${JSON.stringify(created)}`);
    const cfg = configure(
      new client.Configuration(meta, clientId, {}, client.PrivateKeyJwt({ key: privateKey, kid })),
    );
    const t = await client.clientCredentialsGrant(cfg, { scope: CC_SCOPE });
    check(t.access_token, 'no access_token');
    check(t.token_type?.toLowerCase() === 'bearer', `token_type is ${t.token_type}`);
    check(!t.refresh_token && !t.id_token, `client_credentials gave more than an access token: ${JSON.stringify(t)}`);
    // The same authentication works at the introspection endpoint.
    const a = await client.tokenIntrospection(cfg, t.access_token);
    check(
      a.active === true && a.client_id === clientId,
      `introspection of its own token with private_key_jwt: ${JSON.stringify(a)}`,
    );
    return { clientId, privateKey, kid };
  });

  await step('private_key_jwt: a replayed client assertion is refused (invalid_client)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new jose.SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: pkjwt.kid })
      .setIssuer(pkjwt.clientId)
      .setSubject(pkjwt.clientId)
      .setAudience(meta.token_endpoint)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(pkjwt.privateKey);
    const form = {
      grant_type: 'client_credentials',
      scope: CC_SCOPE,
      client_id: pkjwt.clientId,
      client_assertion_type: JWT_BEARER,
      client_assertion: assertion,
    };
    const first = await postForm(meta.token_endpoint, form);
    check(
      first.status === 200 && typeof first.json?.access_token === 'string',
      `a fresh hand-made assertion (aud = token endpoint) was not accepted:\n${first.transcript}`,
    );
    const replay = await postForm(meta.token_endpoint, form);
    check(
      (replay.status === 400 || replay.status === 401) && replay.json?.error === 'invalid_client',
      `the same assertion a second time was not refused with invalid_client:\n${replay.transcript}`,
    );
  });

  // ------------------------------------------- RP-initiated and back-channel logout

  const receiver = await startBackchannelReceiver();
  try {
    const bc = await step('back-channel client: registered with the receiver, code flow in the same session', async () => {
      const created = await usso(
        'client', 'create', '--tenant', TENANT, '--name', 'rp-backchannel',
        '--redirect-uri', REDIRECT_URI, '--grant-type', 'authorization_code', '--grant-type', 'refresh_token',
        '--skip-consent', '--backchannel-logout-uri', receiver.uri,
      );
      check(
        created.client_id && created.client_secret,
        `usso client create printed no client_id/client_secret: ${JSON.stringify(created)}`,
      );
      const cfg = configure(
        new client.Configuration(
          meta,
          created.client_id,
          { client_secret: created.client_secret },
          client.ClientSecretBasic(created.client_secret),
        ),
      );
      const t = await codeFlow(cfg, 'rp-backchannel');
      const claims = t.claims();
      check(claims.sub === subject, `rp-backchannel's ID token sub ${claims.sub} is not ${subject}`);
      check(typeof claims.sid === 'string' && claims.sid, `rp-backchannel's ID token has no sid: ${JSON.stringify(claims)}`);
      return { clientId: created.client_id, cfg, tokens: t, sid: claims.sid };
    });

    const stolenSession = jar.get('usso_session');
    const logoutState = client.randomState();

    await step('RP-initiated logout: buildEndSessionUrl → 303 to post_logout_redirect_uri with state', async () => {
      const hintClaims = live.claims();
      check(
        hintClaims.sid === bc.sid,
        `rp's ID token sid ${hintClaims.sid} is not the session's sid ${bc.sid} (same browser session)`,
      );
      check(stolenSession, 'no usso_session cookie before the logout');
      const url = client.buildEndSessionUrl(config, {
        id_token_hint: live.id_token,
        post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI,
        state: logoutState,
      });
      check(url.href.startsWith(meta.end_session_endpoint), `buildEndSessionUrl gave ${url.href}`);
      const r = await http(jar, 'GET', url.href);
      check(r.status === 303 && r.location, `end-session did not answer 303 with a Location:\n${r.transcript}`);
      const back = new URL(r.location);
      const target = new URL(back);
      target.search = '';
      check(
        target.href === POST_LOGOUT_REDIRECT_URI,
        `end-session redirected to ${r.location}, not to ${POST_LOGOUT_REDIRECT_URI}:\n${r.transcript}`,
      );
      check(
        back.searchParams.get('state') === logoutState,
        `post-logout redirect state ${back.searchParams.get('state')} is not ${logoutState}:\n${r.transcript}`,
      );
      check(!jar.has('usso_session'), `end-session did not clear the usso_session cookie:\n${r.transcript}`);
    });

    await step('after logout: prompt=none answers login_required (also with the old session cookie)', async () => {
      const attempts = [['the browser', jar]];
      const replayJar = new CookieJar();
      replayJar.set('usso_session', stolenSession);
      attempts.push(['the pre-logout session cookie', replayJar]);
      for (const [who, j] of attempts) {
        const req = await authorizationRequest(config, { prompt: 'none' });
        const r = await http(j, 'GET', req.url.href);
        check(
          isRedirect(r.status) && r.location?.startsWith(REDIRECT_URI),
          `${who}: prompt=none did not redirect to the redirect URI:\n${r.transcript}`,
        );
        const p = new URL(r.location).searchParams;
        check(p.get('error') === 'login_required', `${who}: expected error=login_required:\n${r.transcript}`);
        check(p.get('state') === req.state, `${who}: state ${p.get('state')} is not ${req.state}`);
        // openid-client's own reading of that answer (state and iss checked).
        try {
          await client.authorizationCodeGrant(config, new URL(r.location), {
            pkceCodeVerifier: req.verifier,
            expectedState: req.state,
            expectedNonce: req.nonce,
          });
          fail(`${who}: openid-client accepted ${r.location}`);
        } catch (err) {
          if (err instanceof StepError) throw err;
          check(
            err instanceof client.AuthorizationResponseError && err.error === 'login_required',
            `${who}: openid-client did not see login_required: ${describe(err)}`,
          );
        }
      }
    });

    await step('back-channel logout: logout_token POSTed, verified with the tenant JWKS (jose)', async () => {
      const arrived = await receiver.waitFor(1, 10_000);
      check(arrived, `no back-channel logout request reached ${receiver.uri} within 10 s of the logout`);
      // A moment more, to catch a duplicate delivery.
      await new Promise((r) => setTimeout(r, 500));
      const got = receiver.received[0];
      const seen = receiver.received.map(describeReceived).join('\n');
      check(receiver.received.length === 1, `expected one back-channel logout request, got:\n${seen}`);
      check(got.method === 'POST', `back-channel logout request is not a POST:\n${seen}`);
      check(
        (got.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'),
        `back-channel logout request is not a form:\n${seen}`,
      );
      const token = new URLSearchParams(got.body).get('logout_token');
      check(token, `no logout_token in the back-channel logout request:\n${seen}`);
      let verified;
      try {
        verified = await jose.jwtVerify(token, jose.createRemoteJWKSet(new URL(meta.jwks_uri)), {
          issuer: ISSUER,
          audience: bc.clientId,
          typ: 'logout+jwt',
          requiredClaims: ['iss', 'aud', 'iat', 'exp', 'jti', 'events', 'sid'],
        });
      } catch (err) {
        fail(`the logout_token does not verify: ${err.code ?? ''} ${err.message}\n${seen}`);
      }
      const { payload, protectedHeader } = verified;
      const json = `header ${JSON.stringify(protectedHeader)}, claims ${JSON.stringify(payload)}`;
      check(protectedHeader.typ === 'logout+jwt', `logout_token typ is ${protectedHeader.typ}: ${json}`);
      check(payload.iss === ISSUER, `logout_token iss: ${json}`);
      check(
        payload.aud === bc.clientId || (Array.isArray(payload.aud) && payload.aud.includes(bc.clientId)),
        `logout_token aud is not ${bc.clientId}: ${json}`,
      );
      check(payload.sid === bc.sid, `logout_token sid ${payload.sid} is not the ID token's ${bc.sid}: ${json}`);
      check(payload.sub === undefined || payload.sub === subject, `logout_token sub is not ${subject}: ${json}`);
      const events = payload.events;
      check(
        events && typeof events === 'object' && typeof events[BACKCHANNEL_LOGOUT_EVENT] === 'object' &&
          events[BACKCHANNEL_LOGOUT_EVENT] !== null,
        `logout_token events lacks the member ${BACKCHANNEL_LOGOUT_EVENT} (a JSON object): ${json}`,
      );
      check(!('nonce' in payload), `logout_token carries a nonce: ${json}`);
      // The logout revoked the session's grants.
      checkInactive(
        await client.tokenIntrospection(bc.cfg, bc.tokens.refresh_token),
        "rp-backchannel's refresh token after the logout",
      );
      checkInactive(
        await client.tokenIntrospection(bc.cfg, bc.tokens.access_token),
        "rp-backchannel's access token after the logout",
      );
    });
  } finally {
    receiver.close();
  }

  console.log('# all openid-client steps passed');
}

try {
  await main();
} catch (err) {
  if (!(err instanceof Failed)) console.error(`FAIL (outside any step): ${describe(err)}`);
  process.exitCode = 1;
}
