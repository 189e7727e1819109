// Federated login through an upstream OpenID Provider, end to end: a running
// `usso serve`, the oidc-provider issuers of upstream.mjs as upstreams, and
// openid-client as a downstream application of the tenant. No browser: each
// "browser" is a cookie jar (lib.mjs) and every redirect is followed by
// hand, so that each hop is checked.
//
// Every check prints PASS or FAIL <name> (a failure with the HTTP exchanges
// behind it); the last line is "federation conformance (<label>): N/M".
// Exit code 1 when a check failed.
//
// Environment (run.sh sets all of it):
//   USSO_BASE        the server's public URL, e.g. http://127.0.0.1:PORT
//   USSO_TENANT      a tenant that exists, with nothing else in it
//   USSO_CLI         JSON array: the usso command line (binary, database and
//                    --public-url options) for the management commands
//   USSO_SERVER_LOG  the server's JSON log (warnings quoted in failures)
//   UPSTREAMS        JSON object {"corp": issuer URL, "partner": …, "closed": …}
//                    (upstream.mjs's ready line)
//   LABEL            a name for this run (sqlite, postgres)
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, readSync, closeSync, statSync } from 'node:fs';

import * as client from 'openid-client';

import { Browser, Report, Upstream, decodeJwt, getJson, isRedirect, links, parseForms, query, short } from './lib.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) {
    console.error(`driver: environment variable ${name} is not set`);
    process.exit(2);
  }
  return v;
};

const BASE = env('USSO_BASE').replace(/\/$/, '');
const TENANT = env('USSO_TENANT');
const CLI = JSON.parse(env('USSO_CLI'));
const SERVER_LOG = process.env.USSO_SERVER_LOG;
const UPSTREAMS = JSON.parse(env('UPSTREAMS'));
const LABEL = process.env.LABEL || 'run';
const ISSUER = `${BASE}/t/${TENANT}`;
const ACCOUNT_PATH = `/t/${TENANT}/account`;

const report = new Report(LABEL);
const check = report.check.bind(report);
const need = report.need.bind(report);

// ---------------------------------------------------------------- USSO side

class CliError extends Error {}

/** Runs a usso management command; its stdout (JSON parsed with --json). */
function usso(args, { stdin, json = args.includes('--json') } = {}) {
  const r = spawnSync(CLI[0], [...CLI.slice(1), ...args], { input: stdin ?? '', encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) {
    const shown = args.map((a) => (a.length > 80 ? `${a.slice(0, 77)}...` : a)).join(' ');
    throw new CliError(`usso ${shown}: exit ${r.status ?? r.signal}: ${short(r.stderr || r.stdout, 800)}`);
  }
  if (!json) return r.stdout;
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new CliError(`usso ${args.slice(0, 2).join(' ')}: not JSON: ${short(r.stdout, 300)}`);
  }
}

const users = () => usso(['user', 'list', '--tenant', TENANT, '--json']);

function userByEmail(email) {
  return users().find((u) => (u.emails ?? []).some((e) => e.value?.toLowerCase() === email.toLowerCase()));
}

function emailsOf(u) {
  return (u?.emails ?? []).map((e) => e.value);
}

let adminKey;
/** GET on the admin API with the suite's admin key. */
async function admin(path) {
  if (!adminKey) {
    adminKey = usso(['api-key', 'create', '--tenant', TENANT, '--name', `federation-${LABEL}`, '--scope', 'admin', '--json']).token;
  }
  return getJson(`${BASE}/api/v1/tenants/${TENANT}${path}`, { headers: { authorization: `Bearer ${adminKey}`, accept: 'application/json' } });
}

async function identities(userId) {
  const r = await admin(`/users/${encodeURIComponent(userId)}/identities`);
  if (r.status !== 200) throw new Error(`GET identities of ${userId}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** The user ids of core group `name`'s direct members. */
function groupMembers(name) {
  const g = usso(['group', 'show', '--tenant', TENANT, name, '--json']);
  return (g.members ?? []).filter((m) => m.type === 'user').map((m) => String(m.id));
}

/** Warnings and errors the server logged after byte `offset`. */
function serverLogSince(offset) {
  if (!SERVER_LOG) return '';
  try {
    const size = statSync(SERVER_LOG).size;
    if (size <= offset) return '';
    const fd = openSync(SERVER_LOG, 'r');
    const buf = Buffer.alloc(Math.min(size - offset, 256 * 1024));
    readSync(fd, buf, 0, buf.length, offset);
    closeSync(fd);
    const lines = [];
    for (const line of buf.toString('utf8').split('\n')) {
      try {
        const o = JSON.parse(line);
        const f = o.fields && typeof o.fields === 'object' ? o.fields : o;
        const level = String(o.level ?? '').toUpperCase();
        if (level === 'WARN' || level === 'ERROR' || f.reason !== undefined || f.error !== undefined) {
          const { message, ...rest } = f;
          lines.push(`${level} ${message ?? ''} ${JSON.stringify(rest)}`);
        }
      } catch {
        // not a JSON line
      }
    }
    return lines.slice(-12).join('\n');
  } catch {
    return '';
  }
}

function logMark() {
  try {
    return SERVER_LOG ? statSync(SERVER_LOG).size : 0;
  } catch {
    return 0;
  }
}

// ---------------------------------------------------------------- providers

/**
 * One upstream provider as registered in USSO: the name, the upstream.mjs
 * issuer behind it, the client USSO uses there, and what add-oidc answered.
 */
class Provider {
  constructor(name, flags) {
    this.name = name;
    this.flags = flags;
    this.up = new Upstream(name, UPSTREAMS[name]);
    this.clientId = `usso-${name}-${LABEL}`;
    this.secret = randomBytes(24).toString('base64url');
    this.redirectUri = `${ISSUER}/login/idp/${name}/callback`;
    this.postLogoutUri = `${ISSUER}/login/idp/${name}/logged-out`;
  }

  async discover() {
    const r = await getJson(`${this.up.issuer}/.well-known/openid-configuration`);
    this.metadata = r.body;
    this.authorizationEndpoint = r.body.authorization_endpoint;
    this.endSessionEndpoint = r.body.end_session_endpoint;
  }

  startUrl(returnTo = ACCOUNT_PATH) {
    return `${ISSUER}/login/idp/${this.name}?return_to=${encodeURIComponent(returnTo)}`;
  }

  isAuthorization(url) {
    return url.startsWith(`${this.authorizationEndpoint}?`);
  }

  isCallback(url) {
    return url.startsWith(`${this.redirectUri}?`);
  }
}

const corp = new Provider('corp', [
  '--display-name', 'Corp SSO',
  '--scope', 'groups',
  '--groups-claim', 'groups',
  '--group-map', 'eng=engineering',
  '--domain', 'corp.example',
  '--rp-logout',
]);
const partner = new Provider('partner', ['--link-by-email']);
const closed = new Provider('closed', ['--no-create-users']);
const providers = [corp, partner, closed];

let seq = 0;
/** A fresh upstream account (a unique sub, name and email). */
function account(who, domain, extra = {}) {
  seq += 1;
  const given = who[0].toUpperCase() + who.slice(1);
  return {
    sub: `${who}-${LABEL}-${seq}-${randomBytes(3).toString('hex')}`,
    email: `${who}.${seq}@${domain}`,
    email_verified: true,
    given_name: given,
    family_name: `Upstream${seq}`,
    name: `${given} Upstream${seq}`,
    groups: [],
    ...extra,
  };
}

// ---------------------------------------------------------------- flows

/**
 * Starts a login at `startUrl` (USSO), expects USSO to send the browser to
 * the provider's authorization endpoint (possibly through USSO's own pages),
 * runs the upstream's login (the account queued first, when given) and
 * stops at the callback URL. Returns { start, authorizeUrl, callbackUrl }.
 */
async function toCallback(b, p, { acct, startUrl = p.startUrl() } = {}) {
  if (acct) await p.up.nextLogin(acct);
  const start = await b.follow(startUrl, (next) => !next.startsWith(BASE));
  need(
    `${p.name}: USSO sends the browser to the upstream's authorization endpoint`,
    isRedirect(start.status) && start.location && p.isAuthorization(start.location),
    b.transcript(),
  );
  const upstream = await b.follow(start.location, (next) => p.isCallback(next));
  need(
    `${p.name}: the upstream redirects back to USSO's redirect_uri with a code`,
    isRedirect(upstream.status) && upstream.location && p.isCallback(upstream.location) && query(upstream.location).code,
    `${b.transcript()}\n${await upstreamErrors(p)}`,
  );
  return { start, authorizeUrl: start.location, callbackUrl: upstream.location };
}

/** Logs in through provider p: returns the callback's response. */
async function loginThrough(b, p, opts = {}) {
  const flow = await toCallback(b, p, opts);
  const cb = await b.get(flow.callbackUrl);
  return { ...flow, cb };
}

async function upstreamErrors(p, since = 0) {
  try {
    const { entries } = await p.up.log(since);
    const bad = entries.filter((e) => e.error || (e.status >= 400 && e.kind === 'request'));
    return bad.length ? `upstream ${p.name} log:\n${bad.slice(-6).map((e) => JSON.stringify(e)).join('\n')}` : '';
  } catch (err) {
    return `upstream ${p.name} log unavailable: ${err.message}`;
  }
}

/** Who the browser is signed in as at USSO (the account page), or null. */
async function signedInAs(b) {
  const r = await b.get(`${ISSUER}/account`);
  if (r.status !== 200) return null;
  const m = r.text.match(/signed in as <strong>([^<]*)<\/strong>/i);
  return m ? m[1].replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"') : '';
}

const shownName = (u) => u?.display_name || u?.username;

function sessionCookieSet(r) {
  return r.headers.getSetCookie().some((c) => /^usso_session=[^;]+/.test(c));
}

function pathOf(url) {
  return url ? new URL(url, BASE).pathname : '';
}

/** What a failure should show: the browser, the server log, the upstream. */
async function evidence(b, mark, p, upMark = 0) {
  const parts = [b.transcript(3)];
  const log = serverLogSince(mark);
  if (log) parts.push(`usso log:\n${log}`);
  if (p) {
    const up = await upstreamErrors(p, upMark);
    if (up) parts.push(up);
  }
  return parts.join('\n');
}

/** A refused login: the status, an HTML page, no session cookie. */
async function expectRefused(name, b, r, status, mark, p) {
  const ok = r.status === status && /html/i.test(r.headers.get('content-type') ?? '') && !sessionCookieSet(r);
  check(`${name}: ${status} HTML page, no session`, ok, await evidence(b, mark, p));
  check(`${name}: not signed in afterwards`, (await signedInAs(b)) === null, b.transcript(2));
}

/**
 * A login whose email belongs to an existing user and may not be linked
 * automatically: refused (403 page), or parked until the owner proves the
 * account is theirs (409, the login page with the email filled in, the
 * issue's "the user proves ownership of the existing account"). Either way
 * no session. Returns "refused" or "parked".
 */
async function expectEmailConflict(name, b, r, email, mark, p) {
  const html = /html/i.test(r.headers.get('content-type') ?? '');
  const parked = r.status === 409 && html && parseForms(r.text, r.url).some((f) => f.method === 'POST' && 'csrf' in f.fields && f.fields.username === email);
  if (parked) console.log(`# ${name}: 409, the login page offers to link after signing in to ${email}`);
  check(
    `${name}: refused (403 page) or parked (409 sign-in-to-link page), no session`,
    (r.status === 403 && html) || parked,
    await evidence(b, mark, p),
  );
  check(`${name}: no session cookie`, !sessionCookieSet(r), r.exchange);
  check(`${name}: not signed in afterwards`, (await signedInAs(b)) === null, b.transcript(2));
  return parked ? 'parked' : 'refused';
}

// ---------------------------------------------------------------- scenarios

async function registration() {
  usso(['group', 'create', '--tenant', TENANT, 'engineering', '--json']);
  for (const p of providers) {
    await p.discover();
    let out;
    try {
      out = usso(
        ['idp', 'add-oidc', '--tenant', TENANT, '--name', p.name, '--issuer', p.up.issuer, '--client-id', p.clientId, '--client-secret-stdin', ...p.flags, '--json'],
        { stdin: p.secret },
      );
    } catch (err) {
      need(`idp add-oidc ${p.name}`, false, err.message);
    }
    p.id = out.id;
    check(
      `idp add-oidc ${p.name} --json: name, kind "oidc", issuer, id`,
      out.name === p.name && out.kind === 'oidc' && out.issuer === p.up.issuer && out.id,
      JSON.stringify(out),
    );
    need(`idp add-oidc ${p.name}: redirect_uri is {issuer}/login/idp/${p.name}/callback`, out.redirect_uri === p.redirectUri, JSON.stringify(out));
    check('the client secret is not echoed', !JSON.stringify(out).includes(p.secret));
    if (out.post_logout_redirect_uri !== undefined) {
      check(`idp add-oidc ${p.name}: post_logout_redirect_uri is {issuer}/login/idp/${p.name}/logged-out`, out.post_logout_redirect_uri === p.postLogoutUri, out.post_logout_redirect_uri);
    }
    await p.up.addClient({
      client_id: p.clientId,
      client_secret: p.secret,
      redirect_uris: [out.redirect_uri],
      post_logout_redirect_uris: [p.postLogoutUri],
    });
  }
  const listed = usso(['idp', 'list', '--tenant', TENANT, '--json']);
  check(
    'idp list --json: the three providers, kind oidc',
    Array.isArray(listed) && providers.every((p) => listed.some((x) => x.name === p.name && x.kind === 'oidc')),
    JSON.stringify(listed).slice(0, 600),
  );
  const shown = usso(['idp', 'show', '--tenant', TENANT, 'corp', '--json']);
  check('idp show corp --json', shown.name === 'corp' && shown.kind === 'oidc' && shown.issuer === corp.up.issuer, JSON.stringify(shown).slice(0, 600));
  check('idp show: no client secret', !JSON.stringify(shown).includes(corp.secret));
  const updated = usso(['idp', 'update', '--tenant', TENANT, 'partner', '--display-name', 'Partner Login', '--json']);
  check(
    'idp update partner --display-name',
    (updated.display_name ?? usso(['idp', 'show', '--tenant', TENANT, 'partner', '--json']).display_name) === 'Partner Login',
    JSON.stringify(updated).slice(0, 400),
  );
}

const state = {};

async function jitFirstLogin() {
  const b = new Browser('carol');
  const acct = account('carol', 'corp.example');
  const before = users().length;
  const mark = logMark();
  const upMark = await corp.up.mark();
  const flow = await toCallback(b, corp, { acct });

  // The authorization request USSO sent upstream.
  const q = query(flow.authorizeUrl);
  const scopes = (q.scope ?? '').split(' ');
  check('authorization request: response_type=code, client_id', q.response_type === 'code' && q.client_id === corp.clientId, JSON.stringify(q));
  check('authorization request: redirect_uri is the registered one', q.redirect_uri === corp.redirectUri, q.redirect_uri);
  check('authorization request: PKCE S256', q.code_challenge_method === 'S256' && /^[A-Za-z0-9_-]{43}$/.test(q.code_challenge ?? ''), JSON.stringify(q));
  check('authorization request: state and nonce', (q.state ?? '').length >= 16 && (q.nonce ?? '').length >= 16, JSON.stringify(q));
  check(
    'authorization request: scope openid email profile + --scope groups',
    ['openid', 'email', 'profile', 'groups'].every((s) => scopes.includes(s)),
    q.scope,
  );

  const cb = await b.get(flow.callbackUrl);
  need(
    'first login: the callback answers 303 to return_to with a session cookie',
    cb.status === 303 && pathOf(cb.location) === ACCOUNT_PATH && sessionCookieSet(cb),
    await evidence(b, mark, corp, upMark),
  );
  state.carolCallback = flow.callbackUrl;
  state.carolBrowser = b;

  const { entries } = await corp.up.log(upMark);
  const token = entries.find((e) => e.kind === 'request' && e.path === '/token');
  check('USSO redeemed the code with client_secret_basic', token?.auth === 'Basic' && token.status === 200, JSON.stringify(token));

  const after = users();
  const u = after.find((x) => emailsOf(x).includes(acct.email));
  check('first login: exactly one user created', after.length === before + 1 && u, `${before} -> ${after.length} users`);
  need('first login: the user has the upstream email', u, JSON.stringify(after.slice(-3)));
  check('JIT user: given and family name from the upstream', u.given_name === acct.given_name && u.family_name === acct.family_name, JSON.stringify(u));
  check('JIT user: the upstream verified the email', u.emails.find((e) => e.value === acct.email)?.verified === true, JSON.stringify(u.emails));
  const shown = await signedInAs(b);
  check('first login: signed in as the new user', shown !== null && shown === shownName(u), `account page says ${JSON.stringify(shown)}, user ${JSON.stringify(u)}`);
  const ids = await identities(u.id);
  check(
    'admin API: the identity (corp, upstream sub) is linked',
    Array.isArray(ids) && ids.length === 1 && ids[0].subject === acct.sub && ids[0].idp_id === corp.id,
    JSON.stringify(ids),
  );
  state.carol = { acct, user: u };
}

async function secondLogin() {
  need('(needs the first login)', state.carol, '');
  const { acct, user } = state.carol;
  const b = new Browser('carol-again');
  const before = users().length;
  const mark = logMark();
  const { cb } = await loginThrough(b, corp, { acct: { ...acct, given_name: 'Caroline' } });
  need('second login: 303 to return_to with a session cookie', cb.status === 303 && pathOf(cb.location) === ACCOUNT_PATH && sessionCookieSet(cb), await evidence(b, mark, corp));
  const after = users();
  check('second login: no new user', after.length === before, `${before} -> ${after.length}`);
  const again = after.find((x) => emailsOf(x).includes(acct.email));
  check('second login: the same user', again?.id === user.id, JSON.stringify(again));
  check('second login: the new given name from the upstream lands', again?.given_name === 'Caroline', JSON.stringify(again));
  const ids = await identities(user.id);
  check('second login: still one linked identity', ids.length === 1 && ids[0].subject === acct.sub, JSON.stringify(ids));
}

async function downstreamIdpHint() {
  const app = usso([
    'client', 'create', '--tenant', TENANT, '--name', 'downstream', '--redirect-uri', `${BASE}/downstream/cb`,
    '--grant-type', 'authorization_code', '--skip-consent', '--json',
  ]);
  const redirect = `${BASE}/downstream/cb`;
  const cfg = await client.discovery(new URL(ISSUER), app.client_id, app.client_secret, client.ClientSecretBasic(app.client_secret), {
    execute: [client.allowInsecureRequests],
  });
  const verifier = client.randomPKCECodeVerifier();
  const st = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(cfg, {
    redirect_uri: redirect,
    scope: 'openid email profile',
    state: st,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    idp_hint: 'corp',
  });
  const b = new Browser('dave');
  const acct = account('dave', 'corp.example');
  const mark = logMark();
  const flow = await toCallback(b, corp, { acct, startUrl: url.href });
  console.log(`# idp_hint: ${flow.start.hops.length} USSO hop(s) before the upstream: ${flow.start.hops.map((u) => new URL(u).pathname).join(' -> ')}`);
  const back = await b.follow(flow.callbackUrl, (next) => next.startsWith(`${redirect}?`));
  need(
    'idp_hint: after the upstream, USSO answers the downstream client with a code',
    isRedirect(back.status) && back.location?.startsWith(`${redirect}?`) && query(back.location).code,
    await evidence(b, mark, corp),
  );
  check('idp_hint: the downstream state comes back', query(back.location).state === st, back.location);
  const tokens = await client.authorizationCodeGrant(cfg, new URL(back.location), {
    pkceCodeVerifier: verifier,
    expectedState: st,
    expectedNonce: nonce,
  });
  const claims = tokens.claims();
  const u = userByEmail(acct.email);
  need('idp_hint: a user was created for the upstream identity', u, JSON.stringify(users().slice(-3)));
  check("downstream ID token: sub is the USSO user's id", claims.sub === String(u.id), `sub ${claims.sub}, user ${u.id}`);
  check('downstream ID token: the upstream email', claims.email === acct.email, JSON.stringify(claims));
  check('downstream ID token: issued by the tenant, for the client', claims.iss === ISSUER && claims.aud === app.client_id, JSON.stringify(claims));
  check('downstream ID token: not an upstream token', !JSON.stringify(claims).includes(corp.up.issuer), JSON.stringify(claims));
  const info = await client.fetchUserInfo(cfg, tokens.access_token, claims.sub);
  check('downstream userinfo: the upstream email', info.email === acct.email, JSON.stringify(info));
  check('downstream access token is USSO\'s', decodeJwt(tokens.access_token).payload.iss === ISSUER, '');
}

async function linkByVerifiedEmail() {
  const email = `erin.${LABEL}@partner.example`;
  usso(['user', 'create', '--tenant', TENANT, '--username', `erin-${LABEL}`, '--email', email, '--display-name', 'Erin Existing', '--json']);
  const erin = userByEmail(email);
  need('pre-created user erin', erin, '');
  const base = { sub: `erin-at-partner-${LABEL}`, email, given_name: 'Erin', family_name: 'Partner', name: 'Erin at Partner', groups: [] };

  // email_verified false: refused, nothing made.
  let b = new Browser('erin-unverified');
  let before = users().length;
  let mark = logMark();
  let { cb } = await loginThrough(b, partner, { acct: { ...base, email_verified: false } });
  await expectEmailConflict('--link-by-email, email_verified false', b, cb, email, mark, partner);
  check('email_verified false: no user created', users().length === before, `${before} -> ${users().length} users`);
  const none = await identities(erin.id);
  check('email_verified false: nothing linked', none.length === 0, JSON.stringify(none));

  // email_verified true: linked to erin.
  b = new Browser('erin-verified');
  before = users().length;
  mark = logMark();
  ({ cb } = await loginThrough(b, partner, { acct: { ...base, email_verified: true } }));
  need('--link-by-email, verified: 303 with a session', cb.status === 303 && sessionCookieSet(cb), await evidence(b, mark, partner));
  const shown = await signedInAs(b);
  check('--link-by-email: signed in as the pre-existing user', shown === 'Erin Existing', `account page says ${JSON.stringify(shown)}`);
  check('--link-by-email: no new user', users().length === before, `${before} -> ${users().length} users`);
  const ids = await identities(erin.id);
  check(
    '--link-by-email: the identity is listed on the user',
    ids.length === 1 && ids[0].subject === base.sub && ids[0].idp_id === partner.id,
    JSON.stringify(ids),
  );

  // And the link holds without the email: the subject is what counts now.
  // (Erin's names now follow the upstream's: the mapping runs at each login.)
  b = new Browser('erin-renamed');
  before = users().length;
  ({ cb } = await loginThrough(b, partner, { acct: { ...base, email: `erin.new.${LABEL}@partner.example`, email_verified: false } }));
  check(
    'a linked identity logs in by its subject, whatever its email',
    cb.status === 303 && (await signedInAs(b)) === base.name && users().length === before,
    await evidence(b, mark, partner),
  );
  const erinNow = users().find((u) => u.id === erin.id);
  check("a linked user's email stays (only the names follow the upstream)", erinNow?.emails?.[0]?.value === email, JSON.stringify(erinNow));
  state.erin = { email, user: erin };
}

async function emailOwnedByAnother() {
  const email = `frank.${LABEL}@corp.example`;
  const password = randomBytes(12).toString('base64url');
  usso(['user', 'create', '--tenant', TENANT, '--username', `frank-${LABEL}`, '--email', email, '--display-name', 'Frank Existing', '--password-stdin', '--json'], {
    stdin: password,
  });
  const frank = userByEmail(email);
  const b = new Browser('frank-imposter');
  const before = users().length;
  const mark = logMark();
  const acct = account('imposter', 'corp.example', { email, email_verified: true });
  const { cb } = await loginThrough(b, corp, { acct });
  const outcome = await expectEmailConflict('no --link-by-email: an email owned by another user', b, cb, email, mark, corp);
  check('email owned by another: no user created', users().length === before, `${before} -> ${users().length} users`);
  const linked = await identities(frank.id);
  check('email owned by another: nothing linked to the owner', linked.length === 0, JSON.stringify(linked));
  state.frank = { email, password, user: frank, acct, outcome };
}

/**
 * When USSO parks such a login (409): only the owner's own sign-in, in that
 * browser, makes the link; someone else's sign-in there does not.
 */
async function parkedLinkNeedsTheOwner() {
  need('(needs the previous scenario)', state.frank, '');
  const { email, password, user: frank, acct, outcome } = state.frank;
  if (outcome !== 'parked') {
    console.log('# USSO refuses such logins outright (403): no parked link to claim');
    return;
  }
  const otherPassword = randomBytes(12).toString('base64url');
  usso(['user', 'create', '--tenant', TENANT, '--username', `grace-${LABEL}`, '--email', `grace.${LABEL}@elsewhere.example`, '--display-name', 'Grace Other', '--password-stdin', '--json'], {
    stdin: otherPassword,
  });
  const grace = userByEmail(`grace.${LABEL}@elsewhere.example`);

  // Someone else signs in where the link is parked: no link for anyone.
  let b = new Browser('parked-other');
  let mark = logMark();
  let { cb } = await loginThrough(b, corp, { acct });
  let form = parseForms(cb.text, cb.url).find((f) => f.method === 'POST' && 'csrf' in f.fields);
  need('parked: the 409 page has the login form', cb.status === 409 && form, cb.exchange);
  let r = await b.post(form.action, { ...form.fields, username: `grace-${LABEL}`, password: otherPassword });
  check('parked, another user signs in: signed in as that user', r.status === 303 && (await signedInAs(b)) === 'Grace Other', await evidence(b, mark, corp));
  check('parked, another user signs in: nothing linked to them', (await identities(grace.id)).length === 0, JSON.stringify(await identities(grace.id)));
  check('parked, another user signs in: nothing linked to the owner', (await identities(frank.id)).length === 0, JSON.stringify(await identities(frank.id)));

  // The owner signs in: the link is made.
  b = new Browser('parked-owner');
  mark = logMark();
  ({ cb } = await loginThrough(b, corp, { acct }));
  form = parseForms(cb.text, cb.url).find((f) => f.method === 'POST' && 'csrf' in f.fields);
  need('parked again: the 409 page has the login form', cb.status === 409 && form, cb.exchange);
  r = await b.post(form.action, { ...form.fields, username: email, password });
  check('parked, the owner signs in with the password: signed in as the owner', r.status === 303 && (await signedInAs(b)) === 'Frank Existing', await evidence(b, mark, corp));
  const ids = await identities(frank.id);
  check('parked, the owner signs in: the identity is now linked to them', ids.length === 1 && ids[0].subject === acct.sub && ids[0].idp_id === corp.id, JSON.stringify(ids));
  const count = users().length;
  b = new Browser('linked-owner');
  ({ cb } = await loginThrough(b, corp, { acct }));
  check(
    'after the link, the upstream login signs the owner in (named as the upstream says now)',
    cb.status === 303 && (await signedInAs(b)) === acct.name && users().length === count && (await identities(frank.id)).length === 1,
    await evidence(b, mark, corp),
  );
}

async function noCreateUsers() {
  const b = new Browser('nobody');
  const acct = account('nobody', 'closed.example');
  const before = users().length;
  const mark = logMark();
  const { cb } = await loginThrough(b, closed, { acct });
  await expectRefused('--no-create-users: an unknown identity', b, cb, 403, mark, closed);
  check('--no-create-users: no user created', users().length === before && !userByEmail(acct.email), `${before} -> ${users().length} users`);
}

async function groupMapping() {
  const acct = account('gina', 'corp.example', { groups: ['eng', 'unmapped'] });
  let b = new Browser('gina');
  let mark = logMark();
  let { cb } = await loginThrough(b, corp, { acct });
  need('group mapping: first login', cb.status === 303 && sessionCookieSet(cb), await evidence(b, mark, corp));
  const gina = userByEmail(acct.email);
  need('group mapping: the user exists', gina, '');
  check('upstream group eng -> member of core group engineering', groupMembers('engineering').includes(String(gina.id)), JSON.stringify(groupMembers('engineering')));
  const groups = usso(['group', 'list', '--tenant', TENANT, '--json']);
  check('an unmapped upstream group creates no core group', !groups.some((g) => g.name === 'unmapped'), JSON.stringify(groups.map((g) => g.name)));

  b = new Browser('gina-later');
  mark = logMark();
  ({ cb } = await loginThrough(b, corp, { acct: { ...acct, groups: ['ops'] } }));
  need('group mapping: second login', cb.status === 303 && sessionCookieSet(cb), await evidence(b, mark, corp));
  check('eng gone upstream -> no longer in engineering', !groupMembers('engineering').includes(String(gina.id)), JSON.stringify(groupMembers('engineering')));

  b = new Browser('gina-back');
  ({ cb } = await loginThrough(b, corp, { acct: { ...acct, groups: ['eng'] } }));
  check('eng back upstream -> in engineering again', cb.status === 303 && groupMembers('engineering').includes(String(gina.id)), JSON.stringify(groupMembers('engineering')));
}

async function keyRotation() {
  const acct = account('hank', 'corp.example');
  let b = new Browser('hank');
  let mark = logMark();
  let { cb } = await loginThrough(b, corp, { acct });
  need('before the rotation: login', cb.status === 303 && sessionCookieSet(cb), await evidence(b, mark, corp));
  // Right after a routine fetch of the JWKS: USSO must still fetch it once
  // more for the new kid (its refresh floor counts forced refreshes only).
  const rotated = await corp.up.rotateKeys();
  const upMark = await corp.up.mark();
  b = new Browser('hank-after');
  mark = logMark();
  ({ cb } = await loginThrough(b, corp, { acct }));
  check(
    'after the upstream rotated its key (new kid): login still succeeds',
    cb.status === 303 && sessionCookieSet(cb) && (await signedInAs(b)) !== null,
    await evidence(b, mark, corp, upMark),
  );
  const { entries } = await corp.up.log(upMark);
  check(
    'USSO fetched the JWKS again after the rotation',
    entries.some((e) => e.kind === 'request' && e.path === '/jwks' && e.status === 200),
    `kid ${rotated.old_kid} -> ${rotated.kid}; upstream requests since: ${entries.filter((e) => e.kind === 'request').map((e) => e.path).join(', ')}`,
  );
}

async function replayedCallback() {
  const acct = account('ruth', 'corp.example');
  const b = new Browser('ruth');
  const mark = logMark();
  const { callbackUrl, cb } = await loginThrough(b, corp, { acct });
  need('replay: the first use of the callback logs in', cb.status === 303 && sessionCookieSet(cb), await evidence(b, mark, corp));
  const again = await b.get(callbackUrl);
  check('replay: the same callback URL again (same browser) -> 400 HTML page', again.status === 400 && /html/i.test(again.headers.get('content-type') ?? ''), again.exchange);
  check('replay: no second session', !sessionCookieSet(again), again.exchange);
  const thief = new Browser('thief');
  const stolen = await thief.get(callbackUrl);
  await expectRefused('replay: the callback URL in another browser', thief, stolen, 400, mark, corp);
}

async function tamperedState() {
  const b = new Browser('sam');
  const mark = logMark();
  const { callbackUrl } = await toCallback(b, corp, { acct: account('sam', 'corp.example') });
  const u = new URL(callbackUrl);
  const st = u.searchParams.get('state') ?? '';
  u.searchParams.set('state', (st[0] === 'A' ? 'B' : 'A') + st.slice(1));
  const r = await b.get(u.href);
  await expectRefused('tampered state', b, r, 400, mark, corp);
  const none = await new Browser('empty').get(corp.redirectUri);
  check('callback without code and state -> 400', none.status === 400 && !sessionCookieSet(none), none.exchange);
  const err = await new Browser('denied').get(`${corp.redirectUri}?error=access_denied&state=${encodeURIComponent(st)}`);
  check('callback with error=access_denied -> 4xx page, no session', err.status >= 400 && err.status < 500 && !sessionCookieSet(err), err.exchange);
}

async function loginPageAndHomeRealm() {
  const b = new Browser('ivy');
  const page = await b.get(`${ISSUER}/login?return_to=${encodeURIComponent(ACCOUNT_PATH)}`);
  need('login page: 200', page.status === 200, page.exchange);
  const hrefs = links(page.text, page.url).map((h) => new URL(h).pathname);
  for (const p of providers) {
    check(`login page: a button for ${p.name} (link to /t/${TENANT}/login/idp/${p.name})`, hrefs.includes(`/t/${TENANT}/login/idp/${p.name}`), hrefs.join(' '));
  }
  check('login page: the display name "Corp SSO" is on a button', page.text.includes('Corp SSO'), short(page.text, 800));
  const form = parseForms(page.text, page.url).find((f) => f.method === 'POST' && 'csrf' in f.fields);
  need('login page: the password form with its CSRF field', form, short(page.text, 800));

  const acct = account('ivy', 'corp.example');
  await corp.up.nextLogin(acct);
  const mark = logMark();
  const posted = await b.post(form.action, { ...form.fields, username: acct.email, password: '' });
  // Straight to the provider, or through USSO's own start page for it.
  const toUpstream =
    isRedirect(posted.status) && posted.location?.startsWith(BASE)
      ? await b.follow(posted.location, (next) => !next.startsWith(BASE))
      : posted;
  need(
    'home-realm discovery: an email at corp.example, no password -> 303 to corp',
    posted.status === 303 && toUpstream.location && corp.isAuthorization(toUpstream.location),
    await evidence(b, mark, corp),
  );
  console.log(`# home-realm discovery: POST /login -> ${[...(toUpstream.hops ?? []), toUpstream.location].map((u) => (u.startsWith(BASE) ? new URL(u).pathname : new URL(u).origin + new URL(u).pathname)).join(' -> ')}`);
  const upstream = await b.follow(toUpstream.location, (next) => corp.isCallback(next));
  need('home-realm discovery: the upstream login comes back', isRedirect(upstream.status) && corp.isCallback(upstream.location ?? ''), b.transcript());
  const cb = await b.get(upstream.location);
  check(
    'home-realm discovery: logged in, back at return_to',
    cb.status === 303 && pathOf(cb.location) === ACCOUNT_PATH && sessionCookieSet(cb),
    await evidence(b, mark, corp),
  );

  const other = new Browser('nowhere');
  const page2 = await other.get(`${ISSUER}/login`);
  const form2 = parseForms(page2.text, page2.url).find((f) => f.method === 'POST' && 'csrf' in f.fields);
  const r0 = await other.post(form2.action, { ...form2.fields, username: 'someone@elsewhere.example', password: '' });
  const r = isRedirect(r0.status) && r0.location?.startsWith(BASE) ? await other.follow(r0.location, (next) => !next.startsWith(BASE)) : r0;
  check(
    'an email of no provider\'s domain is not sent upstream',
    !(isRedirect(r.status) && providers.some((p) => p.isAuthorization(r.location ?? ''))) && !sessionCookieSet(r),
    r.exchange,
  );
}

async function rpLogout() {
  const acct = account('jack', 'corp.example');
  const b = new Browser('jack');
  let mark = logMark();
  const { cb } = await loginThrough(b, corp, { acct });
  need('logout: logged in through corp', cb.status === 303 && sessionCookieSet(cb), await evidence(b, mark, corp));
  const upMark = await corp.up.mark();
  const confirm = await b.get(`${ISSUER}/logout`);
  const form = parseForms(confirm.text, confirm.url).find((f) => 'csrf' in f.fields);
  need('logout: the confirmation page has a CSRF form', confirm.status === 200 && form, confirm.exchange);
  mark = logMark();
  const out = await b.post(form.action, form.fields);
  need(
    'logout (--rp-logout): 303 to the upstream end_session_endpoint',
    out.status === 303 && out.location?.startsWith(`${corp.endSessionEndpoint}?`),
    await evidence(b, mark, corp),
  );
  check('logout: the USSO session cookie is cleared', !b.jar.has('usso_session'), out.exchange);
  const q = query(out.location);
  check('end_session request: id_token_hint for the corp client', q.id_token_hint && decodeJwt(q.id_token_hint).payload.aud === corp.clientId, JSON.stringify({ ...q, id_token_hint: q.id_token_hint?.slice(0, 20) }));
  check('end_session request: post_logout_redirect_uri = {issuer}/login/idp/corp/logged-out', q.post_logout_redirect_uri === corp.postLogoutUri, q.post_logout_redirect_uri);

  const page = await b.get(out.location);
  const upForm = parseForms(page.text, page.url)[0];
  need('upstream: the logout confirmation', page.status === 200 && upForm, `${b.transcript(2)}\n${await upstreamErrors(corp, upMark)}`);
  const done = await b.post(upForm.action, upForm.fields);
  need(
    'upstream: 303 back to USSO\'s logged-out route',
    done.status === 303 && done.location?.startsWith(corp.postLogoutUri),
    `${b.transcript(2)}\n${await upstreamErrors(corp, upMark)}`,
  );
  check('upstream: its session cookie is cleared', !b.jar.has('corp_session'), b.jar.names().join(', '));
  const { entries } = await corp.up.log(upMark);
  check(
    'upstream: end_session.success for USSO\'s client and the user',
    entries.some((e) => e.event === 'end_session.success' && e.client_id === corp.clientId && e.account === acct.sub),
    JSON.stringify(entries.filter((e) => e.kind === 'event')),
  );
  const back = await b.get(done.location);
  check(
    'USSO /logged-out: answers (200 page or a redirect within USSO)',
    back.status === 200 || (isRedirect(back.status) && (back.location ?? '').startsWith(BASE)),
    back.exchange,
  );
  check('after logout: not signed in at USSO', (await signedInAs(b)) === null, b.transcript(2));
}

async function deleteProvider() {
  usso(['idp', 'delete', '--tenant', TENANT, 'closed', '--json']);
  const after = usso(['idp', 'list', '--tenant', TENANT, '--json']);
  check('idp delete closed: gone from idp list', !after.some((x) => x.name === 'closed'), JSON.stringify(after).slice(0, 300));
  const b = new Browser('after-delete');
  const page = await b.get(`${ISSUER}/login`);
  check(
    'idp delete closed: its button leaves the login page',
    page.status === 200 && !links(page.text, page.url).some((h) => new URL(h).pathname === `/t/${TENANT}/login/idp/closed`),
    short(page.text, 600),
  );
  const r = await b.get(closed.startUrl());
  check('idp delete closed: its login start is 404', r.status === 404, r.exchange);
}

// ---------------------------------------------------------------- run

console.log(`# federation conformance (${LABEL}): USSO ${ISSUER}, upstreams ${JSON.stringify(UPSTREAMS)}`);
const registered = await report.scenario('register the upstream providers (idp add-oidc)', registration);
if (registered) {
  await report.scenario('first login creates a user (JIT)', jitFirstLogin);
  await report.scenario('second login: the same user', secondLogin);
  await report.scenario('downstream OIDC application with idp_hint', downstreamIdpHint);
  await report.scenario('link by verified email (--link-by-email)', linkByVerifiedEmail);
  await report.scenario('email owned by another user, linking off', emailOwnedByAnother);
  await report.scenario('a parked link needs the owner\'s own sign-in', parkedLinkNeedsTheOwner);
  await report.scenario('--no-create-users', noCreateUsers);
  await report.scenario('group mapping joins, then leaves', groupMapping);
  await report.scenario('replayed callback', replayedCallback);
  await report.scenario('tampered state', tamperedState);
  await report.scenario('login page buttons and home-realm discovery', loginPageAndHomeRealm);
  await report.scenario('logout with --rp-logout', rpLogout);
  // Last: it waits out USSO's JWKS refresh floor.
  await report.scenario('upstream key rotation', keyRotation);
  await report.scenario('idp delete', deleteProvider);
} else {
  console.log('(the providers could not be registered: no login scenario ran)');
}
const ok = report.summary('federation conformance');
process.exit(ok ? 0 : 1);
