"""agreements goals deliverables

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=4), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=True),
    sa.Column('work_plan_number', sa.String(length=40), nullable=True),
    sa.Column('sei_process', sa.String(length=20), nullable=True),
    sa.Column('object', sa.Text(), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('term_start', sa.Date(), nullable=True),
    sa.Column('term_end', sa.Date(), nullable=True),
    sa.Column('axes', sa.JSON(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['agreements.id'], name=op.f('fk_agreements_parent_id_agreements')),
    sa.ForeignKeyConstraint(['partner_id'], ['institutions.id'], name=op.f('fk_agreements_partner_id_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreements')),
    sa.UniqueConstraint('kind', 'number', name=op.f('uq_agreements_kind'))
    )
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreements_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreements_partner_id'), ['partner_id'], unique=False)

    op.create_table('agreement_parties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('signatory_name', sa.String(length=200), nullable=True),
    sa.Column('signatory_role', sa.String(length=200), nullable=True),
    sa.Column('signatory_registration', sa.String(length=60), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_agreement_parties_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_agreement_parties_institution_id_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_parties')),
    sa.UniqueConstraint('agreement_id', 'institution_id', name=op.f('uq_agreement_parties_agreement_id'))
    )
    with op.batch_alter_table('agreement_parties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_parties_institution_id'), ['institution_id'], unique=False)

    op.create_table('goals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('axes', sa.JSON(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('deadline_text', sa.String(length=300), nullable=False),
    sa.Column('schedule', sa.JSON(), nullable=False),
    sa.Column('responsible', sa.String(length=10), nullable=False),
    sa.Column('applies_to_adherents', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_goals_agreement_id_agreements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goals')),
    sa.UniqueConstraint('agreement_id', 'code', name=op.f('uq_goals_agreement_id'))
    )
    op.create_table('deliverables',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('period_key', sa.String(length=70), nullable=False),
    sa.Column('period_label', sa.String(length=200), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['goal_id'], ['goals.id'], name=op.f('fk_deliverables_goal_id_goals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_deliverables_institution_id_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliverables')),
    sa.UniqueConstraint('goal_id', 'institution_id', 'period_key', name=op.f('uq_deliverables_goal_id'))
    )
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deliverables_goal_id'), ['goal_id'], unique=False)
        batch_op.create_index('ix_deliverables_institution_due', ['institution_id', 'due_on'], unique=False)
        batch_op.create_index('ix_deliverables_status_due', ['status', 'due_on'], unique=False)



def downgrade():
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.drop_index('ix_deliverables_status_due')
        batch_op.drop_index('ix_deliverables_institution_due')
        batch_op.drop_index(batch_op.f('ix_deliverables_goal_id'))

    op.drop_table('deliverables')
    op.drop_table('goals')
    with op.batch_alter_table('agreement_parties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_parties_institution_id'))

    op.drop_table('agreement_parties')
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreements_partner_id'))
        batch_op.drop_index(batch_op.f('ix_agreements_parent_id'))

    op.drop_table('agreements')
