"""Python-side tests of minigrad.viz: layout geometry, the backward replay, SVG determinism, the widgets'
state after moving their controls (no browser here; tests/browser/ drives the same widgets in JupyterLab)."""

from __future__ import annotations

import re

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from minigrad import Tensor, nn  # noqa: E402
from minigrad.viz import (  # noqa: E402  # noqa: E402
    ConvExplainer,
    FeatureMapViewer,
    GraphViewer,
    OptimizerPlayground,
    TrainingMonitor,
    draw_graph,
    graph_svg,
    to_dot,
)
from minigrad.viz.conv import conv2d_numpy, out_size, window  # noqa: E402
from minigrad.viz.graph import build_graph  # noqa: E402
from minigrad.viz.layout import layered_layout  # noqa: E402
from minigrad.viz.playground import SURFACES, run_optimizer  # noqa: E402
from minigrad.viz.svg import CHAR_W  # noqa: E402
from minigrad.viz.training import grad_norms  # noqa: E402


# --- helpers -----------------------------------------------------------------------------------------------
def small_graph():
    """loss = sum(relu(x @ w + b) * 2 + x @ w): w's gradient arrives in two parts."""
    x = Tensor(np.array([[1.0, -2.0, 3.0], [0.5, 1.0, -1.0]], dtype=np.float32), name="x")
    w = Tensor(
        np.array([[0.2, -0.5], [0.1, 0.3], [-0.4, 0.2]], dtype=np.float32), requires_grad=True, name="w"
    )
    b = Tensor(np.array([0.1, -0.2], dtype=np.float32), requires_grad=True, name="b")
    z = x @ w
    loss = ((z + b).relu() * 2 + z).sum()
    return x, w, b, loss


def node_states(svg: str, kind: str) -> dict[str, str]:
    """node id -> data-state for the nodes of one kind ("fn" or "tensor") in a graph SVG."""
    return dict(
        re.findall(rf'<g id="mg-node-(\w+)" class="mg-node mg-{kind}[^"]*"[^>]*data-state="(\w+)"', svg)
    )


def box_overlap(a, b) -> bool:
    return a.left < b.right and b.left < a.right and a.top < b.bottom and b.top < a.bottom


class PlainSGD:
    """Reference optimizer for the playground tests (independent of minigrad.optim)."""

    def __init__(self, params, lr, momentum=0.0):
        self.params, self.lr = list(params), lr

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        for p in self.params:
            p.data = p.data - self.lr * p.grad


PLAIN = {"plain SGD": lambda p, lr, momentum, betas: PlainSGD(p, lr)}


class NumpyConv(nn.Module):
    """A stand-in convolution layer (weight (out, in, k, k)): the feature viewer is tested without Conv2d."""

    def __init__(self, cin: int, cout: int, k: int, seed: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(
            np.random.default_rng(seed).normal(0, 0.5, (cout, cin, k, k)).astype(np.float32)
        )

    def forward(self, x: Tensor) -> Tensor:
        w = self.weight.data
        out = [
            [sum(conv2d_numpy(img[i], w[o, i]) for i in range(w.shape[1])) for o in range(w.shape[0])]
            for img in x.data
        ]
        return Tensor(np.array(out, dtype=np.float32))


class Flatten(nn.Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.reshape(x.shape[0], -1)


def tiny_cnn() -> nn.Sequential:
    return nn.Sequential(
        NumpyConv(1, 3, 3, 0),
        nn.ReLU(),
        NumpyConv(3, 5, 3, 1),
        nn.ReLU(),
        Flatten(),
        nn.Linear(5 * 4 * 4, 10),
    )


# --- layout ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(6))
def test_layout_has_no_overlaps_and_edges_point_up(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 40))
    nodes = [f"n{i}" for i in range(n)]
    edges = sorted(
        {(f"n{a}", f"n{b}") for b in range(1, n) for a in rng.choice(b, size=min(b, 2), replace=False)}
    )
    sizes = {v: (float(rng.integers(40, 160)), float(rng.integers(20, 50))) for v in nodes}
    L = layered_layout(nodes, edges, sizes)
    boxes = list(L.boxes.values())
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not box_overlap(boxes[i], boxes[j]), (nodes[i], nodes[j])
    for (
        a,
        b,
        pts,
    ) in L.edges:  # bottom-to-top: an edge leaves its source's top and ends at its target's bottom
        assert L.boxes[a].y > L.boxes[b].y
        assert pts[0] == (L.boxes[a].x, L.boxes[a].top) and pts[-1] == (L.boxes[b].x, L.boxes[b].bottom)
    assert all(0 <= bx.left and bx.right <= L.width and 0 <= bx.top and bx.bottom <= L.height for bx in boxes)


def test_layout_rejects_edges_against_the_order():
    with pytest.raises(ValueError, match="against the given topological order"):
        layered_layout(["a", "b"], [("b", "a")], {"a": (10, 10), "b": (10, 10)})


def test_layout_is_deterministic():
    nodes = [f"n{i}" for i in range(12)]
    edges = [(f"n{i}", f"n{j}") for i in range(12) for j in range(i + 1, 12) if (i * 7 + j) % 5 == 0]
    sizes = {v: (60.0, 30.0) for v in nodes}
    a, b = layered_layout(nodes, edges, sizes), layered_layout(nodes, edges, sizes)
    assert a.boxes == b.boxes and a.edges == b.edges


# --- graph -------------------------------------------------------------------------------------------------
def test_build_graph_nodes_edges_and_labels():
    x, w, b, loss = small_graph()
    g = build_graph(loss)
    fns = [n.label for n in g.nodes.values() if n.kind == "fn"]
    assert fns == ["MatMul #0", "Add #1", "ReLU #2", "Mul #3", "Add #4", "Sum #5"]
    labels = {n.label for n in g.nodes.values() if n.kind == "tensor"}
    assert {"x", "w", "b", "loss", "2"} <= labels
    assert len(g.edges) == 3 + 3 + 2 + 3 + 3 + 2  # every call: inputs -> call -> output
    assert g.order.index(g.tid[id(w)]) < g.order.index("f0") < g.order.index(g.tid[id(loss)])


def test_viewer_replays_backward_without_touching_user_grads():
    x, w, b, loss = small_graph()
    sentinel = np.full((3, 2), 7.0, dtype=np.float32)
    w.grad = sentinel
    viewer = GraphViewer(loss)
    assert w.grad is sentinel and b.grad is None and x.grad is None
    # the graph is still usable: the user's own backward gives the right gradients (checked with NumPy)
    w.grad = None
    loss.backward()
    z = x.data @ w.data
    gz = 2 * ((z + b.data) > 0) + 1
    np.testing.assert_allclose(w.grad, x.data.T @ gz, rtol=1e-6)
    np.testing.assert_allclose(b.grad, (2 * ((z + b.data) > 0)).sum(0), rtol=1e-6)
    final = viewer.drawing.state.final  # the replay computed the same gradients on the side
    np.testing.assert_allclose(final[viewer.graph.tid[id(w)]][0], w.grad, rtol=1e-6)


def test_step_slider_highlights_exactly_the_first_k_calls():
    *_, loss = small_graph()
    viewer = GraphViewer(loss)
    order = [s.fn for s in viewer.steps]
    assert order == ["f5", "f4", "f3", "f2", "f1", "f0"]  # reverse recording order
    for k in range(len(order) + 1):
        viewer.slider.value = k
        states = node_states(viewer.picture.value, "fn")
        highlighted = [f for f, s in states.items() if s in ("done", "current")]
        assert sorted(highlighted) == sorted(order[:k])
        assert [f for f, s in states.items() if s == "current"] == order[k - 1 : k]
        assert f"step {k} / {len(order)}" in viewer.status.value


def test_only_gradients_computed_so_far_are_shown():
    x, w, b, loss = small_graph()
    viewer = GraphViewer(loss)
    g = viewer.graph
    wid, bid, zid = g.tid[id(w)], g.tid[id(b)], g.tid[id(loss._ctx.inputs[0]._ctx.inputs[1])]
    viewer.slider.value = 0
    t = node_states(viewer.picture.value, "tensor")
    assert t[g.tid[id(loss)]] == "complete" and t[wid] == "waiting" and t[bid] == "waiting"
    assert t[g.tid[id(x)]] == "nograd"
    viewer.slider.value = 2  # Sum, then the final Add: z has its first of two gradient parts
    t = node_states(viewer.picture.value, "tensor")
    assert t[zid] == "partial" and t[wid] == "waiting"
    assert "(1/2)" in viewer.picture.value
    viewer.slider.value = 5  # ... Add #1 sent b its gradient and z its second part
    t = node_states(viewer.picture.value, "tensor")
    assert t[zid] == "complete" and t[bid] == "complete" and t[wid] == "waiting"
    viewer.slider.value = 6
    assert node_states(viewer.picture.value, "tensor")[wid] == "complete"


def test_every_label_fits_its_box_at_every_step():
    *_, loss = small_graph()
    d = GraphViewer(loss).drawing
    for k, known in enumerate(d.state.every_step()):
        for nid in d.order:
            width = max(map(len, d.lines(nid, known))) * CHAR_W
            assert width + 10 <= d.layout.boxes[nid].w, (k, nid, d.lines(nid, known))


def test_node_dropdown_and_heatmap():
    x, w, b, loss = small_graph()
    viewer = GraphViewer(loss)
    first = viewer.heatmap.outputs[0]["data"]["image/png"]
    viewer.node_select.value = viewer.graph.tid[id(w)]
    assert 'class="mg-node mg-tensor mg-waiting mg-selected"' in viewer.picture.value
    assert viewer.heatmap.outputs[0]["data"]["image/png"] != first
    assert len(viewer.heatmap.outputs) == 1


def test_svg_is_deterministic_and_has_no_addresses():
    svgs = []
    for _ in range(2):
        *_, loss = small_graph()
        v = GraphViewer(loss)
        v.slider.value = 3
        svgs.append((v.picture.value, graph_svg(loss), to_dot(loss)))
    assert svgs[0] == svgs[1]
    assert not re.search(r"0x[0-9a-f]{6,}", "".join(svgs[0]))


def test_graph_already_released_gives_a_clear_error():
    *_, loss = small_graph()
    loss.backward()
    with pytest.raises(RuntimeError, match="before calling loss.backward"):
        GraphViewer(loss)
    assert "mg-node" in graph_svg(loss)  # the static picture still works, with the .grad values


def test_graphs_without_backward_calls():
    for root, why in (
        (Tensor(3.0, requires_grad=True), "it is a leaf"),
        (Tensor([1.0]) * 2, "not require grad"),
    ):
        v = GraphViewer(root)
        assert v.slider.max == 0 and why in v.status.value
        assert root.grad is None


def test_static_drawings():
    x, w, b, loss = small_graph()
    dot = to_dot(loss)
    assert dot.startswith("digraph") and dot.count("->") == 16
    assert draw_graph(loss).data.startswith("<svg")


def test_big_graph_is_compacted_and_readable():
    rng = np.random.default_rng(0)
    model = nn.Sequential(*[m for _ in range(6) for m in (nn.Linear(8, 8), nn.ReLU())], nn.Linear(8, 3))
    x = Tensor(rng.normal(size=(4, 8)).astype(np.float32))
    loss = nn.CrossEntropyLoss()(model(x), np.array([0, 1, 2, 0]))
    viewer = GraphViewer(loss, model=model)
    d = viewer.drawing
    assert d.compact and len(d.order) < len(viewer.graph.nodes)
    assert "0.weight (8, 8)" in viewer.picture.value  # parameters carry their model names
    boxes = [d.layout.boxes[n] for n in d.order]
    assert not any(box_overlap(p, q) for i, p in enumerate(boxes) for q in boxes[i + 1 :])
    assert "max-height:560px;overflow:auto" in viewer.picture.value
    viewer.slider.value = viewer.slider.max
    assert set(node_states(viewer.picture.value, "fn").values()) <= {"done", "current"}


# --- conv explainer ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("stride,padding,dilation", [(1, 0, 1), (2, 1, 1), (1, 2, 2), (3, 1, 2), (2, 0, 3)])
def test_conv_window_coordinates(stride, padding, dilation):
    x = np.arange(49).reshape(7, 7)
    k = np.arange(1, 10).reshape(3, 3)
    ho = out_size(7, 3, stride, padding, dilation)
    assert ho == len(range(0, 7 + 2 * padding - dilation * 2, stride))
    xp = np.pad(x, padding)
    out = conv2d_numpy(x, k, stride, padding, dilation)
    for i in range(ho):
        for j in range(ho):
            win = window(i, j, (3, 3), stride, padding, dilation)
            assert win[0] == (i * stride - padding, j * stride - padding)
            assert win[-1] == (i * stride - padding + 2 * dilation, j * stride - padding + 2 * dilation)
            patch = xp[
                i * stride : i * stride + 2 * dilation + 1 : dilation,
                j * stride : j * stride + 2 * dilation + 1 : dilation,
            ]
            assert out[i, j] == (patch * k).sum()


def test_conv_explainer_highlights_the_window():
    ce = ConvExplainer(stride=2, padding=1, dilation=1)
    ce.row.value, ce.col.value = 1, 2
    svg = ce.picture.value
    win = set(re.findall(r'class="mg-in-cell mg-win[^"]*" data-r="(-?\d+)" data-c="(-?\d+)"', svg))
    assert win == {(str(r), str(c)) for r, c in ce.window()}
    assert re.findall(r'id="mg-out-(\d+)-(\d+)" class="mg-out-cell mg-sel"', svg) == [("1", "2")]
    expected = conv2d_numpy(ce.x, ce.k, 2, 1, 1)[1, 2]
    assert f"= {expected}</code>" in ce.formula.value


def test_conv_explainer_clamps_position_when_output_shrinks():
    ce = ConvExplainer()
    ce.col.value = ce.col.max  # 3 for a 6x6 input and 3x3 kernel
    ce.stride.value = 3
    assert ce.output_shape() == (2, 2) and ce.col.max == 1 and ce.col.value == 1
    assert 'class="mg-out-cell mg-sel"' in ce.picture.value
    ce.dilation.value = 3  # dilated kernel 7x7 > input 6x6
    assert "does not fit" in ce.formula.value and ce.row.disabled


# --- optimizer playground ----------------------------------------------------------------------------------
def test_trajectory_matches_gradient_descent_by_hand():
    bowl = SURFACES["Elongated bowl"]
    run = run_optimizer(bowl, PLAIN["plain SGD"], 20, 0.05, 0.0, (0.9, 0.999))
    k = np.arange(21)
    np.testing.assert_allclose(run.path[:, 0], bowl.start[0] * (1 - 0.05) ** k, rtol=1e-9)
    np.testing.assert_allclose(run.path[:, 1], bowl.start[1] * (1 - 25 * 0.05) ** k, rtol=1e-9)
    assert run_optimizer(bowl, PLAIN["plain SGD"], 200, 0.5, 0.0, (0.9, 0.999)).diverged_at is not None


def test_playground_learning_rate_slider_changes_the_run():
    pg = OptimizerPlayground(PLAIN, surface="Elongated bowl", steps=50)
    before = pg.runs["plain SGD"].path[-1].copy()
    png = pg.plot.outputs[0]["data"]["image/png"]
    pg.lr["plain SGD"].value = 1e-3
    assert not np.allclose(pg.runs["plain SGD"].path[-1], before)
    assert pg.plot.outputs[0]["data"]["image/png"] != png
    assert "1.0e-03" in pg.table.value
    pg.lr["plain SGD"].value = 0.2  # 1 - 25 * 0.2 = -4: every step multiplies y by -4
    assert "diverged at step" in pg.table.value
    pg.enabled["plain SGD"].value = False
    assert pg.runs == {} and "mg-opt-row" not in pg.table.value


def test_playground_default_optimizers_from_minigrad_optim():
    pg = OptimizerPlayground(steps=100)
    assert {"SGD", "SGD + momentum", "Adam"} <= set(pg.runs)
    rosen = SURFACES["Rosenbrock"]
    start_loss = rosen.f(*np.array(rosen.start))
    assert all(r.diverged_at is None and r.path[-1, 2] < start_loss for r in pg.runs.values())
    pg.surface.value = "Beale"
    assert pg.lr["Adam"].value == pytest.approx(SURFACES["Beale"].lrs["Adam"])


# --- training monitor --------------------------------------------------------------------------------------
def test_monitor_records_metrics_and_gradient_norms():
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    mon = TrainingMonitor(total=3, min_interval=1e9)
    for step in range(3):
        x = Tensor(rng.normal(size=(5, 4)).astype(np.float32))
        model.zero_grad()
        loss = nn.CrossEntropyLoss()(model(x), np.array([0, 1, 0, 1, 1]))
        loss.backward()
        mon.update(step, loss=loss.item(), acc=0.5, model=model)
    assert mon.history["loss"][0] == [0, 1, 2] and mon.history["acc"][1] == [0.5] * 3
    norms = grad_norms(model)
    assert norms["0.weight"] == pytest.approx(float(np.linalg.norm(model[0].weight.grad)))
    assert mon.norms["2.bias"][1][-1] == pytest.approx(norms["2.bias"])
    assert mon.redraws == 1  # throttled: only the first update drew
    mon.close()
    assert mon.redraws == 2 and "step 2" in mon.status.value and mon.plot.outputs
    assert mon.bar.n == 3


def test_monitor_warns_about_vanishing_and_exploding_gradients():
    mon = TrainingMonitor(min_interval=0)
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    model[0].weight.grad = np.full((2, 2), 1e-9, dtype=np.float32)
    model[1].weight.grad = np.full((2, 2), 1e3, dtype=np.float32)
    mon.update(0, loss=1.0, model=model)
    assert "0.weight: gradient norm 2e-09 — vanishing" in mon.status.value
    assert "1.weight: gradient norm 2e+03 — exploding" in mon.status.value
    assert "bias" not in mon.status.value  # no gradient yet: nothing to judge


# --- feature maps ------------------------------------------------------------------------------------------
def test_feature_viewer_layers_channels_and_filters():
    model = tiny_cnn()
    images = np.random.default_rng(2).random((3, 1, 8, 8)).astype(np.float32)
    fv = FeatureMapViewer(model, images, labels=[4, 5, 6])
    x = Tensor(images)
    for layer, act in zip(model, fv.acts):
        x = layer(x)
        np.testing.assert_allclose(act, x.data)
    assert fv.channels.value == (0, 2) and fv.channels.max == 2 and fv.shown_channels() == [0, 1, 2]
    png = fv.acts_out.outputs[0]["data"]["image/png"]
    fv.layer.value = 2
    assert fv.channels.value == (0, 4) and fv.channels.max == 4
    assert fv.acts_out.outputs[0]["data"]["image/png"] != png
    fv.channels.value = (1, 3)
    assert fv.shown_channels() == [1, 2, 3] and "channels 1–3" in fv.info.value
    fv.layer.value = 5  # the Linear logits: no channels
    assert fv.channels.disabled and fv.shown_channels() == []
    pred = int(np.argmax(fv.acts[-1][0]))
    assert f"predicts <b class='mg-fm-pred'>{pred}</b> (label 4)" in fv.info.value
    fv.image.value = 1
    assert "(label 5)" in fv.info.value


def test_reprs_are_short_and_stable():
    *_, loss = small_graph()
    assert repr(GraphViewer(loss)) == "GraphViewer(16 nodes shown, 6 backward calls)"
    assert repr(ConvExplainer()) == "ConvExplainer(input (6, 6), kernel (3, 3))"
