"""Remote configuration: property schemas with defaults, resolution, cohort dimensions."""
