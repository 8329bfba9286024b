#!/usr/bin/env python
"""Fine-tune the e5 bi-encoder on (question, answering unit, same-chunk negative) triples.

Self-contained: builds the triples from the training questions and the project's
units, trains with sentence-transformers' MultipleNegativesRankingLoss in a plain
PyTorch loop (the venv has neither `datasets` nor `accelerate`, which
SentenceTransformerTrainer needs), saves the model and a delta file (the changed
parameters only, fp16 and int8).

How the shipped delta (src/qa/finetune/) was made, on 1 CPU thread (about 28 minutes):

  .venv/bin/qa model --base --out models/multilingual-e5-small
  QA_MODEL=models/multilingual-e5-small .venv/bin/qa build-index   # for index/chunks.jsonl
  .venv/bin/python scripts/finetune_e5.py \
      --chunks index/chunks.jsonl --train eval/train.jsonl \
      --base models/multilingual-e5-small --out /tmp/ft/model \
      --epochs 3 --batch-size 32 --lr 2e-5 --max-seq-length 128 --holdout 0.2 --seed 13
  cp /tmp/ft/delta/delta_int8.safetensors src/qa/finetune/e5-small-qa.delta-int8.safetensors

then `qa model --force` rebuilds the default model with it, and `python -m
qa.reader.fit` refits the reader on the new model's features.

Only --train is used for training; 20% of its question ids (fixed seed) are held out
and written to <out>/../split.json so the evaluation uses the same split.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

MAX_POS = 5
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "


def fold(text: str) -> str:
    """NFKC with white space removed (the project's eval form)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def load_units(chunks_path: str):
    from qa.corpus.schema import Chunk
    from qa.index.units import units_of

    chunks = [Chunk.from_dict(json.loads(l)) for l in open(chunks_path, encoding="utf-8")]
    units = [u for c in chunks for u in units_of(c)]
    return chunks, units


def _bigrams(text: str) -> set[str]:
    t = fold(text).lower()
    return {t[i : i + 2] for i in range(len(t) - 1)}


def positives_for(q: dict, chunks, units, folded_units, unit_ids_by_chunk, chunk_by_id):
    """Indices of the units holding a gold string, disambiguated as the brief says.

    Returns (positive unit indices, reason) where reason is '' when usable, else why not.
    """
    golds = [fold(a) for a in q["answers"] if fold(a)]
    if not golds:
        return [], "unanswerable"
    hits = [i for i, t in enumerate(folded_units) if any(g in t for g in golds)]
    if not hits:
        return [], "gold not inside one unit"
    # Prefer the question's source document when the gold is found there (a label field).
    src = q.get("source")
    in_src = [i for i in hits if chunk_by_id[units[i].chunk_id].doc == src]
    if in_src:
        hits = in_src
    if len(hits) > MAX_POS:
        # Keep the units of the chunk(s) sharing most character bigrams with the question.
        qb = _bigrams(q["question"])
        score = {}
        for cid in {units[i].chunk_id for i in hits}:
            c = chunk_by_id[cid]
            cb = _bigrams(c.title + " " + c.text)
            score[cid] = len(qb & cb) / (len(qb) or 1)
        best = max(score.values())
        hits = [i for i in hits if score[units[i].chunk_id] == best]
        if len(hits) > MAX_POS:
            return [], "too many positives"
    return hits, ""


def build_examples(questions, chunks, units):
    folded_units = [fold(u.text) for u in units]
    chunk_by_id = {c.id: c for c in chunks}
    unit_ids_by_chunk = defaultdict(list)
    unit_ids_by_doc = defaultdict(list)
    for i, u in enumerate(units):
        unit_ids_by_chunk[u.chunk_id].append(i)
        unit_ids_by_doc[chunk_by_id[u.chunk_id].doc].append(i)
    examples, skipped = [], defaultdict(int)
    for q in questions:
        pos, why = positives_for(q, chunks, units, folded_units, unit_ids_by_chunk, chunk_by_id)
        if why:
            skipped[why] += 1
            continue
        pos_set = set(pos)
        golds = [fold(a) for a in q["answers"] if fold(a)]
        pos_chunks = sorted({units[i].chunk_id for i in pos})
        negs = [
            i for cid in pos_chunks for i in unit_ids_by_chunk[cid]
            if i not in pos_set and not any(g in folded_units[i] for g in golds)
        ]
        if not negs:  # single-unit chunk: fall back to units of the same document
            doc = chunk_by_id[pos_chunks[0]].doc
            negs = [i for i in unit_ids_by_doc[doc] if units[i].chunk_id not in pos_chunks][:200]
        examples.append({"id": q["id"], "question": q["question"], "pos": pos, "negs": negs,
                         "chunks": pos_chunks, "lang": q.get("lang"), "type": q.get("type")})
    return examples, dict(skipped)


def split_ids(questions, frac: float, seed: int):
    ids = sorted(q["id"] for q in questions)
    random.Random(seed).shuffle(ids)
    n = int(round(len(ids) * frac))
    return set(ids[n:]), set(ids[:n])


def batches(examples, units, batch_size: int, rng: random.Random):
    """Shuffled batches of (question, positive, hard negative) texts, never two examples
    of one batch sharing a positive unit text (that would be a false in-batch negative)."""
    order = examples[:]
    rng.shuffle(order)
    pending = order
    while pending:
        batch, seen, rest = [], set(), []
        for ex in pending:
            keys = {fold(units[i].text) for i in ex["pos"]}
            if len(batch) < batch_size and not (keys & seen):
                seen |= keys
                p = rng.choice(ex["pos"])
                batch.append((ex["question"], units[p].text, units[rng.choice(ex["negs"])].text))
            else:
                rest.append(ex)
        if len(batch) < 2:
            break
        yield batch
        pending = rest


def save_delta(base_dir: str, model, out_dir: Path) -> dict:
    """Changed parameters only, as (new - base) in fp16 and per-row int8."""
    import torch
    from safetensors.torch import load_file, save_file

    from qa.model.finetune import quantize_rows

    base = load_file(str(Path(base_dir) / "model.safetensors"))
    new = {k: v.detach().cpu() for k, v in model[0].auto_model.state_dict().items()}
    fp16, int8 = {}, {}
    changed = 0
    for k, v in new.items():
        bk = k if k in base else next((b for b in base if b.endswith(k)), None)
        if bk is None:
            raise KeyError(k)
        d = v.float() - base[bk].float()
        if torch.count_nonzero(d) == 0:
            continue
        changed += d.numel()
        fp16[bk] = d.half().contiguous()
        q, scale = quantize_rows(d.numpy())
        int8[bk + ".q"], int8[bk + ".scale"] = torch.from_numpy(q), torch.from_numpy(scale)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(fp16, str(out_dir / "delta_fp16.safetensors"))
    save_file(int8, str(out_dir / "delta_int8.safetensors"))
    return {
        "changed_params": changed,
        "delta_fp16_bytes": (out_dir / "delta_fp16.safetensors").stat().st_size,
        "delta_int8_bytes": (out_dir / "delta_int8.safetensors").stat().st_size,
    }


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chunks", required=True)
    ap.add_argument("--train", required=True)
    ap.add_argument("--base", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--repo-src", default=None, help="the project's src folder (for qa.index.units)")
    ap.add_argument("--epochs", type=float, default=2)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--max-seq-length", type=int, default=128)
    ap.add_argument("--holdout", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--max-minutes", type=float, default=35.0, help="stop training after this long")
    ap.add_argument("--warmup", type=float, default=0.1)
    return ap


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if args.repo_src:
        sys.path.insert(0, args.repo_src)

    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)

    questions = [json.loads(l) for l in open(args.train, encoding="utf-8")]
    train_ids, held_ids = split_ids(questions, args.holdout, args.seed)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    (out.parent / "split.json").write_text(json.dumps(
        {"seed": args.seed, "holdout": args.holdout, "train": sorted(train_ids), "heldout": sorted(held_ids)}))

    chunks, units = load_units(args.chunks)
    examples, skipped = build_examples([q for q in questions if q["id"] in train_ids], chunks, units)
    print(f"units {len(units)}; train questions {len(train_ids)}, held out {len(held_ids)}; "
          f"training examples {len(examples)}, skipped {skipped}", flush=True)

    model = SentenceTransformer(args.base, device="cpu")
    base_max_len = model.max_seq_length  # 512; restored before saving so passages are not cut
    model.max_seq_length = args.max_seq_length
    model[0].auto_model.embeddings.word_embeddings.weight.requires_grad = False
    params = [p for p in model.parameters() if p.requires_grad]
    print(f"trainable params {sum(p.numel() for p in params):,} "
          f"(of {sum(p.numel() for p in model.parameters()):,})", flush=True)
    loss_fn = MultipleNegativesRankingLoss(model)  # scale 20, cosine: the library defaults

    steps_per_epoch, total, step, stopped, log, train_sec = _train(
        model, loss_fn, params, examples, units, args, rng, torch)
    model.eval()
    model.max_seq_length = base_max_len
    model.save(str(out))
    info = {"train_seconds": round(train_sec, 1), "steps": step, "planned_steps": total,
            "epochs_done": round(step / steps_per_epoch, 2), "stopped": stopped,
            "examples": len(examples), "skipped": skipped, "args": vars(args), "log": log}
    info.update(save_delta(args.base, model, out.parent / "delta"))
    (out.parent / "train_info.json").write_text(json.dumps(info, indent=1, ensure_ascii=False))
    print(json.dumps({k: v for k, v in info.items() if k != "log"}, ensure_ascii=False), flush=True)
    return 0


def _train(model, loss_fn, params, examples, units, args, rng, torch):
    """The training loop (AdamW, linear warm-up and decay, a time limit): steps per epoch,
    planned steps, steps done, why it stopped early, the loss log and seconds taken."""
    steps_per_epoch = sum(1 for _ in batches(examples, units, args.batch_size, random.Random(0)))
    total = max(1, int(round(steps_per_epoch * args.epochs)))
    warm = max(1, int(total * args.warmup))
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    print(f"steps/epoch {steps_per_epoch}, total steps {total}", flush=True)

    model.train()
    t0 = time.time()
    step, stopped = 0, ""
    log = []
    while step < total and not stopped:
        for batch in batches(examples, units, args.batch_size, rng):
            qs, ps, ns = zip(*batch)
            feats = [model.preprocess(list(qs), prompt=QUERY_PROMPT),
                     model.preprocess(list(ps), prompt=PASSAGE_PROMPT),
                     model.preprocess(list(ns), prompt=PASSAGE_PROMPT)]
            loss = loss_fn(feats, None)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            step += 1
            el = time.time() - t0
            log.append({"step": step, "loss": round(loss.item(), 4), "sec": round(el, 1)})
            if step % 5 == 0 or step == 1:
                print(f"step {step}/{total} loss {loss.item():.4f} {el/60:.1f} min", flush=True)
            if step >= total:
                break
            if el > args.max_minutes * 60:
                stopped = f"time limit after {step} steps"
                break
    return steps_per_epoch, total, step, stopped, log, time.time() - t0


if __name__ == "__main__":
    sys.exit(main())
