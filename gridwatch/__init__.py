"""GridWatch: grid-based urban-management lakehouse and hotspot forecaster."""

__version__ = "0.1.0"
