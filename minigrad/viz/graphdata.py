"""A recorded computation graph as data: its tensors and calls, their grouping, and a replay of backward.

Grouping is what makes a real model readable. Every call is put in the box of the module that made it
(`ctx.module`, the innermost `nn.Module` whose `__call__` was running, named by `model.named_modules()`),
nested like the modules are, one box per *use* of a module (a layer called twice gets two boxes, so the
picture keeps the order of the computation). An unrolled loop without modules (`h = tanh(h @ W + x @ U + b)`)
is grouped by time step instead: step t is where the t-th use of the shared weights starts.

A leaf used by many calls (a recurrence's `W`) is drawn once per use ("copies"), so 50 uses do not become a
curtain of 50 long edges. Everything is numbered in recording order, so the same code gives the same ids.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from minigrad.autograd import tracer
from minigrad.tensor import Tensor
from minigrad.viz import svg as S

COMPACT_ABOVE = 40  # graphs with more nodes than this hide unnamed tensors that stay inside their box
SHARED_USES = 3  # in such graphs, a leaf used by this many calls or more is drawn once per use


@dataclass
class Node:
    id: str
    kind: str  # "tensor", "fn" (a recorded call), "copy" (one use of a shared leaf) or "group"
    label: str
    obj: Any  # the Tensor; the Context of a call; the shared Tensor of a copy; None for a group
    shape: tuple[int, ...] = ()
    named: bool = False  # the label is a real name (tensor.name, a parameter name), not a made-up one
    const: bool = False  # a Python number lifted to a tensor (the 2 in `x * 2`): its label is its value
    parent: str | None = None  # id of the enclosing group (None: top level)


@dataclass
class Group:
    """The calls one use of a module made (or one time step of a loop), and what they produced."""

    id: str
    label: str
    parent: str | None
    members: list[str] = field(default_factory=list)  # direct members: calls, tensors, copies, groups
    calls: list[str] = field(default_factory=list)  # every call inside, nested groups included
    output: str = ""  # the tensor it hands on (used outside it, or the root)
    key: tuple[str, ...] = ()  # module path (or time step)
    run: int = 1  # which use of that module


@dataclass
class Step:
    """One call processed by backward: which function, the gradient it received and what it sent on."""

    fn: str  # node id of the call
    out: str  # node id of the call's output tensor
    grad_out: np.ndarray
    grads_in: list[tuple[str, np.ndarray]]  # (input tensor node id, gradient sent to it)


@dataclass
class Graph:
    """The tensors and calls that lead to `root`, numbered in recording order (stable across re-runs)."""

    root: Tensor
    nodes: dict[str, Node] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # topological: inputs before calls before outputs
    edges: list[tuple[str, str]] = field(default_factory=list)  # tensor -> call -> tensor (no copies)
    tid: dict[int, str] = field(default_factory=dict)  # id(tensor) -> node id
    calls: list[str] = field(default_factory=list)  # call ids in recording order
    producer: dict[str, str] = field(default_factory=dict)  # tensor id -> call id
    consumers: dict[str, list[str]] = field(default_factory=dict)  # tensor id -> call ids (once each)
    groups: dict[str, Group] = field(default_factory=dict)
    copies: dict[str, list[str]] = field(default_factory=dict)  # shared leaf id -> its copy ids
    hidden: set[str] = field(default_factory=set)  # tensors drawn inside their call's box (compact)
    use: dict[str, tuple[int, int]] = field(default_factory=dict)  # copy id -> (k-th use, of n uses)
    top: list[str] = field(default_factory=list)  # top-level calls and groups, in recording order
    compact: bool = False
    grouping: str = ""  # "modules", "time steps" or ""

    @property
    def draw_edges(self) -> list[tuple[str, str]]:
        """Edges between drawable nodes: a shared leaf's edges start at its copies."""
        out = []
        for a, b in self.edges:
            if a in self.copies:
                out.append((f"{a}_{b}", b))
            else:
                out.append((a, b))
        return list(dict.fromkeys(out))

    def ancestors(self, nid: str) -> list[str]:
        """Enclosing groups of a node, outermost first."""
        chain = []
        p = self.nodes[nid].parent
        while p is not None:
            chain.append(p)
            p = self.nodes[p].parent
        return chain[::-1]


def _named_params(model: Any) -> dict[int, str]:
    if model is None:
        return {}
    if hasattr(model, "named_parameters"):
        return {id(p): n for n, p in model.named_parameters()}
    return {id(p): f"param{i}" for i, p in enumerate(model.parameters())}


def _module_paths(ctxs: list[Any], model: Any) -> tuple[list[tuple[str, ...]], dict[tuple[str, ...], str]]:
    """Each call's module path (("features", "0") for `features.0`) and a label for every path prefix.

    Names come from `model.named_modules()`; a module outside `model` (or with no model given) is named by
    its class, numbered when several share one (`Conv2d 1`, `Conv2d 2`), and nested under a module it belongs
    to when that one is seen too.
    """
    mods = [getattr(c, "module", None) for c in ctxs]
    names: dict[int, str] = {}
    kinds: dict[tuple[str, ...], str] = {}
    if model is not None and hasattr(model, "named_modules"):
        for name, m in model.named_modules():
            names.setdefault(id(m), name)
            if name:
                kinds[tuple(name.split("."))] = type(m).__name__
    seen: dict[int, Any] = {}
    for m in mods:
        if m is not None and id(m) not in names:
            seen.setdefault(id(m), m)
    if seen:  # modules the model does not know: name them by class, nested under one another if they are
        inside: dict[int, tuple[int, str]] = {}
        for pid, p in seen.items():
            for rel, m in p.named_modules() if hasattr(p, "named_modules") else ():
                if rel and id(m) in seen and id(m) not in inside:
                    inside[id(m)] = (pid, rel)
        tops = [m for mid, m in seen.items() if mid not in inside]
        per_type = Counter(type(m).__name__ for m in tops)
        index: Counter = Counter()
        own: dict[int, str] = {}
        for m in tops:
            t = type(m).__name__
            index[t] += 1
            own[id(m)] = t if per_type[t] == 1 else f"{t} {index[t]}"

        def fallback(mid: int) -> str:
            if mid in own:
                return own[mid]
            pid, rel = inside[mid]
            return f"{fallback(pid)}.{rel}"

        for mid, m in seen.items():
            names[mid] = fallback(mid)
            path = tuple(names[mid].split("."))
            kinds[path] = type(m).__name__
    paths = [() if m is None or not names.get(id(m)) else tuple(names[id(m)].split(".")) for m in mods]
    labels = {}
    for path, kind in kinds.items():
        dotted = ".".join(path)
        labels[path] = dotted if dotted.split(".")[-1].startswith(kind) else f"{dotted}: {kind}"
    for path in set(paths):  # prefixes the model did not list (cannot happen with named_modules, but be safe)
        for i in range(1, len(path) + 1):
            labels.setdefault(path[:i], ".".join(path[:i]))
    return paths, labels


def _time_steps(g: Graph, shared: list[str]) -> list[tuple[str, ...]]:
    """An unrolled loop's time step of each call: step t starts at the t-th use of the shared weights.

    Calls before the first use, and a tail after the last step that is longer than a typical step (the loss
    computed after the loop), stay outside any step.
    """
    uses = dict.fromkeys(shared, 0)
    step = []
    for fid in g.calls:
        for a in g.nodes[fid].obj.inputs:
            t = g.tid.get(id(a)) if isinstance(a, Tensor) else None
            if t in uses:
                uses[t] += 1
        step.append(max(uses.values()))
    last = step[-1] if step else 0
    sizes = Counter(step)
    typical = sorted(sizes[t] for t in range(1, last))[(last - 1) // 2] if last > 1 else 0
    paths: list[tuple[str, ...]] = []
    seen_last = 0
    for s in step:
        if s == last:
            seen_last += 1
        if s == 0 or (s == last and seen_last > typical):
            paths.append(())
        else:
            paths.append((f"step {s}",))
    return paths


def build_graph(
    root: Tensor, model: Any = None, names: dict[str, Tensor] | None = None, compact: bool | None = None
) -> Graph:
    """Collect the graph behind `root` by following each tensor's `_ctx` back through `ctx.inputs`, then
    group it (see the module docstring). `compact` (default: for graphs of more than COMPACT_ABOVE nodes)
    draws shared leaves once per use and hides unnamed tensors that never leave their group."""
    if not isinstance(root, Tensor):
        raise TypeError(
            f"graph: expected the Tensor at the end of the graph (a loss), got {type(root).__name__}"
        )
    given = _named_params(model)
    given.update({id(t): n for n, t in (names or {}).items()})
    calls: dict[int, Any] = {}
    stack = [root]
    seen: set[int] = set()
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        ctx = t._ctx
        if ctx is not None and id(ctx) not in calls:
            calls[id(ctx)] = ctx
            stack.extend(a for a in ctx.inputs if isinstance(a, Tensor))
    g = Graph(root)
    n_leaf = 0

    def add_tensor(t: Tensor, fallback: str, const: bool = False) -> str:
        nid = f"t{len(g.tid)}"
        g.tid[id(t)] = nid
        name = given.get(id(t)) or t.name
        n = Node(nid, "tensor", name or fallback, t, tuple(t.shape), bool(name), const and not name)
        g.nodes[nid] = n
        g.order.append(nid)
        g.consumers[nid] = []
        return nid

    ctxs = sorted(calls.values(), key=lambda c: c.seq)
    for i, ctx in enumerate(ctxs):
        fid = f"f{i}"
        for a in ctx.inputs:
            if isinstance(a, Tensor) and id(a) not in g.tid:
                if a.ndim == 0 and not a.requires_grad:
                    add_tensor(a, S.num(a.item()), const=True)  # a constant such as the 2 in `x * 2`
                else:
                    add_tensor(a, f"leaf{n_leaf}")
                    n_leaf += 1
        g.nodes[fid] = Node(fid, "fn", f"{ctx.fn.__name__} #{i}", ctx)
        g.order.append(fid)
        g.calls.append(fid)
        for a in ctx.inputs:
            if isinstance(a, Tensor):
                tid = g.tid[id(a)]
                g.edges.append((tid, fid))
                if fid not in g.consumers[tid]:
                    g.consumers[tid].append(fid)
        out = ctx.output()
        oid = add_tensor(out, "loss" if out is root else f"t{i}")
        g.producer[oid] = fid
        g.edges.append((fid, oid))
    if root._ctx is None:  # a lone leaf
        add_tensor(root, "leaf0")
    g.edges = list(dict.fromkeys(g.edges))
    g.compact = len(g.nodes) > COMPACT_ABOVE if compact is None else compact
    _group(g, ctxs, model)
    return g


def _group(g: Graph, ctxs: list[Any], model: Any) -> None:
    """Groups (modules or time steps), copies of shared leaves, and which tensors compact mode hides."""
    shared = [
        t
        for t, cs in g.consumers.items()
        if g.compact and t not in g.producer and len(cs) >= SHARED_USES and g.nodes[t].obj.requires_grad
    ]
    paths, labels = _module_paths(ctxs, model)
    if any(paths):
        g.grouping = "modules"
    elif shared and len(g.calls) > COMPACT_ABOVE:
        paths = _time_steps(g, shared)
        labels = {p: p[0] for p in paths if p}
        g.grouping = "time steps" if any(paths) else ""
    path_of = dict(zip(g.calls, paths))
    runs: Counter = Counter()

    def build(fids: list[str], depth: int, parent: str | None) -> list[str]:
        members: list[str] = []
        i = 0
        while i < len(fids):
            path = path_of[fids[i]]
            if len(path) <= depth:
                g.nodes[fids[i]].parent = parent
                members.append(fids[i])
                i += 1
                continue
            key = path[: depth + 1]
            j = i
            while j < len(fids) and path_of[fids[j]][: depth + 1] == key:
                j += 1
            gid = f"g{len(g.groups)}"
            runs[key] += 1
            grp = Group(gid, labels[key], parent, calls=fids[i:j], key=key, run=runs[key])
            g.groups[gid] = grp
            g.nodes[gid] = Node(gid, "group", grp.label, None, parent=parent)
            grp.members = build(fids[i:j], depth + 1, gid)
            members.append(gid)
            i = j
        return members

    top = build(g.calls, 0, None)
    for grp in g.groups.values():  # a module used several times: one box per use, numbered
        if runs[grp.key] > 1:
            grp.label = g.nodes[grp.id].label = f"{grp.label} (use {grp.run})"

    def common(parents: list[str | None]) -> str | None:
        chains = [g.ancestors(p) + [p] if p else [] for p in parents]
        out = None
        for level in zip(*chains):
            if len(set(level)) != 1:
                break
            out = level[0]
        return out

    for nid in list(g.order):
        n = g.nodes[nid]
        if n.kind != "tensor":
            continue
        if nid in g.producer:
            n.parent = g.nodes[g.producer[nid]].parent
        elif nid in shared:
            g.copies[nid] = []
            cs = g.consumers[nid]
            for k, fid in enumerate(cs):
                cid = f"{nid}_{fid}"
                g.copies[nid].append(cid)
                g.nodes[cid] = Node(cid, "copy", n.label, n.obj, n.shape, n.named, parent=g.nodes[fid].parent)
                g.use[cid] = (k + 1, len(cs))
        else:
            n.parent = common([g.nodes[f].parent for f in g.consumers[nid]])
    for grp in g.groups.values():
        inside = set(grp.calls)
        outs = [
            t
            for t, f in g.producer.items()
            if f in inside
            and (g.nodes[t].obj is g.root or any(c not in inside for c in g.consumers.get(t, [])))
        ]
        grp.output = outs[-1] if outs else next(t for t, f in g.producer.items() if f == grp.calls[-1])
    # member lists: tensors next to the calls of their group
    for nid in g.order:
        n = g.nodes[nid]
        if n.kind == "tensor" and nid not in g.copies and n.parent is not None:
            g.groups[n.parent].members.append(nid)
    for cids in g.copies.values():
        for cid in cids:
            p = g.nodes[cid].parent
            if p is not None:
                g.groups[p].members.append(cid)
    g.top = top
    if g.compact:  # unnamed intermediates used only inside their own box move into their call's box
        for t in g.producer:
            n = g.nodes[t]
            if n.named or n.obj is g.root:
                continue
            if all(g.nodes[c].parent == n.parent for c in g.consumers.get(t, [])) and g.consumers.get(t):
                g.hidden.add(t)


def replay_backward(g: Graph, grad: Any = None) -> list[Step]:
    """Run backward on the graph with retain_graph=True and record every call; users' .grad are restored."""
    tensors = [n.obj for n in g.nodes.values() if n.kind == "tensor"]
    saved = [(t, t.grad) for t in tensors]
    steps: list[Step] = []
    fid_of = {id(g.nodes[f].obj): f for f in g.calls}

    def hook(ctx: Any, grad_out: np.ndarray, grads_in: tuple) -> None:
        ins = [
            (g.tid[id(a)], np.array(gi))
            for a, gi, need in zip(ctx.inputs, grads_in, ctx.needs_input_grad)
            if isinstance(a, Tensor) and need and gi is not None
        ]
        steps.append(Step(fid_of[id(ctx)], g.tid[id(ctx.output())], np.array(grad_out), ins))

    try:
        tracer.backward(g.root, grad, retain_graph=True, hook=hook)
    finally:
        for t, old in saved:
            t.grad = old
    return steps


def mean_abs(a: np.ndarray) -> float:
    return float(np.mean(np.abs(a))) if a.size else 0.0


class GradHistory:
    """When each gradient arrives during the replay, precomputed once so any step is cheap to show.

    Step k (0 … len(steps)) shows the seed at the root plus what the first k calls sent: the k-th call is
    "current", the ones before it "done". A tensor's gradient is a running sum of its parts.
    """

    def __init__(self, g: Graph, steps: list[Step], static: dict[str, np.ndarray] | None = None) -> None:
        self.g, self.steps = g, steps
        self.pos = {s.fn: k + 1 for k, s in enumerate(steps)}  # call id -> the step that processes it
        self.at_step: dict[str, list[int]] = {}  # tensor -> steps at which a part arrives
        self.sums: dict[str, list[tuple[np.ndarray, int]]] = {}  # tensor -> (running sum, parts so far)
        self.sent: dict[str, np.ndarray] = {}  # copy id -> gradient its call sent through that use
        self.fresh: dict[int, set[str]] = {}
        self.static = static is not None
        if static is not None:
            for tid, a in static.items():
                self.at_step[tid], self.sums[tid] = [0], [(a, 1)]
        else:
            root = g.tid[id(g.root)]
            if steps:
                self._add(root, 0, steps[0].grad_out)
            for k, s in enumerate(steps, start=1):
                self.fresh[k] = set()
                for tid, gi in s.grads_in:
                    self._add(tid, k, gi)
                    self.fresh[k].add(tid)
                    if tid in g.copies:
                        cid = f"{tid}_{s.fn}"
                        self.sent[cid] = self.sent[cid] + gi if cid in self.sent else gi
        self.parts = {tid: len(v) for tid, v in self.at_step.items()}
        mags = [mean_abs(v[-1][0]) for v in self.sums.values()] + [mean_abs(a) for a in self.sent.values()]
        mags = [m for m in mags if m > 0 and np.isfinite(m)]
        lo, hi = (min(mags), max(mags)) if mags else (1.0, 1.0)
        self.lo, self.hi = float(np.log10(lo)), float(np.log10(hi))
        if self.hi - self.lo < 1e-9:
            self.lo, self.hi = self.lo - 1, self.hi + 1
        self._text: dict[tuple[str, int], str] = {}

    def _add(self, tid: str, k: int, gi: np.ndarray) -> None:
        ks, sums = self.at_step.setdefault(tid, []), self.sums.setdefault(tid, [])
        if ks and ks[-1] == k:  # two parts in one call (x * x): one arrival
            sums[-1] = (sums[-1][0] + gi, sums[-1][1] + 1)
            return
        ks.append(k)
        sums.append((gi, 1) if not sums else (sums[-1][0] + gi, sums[-1][1] + 1))

    def known(self, tid: str, k: int) -> tuple[np.ndarray, int] | None:
        """(gradient summed so far, parts so far) at step k, or None before the first part."""
        ks = self.at_step.get(tid)
        if not ks:
            return None
        i = bisect.bisect_right(ks, k) - 1 if not self.static else len(ks) - 1
        return None if i < 0 else self.sums[tid][i]

    def final(self, tid: str) -> np.ndarray | None:
        v = self.sums.get(tid)
        return v[-1][0] if v else None

    def total_parts(self, tid: str) -> int:
        v = self.sums.get(tid)
        return v[-1][1] if v else 0

    def color(self, a: np.ndarray) -> str:
        m = mean_abs(a)
        if m <= 0 or not np.isfinite(m):
            return S.seq_color(0)
        return S.seq_color((np.log10(m) - self.lo) / (self.hi - self.lo))

    def grad_text(self, tid: str, k: int) -> str:
        kn = self.known(tid, k)
        if kn is None:
            return "grad —"
        key = (tid, kn[1])
        if key not in self._text:
            total = self.total_parts(tid)
            self._text[key] = summary(kn[0], "grad") + (f" ({kn[1]}/{total})" if kn[1] < total else "")
        return self._text[key]

    def grad_texts(self, tid: str) -> list[str]:
        """Every text the grad line of `tid` shows during the replay (for sizing its box once)."""
        out = ["grad —"]
        for k in self.at_step.get(tid, []):
            out.append(self.grad_text(tid, k))
        return out


def shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def summary(a: np.ndarray, what: str) -> str:
    if a.size == 1:
        return f"{what} {S.num(a.reshape(()).item())}"
    return f"mean|{what}| {S.num(mean_abs(a))}"
