"""The runtime the File Uploader services share, and nothing domain-specific."""
