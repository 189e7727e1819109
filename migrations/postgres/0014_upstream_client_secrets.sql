-- The client secret USSO presents to an upstream OpenID Connect / OAuth 2.0
-- provider, sealed under the master key (XChaCha20-Poly1305, bound to the
-- provider's row); NULL for SAML IdPs and public clients.
ALTER TABLE upstream_idps ADD COLUMN client_secret TEXT;
