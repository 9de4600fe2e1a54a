"""annual report introductions, and deliverables indexed by due date for its year filters

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('annual_reports',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('introduction', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_annual_reports_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_annual_reports'))
    )
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.create_index('ix_deliverables_due_on', ['due_on'], unique=False)


def downgrade():
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.drop_index('ix_deliverables_due_on')
    op.drop_table('annual_reports')
