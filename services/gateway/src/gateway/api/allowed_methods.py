"""The Allow header of a 405: every method served at the request's path.

Starlette names only the methods of the first route whose path matched, and a download's GET and
HEAD are two routes (one route with both would give both operations one OpenAPI operationId)."""

from collections.abc import Sequence

from fastapi import APIRouter
from fastapi.routing import APIRoute


class AllowedMethods:
    """Reads the routers' routes when asked, so routes added after it was made count too."""

    def __init__(self, routers: Sequence[APIRouter]) -> None:
        self._routers = routers

    def at(self, path: str) -> str:
        """The methods served at `path`, as an Allow header value ("GET, HEAD")."""
        methods = {
            method
            for router in self._routers
            for route in router.routes
            if isinstance(route, APIRoute) and route.path_regex.match(path)
            for method in route.methods or ()
        }
        return ", ".join(sorted(methods))
