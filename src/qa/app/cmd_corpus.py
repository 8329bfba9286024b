"""``qa corpus`` (counts of documents, chunks, cards) and ``qa chunks`` (every chunk)."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Callable

from qa.app.cli_common import Parents, load, table
from qa.config import Config
from qa.corpus.documents import CorpusError
from qa.corpus.schema import Chunk
from qa.corpus.survey_terms import FIELD_NAMES

__all__ = ["add"]


def add(sub: argparse._SubParsersAction, parents: Parents) -> None:
    """Add ``qa corpus`` and ``qa chunks`` to ``sub``."""
    p = sub.add_parser(
        "corpus", parents=[parents.corpus], help="count documents, chunks and fields of exchange"
    )
    p.set_defaults(run=run_corpus)
    p = sub.add_parser("chunks", parents=[parents.corpus], help="print every chunk")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--doc", default=None, help="only the chunks of this document id")
    p.set_defaults(run=run_chunks)


def run_corpus(args: argparse.Namespace, cfg: Config) -> int:
    docs, chunks = load(cfg)
    print(f"Corpus {cfg.corpus_dir}: {len(docs)} documents, {len(chunks)} chunks\n")
    rows = [("document", "kind", "edition", "sections", "cards", "title")]
    for d in docs:
        mine = [c for c in chunks if c.doc == d.id]
        sections = sum(c.shape == "section" for c in mine)
        rows.append((d.id, d.kind, d.edition, str(sections), str(len(mine) - sections), d.title))
    table(rows)

    kinds = Counter(d.kind for d in docs)
    kind_chunks = Counter(c.doc_kind for c in chunks)
    print(
        "\nBy kind: "
        + ", ".join(f"{k} {n} doc(s) / {kind_chunks[k]} chunks" for k, n in kinds.items())
    )
    _print_cards(chunks)
    return 0


def _print_cards(chunks: list[Chunk]) -> None:
    cards = [c.card for c in chunks if c.card is not None]
    if not cards:
        return
    listed = Counter(e.split("-")[0] for card in cards for e in card.entries)
    unique = Counter(card.entries[0].split("-")[0] for card in cards)
    entries = sum(listed.values())
    print(
        f"\nAgreement cards: {entries} entries = {len(cards)} unique agreements "
        f"+ {entries - len(cards)} 【再掲】 merged into them"
    )
    rows = [("field of exchange", "entries", "unique here", "【再掲】")]
    for mark, name in FIELD_NAMES.items():
        rows.append((name, str(listed[mark]), str(unique[mark]), str(listed[mark] - unique[mark])))
    table(rows, indent="  ")
    countries = Counter(country for card in cards for country in card.countries)
    top = ", ".join(f"{k} {n}" for k, n in countries.most_common(8))
    print(f"\nCountries ({len(countries)}; unique agreements naming each): {top}, …")
    undated = [c.id for c in chunks if c.card is not None and c.card.date_iso is None]
    print(f"Cards without an agreement date in the source: {len(undated)} {' '.join(undated)}")


def run_chunks(args: argparse.Namespace, cfg: Config) -> int:
    _, chunks = load(cfg)
    if args.doc is not None:
        chunks = [c for c in chunks if c.doc == args.doc or c.doc.startswith(f"{args.doc}_")]
        if not chunks:
            raise CorpusError(f"no document {args.doc!r} in {cfg.corpus_dir}")
    write: Callable[[Chunk], str] = (
        (lambda c: json.dumps(c.to_dict(), ensure_ascii=False))
        if args.json
        else (lambda c: f"== {c.id}  {c.title}  [{c.start}:{c.end}]\n{c.text}\n")
    )
    for c in chunks:
        print(write(c))
    return 0
