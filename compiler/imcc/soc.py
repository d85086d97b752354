"""The SoC as the compiler sees it, read from an imcvp YAML configuration (the keys of
docs/config-reference.md; what the file leaves out takes the platform defaults of
platform/platform_config.h). Endpoint placement on the NoC follows platform/soc.cpp: explicit
noc.endpoints first, then host on node 0, DRAM controllers from the last node backwards, tile
i on node 1 + i (or the first free node)."""
import os
import struct
from collections import deque
from dataclasses import dataclass, field
from typing import List

from . import CompileError

TILE_DEFAULTS = [{"kind": "analog"}, {"kind": "digital"}]


def _tsv_value(text):
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text, text)


def _read_tile_defaults():
    """Every tile key's default, as the simulator declares it (models/imc/tile_config.h).
    tile_defaults.tsv is generated, never edited:
      build/imcvp run --list-params=tsv | grep '^tiles\\[\\]\\.' | cut -f1,2 \\
          > compiler/imcc/tile_defaults.tsv
    and the test Run.CompilerTileDefaultsAreUpToDate fails when it is stale."""
    out = {}
    path = os.path.join(os.path.dirname(__file__), "tile_defaults.tsv")
    with open(path) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("\t")
            parts = key[len("tiles[]."):].split(".")
            d = out
            for p in parts[:-1]:
                d = d.setdefault(p, {})
            d[parts[-1]] = _tsv_value(value)
    return out


# The tile defaults (all keys); cost models and the package read the merged tile.
DEFAULT_TILE = _read_tile_defaults()
KIND_CODE = {"analog": 0, "digital": 1}


def _merge(base, over):
    out = dict(base)
    for k, v in (over or {}).items():
        out[k] = _merge(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) \
            else v
    return out


def _int(v):
    return int(v, 0) if isinstance(v, str) else int(v)


@dataclass
class Soc:
    path: str
    tiles: List[dict]
    tile_base: int
    tile_stride: int
    dram_base: int
    dram_size: int
    topology: str
    nodes: int
    host_node: int
    dram_node: int
    tile_nodes: List[int]
    dist: List[List[int]] = field(repr=False, default=None)
    interconnect: str = "noc"

    def hops(self, a, b):
        return self.dist[a][b]

    def tile_addr(self, i, off=0):
        return self.tile_base + i * self.tile_stride + off

    def fingerprint(self):
        """Tile table bytes: per tile kind u8, 0, rows u16, cols u16, 0 u16."""
        return b"".join(struct.pack("<BBHHH", KIND_CODE[t["kind"]], 0, t["rows"], t["cols"], 0)
                        for t in self.tiles)

    def describe(self):
        kinds = {}
        for t in self.tiles:
            k = f"{t['kind']} {t['rows']}x{t['cols']}"
            kinds[k] = kinds.get(k, 0) + 1
        return ", ".join(f"{n} x {k}" for k, n in kinds.items())


def _grid_dist(topo, nx, ny, n):
    def xy(i):
        return i % nx, i // nx
    d = [[0] * n for _ in range(n)]
    for a in range(n):
        ax, ay = xy(a)
        for b in range(n):
            bx, by = xy(b)
            dx, dy = abs(ax - bx), abs(ay - by)
            if topo == "torus":
                dx, dy = min(dx, nx - dx), min(dy, ny - dy)
            d[a][b] = dx + dy
    return d


def _bfs_dist(n, adj):
    d = []
    for s in range(n):
        dist = [10 ** 6] * n
        dist[s] = 0
        q = deque([s])
        while q:
            u = q.popleft()
            for v in adj[u]:
                if dist[v] > dist[u] + 1:
                    dist[v] = dist[u] + 1
                    q.append(v)
        d.append(dist)
    return d


def load(path, overrides=None):
    import yaml
    try:
        with open(path) as f:
            cfg = yaml.safe_load(f) or {}
    except OSError as e:
        raise CompileError(f"{path}: {e.strerror}")
    except yaml.YAMLError as e:
        raise CompileError(f"{path}: not valid YAML ({str(e).splitlines()[0]})")
    if not isinstance(cfg, dict):
        raise CompileError(f"{path}: not a configuration mapping")
    return from_dict(cfg, path)


def from_dict(cfg, path="<config>"):
    tiles = cfg.get("tiles", TILE_DEFAULTS)
    if not isinstance(tiles, list):
        raise CompileError(f"{path}: tiles: expected a list")
    tl = []
    for i, t in enumerate(tiles):
        t = _merge(DEFAULT_TILE, t or {})
        t.setdefault("kind", "analog")
        if t["kind"] not in KIND_CODE:
            raise CompileError(f"{path}: tiles[{i}].kind: '{t['kind']}' (analog|digital)")
        t["rows"], t["cols"] = int(t["rows"]), int(t["cols"])
        tl.append(t)
    imc = cfg.get("imc", {}) or {}
    dram = cfg.get("dram", {}) or {}
    noc = cfg.get("noc", {}) or {}
    topo = noc.get("topology", "mesh")
    nx, ny = int(noc.get("size_x", 4)), int(noc.get("size_y", 4))
    if topo in ("mesh", "torus"):
        n = nx * ny
        dist = _grid_dist(topo, nx, ny, n)
    elif topo == "ring":
        n = int(noc.get("nodes", 16))
        dist = [[min(abs(a - b), n - abs(a - b)) for b in range(n)] for a in range(n)]
    elif topo == "crossbar":
        n = int(noc.get("nodes", 16))
        dist = [[0 if a == b else 1 for b in range(n)] for a in range(n)]
    elif topo == "tree":
        n, ar = int(noc.get("nodes", 16)), int(noc.get("tree_arity", 4))
        adj = [[] for _ in range(n)]
        for i in range(1, n):
            adj[i].append((i - 1) // ar)
            adj[(i - 1) // ar].append(i)
        dist = _bfs_dist(n, adj)
    elif topo == "custom":
        gn = noc.get("graph_nodes", [])
        n = len(gn)
        adj = [[] for _ in range(n)]
        for l in noc.get("graph_links", []):
            adj[l["a"]].append(l["b"])
            adj[l["b"]].append(l["a"])
        dist = _bfs_dist(n, adj)
    else:
        raise CompileError(f"{path}: noc.topology: unknown '{topo}'")
    place = {e["name"]: int(e["node"]) for e in noc.get("endpoints", []) or []}
    used = [False] * n
    for v in place.values():
        if v < n:
            used[v] = True

    def take(name, pref):
        if name not in place:
            m = pref
            if m >= n or used[m]:
                m = 0
                while m < n and used[m]:
                    m += 1
                if m == n:
                    m = pref % n
            place[name] = m
        used[place[name]] = True
        return place[name]

    host = take("host", 0)
    nctl = int(dram.get("controllers", 1))
    dnodes = [take("dram" if nctl == 1 else f"dram{i}", n - 1 - (i * n // nctl) % n)
              for i in range(nctl)]
    tnodes = [take(f"tile{i}", 1 + i) for i in range(len(tl))]
    if cfg.get("interconnect", "noc") == "bus":
        dist = [[1] * n for _ in range(n)]
    return Soc(path, tl, _int(imc.get("tile_base", 0x20000000)),
               _int(imc.get("tile_stride", 0x100000)), _int(dram.get("base", 0x40000000)),
               _int(dram.get("size_bytes", 268435456)), topo, n, host, dnodes[0], tnodes,
               dist, cfg.get("interconnect", "noc"))
