"""Project definitions: the YAML schema, loading with precise errors, and syncing to storage."""
