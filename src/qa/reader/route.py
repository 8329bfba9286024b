"""Whether a question asks about many agreements (a list or a count) or one passage.

Two answers are on offer for every question: the reader's span (or its
abstention) and the list of agreements that the question's constraints select
(:mod:`qa.reader.agreements`). Which one to give is a fitted decision, not a rule:
:func:`route_features` describes the list's side of the choice (the question's
list and count words, its kind, its constraints, how many agreements they
select, how sure the reader is) and the ``route`` weights of the reader's model,
fitted by :mod:`qa.reader.fit` on which answer was right for each training
question, score it against the reader's side (all features zero).

Example:
    >>> model = ReaderModel({"route": {"bias": -1.0, "cue_all": 2.0}})
    >>> prefers_listing(model, {"bias": 1.0, "cue_all": 1.0})
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from qa.query.question import Question
from qa.reader.agreements import Selection, cue_count
from qa.reader.features import offices_asked
from qa.reader.model import ReaderModel
from qa.reader.named import ordinals_named
from qa.reader.reader import Reading
from qa.retrieval.retriever import Hit

__all__ = ["prefers_listing", "route_features"]

#: The reader's margin (best unit over no answer) is clipped to ± this.
_MARGIN = 5.0
#: Retrieved chunks looked at.
_TOP = 5


def route_features(
    q: Question, selection: Selection, reading: Reading | None, hits: Sequence[Hit] = ()
) -> dict[str, float]:
    """Features of answering ``q`` with ``selection``'s list rather than the reader's span.

    ``hits`` are the retrieved chunks: whether search points at agreement cards
    or at other passages (a brochure's section) says much of what is asked."""
    c = selection.constraints
    n = len(selection.rows)
    f: dict[str, float] = {
        "bias": 1.0,
        f"kind={q.answer_type}": 1.0,
        f"lang={q.lang}": 1.0,
        "cue_all": float(min(cue_count(q.text, "all"), 2)),
        "cue_count": float(cue_count(q.text, "count") > 0),
        "cue_agreement": float(cue_count(q.text, "agreement") > 0),
        "rows_0": float(n == 0),
        "rows_1": float(n == 1),
        "rows_many": float(n >= 2),
        "log_rows": math.log1p(n),
        "constraints": float(c.size),
        "unconstrained": float(c.size == 0),
        "country": float(bool(c.countries)),
        "field": float(bool(c.fields)),
        "years": float(c.years is not None),
        "japanese_places": float(len(c.japanese)),
        "foreign_places": float(len(c.foreign)),
        "pair": float(bool(c.japanese) and bool(c.foreign)),
        "unplaced": float(selection.unplaced > 0),
        "within": float(c.within),
        "side": float(c.side is not None),
        # Asked in words (日本の自治体, partner), not only read off the one side named.
        "side_cued": float(q.side is not None),
        # What an agreement's card does not name: an office (北京事務所の職員数) or a
        # numbered event (第16回セミナー).
        "office_named": float(bool(offices_asked(q))),
        "ordinal_named": float(bool(ordinals_named(q.text))),
    }
    top = list(hits[:_TOP])
    if top:
        f["top_card"] = float(top[0].chunk.card is not None)
        f["card_share"] = sum(h.chunk.card is not None for h in top) / len(top)
    if c.years is not None and selection.span is not None:
        f["years_outside"] = float(c.years[1] < selection.span[0] or c.years[0] > selection.span[1])
    cued = f["cue_all"] > 0 or f["cue_count"] > 0 or q.answer_type == "count"
    f["cued_many"] = float(cued and n >= 2)
    f["cued_none"] = float(cued and n == 0 and c.size > 0)
    f["cued_unknown"] = float(cued and bool(c.unknown))
    f["places_only_many"] = float(c.size == len(c.japanese) + len(c.foreign) > 0 and n >= 2)
    if reading is None or reading.candidate is None:
        f["reader_abstains"] = 1.0
    else:
        margin = reading.score - reading.no_answer
        f["reader_margin"] = max(-_MARGIN, min(_MARGIN, margin))
    return f


def prefers_listing(model: ReaderModel, features: dict[str, float]) -> bool:
    """The list outscores the reader's answer (whose features are all zero)."""
    return float(model.scores([features], "route")[0]) > 0.0
