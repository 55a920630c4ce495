"""LoRA owners: which key trained each LoRA (issue 13: LoRAs are owned like jobs).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lora_owners",
        sa.Column("lora_id", sa.String(length=80), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("job_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("lora_id"),
    )
    op.create_index("ix_lora_owners_owner", "lora_owners", ["owner"])


def downgrade() -> None:
    op.drop_index("ix_lora_owners_owner", table_name="lora_owners")
    op.drop_table("lora_owners")
