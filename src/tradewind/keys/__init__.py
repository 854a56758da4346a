"""Key management: envelope encryption of stored secrets and per-application signing keys."""
