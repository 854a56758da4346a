"""Invitations: owners and admins invite people by email to an organisation or application."""
