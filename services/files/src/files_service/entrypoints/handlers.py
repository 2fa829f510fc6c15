"""FilesService's method handlers: the generated stub's, but for UploadFile's request deserializer
(upload_requests: a chunk's bytes are not copied out of the buffer gRPC received) and ReadFile's
response serializer (read_responses: a chunk's bytes are copied once onto the wire)."""

from collections.abc import Callable
from typing import Any

import grpc
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message_factory import GetMessageClass

from files_service.entrypoints.read_responses import serialized_read_response
from files_service.entrypoints.upload_requests import upload_message_of
from fileuploader.files.v1 import files_pb2, files_pb2_grpc

SERVICE = files_pb2.DESCRIPTOR.services_by_name["FilesService"]
REQUEST_DESERIALIZERS: dict[str, Callable[[bytes], Any]] = {"UploadFile": upload_message_of}
RESPONSE_SERIALIZERS: dict[str, Callable[[Any], bytes]] = {"ReadFile": serialized_read_response}

_HANDLER_KINDS = {
    (False, False): grpc.unary_unary_rpc_method_handler,
    (False, True): grpc.unary_stream_rpc_method_handler,
    (True, False): grpc.stream_unary_rpc_method_handler,
    (True, True): grpc.stream_stream_rpc_method_handler,
}


def method_handlers(servicer: files_pb2_grpc.FilesServiceServicer) -> dict[str, grpc.RpcMethodHandler]:
    return {method.name: _handler(servicer, method) for method in SERVICE.methods}


def add_files_servicer_to_server(
    servicer: files_pb2_grpc.FilesServiceServicer, server: grpc.aio.Server
) -> None:
    handlers = method_handlers(servicer)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE.full_name, handlers),))
    server.add_registered_method_handlers(SERVICE.full_name, handlers)


def _handler(
    servicer: files_pb2_grpc.FilesServiceServicer, method: MethodDescriptor
) -> grpc.RpcMethodHandler:
    make = _HANDLER_KINDS[(method.client_streaming, method.server_streaming)]
    deserializer = REQUEST_DESERIALIZERS.get(method.name, GetMessageClass(method.input_type).FromString)
    serializer = RESPONSE_SERIALIZERS.get(method.name, GetMessageClass(method.output_type).SerializeToString)
    return make(
        getattr(servicer, method.name), request_deserializer=deserializer, response_serializer=serializer
    )
