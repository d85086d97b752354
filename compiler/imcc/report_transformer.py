"""`imcc report` rows for models with host layers or attention on tiles (docs/transformers.md):
the compiler's choice and estimates from the manifest, the measured split from imcrt's
results (firmware.host_step_us, tile_stage_us, host_<op>_us)."""


def manifest_rows(man, r):
    for p in man["passes"]:
        if p["pass"] == "attention" and p.get("layers"):
            ch = [x["choice"] for x in p["layers"]]
            r["attention"] = f"{p['policy']}: {ch.count('tiles')} tiles / {ch.count('host')} host"
            r["est_attention_ns/input"] = round(sum(x[x["choice"]]["est_ns"]
                                                    for x in p["layers"]), 1)
            # per layer: the choice's estimate (time, energy, NoC bytes), the other's time
            parts = []
            for x in p["layers"]:
                c, o = x["choice"], "host" if x["choice"] == "tiles" else "tiles"
                e = x[c]
                alt = f", {o} {x[o]['est_ns']:.0f} ns" if o in x else ""
                parts.append(f"{x['layer']}: {c} {e['est_ns']:.0f} ns {e['est_uj']} uJ "
                             f"{e['noc_bytes']} B{alt}")
            r["attention_layers"] = "; ".join(parts)
        if p["pass"] == "host" and "host_est_ns_total" in p:
            r["est_host_ns/input"] = p["host_est_ns_total"]


def vp_rows(fw, n, r):
    if not n or "host_step_us" not in fw:
        return
    r["host_step_ns/input"] = int(fw["host_step_us"] * 1000 // n)
    r["tile_stage_ns/input"] = int(fw.get("tile_stage_us", 0) * 1000 // n)
    for k in ("layernorm", "gelu", "softmax", "matmul", "permute"):
        if f"host_{k}_us" in fw:
            r[f"host_{k}_ns/input"] = int(fw[f"host_{k}_us"] * 1000 // n)
