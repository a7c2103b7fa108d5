"""bastion: a keyboard-first terminal console for PostgreSQL and SQLite."""

__version__ = "0.1.0"
