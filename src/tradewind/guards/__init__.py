"""Rollout guards: pause an in-progress release whose failure rate is too high, and ramp a
healthy one on a schedule."""
