"""Authentication (API keys, OIDC bearer tokens), permission checks and log redaction."""
