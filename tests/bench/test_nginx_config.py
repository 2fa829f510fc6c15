"""The generated nginx configuration is one nginx accepts."""

import shutil
import subprocess

import pytest

from bench import nginx

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install -y nginx)")
def test_nginx_accepts_the_generated_configuration(tmp_path):
    (tmp_path / "files").mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx.config(tmp_path, 1, tmp_path / "files"))
    argv = [NGINX, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")]
    checked = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    assert checked.returncode == 0, checked.stderr


def test_the_configuration_listens_on_loopback_only_and_logs_no_access():
    text = nginx.config(nginx.pathlib.Path("/p"), 8123, nginx.pathlib.Path("/files"))
    assert "listen 127.0.0.1:8123;" in text
    assert "access_log off;" in text and "daemon off;" in text and "sendfile on;" in text
