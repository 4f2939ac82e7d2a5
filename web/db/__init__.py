"""The database: models (on ingest.catalog's Base), the engine set-up, schema migrations, SQL helpers."""
