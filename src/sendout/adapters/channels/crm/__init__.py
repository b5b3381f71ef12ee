"""CRM and customer-engagement platforms: one adapter each."""
