-- Per-client token lifetimes, overriding the tenant's (JSON object with
-- access_token_seconds, refresh_token_idle_seconds,
-- refresh_token_absolute_seconds; an absent member means the tenant's).

ALTER TABLE oauth_clients ADD COLUMN token_lifetimes TEXT NOT NULL DEFAULT '{}';
