"""Device signals: protocol-neutral counters held in memory and flushed to roll-up tables."""
