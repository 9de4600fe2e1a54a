"""ended sessions: "Sair" ends this browser's session only, and a copy of its cookie with it

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ended_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ended_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ended_sessions'))
    )
    with op.batch_alter_table('ended_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ended_sessions_ended_at'), ['ended_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ended_sessions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('ended_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ended_sessions_user_id'))
        batch_op.drop_index(batch_op.f('ix_ended_sessions_ended_at'))
    op.drop_table('ended_sessions')
