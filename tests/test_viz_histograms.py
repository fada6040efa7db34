"""LayerHistograms (minigrad/viz/histograms.py): the right tensors are histogrammed, their gradients are the
true gradients, training is unchanged by watching it, and the drawing is deterministic."""

from __future__ import annotations

import re

import numpy as np
import pytest

import minigrad.functional as F
from minigrad import Tensor, nn
from minigrad.viz import LayerHistograms
from minigrad.viz.histograms import Histogram, default_layers, layer_outputs


def small_mlp(seed: int = 0) -> nn.Sequential:
    rng = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(4, 5, rng=rng), nn.ReLU(), nn.Linear(5, 3, rng=rng))


def batch(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((8, 4)).astype(np.float32), rng.integers(0, 3, 8)


def test_histogram_counts_every_value_and_clips_outliers_into_the_end_bins() -> None:
    values = np.concatenate([np.linspace(-1, 1, 1000), [50.0, -70.0], np.zeros(98)])
    h = Histogram.of(values, bins=10, symmetric=False)
    assert h.counts.sum() == 1100  # the two outliers are counted, in the end bins
    assert -1.0 <= h.lo < -0.99 and 0.99 < h.hi <= 1.0  # the range leaves out the extreme 0.1 % per side
    assert h.counts[0] >= 2 and h.counts[-1] >= 2
    assert h.zeros == pytest.approx(98 / 1100, abs=1e-12)
    assert h.mean == pytest.approx(values.mean()) and h.std == pytest.approx(values.std())
    g = Histogram.of(np.array([-0.5, 0.1, 0.2, 0.3]), bins=4, symmetric=True)
    assert g.lo == -g.hi and g.counts.sum() == 4
    flat = Histogram.of(np.full(5, 3.0), bins=3, symmetric=False)  # no spread: a range around the value
    assert flat.lo < 3.0 < flat.hi and flat.counts.sum() == 5
    empty = Histogram.of(np.array([np.nan, np.inf]), bins=3, symmetric=False)
    assert empty.counts.sum() == 0 and np.isnan(empty.std)


def test_default_layers_are_the_leaf_modules_with_parameters() -> None:
    model = nn.Sequential(
        nn.Linear(4, 5), nn.ReLU(), nn.Sequential(nn.Linear(5, 5), nn.Tanh()), nn.Linear(5, 2)
    )
    assert [name for name, _ in default_layers(model)] == ["0", "2.0", "3"]
    with pytest.raises(ValueError, match="no layer with parameters"):
        default_layers(nn.Sequential(nn.ReLU()))


def test_layer_outputs_are_the_tensors_each_module_returned() -> None:
    model = small_mlp()
    x, y = batch()
    h1 = model[0](Tensor(x))
    expected_last = model[2](model[1](h1))
    loss = F.cross_entropy(model(Tensor(x)), y)
    first, last = layer_outputs(loss, [model[0], model[2]])
    np.testing.assert_array_equal(first.data, h1.data)
    np.testing.assert_array_equal(last.data, expected_last.data)
    assert layer_outputs(loss, [nn.Linear(2, 2)]) == [None]  # a module the forward pass did not use


def test_snapshots_hold_the_true_gradients_and_leave_training_unchanged() -> None:
    x, y = batch()
    watched, plain = small_mlp(), small_mlp()
    hist = LayerHistograms(watched, every=2, bins=7)
    for step in range(5):
        for model, backward in ((watched, lambda loss, s=step: hist.backward(loss, s)), (plain, None)):
            model.zero_grad()
            loss = F.cross_entropy(model(Tensor(x)), y)
            (backward or (lambda loss: loss.backward()))(loss)
            for p in model.parameters():
                p.data = p.data - 0.1 * p.grad.data
    for a, b in zip(watched.parameters(), plain.parameters()):
        np.testing.assert_array_equal(a.data, b.data)  # watching does not change a single bit of training
    assert [s.step for s in hist.snapshots] == [0, 2, 4]
    # the last snapshot (step 4) recomputed by hand: replay steps 0-3, then retain the two layers' outputs
    replay = small_mlp()
    for _ in range(4):
        replay.zero_grad()
        F.cross_entropy(replay(Tensor(x)), y).backward()
        for p in replay.parameters():
            p.data = p.data - 0.1 * p.grad.data
    h1 = replay[0](Tensor(x))
    h1.retain_grad()
    out = replay[2](replay[1](h1))
    out.retain_grad()
    F.cross_entropy(out, y).backward()
    snap = hist.snapshots[-1]
    assert snap.activations[0].std == pytest.approx(float(h1.data.std()), rel=1e-6)
    assert snap.activations[1].mean == pytest.approx(float(out.data.mean()), rel=1e-5, abs=1e-7)
    assert snap.gradients[0].std == pytest.approx(float(h1.grad.data.std()), rel=1e-5)
    assert snap.gradients[1].std == pytest.approx(float(out.grad.data.std()), rel=1e-5)
    assert snap.activations[0].counts.sum() == h1.numel()


def test_drawing_is_deterministic_and_follows_the_slider() -> None:
    def run() -> LayerHistograms:
        model = small_mlp()
        x, y = batch()
        hist = LayerHistograms(model, layers=["0", "2"], every=1, bins=9)
        for step in range(3):
            model.zero_grad()
            hist.backward(F.cross_entropy(model(Tensor(x)), y), step)
            for p in model.parameters():
                p.data = p.data - 0.5 * p.grad.data
        return hist

    a, b = run(), run()
    assert a.plot.value == b.plot.value and a.trend.value == b.trend.value
    assert not re.search(r"0x[0-9a-f]{6,}", a.plot.value + a.trend.value)
    assert a.slider.max == 2 and a.slider.value == 2 and "snapshot 3 of 3" in a.status.value
    assert a.plot.value.count('class="mg-hist-row"') == 2
    last = a.plot.value
    a.slider.value = 0
    assert "snapshot 1 of 3" in a.status.value and "training step 0" in a.status.value
    assert a.plot.value != last
    assert repr(a) == "LayerHistograms(2 layers, 3 snapshots)"
    spreads = a.spreads()
    assert list(spreads) == ["0", "2"] and all(len(v[0]) == len(v[1]) == 3 for v in spreads.values())


def test_clear_errors() -> None:
    model = small_mlp()
    with pytest.raises(ValueError, match=r"no layer named 'fc1'; the model has '0', '1', '2'"):
        LayerHistograms(model, layers=["fc1"])
    with pytest.raises(ValueError, match="every must be >= 1"):
        LayerHistograms(model, every=0)
    hist = LayerHistograms(model, layers=["0", "2"])
    x, y = batch()
    loss = F.cross_entropy(model[2](Tensor(np.zeros((8, 5), np.float32))), y)  # layer 0 not used
    with pytest.raises(ValueError, match="layer.s. 0 made no recorded call behind this loss"):
        hist.backward(loss, 0)
