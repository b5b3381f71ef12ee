"""Promotions: campaigns, codes, publications, validations and redemptions, orders, referrals."""
