"""Memberships: who holds which role on an organisation or an application."""
