-- OAuth 2.x / OpenID Connect clients of a tenant. Same portable SQL as 0001:
-- ids are TEXT (UUIDv7; the id is the public client_id), times are BIGINT
-- unix microseconds, lists and the JWK Set are TEXT JSON. A confidential
-- client's secret is kept only as its keyed hash; a public client has none.

CREATE TABLE oauth_clients (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    public BOOLEAN NOT NULL,
    secret_hash TEXT,
    redirect_uris TEXT NOT NULL,
    post_logout_redirect_uris TEXT NOT NULL,
    backchannel_logout_uri TEXT,
    grant_types TEXT NOT NULL,
    scopes TEXT NOT NULL,
    token_endpoint_auth_method TEXT NOT NULL CHECK (token_endpoint_auth_method IN
        ('client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none')),
    jwks_uri TEXT,
    jwks TEXT,
    skip_consent BOOLEAN NOT NULL,
    id_token_signed_response_alg TEXT NOT NULL CHECK (id_token_signed_response_alg IN
        ('RS256', 'ES256', 'EdDSA')),
    subject_type TEXT NOT NULL CHECK (subject_type IN ('public', 'pairwise')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CHECK ((public AND secret_hash IS NULL) OR (NOT public AND secret_hash IS NOT NULL)),
    CONSTRAINT oauth_clients_name_uq UNIQUE (tenant_id, name_key),
    CONSTRAINT oauth_clients_secret_uq UNIQUE (secret_hash)
);
