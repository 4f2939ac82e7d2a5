"""answerdesk in Slack, for employees: the Bolt app and its listeners (bot.py), who may see internal articles
(audience.py), a thread as a conversation (threads.py), each question answered once (deliveries.py), answers as
Block Kit (blocks.py, mrkdwn.py) and the threads that answer after the acknowledgement (work.py). The endpoint,
POST /slack/events, is web/api/slack.py."""
