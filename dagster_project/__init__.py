"""Dagster wiring of GridWatch: assets per layer, resources, checks, schedules."""
