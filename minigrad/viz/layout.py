"""A small layered ("Sugiyama") graph layout in pure Python, so drawing a graph needs no Graphviz binary.

Steps: ranks from a topological order (longest path, then each node as late as its consumers allow),
dummy nodes on edges that skip ranks, barycentre sweeps to reduce crossings, then x positions from the
neighbours' mean with an order-keeping packing, so no two nodes of a rank overlap. All deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Box:
    """A placed node: centre (x, y) and size, in SVG pixels."""

    x: float
    y: float
    w: float
    h: float

    @property
    def left(self) -> float:
        return self.x - self.w / 2

    @property
    def right(self) -> float:
        return self.x + self.w / 2

    @property
    def top(self) -> float:
        return self.y - self.h / 2

    @property
    def bottom(self) -> float:
        return self.y + self.h / 2


@dataclass
class Layout:
    boxes: dict[str, Box]
    edges: list[tuple[str, str, list[tuple[float, float]]]]  # (source, target, polyline points)
    width: float
    height: float
    ranks: dict[str, int] = field(default_factory=dict)


def layered_layout(
    nodes: list[str],
    edges: list[tuple[str, str]],
    sizes: dict[str, tuple[float, float]],
    *,
    hgap: float = 24.0,
    vgap: float = 34.0,
    margin: float = 12.0,
    sweeps: int = 8,
    bottom_to_top: bool = True,
) -> Layout:
    """Place `nodes` (given in topological order: every edge goes from an earlier to a later node).

    With `bottom_to_top` the sources sit at the bottom and the sinks (a loss) at the top, as in the usual
    drawings of networks, so the start of a backward pass is on screen first.
    """
    index = {n: i for i, n in enumerate(nodes)}
    for a, b in edges:
        if index[a] >= index[b]:
            raise ValueError(f"layered_layout: edge {a} -> {b} goes against the given topological order")
    preds: dict[str, list[str]] = {n: [] for n in nodes}
    succs: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        succs[a].append(b)
        preds[b].append(a)

    rank: dict[str, int] = {}
    for n in nodes:
        rank[n] = 1 + max((rank[p] for p in preds[n]), default=-1)
    for n in reversed(nodes):  # then as late as possible: side chains (a weight and its transpose) sit
        if succs[n]:  # just below their first consumer instead of at the very bottom
            rank[n] = min(rank[s] for s in succs[n]) - 1
    low = min(rank.values(), default=0)
    rank = {n: r - low for n, r in rank.items()}

    # Dummy nodes split long edges into one-rank hops, so crossings can be counted and bent around.
    size = dict(sizes)
    chain: dict[tuple[str, str], list[str]] = {}
    up: dict[str, list[str]] = {n: [] for n in nodes}  # neighbours one rank lower
    down: dict[str, list[str]] = {n: [] for n in nodes}  # neighbours one rank higher
    all_rank = dict(rank)
    for k, (a, b) in enumerate(edges):
        path = [a]
        for r in range(rank[a] + 1, rank[b]):
            d = f"_d{k}_{r}"
            all_rank[d] = r
            size[d] = (4.0, 4.0)
            up[d], down[d] = [], []
            path.append(d)
        path.append(b)
        for u, v in zip(path, path[1:]):
            down[u].append(v)
            up[v].append(u)
        chain[(a, b)] = path

    nranks = max(all_rank.values(), default=-1) + 1
    layers: list[list[str]] = [[] for _ in range(nranks)]
    order_key = {n: (index.get(n, len(nodes)), n) for n in all_rank}
    for n in sorted(all_rank, key=lambda n: order_key[n]):
        layers[all_rank[n]].append(n)

    def crossings(ls: list[list[str]]) -> int:
        total = 0
        for r in range(len(ls) - 1):
            pos = {n: i for i, n in enumerate(ls[r + 1])}
            ends = [pos[v] for i, u in enumerate(ls[r]) for v in sorted(down[u], key=pos.__getitem__)]
            total += sum(1 for i in range(len(ends)) for j in range(i + 1, len(ends)) if ends[i] > ends[j])
        return total

    def sweep(ls: list[list[str]], downward: bool) -> list[list[str]]:
        ls = [list(layer) for layer in ls]
        rng = range(1, len(ls)) if downward else range(len(ls) - 2, -1, -1)
        for r in rng:
            ref = ls[r - 1] if downward else ls[r + 1]
            pos = {n: i for i, n in enumerate(ref)}
            nbrs = up if downward else down
            bary = {}
            for i, n in enumerate(ls[r]):
                ps = [pos[m] for m in nbrs[n] if m in pos]
                bary[n] = sum(ps) / len(ps) if ps else float(i)
            ls[r] = sorted(ls[r], key=lambda n: (bary[n], ls[r].index(n)))
        return ls

    best, best_c = layers, crossings(layers)
    cur = layers
    for i in range(sweeps):
        cur = sweep(cur, downward=i % 2 == 0)
        c = crossings(cur)
        if c < best_c:
            best, best_c = cur, c
    layers = best

    # x: start packed, then pull every node towards its neighbours' mean, repacking each rank after.
    x: dict[str, float] = {}
    for layer in layers:
        pos = 0.0
        for n in layer:
            w = size[n][0]
            x[n] = pos + w / 2
            pos += w + hgap

    def pack(layer: list[str], want: dict[str, float]) -> None:
        """Closest order-keeping, non-overlapping placement: the mean of a right-pushing and a left-pushing
        pass (each keeps every gap, so their average does too)."""
        gap = [(size[a][0] + size[b][0]) / 2 + hgap for a, b in zip(layer, layer[1:])]
        right, left = [0.0] * len(layer), [0.0] * len(layer)
        for i, n in enumerate(layer):
            right[i] = want[n] if i == 0 else max(want[n], right[i - 1] + gap[i - 1])
        for i in range(len(layer) - 1, -1, -1):
            n = layer[i]
            left[i] = want[n] if i == len(layer) - 1 else min(want[n], left[i + 1] - gap[i])
        for i, n in enumerate(layer):
            x[n] = (right[i] + left[i]) / 2

    for it in range(6):
        for r in range(nranks) if it % 2 == 0 else range(nranks - 1, -1, -1):
            want = {}
            for n in layers[r]:
                nb = up[n] + down[n]
                want[n] = sum(x[m] for m in nb) / len(nb) if nb else x[n]
            pack(layers[r], want)

    left = min((x[n] - size[n][0] / 2 for n in all_rank), default=0.0)
    for n in x:
        x[n] += margin - left
    width = max((x[n] + size[n][0] / 2 for n in all_rank), default=0.0) + margin

    rank_h = [max((size[n][1] for n in layer), default=0.0) for layer in layers]
    y_of_rank: list[float] = [0.0] * nranks
    pos = margin
    order = range(nranks - 1, -1, -1) if bottom_to_top else range(nranks)
    for r in order:
        y_of_rank[r] = pos + rank_h[r] / 2
        pos += rank_h[r] + vgap
    height = pos - vgap + margin

    boxes = {n: Box(x[n], y_of_rank[all_rank[n]], *size[n]) for n in all_rank}
    routed = []
    for a, b in edges:
        pts = []
        for i, n in enumerate(chain[(a, b)]):
            bx = boxes[n]
            if i == 0:
                pts.append((bx.x, bx.top if bottom_to_top else bx.bottom))
            elif i == len(chain[(a, b)]) - 1:
                pts.append((bx.x, bx.bottom if bottom_to_top else bx.top))
            else:
                pts.append((bx.x, bx.y))
        routed.append((a, b, pts))
    return Layout({n: boxes[n] for n in nodes}, routed, width, height, {n: rank[n] for n in nodes})
