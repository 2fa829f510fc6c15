"""File Uploader files service: file bytes, file metadata and the file events."""
