"""slack hand-offs: where a Slack thread's conversation is, and what became of a reply posted into it

Revision ID: b4e8d2a61f37
Revises: 5c1a7e2d9b40
Create Date: 2026-12-06 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4e8d2a61f37'
down_revision = '5c1a7e2d9b40'
branch_labels = None
depends_on = None


def upgrade():
    # All nullable and empty: a Slack thread started before this version gets its place when someone in it asks
    # for a person (web/slack/handoffs.py); earlier replies were never posted to Slack.
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slack_team_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('slack_channel_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('slack_thread_ts', sa.String(length=32), nullable=True))
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slack_status', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('slack_error', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.drop_column('slack_error')
        batch_op.drop_column('slack_status')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_column('slack_thread_ts')
        batch_op.drop_column('slack_channel_id')
        batch_op.drop_column('slack_team_id')
