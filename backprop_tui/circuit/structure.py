"""Columns, order and rows: the circuit's topology, independent of how wide any text is.

- Column (layer): the longest path from the leaves; a leaf sits in the column just before its first
  consumer (not all in column 0): its wire stays short and the drawing compact.
- Far uses: a use is drawn as a wire when it is at most SPAN_MAX columns away and among the FANOUT_MAX
  nearest uses of that value; any other use is a stub, a port named after the value at the consumer
  (`w3 ─∂=2─▶`), and the definition lists its far uses. So bench/step_time.py's 100 leaves, each read
  along a 900-column chain, cost one short wire each instead of ~740,000 pass-through cells.
- A drawn wire longer than one column passes through the columns between on its own row (a pass-through
  slot: one per value and column, shared by all its long wires).
- Order within a column: barycentre sweeps (mean position of what feeds a slot), ties by source order,
  so the drawing is deterministic; a leaf takes a place beside its consumer's other inputs, alternately
  below and above, so a chain's leaves hug it.
- Rows: each column is a stack of slots (a node takes its wire row, the value row above, the gradient row
  below and its ports' rows); rows are the least-squares fit, under the stacking order, to the rows of
  its neighbours (isotonic regression by pool-adjacent-violators), a few sweeps left and right.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backprop_tui.circuit.model import Model

SPAN_MAX = 4  # columns: a use further away is a stub
FANOUT_MAX = 4  # a value keeps at most this many drawn uses (the nearest); the rest are stubs
SWEEPS = 4
MAIN = 4  # how much harder a wire between computed values pulls than a leaf's


@dataclass(slots=True)
class Port:
    """Where one input enters its node; `share` keeps the row below free for the branch's gradient."""

    src: str
    drawn: bool
    share: bool = False
    row: int = 0


@dataclass(eq=False)
class Slot:
    """One thing in a column: a node, or a wire passing through (`node` False)."""

    key: str
    src: str  # the node whose value this slot's wire carries
    layer: int
    node: bool
    index: int  # source order of src: ties in the ordering
    row: int = 0  # the wire row
    above: int = 1  # rows the slot takes above its wire row
    below: int = 1
    ports: list[Port] = field(default_factory=list)
    preds: list[Slot] = field(default_factory=list)
    succs: list[Slot] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)  # each port's row less the wire row
    offset_of: dict[str, int] = field(default_factory=dict)  # the same, by the port's source
    pulls: list[tuple[Slot, int, int]] = field(default_factory=list)  # (neighbour, d, weight): it wants
    # its row at neighbour.row + d
    pull: int = 0  # the pulls' weights, summed


@dataclass
class Structure:
    model: Model
    layers: list[list[Slot]]
    slots: dict[str, Slot]  # node name -> its slot
    drawn: dict[str, list[str]]  # value -> the consumers its wires reach
    stubs: dict[str, list[str]]  # value -> the consumers that show it as a stub
    passes: dict[tuple[str, int], Slot]  # (value, layer) -> pass-through slot
    height: int = 0
    wires: set[tuple[str, str]] = field(default_factory=set)  # (src, dst) of every drawn use

    def edge_drawn(self, src: str, dst: str) -> bool:
        return (src, dst) in self.wires


def ranks(model: Model) -> dict[str, int]:
    rank: dict[str, int] = {}
    for n in model.nodes:  # source order is a topological order
        rank[n.name] = 1 + max(rank[i] for i in n.inputs) if n.inputs else 0
    for n in model.nodes:
        uses = model.consumers.get(n.name)
        if n.is_leaf and uses:
            rank[n.name] = min(rank[c] for c in uses) - 1
    return rank


def structure_of(model: Model) -> Structure:
    rank = ranks(model)
    index = {n.name: n.index for n in model.nodes}
    drawn: dict[str, list[str]] = {}
    stubs: dict[str, list[str]] = {}
    for n in model.nodes:
        uses = sorted(model.consumers.get(n.name, ()), key=lambda c: (rank[c] - rank[n.name], index[c]))
        near = [c for c in uses if rank[c] - rank[n.name] <= SPAN_MAX][:FANOUT_MAX]
        far = [c for c in uses if c not in near]
        if near:
            drawn[n.name] = near
        if far:
            stubs[n.name] = sorted(far, key=index.__getitem__)
    depth = max(rank.values(), default=-1) + 1
    layers: list[list[Slot]] = [[] for _ in range(depth)]
    slots: dict[str, Slot] = {}
    for n in model.nodes:
        s = Slot(n.name, n.name, rank[n.name], True, n.index)
        slots[n.name] = s
        layers[s.layer].append(s)
    passes: dict[tuple[str, int], Slot] = {}
    for src, targets in drawn.items():
        last = max(rank[c] for c in targets)
        prev = slots[src]
        for layer in range(rank[src] + 1, last):
            p = Slot(f"{src}→{layer}", src, layer, False, index[src], above=0, below=0)
            passes[(src, layer)] = p
            layers[layer].append(p)
            _link(prev, p)
            prev = p
    for n in model.nodes:
        v = slots[n.name]
        for src in n.inputs:
            if n.name in drawn.get(src, ()):
                before = v.layer - 1
                _link(slots[src] if slots[src].layer == before else passes[(src, before)], v)
    wires = {(src, dst) for src, dsts in drawn.items() for dst in dsts}
    st = Structure(model, layers, slots, drawn, stubs, passes, wires=wires)
    order(st)
    place(st)
    return st


def _link(a: Slot, b: Slot) -> None:
    a.succs.append(b)
    b.preds.append(a)


# -- order ------------------------------------------------------------------------------------------
def order(st: Structure) -> None:
    """Barycentre sweeps downstream; a slot with nothing before it hugs its consumer's other inputs.
    The first column, all leaves, then follows the order of what its leaves feed."""
    for layer in st.layers:
        layer.sort(key=lambda s: (s.index, not s.node))
        _number(layer)
    for _ in range(2):
        for layer in st.layers[1:]:
            _sort_layer(layer)
            _number(layer)
        if st.layers:
            first = st.layers[0]
            first.sort(key=lambda s: (min((c.row for c in s.succs), default=s.row), s.index))
            _number(first)


def _number(layer: list[Slot]) -> None:
    for i, s in enumerate(layer):
        s.row = i


def _sort_layer(layer: list[Slot]) -> None:
    pos = {id(s): i for i, s in enumerate(layer)}
    bary: dict[int, float] = {}
    for s in layer:
        if s.preds:
            bary[id(s)] = sum(_position(p) for p in s.preds) / len(s.preds)
    for s in layer:
        if s.preds:
            continue
        bary[id(s)] = _hug(s, bary, pos)
    layer.sort(key=lambda s: (bary[id(s)], s.index))


def _position(s: Slot) -> float:
    return s.row  # during the sweeps, a slot's row is its index in its column


def _hug(s: Slot, bary: dict[int, float], pos: dict[int, int]) -> float:
    """A leaf beside its first consumer's inputs that have a barycentre: alternately below and above."""
    for consumer in s.succs:
        anchored = [p for p in consumer.preds if p.preds and id(p) in bary]
        if not anchored:
            continue
        centre = sum(bary[id(p)] for p in anchored) / len(anchored)
        leaves = [p for p in consumer.preds if not p.preds]
        k = leaves.index(s)
        step = (k // 2 + 1) * 0.01
        return centre + (step if k % 2 == 0 else -step)
    return float(pos[id(s)])


# -- rows -------------------------------------------------------------------------------------------
def place(st: Structure) -> None:
    _ports(st, by_row=False)
    _stack(st)
    for sweep in range(SWEEPS):
        _fit_all(st, forward=sweep % 2 == 0)
        if sweep == 1:
            _ports(st, by_row=True)  # now that sources have rows: ports in the order of their wires
    _fit_all(st, forward=True)
    top = min((s.row - s.above for layer in st.layers for s in layer), default=0)
    bottom = 0
    for layer in st.layers:
        for s in layer:
            s.row -= top
            for p in s.ports:
                p.row -= top
            bottom = max(bottom, s.row + s.below + 1)
    st.height = bottom


def _ports(st: Structure, by_row: bool) -> None:
    """Each node's ports: drawn wires in the middle (in the order of their source rows), stubs around
    them, alternately above and below, so the wire of a chain runs straight through."""
    wires, drawn_of = st.wires, st.drawn
    for n in st.model.nodes:
        s = st.slots[n.name]
        if n.is_leaf:
            continue
        drawn = [src for src in n.inputs if (src, n.name) in wires]
        if by_row:
            if len(drawn) < 2:
                continue  # one wire or none: the same ports as before
            row = {p.src: p.row for p in s.preds}
            drawn.sort(key=row.__getitem__)
        stubbed = [src for src in n.inputs if (src, n.name) not in wires]
        names = stubbed[0::2][::-1] + drawn + stubbed[1::2] if stubbed else drawn
        s.ports = [Port(src, (src, n.name) in wires, (src, n.name) in wires and len(drawn_of[src]) > 1)
                   for src in names]
        offsets, at = [], 0
        for p in s.ports:
            offsets.append(at)
            at += 2 if p.share else 1
        mid = offsets[_output_port(s)]
        s.offsets = [off - mid for off in offsets]
        s.offset_of = {p.src: off for p, off in zip(s.ports, s.offsets, strict=True)}
        s.above = max(1, -s.offsets[0])
        s.below = max(1, s.offsets[-1] + (1 if s.ports[-1].share else 0))
        for p, off in zip(s.ports, s.offsets, strict=True):
            p.row = s.row + off
    _pulls(st)


def _output_port(s: Slot) -> int:
    """The port level with the node's own wire: that of a computed input (a chain's wire runs straight
    through), the one nearest the middle; else the middle port."""
    middle = len(s.ports) // 2
    carried = {p.src for p in s.preds if p.preds}
    main = [i for i, p in enumerate(s.ports) if p.drawn and p.src in carried]
    return min(main, key=lambda i: (abs(i - middle), i)) if main else middle


def _pulls(st: Structure) -> None:
    """What each slot's row is fitted to: its sources' wire rows (less its port's offset) and the rows of
    the ports it feeds. A wire between two computed values (a chain) pulls MAIN times harder than a
    leaf's, so the chain runs straight and its leaves bend to it."""
    for layer in st.layers:
        for s in layer:
            pulls: list[tuple[Slot, int, int]] = []
            computed = bool(s.preds)
            offset = s.offset_of if s.node and s.ports else {}
            for p in s.preds:
                pulls.append((p, -offset.get(p.src, 0), MAIN if computed and p.preds else 1))
            weight = MAIN if computed else 1
            for c in s.succs:
                pulls.append((c, c.offset_of[s.src] if c.node else 0, weight))
            s.pulls = pulls
            s.pull = sum(w for _, _, w in pulls)


def _stack(st: Structure) -> None:
    for layer in st.layers:
        at = 0
        for s in layer:
            s.row = at + s.above
            at = s.row + s.below + 1
        _sync_ports(layer)


def _sync_ports(layer: list[Slot]) -> None:
    for s in layer:
        for p, off in zip(s.ports, s.offsets, strict=True):
            p.row = s.row + off


def _fit_all(st: Structure, forward: bool) -> None:
    layers = st.layers if forward else st.layers[::-1]
    for layer in layers:
        if layer:
            _fit(layer)


def _desired(s: Slot) -> float:
    """The row that would make this slot's wires straight, averaged over its wires."""
    if not s.pull:
        return float(s.row)
    return sum((o.row + d) * w for o, d, w in s.pulls) / s.pull


def _fit(layer: list[Slot]) -> None:
    """Rows as close as possible (least squares) to the desired ones, keeping the stacking order and
    the slots apart: pool-adjacent-violators on the rows less each slot's stacking offset."""
    offsets, at = [], 0
    for i, s in enumerate(layer):
        if i:
            at += layer[i - 1].below + s.above + 1
        offsets.append(at)
    target = [_desired(s) - off for s, off in zip(layer, offsets, strict=True)]
    fitted = _pava(target)
    prev = None
    for s, z, off in zip(layer, fitted, offsets, strict=True):
        row = round(z + off)
        if prev is not None:
            row = max(row, prev.row + prev.below + s.above + 1)
        s.row = row
        prev = s
    _sync_ports(layer)


def _pava(y: list[float]) -> list[float]:
    """The non-decreasing sequence closest to y in least squares (pool adjacent violators)."""
    blocks: list[list[float]] = []  # [sum, count]
    for v in y:
        blocks.append([v, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            s, c = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += c
    out: list[float] = []
    for s, c in blocks:
        out.extend([s / c] * int(c))
    return out
