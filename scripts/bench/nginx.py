"""nginx serving the sample files statically: the physical limit of HTTP on this machine.

A private nginx as the current user: a generated configuration in the run's temp directory,
`daemon off`, loopback, a free port, no access log, sendfile. It serves GET /file/<name> from disk
and takes uploads as WebDAV PUT /upload/<name> of the raw bytes, written to a file (no multipart,
no database, no fsync): what receiving and storing bytes costs at the least.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import pathlib
import shutil
import signal
import subprocess
from collections.abc import Iterator

from bench import processes
from bench.target import SampleFiles, Target, UploadRoute
from stack import free_port

START_SECONDS = 15.0
MAX_BODY = "200m"


def config(prefix: pathlib.Path, port: int, file_root: pathlib.Path) -> str:
    temp = {name: prefix / f"{name}-temp" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    # as root, workers would switch to `nobody`, which cannot read the run's private temp directory
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
    return f"""{user}daemon off;
worker_processes auto;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    default_type application/octet-stream;
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    server {{
        listen 127.0.0.1:{port};
        location /file/ {{ alias {file_root}/; }}
        location /upload/ {{
            alias {prefix}/uploads/;
            dav_methods PUT;
            create_full_put_path on;
            client_max_body_size {MAX_BODY};
        }}
    }}
}}
"""


@contextlib.contextmanager
def running(workdir: pathlib.Path, samples: SampleFiles) -> Iterator[Target]:
    binary = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if binary is None:
        raise RuntimeError("nginx not found: apt-get install -y nginx")
    prefix = workdir / "nginx"
    (prefix / "uploads").mkdir(parents=True)
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(config(prefix, port, samples.directory))
    log = prefix / "error.log"
    process = subprocess.Popen(
        [binary, "-p", str(prefix), "-c", str(conf), "-e", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        processes.wait_until_answering(base_url + "/", process, START_SECONDS, log)
        downloads = {size: "/file/" + samples.path(size).name for size in samples.sizes}
        yield Target(
            "nginx",
            "nginx (static files, WebDAV PUT)",
            base_url,
            UploadRoute("PUT", "/upload/bench.bin", multipart=False),
            downloads,
        )
    finally:
        processes.stop(process, signal.SIGQUIT)  # graceful: workers end their requests
