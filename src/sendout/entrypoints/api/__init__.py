"""The Voucherify-compatible HTTP API (FastAPI)."""
