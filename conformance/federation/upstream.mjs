// The upstream OpenID Provider of the federation suite: oidc-provider (npm,
// OpenID Certified), one or more issuers in this process, each on its own
// loopback port. USSO logs users in through them; driver.mjs decides who.
//
//   node upstream.mjs [--issuer NAME]... [--clients FILE]
//
// Prints exactly one line on stdout once every issuer listens:
//   upstream ready {"NAME":"http://127.0.0.1:PORT",...}
// Everything else (oidc-provider's notices, errors) goes to stderr.
//
// Issuers: the --issuer names (or UPSTREAM_ISSUERS, space-separated;
// default "upstream"). Clients: --clients FILE, a JSON object
// {"NAME": [client metadata, ...]}, or for a single issuer
// UPSTREAM_CLIENT_ID, UPSTREAM_CLIENT_SECRET, UPSTREAM_REDIRECT_URI and
// UPSTREAM_POST_LOGOUT_REDIRECT_URI; more at run time with
// POST /__control/clients.
//
// No login form, no consent page: the test driver chooses the account the
// next login gets, and the interaction finishes login and consent itself
// (interactionFinished with a login result, then a Grant).
//
// Control endpoints, on each issuer's port (JSON in, JSON out):
//   POST /__control/clients      client metadata ({client_id, client_secret,
//                                redirect_uris, post_logout_redirect_uris, ...}):
//                                adds or replaces a client
//   POST /__control/next-login   {sub, email, email_verified, groups, given_name,
//                                family_name, name, ...}: the account the next
//                                login interaction logs in (one-shot, replaces
//                                any login queued before); its
//                                claims also become the account's claims
//   POST /__control/account      the same claims, for an account already
//                                signed in (no login queued): later ID tokens
//                                and userinfo carry them
//   POST /__control/rotate-keys  replaces the RS256 signing key by a fresh one
//                                with a new kid; the old key leaves the JWKS
//   GET  /__control/keys         {kid}: the current signing key's kid
//   GET  /__control/log?since=N  {next, entries}: every request the provider
//                                got (method, path, query, auth scheme,
//                                status) and its events (authorization,
//                                grant, end_session, errors)
//   GET  /__control/pending      {pending}: logins queued and not yet used
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

// ------------------------------------------------------------ configuration

function parseArgs(argv) {
  const out = { issuers: [], clients: undefined };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--issuer') out.issuers.push(argv[++i]);
    else if (a === '--clients') out.clients = argv[++i];
    else {
      console.error(`upstream: unknown argument ${a}`);
      process.exit(2);
    }
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
const names = args.issuers.length
  ? args.issuers
  : (process.env.UPSTREAM_ISSUERS || 'upstream').split(/\s+/).filter(Boolean);
for (const n of names) {
  if (!/^[a-z][a-z0-9-]*$/.test(n)) {
    console.error(`upstream: bad issuer name ${JSON.stringify(n)} (a-z, 0-9, '-')`);
    process.exit(2);
  }
}

let initialClients = {};
if (args.clients) {
  initialClients = JSON.parse(readFileSync(args.clients, 'utf8'));
} else if (process.env.UPSTREAM_CLIENT_ID) {
  initialClients[names[0]] = [
    {
      client_id: process.env.UPSTREAM_CLIENT_ID,
      client_secret: process.env.UPSTREAM_CLIENT_SECRET,
      redirect_uris: (process.env.UPSTREAM_REDIRECT_URI || '').split(/\s+/).filter(Boolean),
      post_logout_redirect_uris: (process.env.UPSTREAM_POST_LOGOUT_REDIRECT_URI || '')
        .split(/\s+/)
        .filter(Boolean),
    },
  ];
}

const MAX_BODY = 64 * 1024;
const MAX_LOG = 5000;

// ---------------------------------------------------------------- storage

/**
 * oidc-provider's storage: one Map per issuer, shared by the successive
 * Provider instances of that issuer (a key rotation builds a new instance;
 * sessions, codes, grants and clients survive it).
 */
function adapterFactory(store) {
  const uidKey = (uid) => `uid:${uid}`;
  const userCodeKey = (c) => `userCode:${c}`;
  const grantKey = (g) => `grant:${g}`;
  const live = (entry) => entry && (entry.expiresAt === undefined || entry.expiresAt > Date.now());

  return class MapAdapter {
    constructor(model) {
      this.model = model;
    }

    key(id) {
      return `${this.model}:${id}`;
    }

    async upsert(id, payload, expiresIn) {
      const key = this.key(id);
      const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : undefined;
      store.set(key, { payload, expiresAt });
      if (payload.uid) store.set(uidKey(payload.uid), { payload: id, expiresAt });
      if (payload.userCode) store.set(userCodeKey(payload.userCode), { payload: id, expiresAt });
      if (payload.grantId) {
        const members = store.get(grantKey(payload.grantId))?.payload ?? new Set();
        members.add(key);
        store.set(grantKey(payload.grantId), { payload: members });
      }
    }

    async find(id) {
      const entry = store.get(this.key(id));
      if (!live(entry)) return undefined;
      return entry.payload;
    }

    async findByUid(uid) {
      const ref = store.get(uidKey(uid));
      return live(ref) ? this.find(ref.payload) : undefined;
    }

    async findByUserCode(userCode) {
      const ref = store.get(userCodeKey(userCode));
      return live(ref) ? this.find(ref.payload) : undefined;
    }

    async consume(id) {
      const entry = store.get(this.key(id));
      if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id) {
      store.delete(this.key(id));
    }

    async revokeByGrantId(grantId) {
      const members = store.get(grantKey(grantId))?.payload;
      if (members) for (const key of members) store.delete(key);
      store.delete(grantKey(grantId));
    }
  };
}

function newSigningKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    ...privateKey.export({ format: 'jwk' }),
    kid: `rs256-${randomBytes(6).toString('hex')}`,
    alg: 'RS256',
    use: 'sig',
  };
}

// ---------------------------------------------------------------- pages

const escapeHtml = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/** The logout confirmation: a plain form (no script) the driver submits. */
async function logoutSource(ctx, form) {
  const withChoice = form.replace(
    '</form>',
    '<input type="hidden" name="logout" value="yes"/><button type="submit">Sign out</button></form>',
  );
  ctx.type = 'html';
  ctx.body = `<!DOCTYPE html><html><head><title>Sign out</title></head><body><h1>Sign out of the upstream?</h1>${withChoice}</body></html>`;
}

async function postLogoutSuccessSource(ctx) {
  ctx.type = 'html';
  ctx.body = '<!DOCTYPE html><html><head><title>Signed out</title></head><body><h1>Signed out</h1></body></html>';
}

async function renderError(ctx, out) {
  ctx.type = 'html';
  ctx.body = `<!DOCTYPE html><html><head><title>Upstream error</title></head><body><h1>Upstream error</h1>${Object.entries(
    out,
  )
    .map(([k, v]) => `<p><b>${escapeHtml(k)}</b>: ${escapeHtml(v)}</p>`)
    .join('')}</body></html>`;
}

// ---------------------------------------------------------------- issuers

class Issuer {
  constructor(name) {
    this.name = name;
    this.store = new Map();
    this.Adapter = adapterFactory(this.store);
    this.cookieKeys = [randomBytes(32).toString('base64url')];
    this.key = newSigningKey();
    this.accounts = new Map(); // sub -> claims
    this.pending = []; // accounts queued for the next login interactions
    this.log = [];
    this.seq = 0;
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('clientError', (_err, socket) => socket.destroy());
  }

  async listen() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
    this.build();
  }

  record(entry) {
    this.seq += 1;
    const e = { seq: this.seq, at: new Date().toISOString(), ...entry };
    this.log.push(e);
    if (this.log.length > MAX_LOG) this.log.splice(0, this.log.length - MAX_LOG);
    return e;
  }

  /** A (new) Provider instance with the current signing key. */
  build() {
    const issuer = this;
    const provider = new Provider(this.url, {
      adapter: this.Adapter,
      clients: [],
      jwks: { keys: [this.key] },
      cookies: {
        keys: this.cookieKeys,
        // Browsers share cookies across the ports of one host: one name
        // set per issuer keeps two issuers' sessions apart.
        names: {
          session: `${this.name}_session`,
          interaction: `${this.name}_interaction`,
          resume: `${this.name}_resume`,
        },
      },
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified'],
        profile: ['name', 'given_name', 'family_name'],
        groups: ['groups'],
        acr: null,
        sid: null,
        auth_time: null,
        iss: null,
      },
      scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
      // The claims of the granted scopes go in the ID token too: USSO need
      // not call userinfo.
      conformIdTokenClaims: false,
      clientDefaults: {
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'RS256',
      },
      // Every client must use PKCE (S256 is the only method oidc-provider knows).
      pkce: { required: () => true },
      features: {
        devInteractions: { enabled: false },
        rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
        userinfo: { enabled: true },
      },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      renderError,
      findAccount: (_ctx, sub) => {
        const claims = issuer.accounts.get(sub);
        if (!claims) return undefined;
        return { accountId: sub, claims: () => ({ ...claims, sub }) };
      },
    });
    provider.proxy = false;
    // Koa prints every error it catches; the log below keeps them instead.
    provider.silent = true;
    const events = [
      'authorization.success',
      'authorization.error',
      'grant.success',
      'grant.error',
      'end_session.success',
      'end_session.error',
      'userinfo.error',
      'jwks.error',
      'discovery.error',
      'server_error',
    ];
    for (const event of events) {
      provider.on(event, (ctx, err) => {
        const e = { kind: 'event', event, client_id: ctx?.oidc?.client?.clientId };
        if (err instanceof Error) {
          e.error = err.error ?? err.name;
          e.error_description = err.error_description ?? err.message;
        }
        if (event === 'end_session.success') {
          e.account = ctx?.oidc?.session?.accountId;
        }
        issuer.record(e);
        if (event === 'server_error') console.error(`upstream ${issuer.name}: server_error`, err);
      });
    }
    this.provider = provider;
    this.callback = provider.callback();
  }

  async handle(req, res) {
    let url;
    try {
      url = new URL(req.url, this.url);
    } catch {
      res.statusCode = 400;
      res.end('bad request');
      return;
    }
    try {
      if (url.pathname.startsWith('/__control/')) {
        await this.control(req, res, url);
        return;
      }
      if (url.pathname.startsWith('/interaction/')) {
        await this.interaction(req, res, url);
        return;
      }
      const auth = req.headers.authorization;
      const entry = this.record({
        kind: 'request',
        method: req.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        auth: auth ? auth.split(' ')[0] : undefined,
      });
      res.on('finish', () => {
        entry.status = res.statusCode;
        const location = res.getHeader('location');
        if (location) entry.location = String(location);
      });
      await this.callback(req, res);
    } catch (err) {
      console.error(`upstream ${this.name}: ${req.method} ${url.pathname}:`, err);
      this.record({ kind: 'error', path: url.pathname, error: String(err?.message ?? err) });
      if (!res.headersSent) {
        res.statusCode = 500;
        res.setHeader('content-type', 'text/plain');
        res.end(`upstream error: ${err?.message ?? err}\n`);
      } else {
        res.end();
      }
    }
  }

  /** Login and consent, with no page: the queued account, every scope asked. */
  async interaction(req, res, url) {
    const provider = this.provider;
    let details;
    try {
      details = await provider.interactionDetails(req, res);
    } catch (err) {
      this.record({ kind: 'interaction', path: url.pathname, error: String(err?.message ?? err) });
      return sendText(res, 400, `no such interaction: ${err?.message ?? err}\n`);
    }
    const { prompt, params, session, grantId } = details;
    if (prompt.name === 'login') {
      const account = this.pending.shift();
      if (!account) {
        this.record({ kind: 'interaction', prompt: 'login', error: 'no login queued' });
        return sendText(res, 409, 'no login queued: POST /__control/next-login first\n');
      }
      this.accounts.set(account.sub, account);
      this.record({ kind: 'interaction', prompt: 'login', client_id: params.client_id, sub: account.sub });
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: account.sub } },
        { mergeWithLastSubmission: false },
      );
      return undefined;
    }
    if (prompt.name === 'consent') {
      const grant = grantId
        ? await provider.Grant.find(grantId)
        : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      const d = prompt.details;
      if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
      if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
      if (d.missingResourceScopes) {
        for (const [indicator, scopes] of Object.entries(d.missingResourceScopes)) {
          grant.addResourceScope(indicator, scopes.join(' '));
        }
      }
      const saved = await grant.save();
      this.record({
        kind: 'interaction',
        prompt: 'consent',
        client_id: params.client_id,
        sub: session.accountId,
        scope: d.missingOIDCScope,
      });
      await provider.interactionFinished(
        req,
        res,
        { consent: grantId ? {} : { grantId: saved } },
        { mergeWithLastSubmission: true },
      );
      return undefined;
    }
    this.record({ kind: 'interaction', prompt: prompt.name, error: 'unsupported prompt' });
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: `prompt ${prompt.name} is not supported here` },
      { mergeWithLastSubmission: false },
    );
    return undefined;
  }

  async control(req, res, url) {
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'POST /__control/clients': {
        const client = await readJson(req);
        if (!client || typeof client.client_id !== 'string' || !client.client_id) {
          return sendJson(res, 400, { error: 'client_id is required' });
        }
        const metadata = {
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
          ...client,
        };
        await new this.Adapter('Client').upsert(client.client_id, metadata);
        // Validates it now (oidc-provider's schema), not at the first login.
        try {
          const found = await this.provider.Client.find(client.client_id);
          if (!found) throw new Error('not found after upsert');
        } catch (err) {
          await new this.Adapter('Client').destroy(client.client_id);
          return sendJson(res, 400, { error: 'invalid_client_metadata', error_description: String(err?.message ?? err) });
        }
        this.record({ kind: 'control', what: 'client', client_id: client.client_id });
        return sendJson(res, 201, { client_id: client.client_id });
      }
      case 'POST /__control/next-login':
      case 'POST /__control/account': {
        const account = await readJson(req);
        if (!account || typeof account.sub !== 'string' || !account.sub) {
          return sendJson(res, 400, { error: 'sub is required' });
        }
        const claims = {};
        for (const [k, v] of Object.entries(account)) if (v !== undefined && v !== null) claims[k] = v;
        this.accounts.set(claims.sub, claims);
        // One slot: a login that never happened must not leak its account
        // into the next one.
        if (url.pathname.endsWith('next-login')) this.pending = [claims];
        this.record({ kind: 'control', what: url.pathname.slice('/__control/'.length), sub: claims.sub });
        return sendJson(res, 200, { sub: claims.sub, pending: this.pending.length });
      }
      case 'POST /__control/rotate-keys': {
        const old = this.key.kid;
        this.key = newSigningKey();
        this.build();
        this.record({ kind: 'control', what: 'rotate-keys', old_kid: old, kid: this.key.kid });
        return sendJson(res, 200, { old_kid: old, kid: this.key.kid });
      }
      case 'GET /__control/keys':
        return sendJson(res, 200, { kid: this.key.kid });
      case 'GET /__control/pending':
        return sendJson(res, 200, { pending: this.pending.map((a) => a.sub) });
      case 'GET /__control/log': {
        const since = Number(url.searchParams.get('since') || 0);
        return sendJson(res, 200, { next: this.seq, entries: this.log.filter((e) => e.seq > since) });
      }
      default:
        return sendJson(res, 404, { error: `no control route ${route}` });
    }
  }
}

function sendText(res, status, text) {
  res.statusCode = status;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.end(text);
}

function sendJson(res, status, value) {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(`${JSON.stringify(value)}\n`);
}

async function readJson(req) {
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- main

process.on('unhandledRejection', (err) => console.error('upstream: unhandled rejection', err));
process.on('uncaughtException', (err) => console.error('upstream: uncaught exception', err));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));

const issuers = names.map((n) => new Issuer(n));
for (const i of issuers) await i.listen();
for (const i of issuers) {
  for (const c of initialClients[i.name] ?? []) {
    await new i.Adapter('Client').upsert(c.client_id, {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      ...c,
    });
  }
}
console.log(`upstream ready ${JSON.stringify(Object.fromEntries(issuers.map((i) => [i.name, i.url])))}`);
