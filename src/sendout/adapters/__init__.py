"""Adapters: the only code that talks to drivers (database, network)."""
