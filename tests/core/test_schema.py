"""The schema's shape where it decides how costs grow."""

from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint
from sqlmodel import SQLModel

import mockrefund.db  # noqa: F401  (registers every table)


def test_every_foreign_key_column_leads_an_index() -> None:
    """Deleting or resetting a sandbox checks every reference to each deleted row; an
    unindexed foreign key makes each check a scan, and the delete quadratic."""
    missing = []
    for table in SQLModel.metadata.tables.values():
        leading = {index.columns[0].name for index in table.indexes}
        # A primary key or unique constraint is an index too (not a foreign key's own).
        leading |= {
            c.columns[0].name
            for c in table.constraints
            if isinstance(c, PrimaryKeyConstraint | UniqueConstraint) and c.columns
        }
        for key in table.foreign_keys:
            if key.parent.name not in leading:
                missing.append(f"{table.name}.{key.parent.name}")
    assert missing == []
