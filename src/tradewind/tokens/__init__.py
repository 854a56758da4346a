"""Personal API tokens for CI: created once, stored hashed, optionally restricted."""
