"""What the agreement tests share: a hand-written table's selection for a question."""

from __future__ import annotations

from qa.query.question import analyze, name_components
from qa.reader.agreements import AgreementTable


def selected(table: AgreementTable, question: str) -> list[str]:
    """The chunk ids of the rows ``table`` selects for ``question``, in the table's
    order; the question is analysed with the table's own place names."""
    names: set[str] = set()
    for r in table.rows:
        names |= name_components(r.japanese) | name_components(r.foreign)
    return [r.chunk_id for r in table.select(analyze(question, names)).rows]
