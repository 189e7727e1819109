// Checks upstream.mjs on its own, with openid-client (an OpenID Certified
// relying party) in the role USSO plays: discovery, a code flow with PKCE,
// state and nonce whose login is chosen through the control API, the claims
// of the ID token, a second login on the upstream session, key rotation
// (new kid, old one gone from the JWKS), RP-initiated logout, and answers
// to unexpected requests. run.sh runs it before the suite, so that a broken
// upstream is not mistaken for a USSO bug.
//
//   node selftest.mjs            (starts its own upstream.mjs)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import * as client from 'openid-client';

import { Browser, Report, Upstream, decodeJwt, getJson, parseForms, query, short } from './lib.mjs';

const report = new Report('oidc-provider alone');
const check = report.check.bind(report);
const need = report.need.bind(report);

/** Starts upstream.mjs; resolves to { child, issuers } at its ready line. */
function startUpstream(names) {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./upstream.mjs', import.meta.url)), ...names.flatMap((n) => ['--issuer', n])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`upstream not ready after 20 s; stderr: ${stderr}`)), 20_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/^upstream ready (\{.*\})$/m);
      if (m) {
        clearTimeout(timer);
        resolve({ child, issuers: JSON.parse(m[1]), stderr: () => stderr });
      }
    });
    child.on('exit', (code) => reject(new Error(`upstream exited (${code}); stderr: ${stderr}`)));
  });
}

const { child, issuers, stderr } = await startUpstream(['one', 'two']);
const up = new Upstream('one', issuers.one);
const other = new Upstream('two', issuers.two);
const REDIRECT = 'http://127.0.0.1:9/cb';
const POST_LOGOUT = 'http://127.0.0.1:9/logged-out';
const SECRET = randomBytes(16).toString('hex');

/** A code flow in `browser`, returning the token endpoint response. */
async function codeFlow(cfg, browser, scope = 'openid email profile groups') {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(cfg, {
    redirect_uri: REDIRECT,
    scope,
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const r = await browser.follow(url.href, (next) => next.startsWith(REDIRECT));
  need('code flow reaches the redirect URI', r.status === 303 && r.location?.startsWith(REDIRECT), browser.transcript());
  const tokens = await client.authorizationCodeGrant(cfg, new URL(r.location), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
  });
  return { tokens, hops: r.hops };
}

try {
  await report.scenario('setup', async () => {
    const r = await up.addClient({
      client_id: 'rp',
      client_secret: SECRET,
      redirect_uris: [REDIRECT],
      post_logout_redirect_uris: [POST_LOGOUT],
    });
    need('POST /__control/clients registers a client', r.client_id === 'rp', JSON.stringify(r));
    const bad = await getJson(`${up.issuer}/__control/clients`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'x', redirect_uris: ['not a url'] }),
    });
    check('invalid client metadata: 400', bad.status === 400, JSON.stringify(bad));
  });

  let cfg;
  await report.scenario('discovery', async () => {
    cfg = await client.discovery(new URL(up.issuer), 'rp', SECRET, client.ClientSecretBasic(SECRET), {
      execute: [client.allowInsecureRequests],
    });
    const md = cfg.serverMetadata();
    check('issuer', md.issuer === up.issuer, md.issuer);
    check('end_session_endpoint', typeof md.end_session_endpoint === 'string', JSON.stringify(md));
    check('S256', md.code_challenge_methods_supported?.includes('S256'), JSON.stringify(md.code_challenge_methods_supported));
    check('scopes email, profile, groups', ['email', 'profile', 'groups'].every((s) => md.scopes_supported?.includes(s)));
    const jwks = await getJson(md.jwks_uri);
    const kid = await up.kid();
    check('JWKS: the one RS256 key', jwks.body.keys?.length === 1 && jwks.body.keys[0].kid === kid && jwks.body.keys[0].alg === 'RS256', JSON.stringify(jwks.body));
    check('JWKS: public only', jwks.body.keys?.every((k) => k.d === undefined));
  });
  if (!cfg) throw new Error('no discovery');

  const alice = {
    sub: 'alice-sub',
    email: 'alice@corp.example',
    email_verified: true,
    given_name: 'Alice',
    family_name: 'Upstream',
    name: 'Alice Upstream',
    groups: ['eng', 'ops'],
  };
  const browser = new Browser();
  let idToken;
  await report.scenario('first login', async () => {
    const nothing = new Browser();
    const url = client.buildAuthorizationUrl(cfg, {
      redirect_uri: REDIRECT,
      scope: 'openid',
      state: 's',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const r = await nothing.follow(url.href, (n) => n.startsWith(REDIRECT));
    check('no login queued: 409 at the interaction', r.status === 409, nothing.transcript());

    const noPkce = await new Browser().follow(
      client.buildAuthorizationUrl(cfg, { redirect_uri: REDIRECT, scope: 'openid', state: 's' }).href,
      (n) => n.startsWith(REDIRECT),
    );
    check('PKCE is required', noPkce.location && query(noPkce.location).error === 'invalid_request', noPkce.exchange);

    await up.nextLogin(alice);
    const { tokens, hops } = await codeFlow(cfg, browser);
    check('login and consent interactions need no form', hops.filter((h) => h.includes('/interaction/')).length === 2, hops.join('\n'));
    check('the queued login was used', (await up.pending()).length === 0);
    idToken = tokens.id_token;
    const { header, payload } = decodeJwt(idToken);
    check('ID token: RS256 with the current kid', header.alg === 'RS256' && header.kid === (await up.kid()), JSON.stringify(header));
    check('ID token: sub', payload.sub === alice.sub, JSON.stringify(payload));
    check('ID token: email, email_verified', payload.email === alice.email && payload.email_verified === true, JSON.stringify(payload));
    check('ID token: names', payload.given_name === 'Alice' && payload.family_name === 'Upstream' && payload.name === 'Alice Upstream', JSON.stringify(payload));
    check('ID token: groups', JSON.stringify(payload.groups) === JSON.stringify(['eng', 'ops']), JSON.stringify(payload));
    const info = await client.fetchUserInfo(cfg, tokens.access_token, alice.sub);
    check('userinfo: email and groups', info.email === alice.email && info.groups?.length === 2, JSON.stringify(info));
    const log = await up.log(0);
    const auth = log.entries.find((e) => e.kind === 'request' && e.path === '/auth');
    check('log: the authorization request and its parameters', auth?.query?.code_challenge_method === 'S256' && auth.query.state, JSON.stringify(auth));
    const token = log.entries.find((e) => e.kind === 'request' && e.path === '/token');
    check('log: the token request, client_secret_basic', token?.auth === 'Basic' && token.status === 200, JSON.stringify(token));
  });

  await report.scenario('second login on the upstream session, changed claims', async () => {
    await up.setAccount({ ...alice, groups: ['ops'] });
    const { tokens, hops } = await codeFlow(cfg, browser);
    check('no interaction the second time', !hops.some((h) => h.includes('/interaction/')), hops.join('\n'));
    const { payload } = decodeJwt(tokens.id_token);
    check('ID token: the new groups', JSON.stringify(payload.groups) === '["ops"]', JSON.stringify(payload));
  });

  await report.scenario('key rotation', async () => {
    const before = await up.kid();
    const r = await up.rotateKeys();
    check('rotate-keys: a new kid', r.kid && r.kid !== before && r.old_kid === before, JSON.stringify(r));
    const jwks = await getJson(cfg.serverMetadata().jwks_uri);
    check('JWKS: only the new key', jwks.body.keys?.length === 1 && jwks.body.keys[0].kid === r.kid, JSON.stringify(jwks.body));
    // openid-client does not verify ID token signatures from the token
    // endpoint (TLS-protected back channel); the kid shows the new key signed.
    const { tokens } = await codeFlow(cfg, browser);
    check('the session survives the rotation; the ID token has the new kid', decodeJwt(tokens.id_token).header.kid === r.kid);
    idToken = tokens.id_token;
    const fresh = new Browser();
    await up.nextLogin({ ...alice, sub: 'bob-sub', email: 'bob@corp.example', groups: [] });
    const second = await codeFlow(cfg, fresh);
    check('a new login after the rotation', decodeJwt(second.tokens.id_token).payload.sub === 'bob-sub');
  });

  await report.scenario('RP-initiated logout', async () => {
    const mark = await up.mark();
    const url = client.buildEndSessionUrl(cfg, { id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT, state: 'bye' });
    const page = await browser.get(url.href);
    const form = parseForms(page.text, url.href)[0];
    need('end_session: a confirmation form', page.status === 200 && form?.fields.xsrf && form.fields.logout === 'yes', browser.transcript());
    const done = await browser.post(form.action, form.fields);
    check('confirm: 303 to the post_logout_redirect_uri with state', done.status === 303 && done.location === `${POST_LOGOUT}?state=bye`, browser.transcript());
    check('the upstream session cookie is cleared', !browser.jar.has('one_session'), browser.jar.names().join(','));
    const log = await up.log(mark);
    check('log: end_session.success', log.entries.some((e) => e.event === 'end_session.success' && e.client_id === 'rp' && e.account === alice.sub), JSON.stringify(log.entries));
    check(
      'log: the end_session request with id_token_hint and post_logout_redirect_uri',
      log.entries.some((e) => e.path === '/session/end' && e.query.id_token_hint && e.query.post_logout_redirect_uri === POST_LOGOUT),
      JSON.stringify(log.entries),
    );
    const bad = await new Browser().get(
      client.buildEndSessionUrl(cfg, { id_token_hint: idToken, post_logout_redirect_uri: 'http://evil.example/' }).href,
    );
    check('unregistered post_logout_redirect_uri: 400', bad.status === 400, bad.exchange);
  });

  await report.scenario('unexpected requests', async () => {
    const b = new Browser();
    for (const [method, path, expected] of [
      ['GET', '/nothing-here', 404],
      ['GET', '/interaction/made-up', 400],
      ['POST', '/__control/next-login', 400],
      ['GET', '/__control/nope', 404],
      ['GET', '/auth?client_id=nobody', 400],
      ['POST', '/token', 400],
    ]) {
      const r = await b.request(method, `${up.issuer}${path}`, method === 'POST' ? { form: { x: '1' } } : {});
      check(`${method} ${path}: ${expected}`, r.status === expected || (expected === 400 && r.status === 401), r.exchange);
    }
    const ok = await getJson(`${other.issuer}/.well-known/openid-configuration`);
    check('the second issuer still answers, with its own issuer', ok.status === 200 && ok.body.issuer === other.issuer, JSON.stringify(ok.body).slice(0, 200));
    check('the upstream process still runs', child.exitCode === null);
  });
} finally {
  child.kill('SIGTERM');
}

const ok = report.summary('upstream self-test');
if (!ok) console.log(`--- upstream stderr:\n${short(stderr(), 4000)}`);
process.exit(ok ? 0 : 1);
