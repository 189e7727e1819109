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
  try {
    const result = await fn();
    console.log(`ok ${name}`);
    return result;
  } catch (err) {
    console.error(`FAIL ${name}: ${describe(err)}`);
    throw new Failed();
  }
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

const insecure = { execute: [client.allowInsecureRequests] };

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
    ]) {
      check(m[field]?.includes(value), `discovery ${field} does not list ${value}: ${JSON.stringify(m[field])}`);
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
    client.allowInsecureRequests(bad);
    await expectOAuthError(
      client.refreshTokenGrant(bad, refreshed.refresh_token),
      'invalid_client',
      'refresh with a wrong client secret',
    );
  });

  // A public client (token_endpoint_auth_method none): PKCE is its only proof.
  await step('public client: code + PKCE, auth method none', async () => {
    const pub = new client.Configuration(meta, PUBLIC_CLIENT_ID, {}, client.None());
    client.allowInsecureRequests(pub);
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
    client.allowInsecureRequests(cc);
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

  console.log('# all openid-client steps passed');
}

try {
  await main();
} catch (err) {
  if (!(err instanceof Failed)) console.error(`FAIL (outside any step): ${describe(err)}`);
  process.exitCode = 1;
}
