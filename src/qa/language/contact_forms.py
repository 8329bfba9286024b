"""How a phone number and an e-mail address are written, for every stage that looks for
one: the reader's extractors, a contact answer's details, the LLM reply checks.

Example:
    >>> PHONE.search("TEL: +86-(0)10-1234-5678").group()
    '+86-(0)10-1234-5678'
    >>> EMAIL.search("メールはinfo@clair.or.jpまで").group()
    'info@clair.or.jp'
"""

from __future__ import annotations

import re

__all__ = ["DASH", "EMAIL", "PHONE"]

#: The dashes a phone number is written with (NFKC folds the full-width one to ``-``).
DASH = r"[-‐‑–−]"
#: A phone number: an optional country code (with Japan's trunk ``(0)``), then two or
#: three groups of digits joined by dashes, not inside a longer run of digits.
PHONE = re.compile(
    rf"(?<![\d-])(?:\+\d{{1,3}}{DASH}?\s?(?:\(0\){DASH}?)?)?\(?\d{{1,5}}\)?{DASH}\d{{1,4}}"
    rf"{DASH}\d{{3,4}}(?![\d-])"
)
#: An e-mail address, in ASCII: the Japanese word before one is not part of it.
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
