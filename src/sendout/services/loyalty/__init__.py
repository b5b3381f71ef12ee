"""Loyalty: programs, cards and their balances, earning rules, tiers, pending and expiring
points, rewards."""
