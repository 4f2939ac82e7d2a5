"""edit suggestions: who applied or declined one, and when

Revision ID: 3f6c2b9d7e15
Revises: b4e8d2a61f37
Create Date: 2026-12-07 07:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f6c2b9d7e15'
down_revision = 'b4e8d2a61f37'
branch_labels = None
depends_on = None

# Named: SQLite's batch mode rebuilds the table, and a downgrade can only drop a constraint it can name.
DECIDED_BY_FK = 'fk_edit_suggestions_decided_by_id_users'


def upgrade():
    # Both empty for suggestions decided before this version: nobody recorded who decided them.
    with op.batch_alter_table('edit_suggestions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(DECIDED_BY_FK, 'users', ['decided_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('edit_suggestions', schema=None) as batch_op:
        batch_op.drop_constraint(DECIDED_BY_FK, type_='foreignkey')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('decided_by_id')
