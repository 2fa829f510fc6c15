"""What the services' reconciliations share: merging sorted streams, the report and its formatting."""
