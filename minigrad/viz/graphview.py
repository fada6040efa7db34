"""What a graph picture shows for a choice of open groups (and an optional focus), laid out and drawn.

A closed group is one box that stands for everything inside it; an open one is a frame around its contents,
laid out on its own and placed in its parent's layout as one big node (so a layer's calls stay together).
Every node's look at a backward step (classes, colours, the gradient line) is a small dict: the widget sends
only the looks that changed from one step to the next, the full SVG only when the structure changes.
"""

from __future__ import annotations

import bisect
import heapq
from typing import Any

from minigrad.viz import svg as S
from minigrad.viz.graphdata import GradHistory, Graph, shape_text, summary
from minigrad.viz.layout import Box, layered_layout

PAD = 10.0  # inside an open group's frame
HEADER = S.LINE_H + 10  # an open group's title bar
GROUP_STATE_FILL = {"pending": S.PENDING, "partial": "#dff3da", "done": S.DONE, "current": S.CURRENT}
SELECT = "#7b2cbf"
HOT = "#e07000"


class View:
    """The drawn nodes, edges and geometry of `g` with the groups in `open_groups` opened."""

    def __init__(
        self, g: Graph, hist: GradHistory, open_groups: set[str] | frozenset = frozenset(), focus: str = ""
    ) -> None:
        self.g, self.hist, self.focus = g, hist, focus or None
        self.open = set(open_groups) | ({self.focus} if self.focus else set())
        self.rep: dict[str, str] = {}  # any node (call, tensor, copy) -> the drawn node that stands for it
        for nid, n in g.nodes.items():
            if n.kind != "group" and nid not in g.copies:
                self.rep[nid] = self._rep(nid)
        edges = g.draw_edges
        if self.focus:
            inside = {nid for nid in self.rep if self.focus in g.ancestors(nid)}
            vis = {self.rep[x] for x in inside}
            for a, b in edges:
                if (a in inside) != (b in inside):
                    vis.update((self.rep[a], self.rep[b]))
        else:
            vis = set(self.rep.values())
        self.edges = list(
            dict.fromkeys(
                (self.rep[a], self.rep[b])
                for a, b in edges
                if self.rep[a] != self.rep[b] and self.rep[a] in vis and self.rep[b] in vis
            )
        )
        self.frames = sorted(
            {a for v in vis for a in g.ancestors(v)}, key=lambda f: (len(g.ancestors(f)), int(f[1:]))
        )
        index = {nid: i for i, nid in enumerate(g.order)}
        self.key: dict[str, float] = {}
        for nid in list(vis) + self.frames:
            n = g.nodes[nid]
            if n.kind == "group":
                self.key[nid] = min(index[c] for c in g.groups[nid].calls) - 0.5
            elif n.kind == "copy":
                self.key[nid] = index[nid.split("_")[1]] - 0.25
            else:
                self.key[nid] = index[nid]
        self.nodes = sorted(vis, key=self.key.__getitem__)
        # group positions of every call, to tell a closed box's state at any step
        self._calls_at: dict[str, list[int]] = {
            gid: sorted(hist.pos[c] for c in grp.calls if c in hist.pos) for gid, grp in g.groups.items()
        }
        self.lines_max = {nid: self._widest(nid) for nid in self.nodes}
        self._layout()

    def _rep(self, nid: str) -> str:
        g = self.g
        for a in g.ancestors(nid):
            if a not in self.open or (self.focus and g.nodes[a].parent is None and a != self.focus):
                return a
        if nid in g.hidden:
            return self._rep(g.producer[nid])
        return nid

    # --- text ---------------------------------------------------------------------------------------
    def lines(self, nid: str, k: int) -> list[str]:
        g, n = self.g, self.g.nodes[nid]
        if n.kind == "fn":
            made = g.tid[id(n.obj.output())]
            if made in g.hidden:
                return [n.label, "→ " + shape_text(g.nodes[made].shape)]
            return [n.label]
        if n.kind == "copy":
            i, m = g.use[nid]
            return [f"{n.label} · use {i}/{m}"]
        if n.kind == "group":
            grp = g.groups[nid]
            out = g.nodes[grp.output]
            calls = f"{len(grp.calls)} call" + ("s" if len(grp.calls) > 1 else "")
            ls = [f"▸ {n.label}", f"{calls} → {shape_text(out.shape)}"]
            if out.obj.requires_grad:
                ls.append(self.hist.grad_text(grp.output, k))
            return ls
        t = n.obj
        if n.const:
            return [f"const {n.label}"]
        ls = [f"{n.label} {shape_text(n.shape)}", summary(t.data, "data")]
        if t.requires_grad:
            ls.append(self.hist.grad_text(nid, k))
        return ls

    def _widest(self, nid: str) -> list[int]:
        """Longest text of each line over the whole replay, so a box never has to grow."""
        n = self.g.nodes[nid]
        ls = [len(s) for s in self.lines(nid, 0)]
        src = self.g.groups[nid].output if n.kind == "group" else nid
        if n.kind in ("tensor", "group") and self.g.nodes[src].obj.requires_grad:
            ls[-1] = max(len(s) for s in self.hist.grad_texts(src))
        return ls

    # --- layout -------------------------------------------------------------------------------------
    def _layout(self) -> None:
        g = self.g
        size: dict[str, tuple[float, float]] = {}
        for nid in self.nodes:
            widths = self.lines_max[nid]
            size[nid] = (max(max(widths) * S.CHAR_W + 18, 60.0), len(widths) * S.LINE_H + 10)
        items: dict[str | None, list[str]] = {None: []}
        for f in self.frames:
            items[f] = []
        for nid in self.nodes + self.frames:
            items[g.nodes[nid].parent].append(nid)
        level_edges: dict[str | None, dict[tuple[str, str], None]] = {c: {} for c in items}
        self.lifted: dict[tuple[str, str], tuple[str | None, str, str]] = {}
        for a, b in self.edges:
            ca, cb = g.ancestors(a), g.ancestors(b)
            n = 0
            while n < min(len(ca), len(cb)) and ca[n] == cb[n]:
                n += 1
            c = ca[n - 1] if n else None
            la = ca[n] if len(ca) > n else a
            lb = cb[n] if len(cb) > n else b
            level_edges[c][(la, lb)] = None
            self.lifted[(a, b)] = (c, la, lb)
        self.levels: dict[str | None, Any] = {}

        def lay(c: str | None) -> tuple[float, float]:
            for f in items[c]:
                if f in items:
                    w, h = lay(f)
                    size[f] = (w + 2 * PAD, h + HEADER + PAD)
            nodes = self._topo(items[c], list(level_edges[c]))
            L = layered_layout(nodes, list(level_edges[c]), {n: size[n] for n in nodes})
            self.levels[c] = L
            return L.width, L.height

        w, h = lay(None)
        self.boxes: dict[str, Box] = {}
        self.offset: dict[str | None, tuple[float, float]] = {}

        def place(c: str | None, ox: float, oy: float) -> None:
            self.offset[c] = (ox, oy)
            for nid, b in self.levels[c].boxes.items():
                box = Box(b.x + ox, b.y + oy, b.w, b.h)
                self.boxes[nid] = box
                if nid in items:
                    place(nid, box.left + PAD, box.top + HEADER)

        place(None, 0.0, 0.0)
        self.width, self.height = w, h
        self.routes: dict[tuple[str, str], list[tuple[float, float]]] = {}
        routed = {c: {(a, b): pts for a, b, pts in L.edges} for c, L in self.levels.items()}
        for a, b in self.edges:
            c, la, lb = self.lifted[(a, b)]
            ox, oy = self.offset[c]
            pts = [(x + ox, y + oy) for x, y in routed[c][(la, lb)]]
            ba, bb = self.boxes[a], self.boxes[b]
            pts[0], pts[-1] = (ba.x, ba.top), (bb.x, bb.bottom)
            self.routes[(a, b)] = pts

    def _topo(self, nodes: list[str], edges: list[tuple[str, str]]) -> list[str]:
        """Kahn's algorithm, ties broken by recording order: a topological order close to the recording."""
        indeg = dict.fromkeys(nodes, 0)
        succ: dict[str, list[str]] = {n: [] for n in nodes}
        for a, b in edges:
            succ[a].append(b)
            indeg[b] += 1
        heap = [(self.key[n], n) for n in nodes if indeg[n] == 0]
        heapq.heapify(heap)
        out = []
        while heap:
            _, n = heapq.heappop(heap)
            out.append(n)
            for m in succ[n]:
                indeg[m] -= 1
                if indeg[m] == 0:
                    heapq.heappush(heap, (self.key[m], m))
        if len(out) != len(nodes):
            raise RuntimeError("graph view: the grouped graph has a cycle (please report this)")
        return out

    # --- state at a step ----------------------------------------------------------------------------
    def group_state(self, gid: str, k: int) -> str:
        ps = self._calls_at[gid]
        if not ps:
            return "pending"
        i = bisect.bisect_left(ps, k)
        if i < len(ps) and ps[i] == k:
            return "current"
        return "done" if i == len(ps) else "partial" if i > 0 else "pending"

    def look(self, nid: str, k: int, selected: set[str], fresh: set[str]) -> dict:
        """Everything about a node that changes during the replay: classes, colours, texts, title."""
        g, n, hist = self.g, self.g.nodes[nid], self.hist
        ring = {"stroke": SELECT if nid in selected else "none"}
        sel = " mg-selected" if nid in selected else ""
        if n.kind == "fn":
            pos = hist.pos.get(nid, 10**9)
            state = "current" if pos == k else "done" if pos < k else "pending"
            fill = {"current": S.CURRENT, "done": S.DONE, "pending": S.PENDING}[state]
            stroke, sw = ("#c45a00", 3) if state == "current" else ("#555555", 1.2)
            return {
                "c": f"mg-node mg-fn mg-{state}{sel}",
                "s": state,
                "ti": f"{n.label}: {state}",
                "a": {
                    "box": {"fill": fill, "stroke": stroke, "stroke-width": sw},
                    "tb": {"fill": S.text_on(fill)},
                    "ring": ring,
                },
            }
        if n.kind == "group":
            grp = g.groups[nid]
            state = self.group_state(nid, k)
            head = GROUP_STATE_FILL[state]
            stroke, sw = ("#c45a00", 3) if state == "current" else ("#555555", 1.2)
            out = g.nodes[grp.output]
            done = bisect.bisect_left(self._calls_at[nid], k)
            title = f"{n.label}: {state} ({done} of {len(self._calls_at[nid])} calls done)"
            if nid in self.open:
                return {
                    "c": f"mg-node mg-group mg-open mg-{state}{sel}",
                    "s": state,
                    "ti": title + " — click the title bar to close",
                    "a": {
                        "box": {"stroke": stroke, "stroke-width": sw},
                        "head": {"fill": head},
                        "th": {"fill": S.text_on(head)},
                        "ring": ring,
                    },
                }
            kn = hist.known(grp.output, k) if out.obj.requires_grad else None
            fill = hist.color(kn[0]) if kn is not None else S.PENDING
            look = {
                "c": f"mg-node mg-group mg-closed mg-{state}{sel}",
                "s": state,
                "ti": title + " — click the title bar to open",
                "a": {
                    "box": {"fill": fill, "stroke": stroke, "stroke-width": sw},
                    "head": {"fill": head},
                    "th": {"fill": S.text_on(head)},
                    "tb": {"fill": S.text_on(fill)},
                    "ring": ring,
                },
            }
            if out.obj.requires_grad:
                look["t"] = {"gtext": hist.grad_text(grp.output, k)}
            return look
        t = n.obj
        src = nid if n.kind == "tensor" else nid.split("_")[0]
        if not t.requires_grad:
            fill, stroke, sw, dash, state = S.NO_GRAD, "#999999", 1, "3 2", "nograd"
        elif n.kind == "copy":
            fid = nid.split("_")[1]
            arrived = hist.pos.get(fid, 10**9) <= k and nid in hist.sent
            fill = hist.color(hist.sent[nid]) if arrived else S.PENDING
            stroke, sw, dash, state = "#555555", 1.2, "none", "complete" if arrived else "waiting"
        else:
            kn = hist.known(nid, k)
            if kn is None:
                fill, stroke, sw, dash, state = S.PENDING, "#555555", 1.2, "none", "waiting"
            else:
                partial = kn[1] < hist.total_parts(nid)
                fill, stroke, sw = hist.color(kn[0]), "#555555", 1.2
                dash, state = ("5 3", "partial") if partial else ("none", "complete")
        is_fresh = (src in fresh and n.kind == "tensor") or (n.kind == "copy" and nid in fresh)
        if is_fresh:
            stroke, sw = HOT, 3
        if n.kind == "copy":
            i, m = g.use[nid]
            title = f"{n.label} {shape_text(n.shape)}, use {i} of {m}: the gradient sent through this use"
        else:
            title = f"{n.label} {shape_text(n.shape)}: grad {state}"
        look = {
            "c": f"mg-node mg-{n.kind if n.kind == 'copy' else 'tensor'} mg-{state}"
            + (" mg-fresh" if is_fresh else "")
            + sel,
            "s": state,
            "ti": title,
            "a": {
                "box": {"fill": fill, "stroke": stroke, "stroke-width": sw, "stroke-dasharray": dash},
                "tb": {"fill": S.text_on(fill)},
                "ring": ring,
            },
        }
        if n.kind == "tensor" and t.requires_grad and not n.const:
            look["t"] = {"gtext": hist.grad_text(nid, k)}
        return look

    def fresh_at(self, k: int, current: str | None) -> set[str]:
        """Tensors that just got a gradient part at step k, and the copies it went through."""
        out = set(self.hist.fresh.get(k, ()))
        if current:
            out |= {f"{t}_{current}" for t in out if t in self.g.copies}
        return out

    def looks(self, k: int, selected: set[str], current: str | None) -> dict[str, dict]:
        fresh = self.fresh_at(k, current)
        return {nid: self.look(nid, k, selected, fresh) for nid in self.nodes + self.frames}

    # --- drawing ------------------------------------------------------------------------------------
    def svg(self, looks: dict[str, dict], k: int, hot: str | None = None) -> str:
        parts = [
            S.svg_open(self.width, self.height, "mg-graph-svg"),
            '<defs><marker id="mg-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#8a8a8a"/>'
            '</marker><marker id="mg-arrow-hot" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#e07000"/>'
            "</marker></defs>",
        ]
        for f in self.frames:
            parts.append(self._node_svg(f, looks[f], k))
        for (a, b), pts in self.routes.items():
            d = f"M{S.f1(pts[0][0])},{S.f1(pts[0][1])}"
            for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
                ym = (y0 + y1) / 2
                d += f" C{S.f1(x0)},{S.f1(ym)} {S.f1(x1)},{S.f1(ym)} {S.f1(x1)},{S.f1(y1)}"
            on = hot is not None and hot in (a, b)
            color, width, marker = (HOT, 2.2, "mg-arrow-hot") if on else (S.EDGE, 1.2, "mg-arrow")
            parts.append(
                f'<path class="mg-edge{" mg-hot" if on else ""}" data-from="{a}" data-to="{b}" d="{d}" '
                f'fill="none" stroke="{color}" stroke-width="{width}" marker-end="url(#{marker})"/>'
            )
        for nid in self.nodes:
            parts.append(self._node_svg(nid, looks[nid], k))
        parts.append("</svg>")
        return "".join(parts)

    @staticmethod
    def _attrs(d: dict) -> str:
        return "".join(f' {k}="{v}"' for k, v in d.items() if not (k == "stroke-dasharray" and v == "none"))

    def _node_svg(self, nid: str, look: dict, k: int) -> str:
        n, bx = self.g.nodes[nid], self.boxes[nid]
        a = look["a"]
        of = nid.split("_")[0] if n.kind == "copy" else nid
        rx = 10 if n.kind in ("tensor", "copy") else 3
        out = [
            f'<g id="mg-node-{nid}" class="{look["c"]}" data-of="{of}" data-label="{S.esc(n.label)}" '
            f'data-state="{look["s"]}"><title>{S.esc(look["ti"])}</title>',
            f'<rect class="mg-ring" x="{S.f1(bx.left - 4)}" y="{S.f1(bx.top - 4)}" '
            f'width="{S.f1(bx.w + 8)}" height="{S.f1(bx.h + 8)}" rx="{rx + 3}" fill="none" '
            f'stroke-width="2.5"{self._attrs(a["ring"])}/>',
        ]
        if n.kind == "group" and nid in self.open:
            out.append(
                f'<rect class="mg-box" x="{S.f1(bx.left)}" y="{S.f1(bx.top)}" width="{S.f1(bx.w)}" '
                f'height="{S.f1(bx.h)}" rx="4" fill="#f7f7fb"{self._attrs(a["box"])}/>'
            )
            out.append(
                f'<rect class="mg-head mg-toggle" x="{S.f1(bx.left)}" y="{S.f1(bx.top)}" '
                f'width="{S.f1(bx.w)}" height="{S.f1(HEADER - 4)}" rx="4"{self._attrs(a["head"])}/>'
            )
            out.append(
                S.text(
                    bx.left + 8,
                    bx.top + S.LINE_H,
                    f"▾ {n.label}",
                    anchor="start",
                    weight="bold",
                    fill=a["th"]["fill"],
                    cls="mg-th mg-toggle",
                )
            )
            out.append("</g>")
            return "".join(out)
        out.append(
            f'<rect class="mg-box" x="{S.f1(bx.left)}" y="{S.f1(bx.top)}" width="{S.f1(bx.w)}" '
            f'height="{S.f1(bx.h)}" rx="{rx}"{self._attrs(a["box"])}/>'
        )
        lines = self.lines(nid, k)
        y0 = bx.top + 5 + S.LINE_H - 3
        if n.kind == "group":
            out.append(
                f'<rect class="mg-head mg-toggle" x="{S.f1(bx.left)}" y="{S.f1(bx.top)}" '
                f'width="{S.f1(bx.w)}" height="{S.f1(S.LINE_H + 5)}" rx="{rx}"{self._attrs(a["head"])}/>'
            )
        for i, line in enumerate(lines):
            on_head = n.kind == "group" and i == 0
            cls = "mg-th mg-toggle" if on_head else "mg-tb"
            if i == len(lines) - 1 and "t" in look:
                cls += " mg-gtext"
            fill = a["th"]["fill"] if on_head else a["tb"]["fill"]
            weight = "bold" if i == 0 else "normal"
            out.append(S.text(bx.x, y0 + i * S.LINE_H, line, fill=fill, weight=weight, cls=cls))
        out.append("</g>")
        return "".join(out)
