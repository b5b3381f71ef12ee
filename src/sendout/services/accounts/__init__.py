"""Projects, sign-in, dashboard sessions and read models, notifications."""
