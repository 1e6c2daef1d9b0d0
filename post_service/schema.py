"""Every table the service owns, for Alembic's autogenerate and `alembic check`."""

from sqlalchemy import MetaData

from event_contract.store_schema import metadata as event_store_metadata
from write_side.adapters.tables import metadata as write_side_metadata

metadata: list[MetaData] = [event_store_metadata, write_side_metadata]
