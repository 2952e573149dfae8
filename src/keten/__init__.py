"""keten: the open digital backbone for high-tech value chains."""

__version__ = "0.1.0"
__all__ = ["__version__"]
