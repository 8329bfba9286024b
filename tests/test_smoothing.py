"""SmoothQuant on small hand-built graphs: the rewrite is exact, and it flattens outliers."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from qa.model.smoothing import SUFFIX, activation_maxima, smooth, smoothable, unsmoothed_input


def _graph(weight: np.ndarray) -> onnx.ModelProto:
    """x (n × 4) → MatMul by the constant ``weight`` (4 × 3) → MatMul by the runtime
    input ``other`` (not smoothable) → y."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 4])
    other = helper.make_tensor_value_info("other", TensorProto.FLOAT, [3, 2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 2])
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["h"], name="dense"),
        helper.make_node("MatMul", ["h", "other"], ["y"], name="runtime"),
    ]
    graph = helper.make_graph(
        nodes, "g", [x, other], [y], [numpy_helper.from_array(weight.astype(np.float32), "w")]
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _run(model: onnx.ModelProto, x: np.ndarray, other: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x, "other": other})[0]


@pytest.fixture()
def data() -> tuple[onnx.ModelProto, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 4)).astype(np.float32)
    x[:, 2] *= 40.0  # an outlier channel, as after a transformer's LayerNorm
    other = rng.normal(size=(3, 2)).astype(np.float32)
    return _graph(rng.normal(size=(4, 3))), x, other


def test_only_products_by_a_constant_matrix_are_smoothed(data) -> None:
    model, _, _ = data
    assert [n.name for n in smoothable(model.graph)] == ["dense"]


def test_activation_maxima_are_per_input_channel(data) -> None:
    model, x, other = data
    maxima = activation_maxima(model, [{"x": x[:3], "other": other}, {"x": x[3:], "other": other}])
    assert set(maxima) == {"x"}
    np.testing.assert_allclose(maxima["x"], np.abs(x).max(axis=0), rtol=1e-6)


def test_smoothing_leaves_the_function_unchanged(data) -> None:
    model, x, other = data
    smoothed = smooth(model, activation_maxima(model, [{"x": x, "other": other}]))
    np.testing.assert_allclose(
        _run(smoothed, x, other), _run(model, x, other), rtol=1e-4, atol=1e-4
    )
    # The original is not modified.
    assert [n.op_type for n in model.graph.node] == ["MatMul", "MatMul"]


def test_smoothing_moves_the_outlier_into_the_weight(data) -> None:
    model, x, other = data
    maxima = activation_maxima(model, [{"x": x, "other": other}])
    smoothed = smooth(model, maxima, alpha=0.8)
    mul = next(n for n in smoothed.graph.node if n.op_type == "Mul")
    assert mul.name == f"dense{SUFFIX}"
    inits = {i.name: numpy_helper.to_array(i) for i in smoothed.graph.initializer}
    scaled = np.abs(x * inits[mul.input[1]]).max(axis=0)
    # The outlier channel stood 40 times above the others; after smoothing far less.
    before = maxima["x"].max() / np.median(maxima["x"])
    assert scaled.max() / np.median(scaled) < before / 4
    producers = {o: n for n in smoothed.graph.node for o in n.output}
    dense = next(n for n in smoothed.graph.node if n.name == "dense")
    # Looking through the inserted Mul finds the graph's own input (no producer).
    assert unsmoothed_input(dense, producers) is None
    assert producers[dense.input[0]].name == mul.name
