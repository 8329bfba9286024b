#!/usr/bin/env python
"""Train the reader's span head: e5-small fine-tuned as an extractive reader.

For every training question the reader reads as at answer time (same retrieval,
units and shipped unit weights); each unit that holds the gold answer (up to 2,
the gold located in it, shortest gold first) is a (question, unit, start, end)
example, and the best-scored unit that does not hold it (2 for an unanswerable
question) one whose answer is the first token, "not here". A
BertForQuestionAnswering over the default model (word embeddings frozen) is
trained on them with the usual start/end cross-entropy, in a plain PyTorch loop.
The shipped head is the encoder's change as an int8 delta with the start/end layer
(``src/qa/model/finetune/e5-small-qa-span-head.*``); ``qa model`` exports it to
ONNX (:mod:`qa.model.span_head_export`).

Each trained head is also exported to ONNX in its folder (``span_head.onnx``, as
``qa model`` exports the shipped one). The reader's span weights must be fitted on
head scores of questions the head did not see: train one head per fold
(``--fold k``: trained without fold k, by :func:`qa.reader.span_head.head_fold`)
and fit with them:

  .venv/bin/python scripts/train_span_head.py --folds 2 --fold 0 --out /tmp/head/fold0
  .venv/bin/python scripts/train_span_head.py --folds 2 --fold 1 --out /tmp/head/fold1
  .venv/bin/python scripts/train_span_head.py --out /tmp/head/all       # the shipped one
  cp /tmp/head/all/delta/* src/qa/model/finetune/
  .venv/bin/qa model --force                 # exports the shipped head
  .venv/bin/python -m qa.reader.fit --span-heads /tmp/head/fold0 /tmp/head/fold1

(the shipped head: 2 epochs of 3,745 examples, batch 16, 2 threads, 24 minutes;
each fold head 20 minutes on 1 thread, the two side by side.)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

MAX_POSITIVES = 2


def _locate(text: str, golds: list[str]) -> tuple[int, int] | None:
    best = None
    for g in golds:
        i = text.find(g)
        if i >= 0 and (best is None or len(g) < best[1] - best[0]):
            best = (i, i + len(g))
    return best


def build_examples(train: Path, folds: int, fold: int) -> list[tuple]:
    """(question, heading, unit text, gold bounds or None) for the questions outside ``fold``."""
    import numpy as np
    from tqdm import tqdm

    from qa.answer.answerer import Answerer
    from qa.config import Config
    from qa.evaluation.dataset import load_dataset
    from qa.reader.fit import labels_for
    from qa.reader.span_head import head_fold
    from qa.retrieval.engine import open_engine

    cfg = Config.from_env()
    answerer = Answerer(open_engine(cfg).retriever, mode=cfg.mode)
    answerer.reader.span_head = None
    examples = []
    for item in tqdm(load_dataset(train), desc="examples", file=sys.stderr, mininterval=10):
        if item.count is not None or (fold >= 0 and head_fold(item.id, folds) == fold):
            continue
        _, _, reading = answerer.read(item.question)
        units = list(reading.units)
        holds = labels_for(item, [c.text for c in units], short=False)
        scores = answerer.reader.model.scores(list(reading.unit_features[:-1]), "unit")
        right = [c for c, h in zip(units, holds, strict=True) if h]
        n = 0
        for c in right:
            where = _locate(c.text, list(item.answers)) if item.match != "all" else None
            if where is None or n >= MAX_POSITIVES:
                continue
            examples.append((item.question, c.unit.heading, c.text, where))
            n += 1
        wrong = [i for i in np.argsort(-scores, kind="stable") if not holds[i]]
        for i in wrong[: 1 if right else 2]:
            examples.append((item.question, units[i].unit.heading, units[i].text, None))
    return examples


def _targets(tok, batch, max_tokens):
    from qa.reader.span_head import head_input

    enc = tok(
        [head_input(q, h) for q, h, _, _ in batch],
        [t for _, _, t, _ in batch],
        truncation="only_second",
        max_length=max_tokens,
        padding=True,
        return_offsets_mapping=True,
        return_tensors="pt",
    )
    starts, ends = [], []
    for b, (_, _, _, where) in enumerate(batch):
        s_tok = e_tok = 0
        if where is not None:
            s, e = where
            for i, (seq, (a, z)) in enumerate(
                zip(enc.sequence_ids(b), enc["offset_mapping"][b].tolist(), strict=True)
            ):
                if seq != 1 or z <= a:
                    continue
                if s_tok == 0 and (a <= s < z or a >= s):
                    s_tok = i
                if a < e:
                    e_tok = i
            if s_tok == 0 or e_tok < s_tok:  # cut off by truncation: "not here"
                s_tok = e_tok = 0
        starts.append(s_tok)
        ends.append(e_tok)
    enc.pop("offset_mapping")
    return enc, starts, ends


def train(args: argparse.Namespace, examples: list[tuple]) -> dict:
    import torch
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    from qa.reader.span_head import MAX_TOKENS

    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    tok = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForQuestionAnswering.from_pretrained(args.model)
    for p in model.bert.embeddings.word_embeddings.parameters():
        p.requires_grad = False
    total = int(len(examples) * args.epochs / args.batch_size)
    opt = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.01
    )
    warm = 0.1 * total
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, 1 - s / total)
    )
    model.train()
    t0, step, bs = time.time(), 0, args.batch_size
    while step < total and time.time() - t0 < args.max_minutes * 60:
        random.shuffle(examples)
        # Batches of similar lengths (less padding), in random order.
        for group in (examples[i : i + bs * 20] for i in range(0, len(examples), bs * 20)):
            group.sort(key=lambda e: len(e[2]))
            batches = [group[i : i + bs] for i in range(0, len(group), bs)]
            random.shuffle(batches)
            for batch in batches:
                enc, s, e = _targets(tok, batch, MAX_TOKENS)
                loss = model(
                    **enc, start_positions=torch.tensor(s), end_positions=torch.tensor(e)
                ).loss
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                sched.step()
                opt.zero_grad()
                step += 1
                if step % 20 == 0:
                    print(f"step {step}/{total} loss {loss.item():.3f}", file=sys.stderr)
                if step >= total or time.time() - t0 > args.max_minutes * 60:
                    break
            if step >= total or time.time() - t0 > args.max_minutes * 60:
                break
    args.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(args.out)
    tok.save_pretrained(args.out)
    return {"steps": step, "planned_steps": total, "train_seconds": round(time.time() - t0, 1)}


def save_delta(base_dir: Path, head_dir: Path, out_dir: Path) -> dict:
    """The encoder's change as per-row int8 with fp16 scales, and the start/end layer."""
    import numpy as np
    from safetensors.numpy import load_file, save_file

    from qa.model.finetune import quantize_rows

    base = load_file(str(base_dir / "model.safetensors"))
    new = load_file(str(head_dir / "model.safetensors"))
    parts, changed = {}, 0
    for key, value in new.items():
        if key.startswith("qa_outputs."):
            parts[key] = value.astype(np.float32)
            continue
        name = key.removeprefix("bert.")
        d = value.astype(np.float32) - base[name].astype(np.float32)
        if not d.any():
            continue
        changed += d.size
        parts[f"{name}.q"], parts[f"{name}.scale"] = quantize_rows(d)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "e5-small-qa-span-head.delta-int8.safetensors"
    save_file(parts, str(path))
    return {"changed_params": changed, "delta_int8_bytes": path.stat().st_size}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--train", type=Path, default=Path("eval/train.jsonl"))
    p.add_argument("--model", type=Path, default=Path("models/multilingual-e5-small-qa"))
    p.add_argument("--out", type=Path, required=True, help="folder for the trained head")
    p.add_argument("--folds", type=int, default=2)
    p.add_argument("--fold", type=int, default=-1, help="leave this fold out (-1: train on all)")
    p.add_argument("--epochs", type=float, default=2.0)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=5e-5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--max-minutes", type=float, default=60.0)
    p.add_argument("--seed", type=int, default=13)
    return p


def main() -> int:
    args = _parser().parse_args()
    examples = build_examples(args.train, args.folds, args.fold)
    positives = sum(e[3] is not None for e in examples)
    print(f"{len(examples)} examples, {positives} with the answer", file=sys.stderr)
    info = train(args, examples)
    info.update(save_delta(args.model, args.out, args.out / "delta"))
    info.update(
        examples=len(examples),
        positives=positives,
        args={k: str(v) for k, v in vars(args).items()},
        script="scripts/train_span_head.py",
        base_model="models/multilingual-e5-small-qa (qa model)",
        loss="start/end cross-entropy (BertForQuestionAnswering), word embeddings frozen",
        fitted=time.strftime("%Y-%m-%d"),
    )
    (args.out / "delta" / "e5-small-qa-span-head.json").write_text(
        json.dumps(info, ensure_ascii=False, indent=1), "utf-8"
    )
    from qa.model.onnx_export import CALIBRATION
    from qa.model.span_head_export import check_pairs, write_span_head

    write_span_head(
        args.model,
        check_pairs(args.train.with_name("qa.jsonl")),
        calibration=check_pairs(args.train, CALIBRATION),
        delta=args.out / "delta" / "e5-small-qa-span-head.delta-int8.safetensors",
        out=args.out,
        log=lambda line: print(line, file=sys.stderr),
    )
    print(json.dumps(info, ensure_ascii=False), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
