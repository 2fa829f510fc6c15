"""`python -m files_service` and the fileuploader-files console script."""

import asyncio
import logging

from files_service.entrypoints.request_id import RequestIdLogFilter
from files_service.entrypoints.server import serve
from files_service.settings import Settings


def main() -> None:
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(RequestIdLogFilter())
    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
