"""Chat turns and what they leave: conversations, messages, feedback, hand-offs, masking, citations."""
