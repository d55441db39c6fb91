"""The default city: a simulated Ordos central urban area writing every feed's landing files and the truth."""

from simulator.config import SimConfig, last_sunday
from simulator.simulate import SOURCES, simulate

__all__ = ["SOURCES", "SimConfig", "last_sunday", "simulate"]
