"""Every dependency of every route runs in the event loop: FastAPI runs a plain `def` dependency in its
thread pool, a hop to a thread and back on each request."""

import inspect

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from gateway.api.routes import accounts, files, health


def dependencies_of(dependant: Dependant) -> list:
    found = []
    for sub in dependant.dependencies:
        found.append(sub.call)
        found.extend(dependencies_of(sub))
    return found


def runs_in_the_thread_pool(call: object) -> bool:
    if inspect.isclass(call):
        return False  # FastAPI's own security schemes: instances with an async __call__
    target = getattr(call, "__call__", call) if not inspect.isfunction(call) else call  # noqa: B004 (the method)
    return not (inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(target))


ROUTES = [
    route
    for module in (files, accounts, health)
    for route in module.router.routes
    if isinstance(route, APIRoute)
]


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: f"{min(route.methods)} {route.path}")
def test_no_dependency_of_a_route_runs_in_the_thread_pool(route):
    threaded = [
        getattr(call, "__name__", repr(call))
        for call in dependencies_of(route.dependant)
        if runs_in_the_thread_pool(call)
    ]
    assert threaded == []
