"""Turn the corpus into chunks: one per agreement card, one per document section.

Each document's ``shape`` in the manifest names the parser that reads it.
"""

from __future__ import annotations

from collections.abc import Callable

from qa.corpus import parse_beijing, parse_mofa, parse_seminar, parse_survey
from qa.corpus.documents import CorpusError
from qa.corpus.parse_common import ParseError
from qa.corpus.schema import Chunk, Document

__all__ = ["PARSERS", "ParseError", "chunk_corpus", "chunk_document"]

PARSERS: dict[str, Callable[[Document], list[Chunk]]] = {
    "survey": parse_survey.parse,
    "beijing_brochure": parse_beijing.parse,
    "mofa_brochure": parse_mofa.parse,
    "seminar_report": parse_seminar.parse,
}


def chunk_document(doc: Document) -> list[Chunk]:
    """Chunks of one document, in source order.

    Raises:
        ParseError: The document's shape is unknown or its text cannot be read.
    """
    parser = PARSERS.get(doc.shape)
    if parser is None:
        known = ", ".join(sorted(PARSERS))
        raise ParseError(doc, 0, f"unknown shape {doc.shape!r} in the manifest (known: {known})")
    return parser(doc)


def chunk_corpus(docs: list[Document]) -> list[Chunk]:
    """Chunks of every document, in manifest order; ids are unique.

    Raises:
        CorpusError: Two documents give the same chunk id (they share the number
            their ids start with, e.g. one file listed again under another name).
    """
    chunks = [c for doc in docs for c in chunk_document(doc)]
    paths = {d.id: d.path for d in docs}
    first: dict[str, Chunk] = {}
    for c in chunks:
        if c.id in first:
            raise CorpusError(
                f"duplicate chunk id {c.id}: {paths[first[c.id].doc]} and {paths[c.doc]} "
                "start with the same number; give each document its own"
            )
        first[c.id] = c
    return chunks
