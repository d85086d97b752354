"""Tests of scripts/inference/report.py: which DRAM energy counts as static.
Run: /usr/bin/python3 -m unittest discover -s tests/inference -p 'test_*.py' (CTest does)."""
import json
import os
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "inference"))

import report  # noqa: E402


def _stat(v):
    return {"value": v, "unit": "pJ", "desc": ""}


class DynamicEnergy(unittest.TestCase):
    # Regression (issue 14 item 4): with DRAM power-down on by default, the power-down
    # background energy (soc.dram*.energy_powerdown) was counted as dynamic, so "E/inf dyn" of
    # run-inference jumped tenfold (86.5 nJ -> 879 nJ for the digital MLP).
    def test_standby_powerdown_and_refresh_are_static(self):
        delta = {"energy.total": _stat(1000.0),
                 "soc.dram.energy_background_precharged": _stat(100.0),
                 "soc.dram.energy_background_active": _stat(50.0),
                 "soc.dram.energy_powerdown": _stat(400.0),
                 "soc.dram1.energy_powerdown": _stat(200.0),
                 "soc.dram.energy_refresh": _stat(150.0),
                 "soc.dram.energy_read": _stat(30.0)}
        stats = {"roi": [{"id": 1, "duration_ns": 10.0, "delta": delta},
                         {"id": 2, "duration_ns": 20.0, "delta": delta}]}
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "stats.json"), "w") as f:
                json.dump(stats, f)
            with open(os.path.join(d, "console.txt"), "w") as f:
                f.write("infer: layer 0: 4x4\ninfer: accuracy 2/2\n")
            run = report.load_run("r", d)
        # 1000 total - (100 + 50 + 400 + 200 + 150) static, per image (2 images); the read
        # burst energy stays dynamic.
        self.assertAlmostEqual(run["energy_dynamic_pj"], (1000.0 - 900.0) / 2)
        self.assertAlmostEqual(run["program_dynamic_pj"], 1000.0 - 900.0)


if __name__ == "__main__":
    unittest.main()
