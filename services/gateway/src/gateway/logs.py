"""The gateway's logging: the services' one (fileuploader_runtime.logs), with secrets in URLs redacted."""

from fileuploader_runtime.logs import LogFormat
from fileuploader_runtime.logs import configure_logging as configure_service_logging
from gateway.log_redaction import SecretRedactingFilter

SERVICE = "gateway"


def configure_logging(level: str, log_format: LogFormat) -> None:
    """Every record, uvicorn's (access log included) and the app's, goes through one handler on the root."""
    configure_service_logging(SERVICE, level, log_format, filters=[SecretRedactingFilter()])
