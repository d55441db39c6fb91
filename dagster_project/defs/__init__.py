"""One module per area; each exposes `defs`."""
