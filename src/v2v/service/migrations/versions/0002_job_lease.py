"""Lease fencing: each claim of a job gets a token that the run's later writes must carry;
tallies of deleted finished jobs, so the finished-jobs counter survives restarts and retention.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_FINISHED = ("succeeded", "failed", "cancelled")


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    columns = {column["name"] for column in inspector.get_columns("jobs")}
    # tables made by create_all and adopted as 0001 may have these already
    if "lease" not in columns:
        with op.batch_alter_table("jobs") as batch:
            batch.add_column(sa.Column("lease", sa.String(length=32), nullable=True))
    if not inspector.has_table("job_tallies"):
        op.create_table(
            "job_tallies",
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("deleted", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("status"),
        )
    tallies = sa.table("job_tallies", sa.column("status"), sa.column("deleted"))
    present = {row[0] for row in op.get_bind().execute(sa.select(tallies.c.status))}
    missing = [{"status": s, "deleted": 0} for s in _FINISHED if s not in present]
    if missing:
        op.bulk_insert(tallies, missing)


def downgrade() -> None:
    op.drop_table("job_tallies")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("lease")
