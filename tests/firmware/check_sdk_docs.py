#!/usr/bin/env python3
"""Builds the SDK's API reference with Doxygen and checks it (ctest Docs.SdkApiReference).

Fails (exit 1, every problem listed) when
  - doxygen warns: an undocumented public function, macro, type, enum value or parameter, a
    missing @return, or a documentation error (the Doxyfile sets WARN_AS_ERROR);
  - a documented function lacks a "Blocking" paragraph (@blocking), an "Errors" paragraph
    (@errors) or an example (a @code block, or a paragraph starting "Example").

usage: check_sdk_docs.py --doxyfile DOXYFILE --out DIR [--doxygen doxygen] [--input DIR]
       check_sdk_docs.py --self-test ...   (a header with an undocumented function and one
                                            without "Blocking" must fail; a complete one pass)
"""
import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path


def run_doxygen(doxygen, doxyfile, out, input_dir=None):
    """Runs doxygen with OUTPUT_DIRECTORY (and INPUT) overridden; returns (rc, warnings)."""
    out.mkdir(parents=True, exist_ok=True)
    text = Path(doxyfile).read_text()
    text = re.sub(r"(?m)^OUTPUT_DIRECTORY\s*=.*$", f"OUTPUT_DIRECTORY = {out}", text)
    if input_dir is not None:
        text = re.sub(r"(?m)^INPUT\s*=.*$", f"INPUT = {input_dir}", text)
        text = re.sub(r"(?m)^EXCLUDE\s*=.*$", "EXCLUDE =", text)
    cfg = out / "Doxyfile"
    cfg.write_text(text)
    p = subprocess.run([doxygen, str(cfg)], cwd=out, capture_output=True, text=True)
    warnings = [l for l in (p.stdout + p.stderr).splitlines() if l.strip()]
    return p.returncode, warnings


def text_of(el):
    return "".join(el.itertext()) if el is not None else ""


def check_functions(xml_dir, headers):
    """Every header needs a @file description (doxygen checks the members of documented files
    only); every function needs Blocking, Errors and an example. Returns the problems."""
    problems = []
    documented = set()
    for f in sorted(Path(xml_dir).glob("*_8h.xml")):
        root = ET.parse(f).getroot()
        for c in root.iter("compounddef"):
            if c.get("kind") == "file" and text_of(c.find("briefdescription")).strip():
                documented.add(c.findtext("compoundname").rsplit("/", 1)[-1])
        for m in root.iter("memberdef"):
            if m.get("kind") != "function":
                continue
            name = m.findtext("name")
            loc = m.find("location")
            where = f'{loc.get("file")}:{loc.get("line")}' if loc is not None else f.name
            det = m.find("detaileddescription")
            titles = {text_of(t).strip() for t in det.iter("title")} if det is not None else set()
            missing = [t for t in ("Blocking", "Errors") if t not in titles]
            has_code = det is not None and det.find(".//programlisting") is not None
            has_example = has_code or re.search(r"(?m)^\s*Example", text_of(det) or "")
            if not has_example:
                missing.append("an example (@code or 'Example: ...')")
            if missing:
                problems.append(f"{where}: {name}(): no {', no '.join(missing)}")
    for h in headers:
        if h.name not in documented:
            problems.append(f"{h}: no @file description (its members would go unchecked)")
    return problems


def check(doxygen, doxyfile, out, input_dir=None):
    if out.exists():
        shutil.rmtree(out)
    rc, warnings = run_doxygen(doxygen, doxyfile, out, input_dir)
    problems = [f"doxygen: {w}" for w in warnings]
    if rc != 0 and not warnings:
        problems.append(f"doxygen exited with {rc}")
    if input_dir is None:
        m = re.search(r"(?m)^INPUT\s*=\s*(\S+)", Path(doxyfile).read_text())
        input_dir = Path(m.group(1)) if m else None
    ex = re.search(r"(?m)^EXCLUDE\s*=\s*(\S*)", Path(doxyfile).read_text())
    excluded = {Path(ex.group(1)).name} if ex and ex.group(1) and input_dir != ex else set()
    headers = [h for h in sorted(Path(input_dir).glob("*.h")) if h.name not in excluded] \
        if input_dir else []
    if (out / "xml").is_dir():
        problems += check_functions(out / "xml", headers)
    else:
        problems.append("doxygen wrote no XML")
    return problems


GOOD = '''/** @file
 * @brief A complete header. */
/**
 * @brief Adds one.
 * @param x the value
 * @return x + 1
 * @blocking no
 * @errors none
 *
 * Example: `int y = add_one(1);`
 */
int add_one(int x);
'''
BAD = GOOD + '''
int undocumented(int x);
#define UNDOCUMENTED_MACRO 1
/** @brief No blocking paragraph.
 * @param x the value
 * @return x
 * @errors none
 * Example: `same(1)` */
int same(int x);
'''


def self_test(doxygen, doxyfile, out):
    failures = []
    for name, body, expect_ok, needles in (
            ("good", GOOD, True, []),
            ("bad", BAD, False, ["undocumented", "UNDOCUMENTED_MACRO", "same(): no Blocking",
                                  "nofile.h: no @file description"])):
        src = out / name / "include"
        src.mkdir(parents=True, exist_ok=True)
        (src / f"{name}.h").write_text(body)
        if not expect_ok:  # a header without @file: its members are not checked by doxygen
            (src / "nofile.h").write_text("#define HIDDEN 1\n")
        problems = check(doxygen, doxyfile, out / name / "out", src)
        text = "\n".join(problems)
        if expect_ok and problems:
            failures.append(f"{name}: unexpected problems:\n{text}")
        if not expect_ok and not problems:
            failures.append(f"{name}: the check passed a header it must fail")
        for n in needles:
            if n not in text:
                failures.append(f"{name}: '{n}' not reported in:\n{text}")
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--doxygen", default="doxygen")
    ap.add_argument("--doxyfile", required=True)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--input", type=Path)
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args()
    if shutil.which(a.doxygen) is None:
        print(f"check_sdk_docs: {a.doxygen} not found (scripts/install-deps --test)")
        return 1
    if a.self_test:
        failures = self_test(a.doxygen, a.doxyfile, a.out)
        for f in failures:
            print(f)
        return 1 if failures else 0
    problems = check(a.doxygen, a.doxyfile, a.out, a.input)
    for p in problems:
        print(p)
    if problems:
        print(f"check_sdk_docs: {len(problems)} problem(s) in the SDK API reference")
        return 1
    print(f"check_sdk_docs: OK ({a.out}/html/index.html)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
