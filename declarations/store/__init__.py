"""The SQL store (SQLAlchemy 2 Core): SQLite in embedded mode, PostgreSQL in distributed mode.

The schema is owned by Alembic migrations (`declarations/store/migrations`); `open_store(url)`
brings a database to the newest revision before anything uses it.
"""
