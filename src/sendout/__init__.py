"""Sendout: a self-hosted, Voucherify-compatible distributions engine for promotions."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
