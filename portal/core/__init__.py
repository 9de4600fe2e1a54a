"""Cross-cutting pieces: database setup, htmx helpers, security headers, errors, audit, mail."""
