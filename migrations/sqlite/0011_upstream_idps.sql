-- Upstream identity providers a tenant's users log in through (SAML 2.0
-- IdPs now, OpenID Connect and OAuth providers next), with their settings
-- and, for SAML, the IdP's metadata verbatim, as JSON
-- (core::upstream_idp::UpstreamConfig); the identities of those providers
-- linked to core users; the login requests sent to a provider and waiting
-- for its answer; which upstream session each USSO session came from (for
-- Single Logout); and the assertion IDs already used (replay cache).

CREATE TABLE upstream_idps (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    issuer TEXT NOT NULL,
    display_name TEXT NOT NULL,
    config TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT upstream_idps_name_uq UNIQUE (tenant_id, name)
);
CREATE INDEX upstream_idps_issuer_idx ON upstream_idps (tenant_id, issuer);

CREATE TABLE federated_identities (
    tenant_id TEXT NOT NULL,
    idp_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_login_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, idp_id, subject),
    FOREIGN KEY (tenant_id, idp_id) REFERENCES upstream_idps (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX federated_identities_user_idx ON federated_identities (tenant_id, user_id);

CREATE TABLE upstream_requests (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    idp_id TEXT NOT NULL,
    request TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, idp_id) REFERENCES upstream_idps (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX upstream_requests_expiry_idx ON upstream_requests (expires_at);

CREATE TABLE federated_sessions (
    tenant_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    idp_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    session_index TEXT,
    name_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, session_id),
    FOREIGN KEY (tenant_id, session_id) REFERENCES sessions (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, idp_id) REFERENCES upstream_idps (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX federated_sessions_subject_idx ON federated_sessions (tenant_id, idp_id, subject);

CREATE TABLE upstream_assertion_ids (
    tenant_id TEXT NOT NULL,
    idp_id TEXT NOT NULL,
    assertion_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, idp_id, assertion_id),
    FOREIGN KEY (tenant_id, idp_id) REFERENCES upstream_idps (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX upstream_assertion_ids_expiry_idx ON upstream_assertion_ids (expires_at);
