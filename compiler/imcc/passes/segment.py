"""segment: models with host layers (Transformers: layer norm, GELU, softmax, Q.K^T and
softmax.V on the host core; docs/transformers.md) run as a sequence of tile stages with host
steps between them.

A tile layer's segment is the largest over its inputs of (the producer's segment, + 1 when the
producer is a host layer); a host layer's segment is the largest of its producers' segments
(it runs after that stage, after the host layers before it in layer order). Each segment is one
phase of the package: the runtime runs, per window, phase p's body programs for every input
of the window, then phase p's host steps for every input, then phase p + 1. The weights stay
resident: every block has its own tile for the whole run and is programmed once (package flag
RESIDENT), so such a model must fit the tiles (blocks <= T) — there is no reprogramming
between segments. Without host layers everything is segment 0 and nothing changes.

Cost model (reported per host layer and per segment): host time = operations x the core's
cycles per operation (cost.HOST_CYCLES) x its cycle time; the tile stage's time is the
schedule pass's estimate for that phase."""
from .. import CompileError


def run(model):
    host = [L for L in model.layers if L.kind == "host"]
    model.segmented = bool(host)
    if not host:
        for L in model.layers:
            L.segment = 0
        return {"pass": "segment", "segments": 1, "host_layers": 0}
    seg, by_host = {}, {}

    def root(n):
        t = model.tensors[n]
        return root(t.alias_of) if t.alias_of else n

    for L in model.layers:
        ins = [root(i) for i in L.inputs]
        if L.kind == "host":
            L.segment = max([seg.get(i, 0) for i in ins] or [0])
        else:
            L.segment = max([seg.get(i, 0) + (1 if by_host.get(i) else 0) for i in ins] or [0])
        seg[L.output] = L.segment
        by_host[L.output] = L.kind == "host"
    n = max(L.segment for L in model.layers) + 1
    out = model.producer(model.output)
    if out is not None and out.kind == "host":
        raise CompileError(f"layer '{out.name}': the model output is computed on the host")
    per = []
    for s in range(n):
        per.append({"segment": s,
                    "tile_layers": [L.name for L in model.layers
                                    if L.segment == s and L.kind != "host"],
                    "host_layers_after": [f"{L.name} ({L.host_op})" for L in model.layers
                                          if L.segment == s and L.kind == "host"]})
    return {"pass": "segment", "segments": n, "host_layers": len(host), "per_segment": per}
