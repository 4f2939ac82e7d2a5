"""Ingestion: turning help-centre files into documents, chunks and index entries."""
