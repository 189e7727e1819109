-- Back-Channel Logout 1.0 deliveries not yet acknowledged: one row per
-- logout token owed to a relying party's backchannel_logout_uri. A row is
-- tried at once, then retried by the back-channel logout job with backoff
-- until the relying party answers 200 (or 204), or it is given up on. Each
-- attempt first moves next_attempt_at forward (a lease), so two nodes never
-- send the same row at once.

CREATE TABLE backchannel_logouts (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    logout_token TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES oauth_clients (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX backchannel_logouts_due ON backchannel_logouts (tenant_id, next_attempt_at);
