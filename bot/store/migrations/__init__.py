"""Alembic migrations of the store; bot.store.db.upgrade runs them."""
