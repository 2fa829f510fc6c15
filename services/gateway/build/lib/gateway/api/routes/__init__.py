"""The public API's routes, one module per area."""
