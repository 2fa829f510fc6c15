"""`python -m <service> migrate`: brings the database to the newest schema revision (what every start
does too), then exits: 0 done, 1 failed."""

import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from fileuploader_runtime.db.schema import MigratedSchema

logger = logging.getLogger(__name__)

EXIT_MIGRATED = 0
EXIT_FAILED = 1


async def migrate(engine: AsyncEngine, schema: MigratedSchema) -> int:
    """Disposes of the engine when done."""
    try:
        before = await schema.current_revision(engine)
        await schema.upgrade(engine)
        after = await schema.current_revision(engine)
    except Exception as error:
        logger.error("migration failed: %r", error)
        return EXIT_FAILED
    finally:
        await engine.dispose()
    logger.info("%s database schema at revision %s (was %s)", schema.service, after, before or "none")
    return EXIT_MIGRATED
