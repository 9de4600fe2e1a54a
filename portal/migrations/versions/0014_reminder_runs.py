"""reminder runs: the last successful ``portal reminders send``

One row per successful run (the day it ran as, the first day it covered, how much it sent).
The next run catches up from the day after the latest one, so days the job missed are not
lost; the sent log (``reminder_log``) keeps it idempotent.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reminder_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_on', sa.Date(), nullable=False),
    sa.Column('covered_from', sa.Date(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_runs'))
    )
    with op.batch_alter_table('reminder_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_runs_run_on'), ['run_on'], unique=False)


def downgrade():
    with op.batch_alter_table('reminder_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_runs_run_on'))
    op.drop_table('reminder_runs')
