"""Room in the process's file descriptor limit for the connections it may hold. Each connection takes a
descriptor; once none is left, accept() fails and every new connection waits, real clients' too."""

import resource

RESERVED_DESCRIPTORS = 512  # the listening socket, gRPC channels, the metrics server, logs, imports


def raise_descriptor_limit(connections: int) -> None:
    """Raises the soft RLIMIT_NOFILE, up to the hard one, to fit `connections` beside the reserve."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + RESERVED_DESCRIPTORS
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return
    raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if raised > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))


def connections_room(wanted: int) -> int:
    """`wanted`, or as many connections as the soft limit leaves room for beside the reserve."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return min(wanted, soft - RESERVED_DESCRIPTORS)
