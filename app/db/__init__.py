"""Persistence: the engine, sessions, the SQLModel tables and the Alembic migrations that own their schema."""
