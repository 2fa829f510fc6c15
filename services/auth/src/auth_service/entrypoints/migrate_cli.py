"""`python -m auth_service migrate`: brings the database to the newest schema revision (what every start
does too), then exits: 0 done, 1 failed."""

import logging

from auth_service.adapters.database import create_engine
from auth_service.adapters.schema import current_revision, upgrade_schema
from auth_service.settings import Settings

logger = logging.getLogger(__name__)

EXIT_MIGRATED = 0
EXIT_FAILED = 1


async def migrate(settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        before = await current_revision(engine)
        await upgrade_schema(engine)
        after = await current_revision(engine)
    except Exception as error:  # noqa: BLE001 - any failure: the operator reads it, the exit status says it
        logger.error("migration failed: %r", error)
        return EXIT_FAILED
    finally:
        await engine.dispose()
    logger.info("auth database schema at revision %s (was %s)", after, before or "none")
    return EXIT_MIGRATED
