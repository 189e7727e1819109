// In-process ES256 costs under Node's crypto (OpenSSL), one thread: the
// signing and verification that oidc-provider does per token, printed in
// the rows of usso-oidc-bench's `jose` probe for comparison.
// Usage: node es256.mjs [iterations]
import { generateKeyPairSync, sign, verify } from 'node:crypto';

const n = Number(process.argv[2] || 3000);
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const input = Buffer.from('eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6ImJlbmNoIn0.'
  + Buffer.from(JSON.stringify({ iss: 'http://127.0.0.1:8080/t/bench', sub: 'x', aud: 'https://api.bench.example', scope: 'api:read', iat: 1, exp: 2 })).toString('base64url'));
const sig = sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' });

function row(name, op) {
  for (let i = 0; i < n / 10; i += 1) op();
  const lat = new Float64Array(n);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) {
    const t = process.hrtime.bigint();
    op();
    lat[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  lat.sort();
  const q = (p) => Math.round(lat[Math.min(n - 1, Math.ceil(p * n) - 1)]);
  console.log(`| ${name} | Node ${process.versions.node} crypto (OpenSSL ${process.versions.openssl}), 1 thread | ${Math.round(n / secs)} | ${q(0.5)} | ${q(0.99)} |`);
}

row('sign an access token (key already open)', () => sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
row('verify an access token (JWKS cached)', () => verify('sha256', input, { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig));
