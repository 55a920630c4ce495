"""Alembic migrations of the job database (SQLite and PostgreSQL); see v2v.service.migrate."""
