-- SAML 2.0 IdP: the service providers each USSO session logged in to, with
-- the NameID each was sent (JSON), so that ending the session logs the user
-- out of them too (SAML Profiles §4.4, IdP as session authority).

CREATE TABLE saml_session_participants (
    tenant_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    sp_id TEXT NOT NULL,
    name_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, session_id, sp_id),
    FOREIGN KEY (tenant_id, session_id) REFERENCES sessions (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, sp_id) REFERENCES saml_service_providers (tenant_id, id) ON DELETE CASCADE
);
