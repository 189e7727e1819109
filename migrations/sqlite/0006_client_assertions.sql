-- The `jti` of every private_key_jwt client assertion seen, until it
-- expires, so that an assertion is accepted once (RFC 7523 §3, item 7).

CREATE TABLE oauth_assertion_jtis (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    jti TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, client_id, jti)
);
