"""The REST API for integrators (POS, shop, CRM)."""
