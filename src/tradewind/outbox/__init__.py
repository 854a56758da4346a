"""The cleanup outbox: durable removal of blobs that no database row references."""
