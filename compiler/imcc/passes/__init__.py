"""Compiler passes, in order: partition, replicate, reload (phases), place, schedule.
Each pass returns a dict of facts that goes into the manifest's "passes" list."""
