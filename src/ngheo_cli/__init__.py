"""ngheo-cli: classify households under Vietnamese multidimensional poverty standards."""

__version__ = "0.1.0"
