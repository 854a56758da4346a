"""Experiments: the HTTP routes of release variants (rules in releases/variants.py)."""
