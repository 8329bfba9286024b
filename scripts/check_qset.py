"""Check a question-set JSONL file against the corpus.

Usage: python3 scripts/check_qset.py FILE.jsonl [FILE2.jsonl ...]

Each line must be a JSON object with keys:
  id, question, answers (list of strings), source (corpus file name),
  evidence (string), type, lang (ja/en/zh); optional "match": "all".
Checks (after NFKC folding and removing all white space):
  * every answer string occurs in the source file,
  * the evidence occurs in the source file,
  * every answer string occurs in the evidence (evidence may be several
    verbatim passages joined by " | ", each checked on its own),
  * unanswerable items have answers [] and type "unanswerable",
  * a question over many agreements may carry "count" (how many match); with
    "count": 0 its answers are [] (nothing matches, said plainly),
  * ids are unique, questions are not duplicated.
"""
import json, sys, unicodedata, re
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
TYPES = {"date", "contact", "count", "name", "place", "reason", "list",
         "definition", "comparison", "crosslingual", "unanswerable"}

def fold(s):
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))

texts = {p.name: fold(p.read_text(encoding="utf-8")) for p in CORPUS.glob("*.txt")}
bad = 0
seen_ids, seen_q = set(), set()
total = 0
for fn in sys.argv[1:]:
    for n, line in enumerate(open(fn, encoding="utf-8"), 1):
        if not line.strip():
            continue
        total += 1
        where = f"{fn}:{n}"
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            print(where, "bad JSON", e); bad += 1; continue
        errs = []
        for k in ("id", "question", "answers", "source", "evidence", "type", "lang"):
            if k not in r:
                errs.append(f"missing {k}")
        if errs:
            print(where, "; ".join(errs)); bad += 1; continue
        if r["id"] in seen_ids: errs.append("duplicate id")
        seen_ids.add(r["id"])
        if fold(r["question"]) in seen_q: errs.append("duplicate question")
        seen_q.add(fold(r["question"]))
        if r["type"] not in TYPES: errs.append(f"unknown type {r['type']}")
        if r["lang"] not in ("ja", "en", "zh"): errs.append("lang must be ja/en/zh")
        src = texts.get(r["source"])
        if src is None: errs.append(f"unknown source {r['source']}")
        if r["type"] == "unanswerable":
            if r["answers"]: errs.append("unanswerable item with answers")
        elif r.get("count") == 0:
            if r["answers"]: errs.append("count 0 with answers")
        else:
            if not r["answers"] or not all(isinstance(a, str) and a.strip() for a in r["answers"]):
                errs.append("answerable item needs non-empty answers")
            elif src is not None:
                parts = [fold(p) for p in r["evidence"].split(" | ")]
                if not all(parts) or any(p not in src for p in parts):
                    errs.append("evidence (or a ' | '-separated part of it) not verbatim in source")
                for a in r["answers"]:
                    if fold(a) not in src: errs.append(f"answer not in source: {a!r}")
                    elif not any(fold(a) in p for p in parts): errs.append(f"answer not in evidence: {a!r}")
        if r.get("match", "any") not in ("any", "all"): errs.append("match must be any or all")
        if errs:
            bad += 1
            print(where, r.get("id"), "; ".join(errs))
print(f"{total} items, {bad} with problems")
sys.exit(1 if bad else 0)
