"""API key scopes (read, write, admin), and idempotency records emptied of plain-text outcomes.

Every key made before this revision gets every scope, so the scripts using it keep working.
Idempotency records written before it hold their outcome (respondent links included) in plain
text and without an expiry; they are deleted: from now on outcomes are stored sealed with the
deployment secret and live 24 hours. Deleting them only means that a retry, sent across the
upgrade, of a request made before it is carried out as a new request.

Revision ID: 5c1e0a7d9b21
Revises: b5a7cb3f40a4
Create Date: 2026-12-02 07:20:00

Static on purpose: no imports from `app`, so this file means the same thing whatever the
models look like later.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '5c1e0a7d9b21'
down_revision: str | Sequence[str] | None = 'b5a7cb3f40a4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('scopes', sa.String(length=100), nullable=False, server_default='read write admin')
        )
    op.execute('DELETE FROM idempotency_records')


def downgrade() -> None:
    # Sealed outcomes mean nothing to the code before this revision, which replays bodies as they are.
    op.execute('DELETE FROM idempotency_records')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_column('scopes')
