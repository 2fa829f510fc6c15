"""`python -m gateway` as a real process: a configuration it refuses."""

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration


def test_process_refuses_production_without_a_public_url_and_shows_no_secret():
    env = {key: value for key, value in os.environ.items() if not key.startswith("FU_GATEWAY_")}
    env |= {
        "FU_GATEWAY_ENVIRONMENT": "production",
        "FU_GATEWAY_AUTH_RPC_TOKEN": "a" * 32,
        "FU_GATEWAY_FILES_RPC_TOKEN": "f" * 32,
        "FU_GATEWAY_RATE_LIMIT_STORAGE_URI": "redis://:redis-s3cret@redis.internal:6379/0",
    }

    result = subprocess.run(
        [sys.executable, "-m", "gateway"], env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 2
    assert "refusing to start, invalid configuration" in result.stderr
    assert "FU_GATEWAY_PUBLIC_URL must be set when FU_GATEWAY_ENVIRONMENT=production" in result.stderr
    assert "redis-s3cret" not in result.stderr and "Traceback" not in result.stderr
