"""Block Kit rendering: pure functions from domain values to blocks. No I/O here."""
