"""Scheduling, the CLI, the analysis pipeline."""
