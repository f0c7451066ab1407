"""notebase: a personal note-and-link knowledge base for the terminal."""

__version__ = "0.1.0"
