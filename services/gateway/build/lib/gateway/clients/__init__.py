"""gRPC clients of auth and files: the only modules touching generated protobuf code."""
