-- Each tenant's token-signing keys. The private key is sealed under the
-- master key (XChaCha20-Poly1305, bound to tenant and kid); the public JWK is
-- kept in the clear for the JWKS. See src/core/signing_key.rs for the life
-- cycle: published from created_at to expires_at, signing from activates_at
-- to retires_at.

CREATE TABLE signing_keys (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kid TEXT NOT NULL,
    alg TEXT NOT NULL CHECK (alg IN ('ES256', 'RS256', 'EdDSA')),
    public_jwk TEXT NOT NULL,
    sealed_private TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    activates_at BIGINT NOT NULL,
    retires_at BIGINT,
    expires_at BIGINT,
    PRIMARY KEY (tenant_id, kid)
);
