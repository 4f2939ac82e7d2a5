"""agent inbox: a hand-off's reply, who handled it and when, and what became of its e-mail

Revision ID: 9187a08bf43d
Revises: d387aae58e92
Create Date: 2026-12-04 04:25:23.743290

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9187a08bf43d'
down_revision = 'd387aae58e92'
branch_labels = None
depends_on = None

# Named: SQLite's batch mode rebuilds the table, and a downgrade can only drop a constraint it can name.
HANDLED_BY_FK = 'fk_handoffs_handled_by_id_users'


def upgrade():
    # Existing hand-offs keep their status ("open"): nobody could answer them before this version.
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('handled_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('handled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('email_status', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('email_error', sa.Text(), nullable=True))
        batch_op.create_foreign_key(HANDLED_BY_FK, 'users', ['handled_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.drop_constraint(HANDLED_BY_FK, type_='foreignkey')
        batch_op.drop_column('email_error')
        batch_op.drop_column('email_status')
        batch_op.drop_column('handled_at')
        batch_op.drop_column('handled_by_id')
        batch_op.drop_column('reply')
