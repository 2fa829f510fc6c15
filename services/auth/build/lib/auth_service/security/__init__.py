"""Password hashing and access-token signing: pure computation, no I/O."""
