"""jifen (积分): an open-source loyalty-points platform."""

__version__ = "0.1.0"
