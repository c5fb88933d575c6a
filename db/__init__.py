"""The read model and reference data, in SQLAlchemy 2 typed ORM. Works on SQLite and PostgreSQL."""
