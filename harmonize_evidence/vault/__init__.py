"""The encrypted store: SQLCipher database, schema and migrations, and its keys."""
