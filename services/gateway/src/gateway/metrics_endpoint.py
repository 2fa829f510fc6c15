"""The gateway's metrics across its workers (fileuploader_runtime.metrics_endpoint serves them).

One process serves its own registry. With several uvicorn workers, each worker writes its values to
files in a directory the main process creates (prometheus-client's multiprocess mode, switched on by
PROMETHEUS_MULTIPROC_DIR, which the workers uvicorn spawns inherit), and the main process serves
their sum."""

import contextlib
import glob
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator

from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.metrics_core import Metric

logger = logging.getLogger(__name__)

MULTIPROCESS_DIRECTORY_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


@contextlib.contextmanager
def shared_by_workers() -> Iterator[CollectorRegistry]:
    """A fresh directory for the workers' metric files, announced in the environment they inherit, and
    the registry that adds them up. The directory is removed afterwards."""
    directory = tempfile.mkdtemp(prefix="fileuploader-gateway-metrics-")
    os.environ[MULTIPROCESS_DIRECTORY_VARIABLE] = directory
    try:
        registry = CollectorRegistry()
        registry.register(LiveWorkersCollector(directory))
        yield registry
    finally:
        os.environ.pop(MULTIPROCESS_DIRECTORY_VARIABLE, None)
        shutil.rmtree(directory, ignore_errors=True)


class LiveWorkersCollector:
    """Every worker's counters and histograms (a worker that died keeps what it counted); gauges of
    workers that are gone are dropped, or a crashed worker's uploads would stay "in flight" forever."""

    def __init__(self, directory: str) -> None:
        self._directory = directory
        self._collector = multiprocess.MultiProcessCollector(None, path=directory)

    def collect(self) -> Iterable[Metric]:
        forget_dead_workers(self._directory)
        return self._collector.collect()


def forget_dead_workers(directory: str) -> None:
    for path in glob.glob(os.path.join(directory, "gauge_live*_*.db")):
        pid = int(os.path.basename(path).rsplit("_", 1)[1].removesuffix(".db"))
        if not _alive(pid):
            multiprocess.mark_process_dead(pid, directory)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True
