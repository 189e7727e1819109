-- LDAP / Active Directory sources of a tenant (issue 6): how to reach and map
-- the directory (settings JSON), the service account's password sealed under
-- the master key, the incremental sync state of the last good run (JSON) and
-- its report, and a lease so that one node of a cluster runs a source's
-- scheduled sync at a time.
--
-- ldap_entries: each synced directory entry's stable id (entryUUID,
-- objectGUID…), its kind, its DN (lowercased, to resolve group member DNs)
-- and the core user or group it maps to; seen_run marks the entries a full
-- sync saw, so that the ones it did not see are found without holding them
-- in memory.

CREATE TABLE ldap_sources (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    settings TEXT NOT NULL,
    bind_password TEXT NOT NULL,
    sync_state TEXT,
    last_sync_at BIGINT,
    last_report TEXT,
    lease_holder TEXT,
    lease_until BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT ldap_sources_name_uq UNIQUE (tenant_id, name_key)
);

CREATE TABLE ldap_entries (
    tenant_id TEXT NOT NULL,
    source_id TEXT NOT NULL,
    stable_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('user', 'group')),
    dn_key TEXT NOT NULL,
    core_id TEXT NOT NULL,
    seen_run TEXT NOT NULL,
    PRIMARY KEY (tenant_id, source_id, stable_id),
    FOREIGN KEY (tenant_id, source_id) REFERENCES ldap_sources (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ldap_entries_dn_idx ON ldap_entries (tenant_id, source_id, dn_key);
CREATE INDEX ldap_entries_core_idx ON ldap_entries (tenant_id, source_id, core_id);
