"""slack: the events and messages a worker has taken on, so that Slack's retries are answered once

Revision ID: 5c1a7e2d9b40
Revises: 9187a08bf43d
Create Date: 2026-12-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1a7e2d9b40'
down_revision = '9187a08bf43d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'slack_deliveries',
        sa.Column('key', sa.String(length=160), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    with op.batch_alter_table('slack_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slack_deliveries_received_at'), ['received_at'], unique=False)


def downgrade():
    with op.batch_alter_table('slack_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slack_deliveries_received_at'))
    op.drop_table('slack_deliveries')
