"""Customers, their segments, and the custom events they send."""
