"""NATS server URLs as logs may show them."""

from urllib.parse import urlsplit


def without_credentials(url: str) -> str:
    """The server URL(s) without user, password or token."""
    servers = (urlsplit(server.strip()) for server in url.split(","))
    return ",".join(server._replace(netloc=server.netloc.rpartition("@")[2]).geturl() for server in servers)
