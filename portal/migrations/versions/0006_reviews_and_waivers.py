"""reviews and waivers

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('reason_code', sa.String(length=30), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_reviews_reviewer_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_reviews_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews')),
    sa.UniqueConstraint('submission_id', name=op.f('uq_reviews_submission_id'))
    )
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waiver_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('status_before_waiver', sa.String(length=12), nullable=True))



def downgrade():
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.drop_column('status_before_waiver')
        batch_op.drop_column('waiver_reason')

    op.drop_table('reviews')
