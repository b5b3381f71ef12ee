"""The edges: HTTP API, worker, command line."""
