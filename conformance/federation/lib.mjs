// Shared by driver.mjs and selftest.mjs: a scripted browser (cookie jar,
// redirects followed by hand so that every hop can be checked, a transcript
// of the exchanges for failure reports), HTML form parsing, and the
// PASS/FAIL reporter.

const HTTP_TIMEOUT_MS = 15_000;

// ---------------------------------------------------------------- reporting

/** Thrown by `need`: stops the current scenario with a failure. */
export class CheckFailed extends Error {}

export class Report {
  constructor(label) {
    this.label = label;
    this.results = [];
  }

  /** One check: prints PASS or FAIL (with detail), returns ok. */
  check(name, ok, detail = '') {
    const pass = Boolean(ok);
    this.results.push({ name, pass, detail });
    const d = !pass && detail ? `\n${indent(String(detail))}` : '';
    console.log(`${pass ? 'PASS' : 'FAIL'} ${name}${d}`);
    return pass;
  }

  /** A check whose failure ends the scenario. */
  need(name, ok, detail = '') {
    if (!this.check(name, ok, detail)) throw new CheckFailed(name);
  }

  /** Runs a scenario; an exception is a failure named after it. */
  async scenario(name, fn) {
    console.log(`--- ${name}`);
    try {
      await fn();
    } catch (err) {
      if (err instanceof CheckFailed) return false;
      this.check(`${name}: runs to the end`, false, `${err?.stack ?? err}${err?.transcript ? `\n${err.transcript}` : ''}`);
      return false;
    }
    return true;
  }

  summary(prefix) {
    const passed = this.results.filter((r) => r.pass).length;
    console.log(`${prefix} (${this.label}): ${passed}/${this.results.length}`);
    for (const r of this.results) if (!r.pass) console.log(`  FAILED ${r.name}`);
    return passed === this.results.length && this.results.length > 0;
  }
}

export function indent(text, by = '    ') {
  return text
    .split('\n')
    .map((l) => by + l)
    .join('\n');
}

export function short(text, n = 400) {
  return String(text ?? '')
    .replace(/<head>[\s\S]*?<\/head>/i, '')
    .replace(/<style>[\s\S]*?<\/style>/gi, '')
    .replace(/\s+/g, ' ')
    .slice(0, n);
}

// ---------------------------------------------------------------- browser

/**
 * Cookies as a browser keeps them: per host (ports share cookies, RFC 6265
 * §8.5), path-matched, dropped when expired or emptied.
 */
export class CookieJar {
  #cookies = new Map(); // `${host}|${path}|${name}` -> { host, path, name, value }

  store(url, response) {
    const { hostname } = new URL(url);
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = defaultPath(url);
      let expired = value === '';
      for (const a of attrs) {
        const i = a.indexOf('=');
        const k = (i < 0 ? a : a.slice(0, i)).trim().toLowerCase();
        const v = i < 0 ? '' : a.slice(i + 1).trim();
        if (k === 'path' && v.startsWith('/')) path = v;
        if (k === 'max-age' && Number(v) <= 0) expired = true;
        if (k === 'expires' && Date.parse(v) <= Date.now()) expired = true;
      }
      const key = `${hostname}|${path}|${name}`;
      if (expired) this.#cookies.delete(key);
      else this.#cookies.set(key, { host: hostname, path, name, value });
    }
  }

  header(url) {
    const { hostname, pathname } = new URL(url);
    const matching = [...this.#cookies.values()].filter((c) => {
      if (c.host !== hostname) return false;
      if (pathname === c.path) return true;
      const prefix = c.path.endsWith('/') ? c.path : `${c.path}/`;
      return pathname.startsWith(prefix);
    });
    matching.sort((a, b) => b.path.length - a.path.length);
    return matching.map((c) => `${c.name}=${c.value}`).join('; ');
  }

  /** The value of cookie `name` (any path), or undefined. */
  get(name, host) {
    for (const c of this.#cookies.values()) {
      if (c.name === name && (!host || c.host === host)) return c.value;
    }
    return undefined;
  }

  has(name) {
    return this.get(name) !== undefined;
  }

  /** Sets a cookie by hand (e.g. to replay an old one). */
  set(host, path, name, value) {
    this.#cookies.set(`${host}|${path}|${name}`, { host, path, name, value });
  }

  names() {
    return [...this.#cookies.values()].map((c) => c.name);
  }
}

function defaultPath(url) {
  const { pathname } = new URL(url);
  const i = pathname.lastIndexOf('/');
  return i <= 0 ? '/' : pathname.slice(0, i);
}

export function isRedirect(status) {
  return [301, 302, 303, 307, 308].includes(status);
}

function redactForm(body) {
  return body.replace(/((?:^|&)(?:password|client_secret|xsrf|csrf)=)[^&]*/g, '$1***');
}

function redactUrl(url) {
  return url
    .replace(/([?&](?:id_token_hint|code|code_verifier)=)([^&]{12})[^&]*/g, '$1$2…')
    .slice(0, 400);
}

/** A browser: a cookie jar, no automatic redirects, a transcript. */
export class Browser {
  constructor(name = 'browser') {
    this.name = name;
    this.jar = new CookieJar();
    this.history = [];
  }

  async request(method, url, { form, headers = {} } = {}) {
    const h = { accept: 'text/html,application/json;q=0.9,*/*;q=0.8', 'user-agent': 'usso-federation-conformance', ...headers };
    const cookie = this.jar.header(url);
    if (cookie) h.cookie = cookie;
    let body;
    if (form) {
      body = new URLSearchParams(form).toString();
      h['content-type'] = 'application/x-www-form-urlencoded';
    }
    let response;
    try {
      response = await fetch(url, { method, headers: h, body, redirect: 'manual', signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    } catch (err) {
      this.history.push(`${method} ${redactUrl(url)}\n  -> no answer: ${err?.cause?.code ?? err?.message ?? err}`);
      const e = new Error(`${method} ${url}: no answer (${err?.cause?.code ?? err?.message ?? err})`);
      e.transcript = this.transcript(4);
      throw e;
    }
    this.jar.store(url, response);
    const text = await response.text();
    const rawLocation = response.headers.get('location');
    const location = rawLocation ? new URL(rawLocation, url).href : null;
    const setCookies = response.headers
      .getSetCookie()
      .map((c) => c.split(';')[0].split('=')[0] + (c.split(';')[0].endsWith('=') ? '(cleared)' : ''));
    const exchange =
      `${method} ${redactUrl(url)}${body ? ` (form: ${redactForm(body)})` : ''}` +
      `${cookie ? ` (cookies: ${cookie.split('; ').map((p) => p.split('=')[0]).join(', ')})` : ''}\n` +
      `  -> HTTP ${response.status}${location ? ` Location: ${redactUrl(location)}` : ''}` +
      `${setCookies.length ? ` Set-Cookie: ${setCookies.join(', ')}` : ''}` +
      `${text ? `\n  -> body: ${short(text, 500)}` : ''}`;
    this.history.push(exchange);
    if (this.history.length > 60) this.history.shift();
    return { status: response.status, headers: response.headers, location, text, url, exchange };
  }

  get(url, opts) {
    return this.request('GET', url, opts);
  }

  post(url, form, opts = {}) {
    return this.request('POST', url, { ...opts, form });
  }

  /** The last n exchanges, for a failure report. */
  transcript(n = 6) {
    return this.history.slice(-n).join('\n');
  }

  /**
   * GETs `url` and follows redirects while `stop(nextUrl)` is false; returns
   * the last response (whose `location`, when it redirects, satisfied `stop`,
   * or which did not redirect). `hops` lists every URL requested.
   */
  async follow(url, stop = () => false, max = 12) {
    const hops = [];
    let r;
    let next = url;
    for (let i = 0; i < max; i += 1) {
      hops.push(next);
      r = await this.get(next);
      if (!isRedirect(r.status) || !r.location || stop(r.location)) {
        r.hops = hops;
        return r;
      }
      next = r.location;
    }
    const e = new Error(`more than ${max} redirects from ${url}`);
    e.transcript = this.transcript(max);
    throw e;
  }
}

// ---------------------------------------------------------------- HTML

export function htmlUnescape(s) {
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
  const m = tag.match(new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i'));
  return m ? htmlUnescape(m[2] ?? m[3] ?? m[4]) : undefined;
}

/**
 * The forms of a page: method, absolute action, and the named inputs (hidden
 * and others, with their values) of each.
 */
export function parseForms(html, baseUrl) {
  const forms = [];
  const re = /<form\b([^>]*)>([\s\S]*?)<\/form>/gi;
  let m;
  while ((m = re.exec(html)) !== null) {
    const tag = `<form ${m[1]}>`;
    const fields = {};
    const inputs = [];
    for (const input of m[2].match(/<(?:input|button)\b[^>]*>/gi) ?? []) {
      const name = attr(input, 'name');
      const type = (attr(input, 'type') ?? 'text').toLowerCase();
      inputs.push({ name, type, value: attr(input, 'value') });
      if (name !== undefined && !/^<button/i.test(input) && type !== 'submit') fields[name] = attr(input, 'value') ?? '';
    }
    forms.push({
      method: (attr(tag, 'method') ?? 'get').toUpperCase(),
      action: new URL(attr(tag, 'action') ?? baseUrl, baseUrl).href,
      fields,
      inputs,
    });
  }
  return forms;
}

/** Every href of a page, absolute. */
export function links(html, baseUrl) {
  const out = [];
  for (const m of html.matchAll(/<a\b[^>]*>/gi)) {
    const href = attr(m[0], 'href');
    if (href !== undefined) {
      try {
        out.push(new URL(href, baseUrl).href);
      } catch {
        // not a URL: ignored
      }
    }
  }
  return out;
}

export function decodeJwt(jwt) {
  const [h, p] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')),
  };
}

export function query(url) {
  return Object.fromEntries(new URL(url).searchParams);
}

export async function getJson(url, opts = {}) {
  const r = await fetch(url, { ...opts, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  const text = await r.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: r.status, body };
}

export async function postJson(url, value) {
  return getJson(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(value ?? {}),
  });
}

/** The control API of one upstream issuer (upstream.mjs). */
export class Upstream {
  constructor(name, issuer) {
    this.name = name;
    this.issuer = issuer;
  }

  async control(method, path, value) {
    const url = `${this.issuer}/__control/${path}`;
    const r = method === 'GET' ? await getJson(url) : await postJson(url, value);
    if (r.status >= 300) throw new Error(`upstream ${this.name}: ${method} ${path}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  addClient(metadata) {
    return this.control('POST', 'clients', metadata);
  }

  nextLogin(account) {
    return this.control('POST', 'next-login', account);
  }

  setAccount(account) {
    return this.control('POST', 'account', account);
  }

  rotateKeys() {
    return this.control('POST', 'rotate-keys');
  }

  async kid() {
    return (await this.control('GET', 'keys')).kid;
  }

  async pending() {
    return (await this.control('GET', 'pending')).pending;
  }

  /** Log entries after `since` (a seq number), and the new mark. */
  async log(since = 0) {
    return this.control('GET', `log?since=${since}`);
  }

  async mark() {
    return (await this.log(Number.MAX_SAFE_INTEGER)).next;
  }
}
