"""`python -m files_service migrate`: brings the database to the newest schema revision (what every start
does too), then exits: 0 done, 1 failed."""

from files_service.adapters.database import create_engine
from files_service.adapters.schema import SCHEMA
from files_service.settings import Settings
from fileuploader_runtime.db.migrate_command import migrate as migrate_database


async def migrate(settings: Settings) -> int:
    return await migrate_database(create_engine(settings.sqlalchemy_url), SCHEMA)
