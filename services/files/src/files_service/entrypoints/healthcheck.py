"""Container HEALTHCHECK: exits 0 when this service's gRPC health check answers SERVING.

python -m files_service.entrypoints.healthcheck [host:port]
"""

import sys

from files_service.settings import Settings
from fileuploader_runtime import healthcheck

if __name__ == "__main__":
    default_listen_address = Settings.model_fields["listen_address"].default
    sys.exit(healthcheck.main(healthcheck.local_address("FU_FILES_LISTEN_ADDRESS", default_listen_address)))
