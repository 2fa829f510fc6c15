"""The public HTTP API: routes, dependencies, bodies and errors."""
