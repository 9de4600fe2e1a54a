"""gov.br login: accounts linked to gov.br, and the confiabilidade each role needs

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04

- ``users.govbr_linked_at``: when the account was linked to gov.br (first gov.br sign-in
  matched by CPF or verified e-mail, or "Vincular" on the account page); NULL = not linked.
- ``users.govbr_opt_out``: the person unlinked gov.br; a gov.br sign-in then does not link
  the account again by itself (only "Vincular" while signed in does).
- ``ix_users_cpf``: gov.br's ``sub`` is the CPF, looked up at every gov.br sign-in.
- ``govbr_role_levels``: the least confiabilidade (bronze, prata, ouro) per role, set by
  SEGES's admins; a role without a row uses the defaults in portal/auth/govbr.py.
- ``govbr_sessions``: the portal session each gov.br session (``sid``) opened, for gov.br's
  back-channel logout.

Hand-written; batch_alter_table keeps it working on SQLite as well as PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('govbr_linked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('govbr_opt_out', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_users_cpf'), ['cpf'], unique=False)

    op.create_table('govbr_role_levels',
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_govbr_role_levels_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('role', name=op.f('pk_govbr_role_levels'))
    )
    op.create_table('govbr_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('sid', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_govbr_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_govbr_sessions'))
    )
    with op.batch_alter_table('govbr_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_govbr_sessions_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_govbr_sessions_sid'), ['sid'], unique=False)
        batch_op.create_index(batch_op.f('ix_govbr_sessions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('govbr_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_govbr_sessions_user_id'))
        batch_op.drop_index(batch_op.f('ix_govbr_sessions_sid'))
        batch_op.drop_index(batch_op.f('ix_govbr_sessions_created_at'))
    op.drop_table('govbr_sessions')
    op.drop_table('govbr_role_levels')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_cpf'))
        batch_op.drop_column('govbr_opt_out')
        batch_op.drop_column('govbr_linked_at')
