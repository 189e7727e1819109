// The peer of bench/run.sh: oidc-provider (npm, OpenID Certified) as an
// OAuth authorization server for the client_credentials grant, issuing
// ES256-signed JWT access tokens (RFC 9068) for one resource server, the
// same shape of token USSO issues. Everything is in memory (its default
// adapter); a JWT access token is not stored at all.
//
// Environment: PORT (default 0 = any), CLIENT_ID, CLIENT_SECRET,
// RESOURCE (the API the tokens are for), WORKERS (node:cluster processes,
// default 1). Prints "listening on HOST:PORT" once every worker listens.
import cluster from 'node:cluster';
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';

const port = Number(process.env.PORT || 0);
const workers = Number(process.env.WORKERS || 1);

if (cluster.isPrimary && workers > 1) {
  // One key set for every worker, and a fixed port they all share.
  const jwk = (kp) => kp.privateKey.export({ format: 'jwk' });
  const keys = [
    { ...jwk(generateKeyPairSync('ec', { namedCurve: 'P-256' })), use: 'sig', alg: 'ES256', kid: 'es256' },
    { ...jwk(generateKeyPairSync('rsa', { modulusLength: 2048 })), use: 'sig', alg: 'RS256', kid: 'rs256' },
  ];
  let ready = 0;
  for (let i = 0; i < workers; i += 1) {
    const w = cluster.fork({ BENCH_JWKS: JSON.stringify(keys) });
    w.on('message', (m) => {
      if (m?.listening && (ready += 1) === workers) console.log(`listening on 127.0.0.1:${m.listening}`);
    });
  }
} else {
  const { default: Provider } = await import('oidc-provider');
  const keys = process.env.BENCH_JWKS
    ? JSON.parse(process.env.BENCH_JWKS)
    : [
        { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'ES256', kid: 'es256' },
        { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'rs256' },
      ];
  const resource = process.env.RESOURCE || 'https://api.bench.example';
  const server = createServer();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = server.address().port;
  const provider = new Provider(`http://127.0.0.1:${bound}`, {
    jwks: { keys },
    clients: [{
      client_id: process.env.CLIENT_ID || 'bench',
      client_secret: process.env.CLIENT_SECRET || 'bench-secret',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Requests name no resource: the one API is the default.
        defaultResource: () => resource,
        getResourceServerInfo: () => ({
          scope: 'api:read',
          audience: resource,
          accessTokenTTL: 300,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  });
  server.on('request', provider.callback());
  if (cluster.isWorker) process.send({ listening: bound });
  else console.log(`listening on 127.0.0.1:${bound}`);
}
