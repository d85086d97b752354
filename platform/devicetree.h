// Flattened device tree of the resolved configuration (docs/memory-map.md, "Device tree"),
// built with libfdt: the CPU (ISA string, timebase), TCM and DRAM, boot ROM, UART, CLINT,
// PLIC, sim-control, every IMC tile (window, PLIC source, kind, geometry, ADC bits,
// technology) and the NoC. The boot stub passes its address in a1 (QEMU virt / OpenSBI
// convention); the SDK reads tile windows and the DRAM base from it.
//
// Also: the firmware's platform note (section .note.imcvp, written by the SDK) and its
// comparison with the configuration.
//
// Limits: one hart; 32-bit addresses only (the core is RV32; reg uses 2 address and 2 size
// cells like QEMU virt, the high cells are 0).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "platform/elf_loader.h"
#include "platform/platform_config.h"

namespace imcvp::platform {

// Offset of the DTB in the boot ROM (after the reset stub); 8-byte aligned.
constexpr uint64_t kDtbRomOffset = 0x40;

// Builds the DTB. Throws std::runtime_error if libfdt fails.
std::vector<uint8_t> build_dtb(const PlatformConfig& cfg);

// The firmware's compile-time platform expectations (the SDK's .note.imcvp, name "imcvp",
// type kPlatformNoteType). Layout: little-endian 32-bit words, see firmware/sdk/src/platform.c.
constexpr uint32_t kPlatformNoteType = 0x49504c31;  // "1LPI"
constexpr uint32_t kPlatformNoteVersion = 1;
// Note flags: which addresses the firmware reads from the DT (their words are only fallbacks).
constexpr uint32_t kNoteFlagReadsDt = 1;        // tile windows and DRAM base
constexpr uint32_t kNoteFlagSimctrlFromDt = 2;  // sim-control
constexpr uint32_t kNoteFlagClintFromDt = 4;    // CLINT
constexpr uint32_t kNoteFlagPlicFromDt = 8;     // PLIC
constexpr uint32_t kNoteFlagUart0FromDt = 16;   // UART0

// Compares the firmware's platform note (if any) with the configuration. Returns one message
// per problem: each differing compiled-in address by name (firmware value vs config key and
// value; addresses the note marks as read from the DT are not compared), or a note from a
// different SDK version. Empty when they agree or the firmware has no note. `imcvp run` stops
// on any of them (exit 78) unless --allow-mismatch.
std::vector<std::string> check_platform_note(const ElfImage& img, const PlatformConfig& cfg);

}  // namespace imcvp::platform

namespace imcvp::platform {
// Writes build_dtb(cfg) to path (imcvp run --dump-dtb); returns "" or an error message.
std::string write_dtb(const PlatformConfig& cfg, const std::string& path);
// The device tree source of a DTB (what `dtc -I dtb -O dts` shows; `dtc` compiles it back).
std::string dtb_to_dts(const std::vector<uint8_t>& dtb);
// The configuration's addresses as a C header of the SDK's platform.h macros (IMCVP_*_BASE,
// IMCVP_DEFAULT_TILE_BASE/STRIDE, IMCVP_DEFAULT_DRAM_BASE/SIZE, IMCVP_TCM_*, IMCVP_MTIME_HZ,
// IMCVP_NUM_TILES) for firmware that wants compile-time constants (include it before
// imcvp/platform.h, or -include it).
std::string config_header(const PlatformConfig& cfg);
// --dump-dtb / --dump-dts / --dump-header: writes each non-empty path; returns "" or an error.
std::string write_platform_files(const PlatformConfig& cfg, const std::string& dtb_path,
                                 const std::string& dts_path, const std::string& header_path);
}  // namespace imcvp::platform
