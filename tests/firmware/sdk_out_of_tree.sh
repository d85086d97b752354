#!/usr/bin/env bash
# Out-of-tree firmware (issue 16): install the SDK to a temporary prefix, create a project with
# scripts/new-firmware in a temporary directory, build it with find_package(imcvp-sdk), run it
# on imcvp; plus the bad inputs: an existing template directory, imcvp_add_app without the
# SDK (a clear CMake error, no link map written to /), an unwritable install prefix.
#   sdk_out_of_tree.sh BUILD_DIR SOURCE_DIR IMCVP
set -uo pipefail
build=$1 src=$2 imcvp=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; fail "cmake --install"; }
for f in include/imcvp/imc.h include/imcvp/devicetree.h lib/cmake/imcvp-sdk/imcvp-sdk-config.cmake \
         lib/cmake/imcvp-sdk/link.ld lib/cmake/imcvp-sdk/riscv-toolchain.cmake; do
  [[ -f "$tmp/prefix/$f" ]] || fail "not installed: $f"
done

"$src/scripts/new-firmware" myfw "$tmp/myfw" > /dev/null || fail "new-firmware"
cmake -S "$tmp/myfw" -B "$tmp/myfw/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" > "$tmp/cfg.log" 2>&1 ||
  { cat "$tmp/cfg.log"; fail "configure"; }
cmake --build "$tmp/myfw/build" > "$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "build"; }
[[ -f "$tmp/myfw/build/myfw.elf" && -f "$tmp/myfw/build/myfw.map" ]] || fail "no myfw.elf/.map"
out=$("$imcvp" run -q -d "$tmp/out" "$tmp/myfw/build/myfw.elf") || fail "run: exit $?: $out"
grep -q "myfw: hello, 2 IMC tile(s), DRAM at 0x40000000 (device tree)" <<< "$out" || fail "output: $out"
out=$("$imcvp" run -q -d "$tmp/out" --set dram.base=0x60000000 --set imc.tile_base=0x30000000 \
      "$tmp/myfw/build/myfw.elf") || fail "run (moved map): $out"
grep -q "DRAM at 0x60000000" <<< "$out" && grep -q "tile 1 at 0x30100000" <<< "$out" ||
  fail "moved map: $out"

# An existing directory is not overwritten.
if "$src/scripts/new-firmware" myfw "$tmp/myfw" 2> "$tmp/err"; then fail "new-firmware overwrote"; fi
grep -q "already exists" "$tmp/err" || fail "new-firmware error: $(cat "$tmp/err")"

# imcvp_add_app without the SDK: a configure error naming the fix.
mkdir -p "$tmp/nosdk"
cat > "$tmp/nosdk/CMakeLists.txt" <<EOT
cmake_minimum_required(VERSION 3.22)
project(nosdk C ASM)
include("$tmp/prefix/lib/cmake/imcvp-sdk/imcvp-firmware.cmake")
imcvp_add_app(nosdk SOURCES main.c)
EOT
echo 'int main(void) { return 0; }' > "$tmp/nosdk/main.c"
if cmake -S "$tmp/nosdk" -B "$tmp/nosdk/build" \
     -DCMAKE_TOOLCHAIN_FILE="$tmp/prefix/lib/cmake/imcvp-sdk/riscv-toolchain.cmake" > "$tmp/nosdk.log" 2>&1; then
  fail "imcvp_add_app without the SDK configured"
fi
grep -q "the imcvp SDK is not loaded" "$tmp/nosdk.log" || fail "no clear error: $(cat "$tmp/nosdk.log")"
[[ ! -e /nosdk.map ]] || fail "a link map was written to /"

# find_package without the RISC-V toolchain: a configure error naming the toolchain file.
mkdir -p "$tmp/native"
printf 'cmake_minimum_required(VERSION 3.22)\nproject(native C)\nfind_package(imcvp-sdk REQUIRED)\n' \
  > "$tmp/native/CMakeLists.txt"
if cmake -S "$tmp/native" -B "$tmp/native/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" > "$tmp/native.log" 2>&1; then
  fail "find_package(imcvp-sdk) accepted a host compiler"
fi
grep -q "CMAKE_TOOLCHAIN_FILE=.*riscv-toolchain.cmake" "$tmp/native.log" || fail "$(cat "$tmp/native.log")"

# An install prefix that cannot be written: below a regular file (fails for root too), and a
# read-only directory (only as non-root: root writes anywhere).
touch "$tmp/plainfile"
if cmake --install "$build" --prefix "$tmp/plainfile/p" > "$tmp/nodir.log" 2>&1; then
  fail "an install prefix below a regular file"
fi
# (CMake wraps its messages: compare with the line breaks folded.)
nodir=$(tr -s ' \n' '  ' < "$tmp/nodir.log")
grep -q "cannot make directory" <<< "$nodir" &&
  grep -q "installing the firmware SDK to $tmp/plainfile/p failed" <<< "$nodir" ||
  fail "$(cat "$tmp/nodir.log")"
if [[ $(id -u) -ne 0 ]]; then
  mkdir -p "$tmp/ro" && chmod 555 "$tmp/ro"
  if cmake --install "$build" --prefix "$tmp/ro/p" > "$tmp/ro.log" 2>&1; then fail "read-only prefix"; fi
  grep -qi "cannot\|permission\|failed" "$tmp/ro.log" || fail "$(cat "$tmp/ro.log")"
fi
echo "PASS"
