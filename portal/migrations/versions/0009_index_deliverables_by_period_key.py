"""index deliverables by period key

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.create_index('ix_deliverables_period_key', ['period_key'], unique=False)



def downgrade():
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.drop_index('ix_deliverables_period_key')

