"""The reader stage: units of the retrieved chunks, candidate spans, a fitted scorer.

``units`` splits chunks into card fields, sentences and rows; ``extract`` finds
typed spans in them; ``features`` describes each candidate; ``model`` holds the
fitted weights; ``reader`` puts them together; ``route`` decides between the
reader's span and a list of agreements (:mod:`qa.reader.agreements`); ``fit`` fits
the weights on ``eval/train.jsonl``.
"""

from qa.reader.model import ReaderModel, WeightsError
from qa.reader.reader import Reader, Reading
from qa.reader.route import prefers_listing, route_features

__all__ = [
    "Reader", "ReaderModel", "Reading", "WeightsError", "prefers_listing", "route_features",
]  # fmt: skip
