"""Entrypoints: the gRPC server and the file-event handler; the only code touching protobuf."""
