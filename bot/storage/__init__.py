"""Persistence: SQLAlchemy models, the database, and the `Store` with its repositories."""

from bot.storage.db import Database
from bot.storage.store import Store, Tx

__all__ = ["Database", "Store", "Tx"]
