"""Persistence: SQLAlchemy models, engine set-up, migrations and query functions.

Query functions take a session and never commit; the caller owns the unit of work.
"""
