"""place: blocks onto tiles (NoC nodes), one block per tile per phase.

Traffic per input (bytes): every block LOADs its inputs from DRAM and STOREs its outputs
(activations or int32 partial sums) to DRAM, so its bytes travel between its tile's node and
the DRAM node; every producer->consumer dependency is one 4-byte semaphore packet between
their tiles. Cost = sum of bytes x hops (NoC distance from the SoC config's topology and
endpoint placement, platform/soc.cpp's defaults).
--placement naive: block i of a phase on tile i. --placement hops: blocks by decreasing
traffic onto the tiles nearest to DRAM, then pairwise swaps while the cost drops.
With packing the unit placed is a bin (the blocks sharing a tile): its traffic is the sum of
its blocks', its semaphore pairs those between its blocks and other bins' blocks."""


def block_bytes(model, b):
    L = model.layer_by_name[b.layer]
    o = model.tensors[L.output]
    nvec = (b.oy1 - b.oy0) * o.w
    es = o.esize if b.rb == b.nrb - 1 else 4
    ld = nvec * b.rows + (nvec * 4 * b.cols if b.rb else 0)
    return ld + nvec * b.cols * es


def edges(blocks):
    """(i, j) pairs of blocks that exchange semaphore packets (producer -> consumer)."""
    idx = {}
    for i, b in enumerate(blocks):
        idx.setdefault(b.layer, []).append(i)
    out = []
    for i, b in enumerate(blocks):
        if b.rb:
            for j, c in enumerate(blocks):
                if c.layer == b.layer and c.rb == b.rb - 1 and c.cb == b.cb and c.rep == b.rep:
                    out.append((j, i))
    return out


def cost_of(soc, blocks, tiles, traffic, pairs, model=None):
    c = 0
    for b, t, tr in zip(blocks, tiles, traffic):
        c += tr * soc.hops(soc.tile_nodes[t], soc.dram_node)
    for i, j in pairs:
        c += 4 * soc.hops(soc.tile_nodes[tiles[i]], soc.tile_nodes[tiles[j]])
    return c


def units(blocks):
    """Blocks grouped by bin (pack pass; -1: a unit of its own) -> (unit of each block,
    number of units)."""
    ids, out = {}, []
    for i, b in enumerate(blocks):
        key = ("bin", b.bin) if b.bin >= 0 else ("block", i)
        out.append(ids.setdefault(key, len(ids)))
    return out, len(ids)


def run(model, phases, soc, tiles_avail, policy):
    if getattr(model, "segmented", False):
        # resident stages (segment pass): every block keeps its own tile across phases, so
        # the blocks of all phases are placed together
        from ..ir import Phase
        merged = Phase(0, [], [b for ph in phases for b in ph.blocks])
        info = run_phases(model, [merged], soc, tiles_avail, policy)
        for ph in phases:
            ph.tiles = sorted({b.tile for b in ph.blocks})
        return info
    return run_phases(model, phases, soc, tiles_avail, policy)


def run_phases(model, phases, soc, tiles_avail, policy):
    total = 0
    naive_total = 0
    for ph in phases:
        blocks = ph.blocks
        uof, nu = units(blocks)
        bl = list(range(nu))
        traffic = [0] * nu
        for b, u in zip(blocks, uof):
            traffic[u] += block_bytes(model, b)
        pairs = [(uof[i], uof[j]) for i, j in edges(blocks) if uof[i] != uof[j]]
        naive = list(range(len(bl)))
        naive_total += cost_of(soc, bl, naive, traffic, pairs)
        if policy == "naive":
            tiles = naive
        else:
            order = sorted(range(tiles_avail),
                           key=lambda t: (soc.hops(soc.tile_nodes[t], soc.dram_node), t))
            tiles = [0] * len(bl)
            for rank, i in enumerate(sorted(range(len(bl)), key=lambda i: -traffic[i])):
                tiles[i] = order[rank]
            free = [t for t in order[len(bl):]]
            best = cost_of(soc, bl, tiles, traffic, pairs)
            improved = True
            while improved:
                improved = False
                for i in range(len(bl)):
                    for j in range(i + 1, len(bl) + len(free)):
                        cand = list(tiles)
                        if j < len(bl):
                            cand[i], cand[j] = cand[j], cand[i]
                        else:
                            cand[i] = free[j - len(bl)]
                        c = cost_of(soc, bl, cand, traffic, pairs)
                        if c < best:
                            if j >= len(bl):
                                free[j - len(bl)] = tiles[i]
                            best, tiles, improved = c, cand, True
        for b, u in zip(blocks, uof):
            b.tile = tiles[u]
        ph.tiles = sorted(set(tiles))
        total += cost_of(soc, bl, tiles, traffic, pairs)
    return {"pass": "place", "policy": policy, "topology": soc.topology,
            "host_node": soc.host_node, "dram_node": soc.dram_node,
            "hop_bytes_per_input": total, "hop_bytes_per_input_naive": naive_total}
