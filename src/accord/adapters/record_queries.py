"""Applied business records read page by page (keyset on the business key)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.adapters.store import READ_ONLY
from accord.adapters.tables import business_objects
from accord.application.ports import BusinessObject

_c = business_objects.c


class SqlAlchemyRecordQueries:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def page(self, kind: str, after_key: str | None, limit: int) -> list[BusinessObject]:
        query = sa.select(business_objects).where(_c.kind == kind).order_by(_c.key).limit(limit)
        if after_key is not None:
            query = query.where(_c.key > after_key)
        with self._engine.connect().execution_options(**READ_ONLY) as connection:
            return [_object(row._mapping) for row in connection.execute(query)]

    def get(self, kind: str, key: str) -> BusinessObject | None:
        query = sa.select(business_objects).where(_c.kind == kind, _c.key == key)
        with self._engine.connect().execution_options(**READ_ONLY) as connection:
            row = connection.execute(query).first()
        return _object(row._mapping) if row is not None else None


def _object(row: sa.RowMapping) -> BusinessObject:
    return BusinessObject(
        kind=row["kind"],
        key=row["key"],
        version=row["version"],
        data=row["data"],
        source_seq=int(row["source_seq"]),
    )
