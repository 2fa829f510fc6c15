"""File Uploader auth service: accounts, access tokens and each account's file list."""
