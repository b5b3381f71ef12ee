"""HTTP transports: the webhook clients and what platform adapters share."""
