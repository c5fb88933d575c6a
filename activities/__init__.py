"""Activities: the only code that does I/O. Each is one transaction, idempotent by a business key."""
