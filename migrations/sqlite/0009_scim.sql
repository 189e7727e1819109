-- SCIM 2.0 (RFC 7643, RFC 7644) support in the core tables.
-- users.profile: the person's data login does not need (name parts, job
-- data, phones, addresses), one JSON document (core::user_profile).
-- group_external_ids: the id a provisioning client knows a group by, one
-- namespace per client (source), as user_external_ids does for users.
-- The time indexes serve sorting and cursor paging by meta.created and
-- meta.lastModified; the id breaks ties.

ALTER TABLE users ADD COLUMN profile TEXT NOT NULL DEFAULT '{}';

CREATE TABLE group_external_ids (
    tenant_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, source, external_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX group_external_ids_group_idx ON group_external_ids (tenant_id, group_id);

CREATE INDEX users_created_idx ON users (tenant_id, created_at, id);
CREATE INDEX users_updated_idx ON users (tenant_id, updated_at, id);
CREATE INDEX groups_created_idx ON groups (tenant_id, created_at, id);
CREATE INDEX groups_updated_idx ON groups (tenant_id, updated_at, id);
