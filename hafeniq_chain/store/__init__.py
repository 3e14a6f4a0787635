"""PostgreSQL storage: the source of truth (embedded server by default, any DSN otherwise)."""
