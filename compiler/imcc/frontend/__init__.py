"""ONNX front end: loading (onnx_loader), per-op registry (ops), float evaluation (evaluate),
lowering to the tile-level Model (lower)."""
