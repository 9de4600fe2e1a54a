"""signed adhesion documents

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_stored_name', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('document_name', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('document_size', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('document_sha256', sa.String(length=64), nullable=True))



def downgrade():
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.drop_column('document_sha256')
        batch_op.drop_column('document_size')
        batch_op.drop_column('document_name')
        batch_op.drop_column('document_stored_name')

