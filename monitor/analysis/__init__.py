"""Text analysis: outline, numbers, targets, diffs, series. Imports only ``store``."""
