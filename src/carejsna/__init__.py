"""JSNA data explorer for children in care and care leavers."""

__version__ = "0.1.0"
