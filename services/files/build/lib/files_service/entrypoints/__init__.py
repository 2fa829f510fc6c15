"""The gRPC transport: the only code that touches the generated protobuf modules."""
