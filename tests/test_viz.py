"""Python-side tests of minigrad.viz: layout geometry, the backward replay, SVG determinism, the widgets'
state after moving their controls (no browser here; tests/browser/ drives the same widgets in JupyterLab)."""

from __future__ import annotations

import re

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import minigrad.functional as F  # noqa: E402
from minigrad import Tensor, nn  # noqa: E402
from minigrad.viz import (  # noqa: E402
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
from minigrad.viz.graphview import View  # noqa: E402
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


def node_states(viewer: GraphViewer, kind: str) -> dict[str, str]:
    """node id -> state, as the browser shows it now, for the drawn nodes of one kind ("fn", "tensor")."""
    return {nid: st for nid, st in viewer.node_states().items() if viewer.graph.nodes[nid].kind == kind}


def svg_states(svg: str, kind: str) -> dict[str, str]:
    """node id -> data-state for the nodes of one kind in a graph SVG."""
    return dict(
        re.findall(rf'<g id="mg-node-(\w+)" class="mg-node mg-{kind}[^"]*"[^>]*data-state="(\w+)"', svg)
    )


def lenet_loss():
    rng = np.random.default_rng(0)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2, rng=rng),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5, rng=rng),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120, rng=rng),
        nn.ReLU(),
        nn.Linear(120, 84, rng=rng),
        nn.ReLU(),
        nn.Linear(84, 10, rng=rng),
    )
    x = Tensor(rng.normal(size=(4, 1, 28, 28)).astype(np.float32), name="images")
    loss = nn.CrossEntropyLoss()(model(x), np.array([1, 2, 3, 4]))
    return model, loss


def recurrence(steps: int = 60):
    """h = tanh(h @ W + x_t @ U + b) unrolled: 5 calls a step, 2 for the loss (302 calls for 60 steps)."""
    rng = np.random.default_rng(1)
    W = Tensor(rng.normal(0, 0.4, (8, 8)).astype(np.float32), requires_grad=True, name="W")
    U = Tensor(rng.normal(0, 0.4, (4, 8)).astype(np.float32), requires_grad=True, name="U")
    b = Tensor(np.zeros(8, np.float32), requires_grad=True, name="b")
    h = Tensor(np.zeros((2, 8), np.float32), name="h0")
    for t in range(steps):
        h = (h @ W + Tensor(rng.normal(size=(2, 4)).astype(np.float32), name=f"x{t}") @ U + b).tanh()
    return (h * h).sum(), (W, U, b)


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
    assert {"x", "w", "b", "loss"} <= labels
    assert len(g.edges) == 3 + 3 + 2 + 2 + 3 + 2  # tensor inputs -> call -> output (2.0 is an array)
    assert g.order.index(g.tid[id(w)]) < g.order.index("f0") < g.order.index(g.tid[id(loss)])


def test_viewer_replays_backward_without_touching_user_grads():
    x, w, b, loss = small_graph()
    sentinel = Tensor(np.full((3, 2), 7.0, dtype=np.float32))
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
    final = viewer.hist.final(viewer.graph.tid[id(w)])  # the replay computed the same gradients on the side
    np.testing.assert_allclose(final, w.grad, rtol=1e-6)


def test_step_slider_highlights_exactly_the_first_k_calls():
    *_, loss = small_graph()
    viewer = GraphViewer(loss)
    order = [s.fn for s in viewer.steps]
    assert order == ["f5", "f4", "f3", "f2", "f1", "f0"]  # reverse recording order
    for k in range(len(order) + 1):
        viewer.slider.value = k
        states = node_states(viewer, "fn")
        highlighted = [f for f, s in states.items() if s in ("done", "current")]
        assert sorted(highlighted) == sorted(order[:k])
        assert [f for f, s in states.items() if s == "current"] == order[k - 1 : k]
        assert f"step {k} / {len(order)}" in viewer.status.value
    # what the browser got (the SVG, then one patch per step) is what Python says it shows
    assert svg_states(viewer.view.svg(viewer._looks, len(order), None), "fn") == node_states(viewer, "fn")


def test_only_gradients_computed_so_far_are_shown():
    x, w, b, loss = small_graph()
    viewer = GraphViewer(loss)
    g = viewer.graph
    wid, bid, zid = g.tid[id(w)], g.tid[id(b)], g.tid[id(loss._ctx.inputs[0]._ctx.inputs[1])]
    viewer.slider.value = 0
    t = node_states(viewer, "tensor")
    assert t[g.tid[id(loss)]] == "complete" and t[wid] == "waiting" and t[bid] == "waiting"
    assert t[g.tid[id(x)]] == "nograd"
    viewer.slider.value = 2  # Sum, then the final Add: z has its first of two gradient parts
    t = node_states(viewer, "tensor")
    assert t[zid] == "partial" and t[wid] == "waiting"
    assert viewer._looks[zid]["t"]["gtext"].endswith("(1/2)")
    viewer.slider.value = 5  # ... Add #1 sent b its gradient and z its second part
    t = node_states(viewer, "tensor")
    assert t[zid] == "complete" and t[bid] == "complete" and t[wid] == "waiting"
    viewer.slider.value = 6
    assert node_states(viewer, "tensor")[wid] == "complete"


@pytest.mark.parametrize("make", ["small", "lenet", "recurrence"])
def test_every_label_fits_its_box_at_every_step(make):
    loss = {
        "small": lambda: small_graph()[-1],
        "lenet": lambda: lenet_loss()[1],
        "recurrence": lambda: recurrence(8)[0],
    }[make]()
    v = GraphViewer(loss, open=[]).view
    for k in range(len(v.hist.steps) + 1):
        for nid in v.nodes:
            width = max(map(len, v.lines(nid, k))) * CHAR_W
            assert width + 10 <= v.boxes[nid].w, (k, nid, v.lines(nid, k))


def test_node_dropdown_and_heatmap():
    x, w, b, loss = small_graph()
    viewer = GraphViewer(loss)
    first = viewer.heatmap.outputs[0]["data"]
    assert "text/html" in first and "data = " in first["text/html"]  # the scalar loss: its numbers
    viewer.node_select.value = viewer.graph.tid[id(w)]
    assert viewer._looks[viewer.graph.tid[id(w)]]["c"] == "mg-node mg-tensor mg-waiting mg-selected"
    assert "image/png" in viewer.heatmap.outputs[0]["data"]  # a matrix: heatmaps
    assert len(viewer.heatmap.outputs) == 1


def test_svg_is_deterministic_and_has_no_addresses():
    svgs = []
    for _ in range(2):
        *_, loss = small_graph()
        v = GraphViewer(loss)
        v.slider.value = 3
        svgs.append((v.canvas.svg, str(v._looks), v.status.value, graph_svg(loss), to_dot(loss)))
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
    assert dot.startswith("digraph") and dot.count("->") == 15  # the constant 2.0 is an array, not a node
    assert draw_graph(loss).data.startswith("<svg")


def test_big_graph_is_compacted_and_readable():
    rng = np.random.default_rng(0)
    model = nn.Sequential(*[m for _ in range(6) for m in (nn.Linear(8, 8), nn.ReLU())], nn.Linear(8, 3))
    h = Tensor(rng.normal(size=(4, 8)).astype(np.float32))
    for layer in model:  # the layers' functions, called outside any module's forward: no ctx.module
        h = F.linear(h, layer.weight, layer.bias) if isinstance(layer, nn.Linear) else F.relu(h)
    loss = F.cross_entropy(h, np.array([0, 1, 2, 0]))
    viewer = GraphViewer(loss, model=model)  # a flat, compact picture, parameters named by the model
    v = viewer.view
    assert viewer.graph.compact and len(v.nodes) < len(viewer.graph.nodes)
    assert any(lk.startswith("0.weight (8, 8)") for lk, _ in viewer.node_select.options)
    boxes = [v.boxes[n] for n in v.nodes]
    assert not any(box_overlap(p, q) for i, p in enumerate(boxes) for q in boxes[i + 1 :])
    viewer.slider.value = viewer.slider.max
    assert set(node_states(viewer, "fn").values()) <= {"done", "current"}


def names_in_status(viewer: GraphViewer) -> list[str]:
    return re.findall(r'class="mg-ref" data-node="(\w+)"', viewer.status.value)


def assert_names_drawn(viewer: GraphViewer) -> None:
    """Every node the status line or the dropdown names is drawn."""
    drawn = set(viewer.view.nodes) | set(viewer.view.frames)
    assert set(names_in_status(viewer)) <= drawn, (names_in_status(viewer), viewer.status.value)
    for _, key in viewer.node_select.options:
        shown = [key] if key not in viewer.graph.copies else viewer.graph.copies[key]
        assert any(s in drawn for s in shown), key


def test_lenet_is_grouped_by_layer_closed_and_opens_one_by_one():
    model, loss = lenet_loss()
    viewer = GraphViewer(loss, model=model)
    g, v = viewer.graph, viewer.view
    tops = [g.groups[m].label for m in g.top if m in g.groups]
    layers = [f"{i}: {type(m).__name__}" for i, m in enumerate(model)]
    assert tops == layers + ["CrossEntropyLoss"]  # one box per layer in order; the loss module is no layer
    assert len(v.frames) == 0 and len([n for n in v.nodes if n in g.groups]) == 13  # all closed
    conv2 = next(gid for gid, grp in g.groups.items() if grp.label == "3: Conv2d")
    inside = {g.nodes[n].label for n in g.groups[conv2].members}
    assert {"3.weight", "3.bias"} <= inside and any(x.startswith("Conv2dFunction") for x in inside)
    assert g.nodes[g.groups[conv2].output].shape == (4, 16, 10, 10)
    assert_names_drawn(viewer)
    for k in range(1, viewer.slider.max + 1):  # the box lights up while one of its calls is processed
        viewer.slider.value = k
        cur = viewer.current
        box = viewer.shown(cur)
        assert viewer.node_states()[box] == "current", (k, box)
        assert_names_drawn(viewer)
    assert all(st == "done" for n, st in viewer.node_states().items() if n in g.groups and n != box)
    viewer._on_canvas(None, {"event": "toggle", "node": conv2})  # what clicking its title bar sends
    assert conv2 in viewer.view.open and conv2 in viewer.view.frames
    drawn = {g.nodes[n].label for n in viewer.view.nodes}
    assert {"3.weight", "3.bias", "2: MaxPool2d", "4: ReLU"} <= drawn
    assert viewer.node_states()[viewer.shown(viewer.current)] == "current"  # step kept while it opened
    assert_names_drawn(viewer)
    viewer._on_canvas(None, {"event": "click", "node": conv2})  # an open frame's body selects nothing
    viewer._on_canvas(None, {"event": "click", "node": "g7"})  # a closed layer: its output
    assert viewer.node_select.value == "g7" and viewer._looks["g7"]["c"].endswith("mg-selected")
    boxes = [viewer.view.boxes[n] for n in viewer.view.nodes]
    assert not any(box_overlap(p, q) for i, p in enumerate(boxes) for q in boxes[i + 1 :])
    frame = viewer.view.boxes[conv2]
    for n in viewer.view.nodes:  # everything of the open layer sits inside its frame, nothing else does
        b, mine = viewer.view.boxes[n], g.nodes[n].parent == conv2
        within = (
            frame.left <= b.left
            and b.right <= frame.right
            and frame.top <= b.top
            and b.bottom <= frame.bottom
        )
        assert within == mine, n


def test_steps_send_only_the_nodes_that_changed():
    loss, _ = recurrence()
    viewer = GraphViewer(loss)
    sent = []
    viewer.canvas.send = lambda content, buffers=None: sent.append(content)
    svg = viewer.canvas.svg
    for k in range(1, 41):
        viewer.slider.value = k
    assert viewer.canvas.svg == svg and len(sent) == 40  # no new SVG, one patch a step
    sizes = [len(str(m["nodes"])) for m in sent]
    assert max(sizes) < 3000 and all(m["nodes"] for m in sent), sizes
    assert all(m["reveal"] == viewer.shown(viewer.steps[k].fn) for k, m in enumerate(sent))
    viewer._on_canvas(None, {"event": "ready"})  # a new browser view catches up from the drawn SVG
    catch_up = sent[-1]["nodes"]
    expected = {n: lk for n, lk in viewer._looks.items() if lk != viewer._svg_looks[n]}
    assert catch_up == expected and catch_up


def test_recurrence_is_grouped_by_time_step_with_shared_weights_per_use():
    loss, (W, U, b) = recurrence()
    viewer = GraphViewer(loss)
    g = viewer.graph
    assert len(g.calls) == 302 and g.grouping == "time steps"
    steps = [g.groups[m] for m in g.top if m in g.groups]
    assert [s.label for s in steps] == [f"step {t}" for t in range(1, 61)]
    assert all(len(s.calls) == 5 for s in steps)  # h @ W, x @ U, +, + b, tanh
    assert [g.nodes[f].obj.fn.__name__ for f in g.top if f in g.calls] == ["Mul", "Sum"]
    wid = g.tid[id(W)]
    assert len(g.copies[wid]) == 60  # drawn once per use, each inside its own step
    assert {g.nodes[c].parent for c in g.copies[wid]} == {s.id for s in steps}
    viewer.open_select.value = tuple(g.groups)  # everything open: no edge from W crosses a step
    edges_from_w = [(a, b2) for a, b2 in viewer.view.edges if a in g.copies[wid]]
    assert len(edges_from_w) == 60
    assert all(g.nodes[a].parent == g.nodes[b2].parent for a, b2 in edges_from_w)
    hs = [g.groups[s.id].output for s in steps]  # every hidden state is drawn (vanishing gradients)
    assert all(h in viewer.view.nodes for h in hs)
    viewer.slider.value = viewer.slider.max
    grads = [np.mean(np.abs(viewer.hist.final(h))) for h in hs]
    assert grads[0] < grads[-1]  # ... and their colours tell the gradient fading back through time
    assert_names_drawn(viewer)


def test_one_time_step_at_a_time_follows_the_backward_pass():
    loss, _ = recurrence()
    viewer = GraphViewer(loss)
    step30 = next(gid for gid, grp in viewer.graph.groups.items() if grp.label == "step 30")
    viewer.focus.value = step30
    labels = {viewer.graph.nodes[n].label for n in viewer.view.nodes}
    assert {"step 29", "step 31", "W", "U", "b", "x29"} <= labels and len(viewer.view.nodes) < 30
    assert not any(lab.startswith("step 2") and lab not in ("step 29",) for lab in labels)
    assert_names_drawn(viewer)
    viewer.slider.value = 3  # the first calls of step 60: the view moves there, as a student would
    assert viewer.focus.value == viewer.graph.ancestors(viewer.current)[0]
    assert viewer.graph.groups[viewer.focus.value].label == "step 60"
    assert viewer.node_states()[viewer.current] == "current"
    assert_names_drawn(viewer)


def test_clicking_a_shared_weight_selects_every_use():
    loss, (W, *_) = recurrence()
    viewer = GraphViewer(loss, open=["step 60", "step 59"])
    wid = viewer.graph.tid[id(W)]
    copy = next(c for c in viewer.graph.copies[wid] if c in viewer.view.nodes)
    viewer._on_canvas(None, {"event": "click", "node": copy})
    assert viewer.node_select.value == wid
    assert viewer.node_select.label.startswith("W (8, 8) (60 uses)")
    selected = {n for n, lk in viewer._looks.items() if "mg-selected" in lk["c"]}
    assert selected == {c for c in viewer.graph.copies[wid] if c in viewer.view.nodes} and len(selected) == 2


def test_module_groups_nest_and_repeat_per_use():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 3, rng=0)

        def forward(self, x):
            return self.lin(x).relu()  # relu belongs to the block itself, lin to block.lin

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()

        def forward(self, x):
            return self.block(self.block(x) * 2.0)  # the same block used twice, with an op between

    net = Net()
    loss = net(Tensor(np.ones((2, 3), np.float32))).sum()
    g = build_graph(loss, net)
    labels = [grp.label for grp in g.groups.values()]
    assert labels == [
        "block: Block (use 1)",
        "block.lin: Linear (use 1)",
        "block: Block (use 2)",
        "block.lin: Linear (use 2)",
    ]
    v = View(g, GraphViewer(loss, model=net).hist, set(g.groups))  # opening everything keeps it acyclic
    assert v.frames and all(f in g.groups for f in v.frames)


def test_graph_svg_and_dot_of_a_grouped_model():
    model, loss = lenet_loss()
    svg = graph_svg(loss, model=model)
    assert svg.count('class="mg-node mg-group mg-closed') == 13  # 12 layers and the loss module
    dot = to_dot(loss, model=model)
    assert dot.count("subgraph cluster_") == 13 and 'label="3: Conv2d";' in dot


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
    n = pg.redraws
    pg.surface.value = "Beale"
    assert pg.lr["Adam"].value == pytest.approx(SURFACES["Beale"].lrs["Adam"])
    assert pg.redraws == n + 1  # one user action, one redraw


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
    mon.finish()
    assert mon.redraws == 2 and "step 2" in mon.status.value and "<polyline" in mon.plot.value
    assert mon.bar.n == 3


def test_monitor_throttle_is_by_wall_time(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr("minigrad.viz.training.time.monotonic", lambda: clock[0])
    mon = TrainingMonitor(min_interval=0.5)
    draws = []
    monkeypatch.setattr(mon, "draw", lambda: draws.append(clock[0]))
    for step in range(100):  # 100 steps of 20 ms: 2 s
        mon.update(step, loss=1.0)
        clock[0] += 0.02
    assert draws[0] == 100.0  # live from the first update
    gaps = np.diff(draws)
    assert len(draws) == 4 and (gaps >= 0.5 - 1e-9).all(), draws
    mon.finish()
    assert len(draws) == 5  # the final state


def test_monitor_chart_shows_every_metric():
    mon = TrainingMonitor(min_interval=1e9)
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    for p in model.parameters():
        p.grad = np.ones_like(p.data)
    for step in range(300):
        mon.update(step, loss=1.0 / (step + 1), acc=step / 300, model=model)
    mon.finish()
    svg = mon.plot.value
    lines = re.findall(r'<polyline class="mg-line" data-label="([^"]+)" points="([^"]+)"', svg)
    labels = [lab for lab, _ in lines]
    assert labels.count("loss") == 1 and "loss (mean of 12)" in labels and "acc (mean of 12)" in labels
    assert {"0.weight", "0.bias", "1.weight", "1.bias"} <= set(labels)
    assert all(len(pts.split()) <= 402 for _, pts in lines)  # long runs are thinned, not dropped


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
    assert fv.filters_shown == [1, 2, 3]  # the filters of exactly the channels shown, of this layer
    fv.layer.value = 3  # ReLU: no weights of its own, so no filters (not the convolution's before it)
    assert fv.filters_shown == []
    fv.layer.value = 5  # the Linear logits: no channels, its weight matrix
    assert fv.channels.disabled and fv.shown_channels() == []
    assert fv.filters_shown == list(range(10))
    pred = int(np.argmax(fv.acts[-1][0]))
    assert f"predicts <b class='mg-fm-pred'>{pred}</b> (label 4)" in fv.info.value
    fv.image.value = 1
    assert "(label 5)" in fv.info.value


def test_reprs_are_short_and_stable():
    *_, loss = small_graph()
    assert repr(GraphViewer(loss)) == "GraphViewer(15 nodes shown, 6 backward calls)"
    model, loss = lenet_loss()
    assert repr(GraphViewer(loss, model=model)) == "GraphViewer(13 nodes shown, 20 backward calls)"
    assert repr(ConvExplainer()) == "ConvExplainer(input (6, 6), kernel (3, 3))"


def test_thin_keeps_each_buckets_extremes_and_the_tail_in_order() -> None:
    from minigrad.viz.plot import thin

    rng = np.random.default_rng(0)
    x = np.arange(1003, dtype=float)
    y = rng.standard_normal(1003)
    y[[5, 400]] = [np.nan, np.inf]
    tx, ty = thin(x, y, n=100)
    b = -(-1003 // 50)  # bucket size
    m = 1003 // b * b
    want = set(range(m, 1003))
    for start in range(0, m, b):
        chunk = y[start : start + b]
        finite = np.where(np.isfinite(chunk), chunk, np.nan)
        want |= {start + int(np.nanargmin(finite)), start + int(np.nanargmax(finite))}
    assert tx.tolist() == sorted(want) and np.array_equal(ty, y[sorted(want)])
    assert len(tx) <= 100 + b
    short_x, short_y = thin(x[:50], y[:50], n=100)
    assert np.array_equal(short_x, x[:50]) and np.array_equal(short_y, y[:50], equal_nan=True)
