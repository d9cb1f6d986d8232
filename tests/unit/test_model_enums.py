"""The enums' values are their members' names, and every one survives the database.

SQLAlchemy stores an Enum column by member *name*, while services compare and filter by
*value*, and the members are written with `auto()`: the two must be the same string.
"""

from __future__ import annotations

from enum import Enum

from sqlalchemy import Enum as SAEnum
from sqlalchemy import String, cast, literal, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

import bot.models  # registers every table


def _enum_columns() -> list[tuple[str, SAEnum]]:
    return [
        (f"{table.name}.{column.name}", column.type)
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, SAEnum)
    ]


def test_every_model_enum_value_is_its_name() -> None:
    enums = [e for e in vars(bot.models).values() if isinstance(e, type) and issubclass(e, Enum)]
    columns = {t.enum_class for _, t in _enum_columns()}
    assert len(enums) >= 25
    assert columns <= set(enums)  # none missed
    for enum_class in enums:
        for member in enum_class:
            assert member.value == member.name, f"{enum_class.__name__}.{member.name}"


async def test_every_enum_value_round_trips_through_the_database(engine: AsyncEngine) -> None:
    checked = 0
    async with engine.connect() as conn:
        # Each enum type its own statement: a cached one would keep an earlier type.
        conn = await conn.execution_options(compiled_cache=None)
        for where, type_ in _enum_columns():
            assert type_.enum_class is not None, where
            for member in type_.enum_class:
                # The column's own type: on PostgreSQL the named enum type create_all made.
                stored = cast(literal(member, type_), type_)
                got = (await conn.execute(select(stored))).scalar()
                text = (await conn.execute(select(cast(stored, String)))).scalar()
                assert got is member, where
                assert text == member.value, where
                checked += 1
    assert checked >= 50
