-- SAML 2.0 IdP: the service providers (applications) of a tenant, registered
-- from their metadata (kept verbatim), with their settings as JSON
-- (core::saml_sp::SamlSpSettings); and the AuthnRequests waiting for their
-- user to sign in, as JSON, dropped once answered or expired.

CREATE TABLE saml_service_providers (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    metadata TEXT NOT NULL,
    settings TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT saml_sps_entity_uq UNIQUE (tenant_id, entity_id)
);

CREATE TABLE saml_requests (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    sp_id TEXT NOT NULL,
    request TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, sp_id) REFERENCES saml_service_providers (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX saml_requests_expiry_idx ON saml_requests (expires_at);
