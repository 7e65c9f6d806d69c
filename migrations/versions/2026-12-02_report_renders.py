"""Stored report renders: each rendered report (PDF and its HTML twin) kept by content hash, per workspace,
so every app instance and every restart serves it without rendering it again.

Revision ID: 7a4c2e9d1f30
Revises: 5e1d0c9a7b21
Create Date: 2026-12-02 14:00:00

Static on purpose: no imports from `app`, so this file means the same thing whatever the
models look like later.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '7a4c2e9d1f30'
down_revision: str | Sequence[str] | None = '5e1d0c9a7b21'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'report_renders',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('workspace_id', sa.String(length=36), nullable=False),
        sa.Column('assessment_id', sa.String(length=36), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=False),
        sa.Column('html', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['workspace_id', 'assessment_id'],
            ['assessments.workspace_id', 'assessments.id'],
            name=op.f('fk_report_renders_workspace_id_assessment_id_assessments'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['workspace_id'],
            ['workspaces.id'],
            name=op.f('fk_report_renders_workspace_id_workspaces'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_renders')),
        sa.UniqueConstraint('workspace_id', 'content_hash', name=op.f('uq_report_renders_workspace_id_content_hash')),
    )
    op.create_index(
        op.f('ix_report_renders_assessment_id_created_at'), 'report_renders', ['assessment_id', 'created_at']
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_report_renders_assessment_id_created_at'), table_name='report_renders')
    op.drop_table('report_renders')
