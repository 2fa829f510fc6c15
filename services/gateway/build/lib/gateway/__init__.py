"""File Uploader gateway: the public HTTP API in front of the auth and files services."""
