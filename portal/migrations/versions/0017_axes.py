"""axes: the Rede's eixos in a table SEGES can edit, instead of names fixed in the code

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04

Goals keep pointing at eixo numbers (their JSON ``axes`` lists); only the portal's names for
the eixos move here. The three rows are the names the code used until now.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

# Frozen here: the code's AXES may change later, this revision's rows may not.
AXES = [
    (1, "Melhoria da Gestão"),
    (2, "Capacitação"),
    (3, "Comunicação e Transparência"),
]


def upgrade():
    axes = op.create_table('axes',
    sa.Column('number', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('number', name=op.f('pk_axes'))
    )
    op.bulk_insert(axes, [{"number": number, "name": name} for number, name in AXES])


def downgrade():
    op.drop_table('axes')
