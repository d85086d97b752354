"""Shared helpers of the imcc tests."""
import contextlib
import io
import os
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "compiler"))
sys.path.insert(0, os.path.dirname(__file__))

import numpy as np  # noqa: E402

import onnx_models as M  # noqa: E402
from imcc import cli  # noqa: E402

DIGITAL = os.path.join(ROOT, "configs", "soc", "imc16-digital.yaml")
PCM = os.path.join(ROOT, "configs", "soc", "imc16-pcm.yaml")


def run_cli(*args):
    """(exit code, stdout, stderr) of `imcc ARGS`."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main([str(a) for a in args])
    return rc, out.getvalue(), err.getvalue()


class TmpDir:
    def __init__(self):
        self.t = tempfile.TemporaryDirectory(prefix="imcc-test-")
        self.path = self.t.name

    def p(self, name):
        return os.path.join(self.path, name)

    def model(self, proto, name="m", n=4, labels=True, seed=5):
        path = M.save(proto, self.p(name + ".onnx"))
        ims = M.images(proto, n, seed)
        kw = {"labels": np.arange(n) % 10} if labels else {}
        np.savez(self.p(name + ".npz"), images=ims, **kw)
        return path, self.p(name + ".npz")
