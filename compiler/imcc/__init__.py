"""imcc: compiles ONNX models onto imcvp's in-memory-computing tiles (docs/compiler.md)."""
__version__ = "0.1"


class CompileError(Exception):
    """A refused request: the message is one line and names what is wrong."""
