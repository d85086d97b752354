#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/<target>/seeds/ (tests/fuzz/README.md).

Every seed is generated here (no .elf/.o names: .gitignore ignores those), by hand-written encoders, so the corpora are small (< 1 KiB
each), reviewable and reproducible: `python3 tests/fuzz/make-seeds.py` rewrites them all
byte-identically. No firmware build or external file is needed.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(HERE, target, "seeds")
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------------------------------------
# ELF: a minimal RV32 executable (one PT_LOAD of 3 instructions, entry 0x80000000), optionally
# with section headers: .text, .symtab (a FUNC `_start` and an OBJECT), .strtab, a
# .note.imcvp note and .shstrtab.
EM_RISCV, ET_EXEC, PT_LOAD = 243, 2, 1
SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_NOTE, SHT_NOBITS = 1, 2, 3, 7, 8


def ehdr(e_type=ET_EXEC, machine=EM_RISCV, entry=0x80000000, phoff=52, shoff=0, flags=0,
         phnum=1, shnum=0, shstrndx=0, cls=1):
    ident = b"\x7fELF" + bytes([cls, 1, 1, 0]) + bytes(8)
    return ident + struct.pack("<HHIIIIIHHHHHH", e_type, machine, 1, entry, phoff, shoff, flags,
                               52, 32, phnum, 40, shnum, shstrndx)


def phdr(offset, vaddr, filesz, memsz, flags=5):
    return struct.pack("<IIIIIIII", PT_LOAD, offset, vaddr, vaddr, filesz, memsz, flags, 4)


def shdr(name, typ, offset, size, link=0, info=0, entsize=0, addr=0, flags=0):
    return struct.pack("<IIIIIIIIII", name, typ, flags, addr, offset, size, link, info, 4, entsize)


CODE = struct.pack("<III", 0x00500513,  # addi a0, x0, 5
                   0x00100073,          # ebreak
                   0x0000006f)          # j .


def elf_minimal():
    return ehdr() + phdr(84, 0x80000000, len(CODE), len(CODE)) + CODE


def elf_with_sections(stripped=False):
    code_off = 52 + 2 * 32
    bss = phdr(0, 0x80001000, 0, 64, flags=6)  # .bss: memsz only
    strtab = b"\0_start\0counter\0"
    syms = bytes(16)  # null symbol
    syms += struct.pack("<IIIBBH", 1, 0x80000000, 12, 0x12, 0, 1)  # GLOBAL FUNC _start
    syms += struct.pack("<IIIBBH", 8, 0x80001000, 4, 0x11, 0, 2)   # GLOBAL OBJECT counter
    note_name, note_desc = b"imcvp\0", struct.pack("<I", 1)
    note = struct.pack("<III", len(note_name), len(note_desc), 1) + note_name + b"\0\0" + note_desc
    shstr = b"\0.text\0.symtab\0.strtab\0.note.imcvp\0.shstrtab\0.bss\0"
    body = CODE
    offs = {}
    for name, blob in (("sym", syms), ("str", strtab), ("note", note), ("shstr", shstr)):
        offs[name] = code_off + len(body)
        body += blob
        body += bytes((-len(body)) % 4)
    shoff = code_off + len(body)
    sh = bytes(40)
    sh += shdr(1, SHT_PROGBITS, code_off, len(CODE), addr=0x80000000, flags=6)
    sh += shdr(7, SHT_SYMTAB, offs["sym"], len(syms), link=3, info=1, entsize=16)
    sh += shdr(15, SHT_STRTAB, offs["str"], len(strtab))
    sh += shdr(23, SHT_NOTE, offs["note"], len(note))
    sh += shdr(35, SHT_STRTAB, offs["shstr"], len(shstr))
    sh += shdr(45, SHT_NOBITS, 0, 64, addr=0x80001000, flags=3)
    hdr = ehdr(phnum=2, shoff=shoff, shnum=7, shstrndx=5)
    if stripped:
        return ehdr(phnum=2) + phdr(code_off, 0x80000000, len(CODE), len(CODE)) + bss + CODE
    return hdr + phdr(code_off, 0x80000000, len(CODE), len(CODE)) + bss + body + sh


put("elf", "exec-minimal", elf_minimal())
put("elf", "exec-sections", elf_with_sections())
put("elf", "exec-stripped", elf_with_sections(stripped=True))    # no section headers
put("elf", "elf64-header", ehdr(cls=2) + bytes(12))             # a 64-bit ELF (refused)
put("elf", "rel-object", ehdr(e_type=1, phnum=0))             # ET_REL (refused)
put("elf", "truncated-phdr", elf_minimal()[:70])                 # program header cut short

# ---------------------------------------------------------------------------------------------
# YAML configuration: small documents in the style of configs/soc/*.yaml; the last ones are
# --set lines (the harness also applies the text as --set assignments, one per line).
put("config", "empty.yaml", "")
put("config", "sim-cpu.yaml", "sim:\n  seed: 0x2a\n  max_insts: 1_000\ncpu:\n  clock_mhz: 500\n"
    "  misaligned: emulate\n")
put("config", "tiles.yaml", "interconnect: noc\nnoc:\n  topology: mesh\n  size_x: 4\n"
    "  size_y: 4\ntiles:\n  - {kind: digital, rows: 64, cols: 64}\n  - kind: analog\n")
put("config", "dram.yaml", "dram:\n  model: timed\n  controllers: 2\n  interleave_bytes: 256\n"
    "  device:\n    org: {ranks: 1}\nuart0:\n  tx: none\n")
put("config", "bus.yaml", "interconnect: bus\ntcm: {base: 0x80000000, size_bytes: 0x100000}\n"
    "boot_rom:\n  read_only: true\n")
put("config", "sets.txt", "cpu.clock_mhz=250\nsim.seed=7\nnoc.topology=torus\n"
    "tiles=[{kind: digital}]\n")

# ---------------------------------------------------------------------------------------------
# RV32 decoder: little-endian instruction streams as the core fetches them.
rv32 = [0x00500513, 0x00a58633, 0x02b50533, 0x0005a503, 0x00b52023, 0xfe051ee3, 0x0080006f,
        0x000080e7, 0x123452b7, 0x00001197, 0x30571073, 0x34202573, 0x30200073, 0x10500073,
        0x00000073, 0x00100073, 0x0000100f, 0x0ff0000f, 0x1005252f, 0x18b5252f, 0x00b5252f,
        0x02b54533, 0x02b57533, 0x40b50533]
put("rv32_decode", "rv32im-zicsr.bin", b"".join(struct.pack("<I", w) for w in rv32))
rvc = [0x4515, 0x0505, 0x852e, 0x9532, 0x4188, 0xc188, 0x4502, 0xc22a, 0xa001, 0xc111, 0x8082,
       0x9002, 0x1141, 0x0141, 0x6585, 0x8d89, 0x8d6d, 0x0506, 0x8105, 0x0000]
put("rv32_decode", "rvc.bin", b"".join(struct.pack("<H", h) for h in rvc))
put("rv32_decode", "mixed.bin", struct.pack("<HIHI", 0x4515, 0x00a58633, 0x8082, 0x0000006f))
put("rv32_decode", "amo-illegal.bin", struct.pack("<III", 0x0805252f, 0xffffffff, 0x00000007))

# ---------------------------------------------------------------------------------------------
# GDB RSP: payloads as GDB sends them, one per line (the harness frames them), and one raw
# session with real framing, acks and a Ctrl-C.
def frame(p):
    out, s = "$", 0
    for ch in p:
        if ch in "$#}*":
            out += "}" + chr(ord(ch) ^ 0x20)
            s += ord("}") + (ord(ch) ^ 0x20)
        else:
            out += ch
            s += ord(ch)
    return out + "#%02x" % (s & 0xff)


put("gdb_rsp", "handshake.txt", "qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386\n"
    "vMustReplyEmpty\nQStartNoAckMode\nHg0\nqXfer:features:read:target.xml:0,ffb\n?\n"
    "qfThreadInfo\nqsThreadInfo\nqC\nqAttached\n")
put("gdb_rsp", "regs-mem.txt", "g\np20\nP20=00000080\np1041\nP1\nm80000000,10\n"
    "M80000000,4:13055000\nX80000004,0:\nmffffffff,8\nG" + "00" * 132 + "\n")
put("gdb_rsp", "run-control.txt", "Z0,80000000,4\nZ1,80000004,2\nZ2,80001000,4\nz0,80000000,4\n"
    "vCont?\nvCont;s:1\nvCont;c\ns\nc80000000\nqRcmd,68656c70\nD\nk\n")
put("gdb_rsp", "raw-session.bin", "+" + frame("qSupported:swbreak+") + "+" + frame("m80000000,4")
    + "-" + frame("X80000000,2:}]#") + "\x03" + frame("g").replace("#", "#0") + "$g#zz")

# ---------------------------------------------------------------------------------------------
# DRAM trace: DRAMsim3's format, `<hex address> READ|WRITE <issue cycle>` per line.
put("dram_trace", "basic.trace", "0x0 READ 0\n0x40 READ 1\n0x1000 WRITE 4\n0x12340 read 10\n")
put("dram_trace", "comments.trace", "# a comment\n\n0x1f40 WRITE 0   # inline\n"
    "   0X2000\tREAD\t7\n7fffffc0 READ 100\n")
put("dram_trace", "row-conflict.trace", "".join(
    "0x%x %s %d\n" % (a, op, c) for c, (a, op) in enumerate(
        [(0x0, "READ"), (0x20000, "READ"), (0x0, "WRITE"), (0x40000, "READ"), (0x80, "READ")])))
put("dram_trace", "bad-op.trace", "0x40 FETCH 3\n")
