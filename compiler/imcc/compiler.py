"""The compile driver: ONNX -> passes -> package + manifest (docs/compiler.md)."""
import json
import os
import time

import numpy as np

from . import CompileError, __version__, quantize, reference
from . import soc as soc_mod
from .backend import package
from .frontend import evaluate, lower, onnx_loader
from .passes import attention, cost, pack, partition, place, reload, replicate, schedule, segment

MAX_WINDOW = 16


def load_npz(path, what, model_shape):
    try:
        z = np.load(path)
    except Exception as e:  # noqa: BLE001
        raise CompileError(f"{path}: cannot read {what} ({str(e).splitlines()[0][:80]})")
    if "images" not in z:
        raise CompileError(f"{path}: no 'images' array (keys: {', '.join(z.files) or 'none'})")
    im = z["images"]
    want = tuple(model_shape[1:])
    if im.ndim != len(want) + 1 or tuple(im.shape[1:]) != want:
        raise CompileError(f"{path}: images shape {list(im.shape)}, expected [N, "
                           f"{', '.join(map(str, want))}] (the model input with a batch axis)")
    if im.dtype.kind != "f" or len(im) == 0:
        raise CompileError(f"{path}: images must be a non-empty float array")
    labels = None
    if "labels" in z:
        labels = z["labels"]
        if labels.shape != (len(im),) or labels.dtype.kind not in "iu":
            raise CompileError(f"{path}: labels shape {list(labels.shape)} dtype {labels.dtype}"
                               f", expected int [{len(im)}]")
        if labels.min() < 0 or labels.max() > 255:
            raise CompileError(f"{path}: labels outside 0..255")
    return im.astype(np.float32), labels


def frontend(model_path):
    g = onnx_loader.load(model_path)
    m = lower.lower(g)
    m.layer_by_name = {L.name: L for L in m.layers}
    return g, m


def compile_model(model_path, soc_path, out_path, mode="throughput", inputs=None, calib=None,
                  replicate_policy="auto", placement="hops", tiles_max=None, argv=None,
                  loops=True, pack_policy="auto", window_max=MAX_WINDOW, stage_rows=True,
                  attention_policy="auto"):
    t_start = time.time()
    soc = soc_mod.load(soc_path)
    g, m = frontend(model_path)
    m.staged_chain = stage_rows
    shape = m.onnx_input_shape
    images, labels = (None, None)
    if inputs:
        images, labels = load_npz(inputs, "inputs", shape)
    cal = load_npz(calib, "calibration images", shape)[0] if calib else images
    if cal is None:
        raise CompileError("no calibration images: give --inputs or --calib")
    passes = [{"pass": "frontend", "model": os.path.basename(model_path), "opset": g.opset,
               "onnx_nodes": len(g.nodes), "layers": len(m.layers),
               "kinds": {k: sum(1 for L in m.layers if L.kind == k)
                         for k in sorted({L.kind for L in m.layers})},
               "host_ops": m.host_ops}]
    quantize.quantize(m, [x[None] for x in cal])
    passes.append({"pass": "quantize", "calibration_images": len(cal),
                   "input_scale": m.input_scale,
                   "layers": {L.name: {"shift": int(L.shift), "requant": L.requant,
                                       "out_scale": m.tensors[L.output].scale}
                              for L in m.layers}})
    tiles_avail = len(soc.tiles) if tiles_max is None else min(tiles_max, len(soc.tiles))
    if tiles_avail < 1:
        raise CompileError("--tiles-max must be at least 1")
    blocks, info = partition.run(m, soc)
    passes.append(info)
    passes.append(attention.run(m, soc, tiles_avail, len(blocks), attention_policy))
    passes.append(segment.run(m))
    if m.segmented:   # host stages between tile stages: weights resident, one block per tile
        replicate_policy, pack_policy = "none", "none"
    blocks, info = replicate.run(m, blocks, soc, tiles_avail, mode, replicate_policy,
                                 pack_policy)
    passes.append(info)
    bins, info = pack.run(m, blocks, soc, tiles_avail, pack_policy)
    passes.append(info)
    n_in = len(images) if images is not None else 0
    if window_max < 1 or window_max > 1024:
        raise CompileError("--window must be 1..1024")
    window = 1 if mode == "latency" else max(1, min(window_max, n_in or 1))
    phases, info = reload.run(m, blocks, soc, tiles_avail, n_in, window, bins)
    passes.append(info)
    passes.append(place.run(m, phases, soc, tiles_avail, placement))
    att_tile = attention.assign_tile(m, phases, soc, tiles_avail)
    if att_tile is not None:
        passes[-1]["attention_tile"] = att_tile
    sched, progs, info = schedule.run(m, phases, soc, mode, window, loops)
    passes.append(info)
    # int8 reference (what the tiles compute) and float model on the inputs
    xq, expected, acc = [], [], {}
    if images is not None:
        fl_pred, q_pred = [], []
        for x in images:
            q = quantize.quantize_input(m, x[None])
            xq.append(q)
            y = reference.int8_forward(m, q, m.row_groups)[m.output].reshape(-1)
            expected.append(y)
            q_pred.append(int(np.argmax(y * m.output_scales)))
            if labels is not None:
                fl_pred.append(int(np.argmax(evaluate.evaluate(g, x[None]).reshape(-1))))
        if labels is not None:
            acc = {"float": float(np.mean(np.asarray(fl_pred) == labels)),
                   "int8": float(np.mean(np.asarray(q_pred) == labels))}
    host_ns = sum(schedule_host_cost(o, m) for o in m.host_ops + ["argmax"])
    hinfo = {"pass": "host", "ops": m.host_ops + ["argmax"], "est_ns_per_input": host_ns}
    if m.segmented:
        hinfo.update(cost.host_layers_report(m, sched, info))
    passes.append(hinfo)
    name = os.path.splitext(os.path.basename(model_path))[0]
    buf, h, layout = package.build(soc, sched, progs, m, xq, labels, expected, mode, window,
                                   name)
    passes.append({"pass": "backend", "bytes": len(buf), "load_addr": hex(h["load_addr"]),
                   "checksum": hex(h["checksum"])})
    manifest = {
        "imcc": __version__, "format_version": package.VERSION, "model": model_path,
        "soc": {"config": soc_path, "tiles": soc.describe(), "n_tiles": len(soc.tiles),
                "topology": soc.topology, "nodes": soc.nodes},
        "argv": argv or [], "mode": mode, "load_addr": hex(h["load_addr"]),
        "load": f"{os.path.basename(out_path)}@{h['load_addr']:#x}",
        "header": {k: (v.decode().rstrip("\0") if isinstance(v, bytes) else v)
                   for k, v in h.items()},
        "layout": layout, "inputs": n_in, "accuracy": acc, "passes": passes,
        "programs": [{"tile": p.tile, "phase": p.phase,
                      "kind": ["setup", "body", "sync"][p.kind], "descriptors": len(p.words),
                      **({"loop": p.loop, "loop_note": p.loop_note} if p.kind == 1 else {}),
                      "tasks": p.notes} for p in sorted(progs, key=lambda p: (p.phase, p.kind,
                                                                              p.tile))],
        "compile_time_s": round(time.time() - t_start, 3)}
    tmp = out_path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(buf)
    with open(out_path + ".json.tmp", "w") as f:
        json.dump(manifest, f, indent=1, default=_json_default)
    os.replace(tmp, out_path)
    os.replace(out_path + ".json.tmp", out_path + ".json")
    return manifest


def schedule_host_cost(op, m):
    from .passes.cost import HOST_NS_PER_ELEM
    t = m.tensors[m.output]
    return HOST_NS_PER_ELEM.get(op, 10.0) * t.h * t.w * t.c


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)
