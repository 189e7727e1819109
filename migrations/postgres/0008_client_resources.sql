-- The resources (APIs, RFC 8707 / RFC 9068 audiences) a client's access
-- tokens are for, as a JSON array of absolute URIs; empty: the client itself.

ALTER TABLE oauth_clients ADD COLUMN resources TEXT NOT NULL DEFAULT '[]';
