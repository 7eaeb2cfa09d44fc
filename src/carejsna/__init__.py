"""JSNA data explorer for children in care and care leavers."""

__version__ = "0.1.0"


class Unknown(KeyError):
    """A name given that is not known (an indicator, a query): refused, saying so. Any other
    KeyError is a bug (the command line says which)."""
