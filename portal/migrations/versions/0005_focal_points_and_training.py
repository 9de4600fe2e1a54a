"""focal points (metas 1.1, 1.2, 1.3, 2.1) and training records (meta 2.2)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('focal_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('cpf', sa.String(length=11), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('access_granted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('access_granted_by_id', sa.Integer(), nullable=True),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['access_granted_by_id'], ['users.id'], name=op.f('fk_focal_points_access_granted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_focal_points_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'], name=op.f('fk_focal_points_ended_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_focal_points_institution_id_institutions')),
    sa.ForeignKeyConstraint(['replaces_id'], ['focal_points.id'], name=op.f('fk_focal_points_replaces_id_focal_points'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_focal_points'))
    )
    with op.batch_alter_table('focal_points', schema=None) as batch_op:
        batch_op.create_index('ix_focal_points_institution_ended', ['institution_id', 'ended_at'], unique=False)
        batch_op.create_index('ix_focal_points_purpose_access', ['purpose', 'access_granted_at'], unique=False)

    op.create_table('training_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Integer(), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.Column('modality', sa.String(length=12), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=True),
    sa.Column('original_name', sa.String(length=255), nullable=True),
    sa.Column('content_type', sa.String(length=120), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_training_records_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_training_records_institution_id_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_records'))
    )
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.create_index('ix_training_records_institution_start', ['institution_id', 'start_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_records_stored_name'), ['stored_name'], unique=False)


def downgrade():
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_records_stored_name'))
        batch_op.drop_index('ix_training_records_institution_start')

    op.drop_table('training_records')
    with op.batch_alter_table('focal_points', schema=None) as batch_op:
        batch_op.drop_index('ix_focal_points_purpose_access')
        batch_op.drop_index('ix_focal_points_institution_ended')

    op.drop_table('focal_points')
