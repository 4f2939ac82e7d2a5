"""The knowledge base as editors see it: the document catalogue and its filters, and writing documents."""
