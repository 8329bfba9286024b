"""What every source parser shares: its error type and how a section becomes a chunk."""

from __future__ import annotations

from qa.corpus.schema import Chunk, Document
from qa.corpus.textclean import clean

__all__ = ["ParseError", "doc_prefix", "section_chunk"]


class ParseError(ValueError):
    """Source text a parser cannot read, located by file and line."""

    def __init__(self, doc: Document, offset: int, message: str) -> None:
        self.doc_id = doc.id
        self.line = doc.line_of(offset)
        super().__init__(f"{doc.path}:{self.line}: {message}")


def doc_prefix(doc: Document) -> str:
    """The short stable prefix of a document's chunk ids: the file's number (``"003"``)."""
    return doc.id.split("_", 1)[0]


def section_chunk(
    doc: Document,
    key: str,
    title: str,
    start: int,
    end: int,
    *,
    heading: tuple[str, ...] = (),
    pdf_hyphens: bool = False,
) -> Chunk:
    """A ``section`` chunk over ``doc.text[start:end]``, cleaned.

    Args:
        doc: The source document.
        key: The chunk's id within the document (``"sec-03"``); made stable by
            deriving it from the document's structure, not from run order.
        title: The section title as users should see it.
        start: Source offset where the section starts.
        end: Source offset where it ends.
        heading: The headings above it, outermost first.
        pdf_hyphens: Remove the brochures' layout hyphens.

    Raises:
        ParseError: The section is empty once cleaned.
    """
    cleaned = clean(doc.text, start, end, pdf_hyphens=pdf_hyphens)
    if not cleaned.text:
        raise ParseError(doc, start, f"section {title!r} is empty")
    first = cleaned.segments[0]
    last = cleaned.segments[-1]
    return Chunk(
        id=f"{doc_prefix(doc)}#{key}",
        doc=doc.id,
        doc_kind=doc.kind,
        shape="section",
        title=title,
        text=cleaned.text,
        start=first.source_start,
        end=last.source_start + last.length,
        segments=cleaned.segments,
        heading=heading,
    )
