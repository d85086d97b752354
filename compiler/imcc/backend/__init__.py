"""Backend: the binary package (package.py: layout, writer, reader/validator) and a
functional emulator of the tiles' command processors (emulate.py) used by `imcc check`."""
