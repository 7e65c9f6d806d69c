"""Respondent pseudonyms: a random R-number per respondent, unique in its assessment, so anonymous
outputs no longer number people in the order they were invited. Existing respondents get one at random.

Revision ID: 5e1d0c9a7b21
Revises: 5c1e0a7d9b21
Create Date: 2026-12-02 07:20:00

Static on purpose: no imports from `app`, so this file means the same thing whatever the
models look like later.
"""

import secrets
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '5e1d0c9a7b21'
down_revision: str | Sequence[str] | None = '5c1e0a7d9b21'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIRST, LAST = 100_000, 999_999


def upgrade() -> None:
    with op.batch_alter_table('respondents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pseudonym', sa.String(length=16), nullable=True))

    respondents = sa.table('respondents', sa.column('id'), sa.column('assessment_id'), sa.column('pseudonym'))
    connection = op.get_bind()
    used: dict[str, set[int]] = defaultdict(set)
    rows = connection.execute(sa.select(respondents.c.id, respondents.c.assessment_id)).all()
    for respondent_id, assessment_id in rows:
        taken = used[assessment_id]
        number = FIRST + secrets.randbelow(LAST - FIRST + 1)
        while number in taken:
            number = FIRST + secrets.randbelow(LAST - FIRST + 1)
        taken.add(number)
        connection.execute(
            respondents.update().where(respondents.c.id == respondent_id).values(pseudonym=f"R{number}")
        )

    with op.batch_alter_table('respondents', schema=None) as batch_op:
        batch_op.alter_column('pseudonym', existing_type=sa.String(length=16), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f('uq_respondents_assessment_id_pseudonym'), ['assessment_id', 'pseudonym']
        )


def downgrade() -> None:
    with op.batch_alter_table('respondents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_respondents_assessment_id_pseudonym'), type_='unique')
        batch_op.drop_column('pseudonym')
