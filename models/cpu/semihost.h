// RISC-V semihosting (the Arm semihosting calls, RISC-V binding: `slli x0,x0,0x1f; ebreak;
// srai x0,x0,7`, operation in a0, parameter in a1, result in a0). Pure logic over a guest-
// memory interface, so it is unit-testable; Rv32Core detects the sequence and calls call().
//
// Host files: off unless set_fs_root(DIR) (cpu.semihosting_fs, --semihosting-fs): then every
// path a call names (SYS_OPEN, SYS_REMOVE, SYS_RENAME) is resolved (symlinks included) and must
// lie strictly inside DIR; relative paths are taken relative to DIR. A refused call returns -1
// with SYS_ERRNO = EACCES and logs one warning naming the pc, the call and the path. The
// console (":tt") and ":semihosting-features" are always available.
//
// Limits: SYS_SYSTEM and SYS_TMPNAM are refused (-1); the confinement is checked when a path is
// used, so a host process (not the guest: semihosting cannot create links) that swaps a
// directory for a symlink between the check and the open can still redirect it (the final
// component is opened with O_NOFOLLOW); SYS_TIME is host wall-clock time (the only
// non-deterministic call).
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace imcvp::cpu {

class SemihostMemory {
 public:
  virtual ~SemihostMemory() = default;
  virtual bool read(uint32_t addr, void* buf, uint32_t len) = 0;
  virtual bool write(uint32_t addr, const void* buf, uint32_t len) = 0;
};

namespace sh {
enum : uint32_t {
  OPEN = 0x01,
  CLOSE = 0x02,
  WRITEC = 0x03,
  WRITE0 = 0x04,
  WRITE = 0x05,
  READ = 0x06,
  READC = 0x07,
  ISERROR = 0x08,
  ISTTY = 0x09,
  SEEK = 0x0A,
  FLEN = 0x0C,
  TMPNAM = 0x0D,
  REMOVE = 0x0E,
  RENAME = 0x0F,
  CLOCK = 0x10,
  TIME = 0x11,
  SYSTEM = 0x12,
  ERRNO = 0x13,
  GET_CMDLINE = 0x15,
  HEAPINFO = 0x16,
  EXIT = 0x18,
  EXIT_EXTENDED = 0x20,
  ELAPSED = 0x30,
  TICKFREQ = 0x31,
};
constexpr uint32_t ADP_Stopped_ApplicationExit = 0x20026;
// The 32-bit instruction words around the EBREAK of the semihosting sequence.
constexpr uint32_t kPre = 0x01f01013;   // slli x0, x0, 0x1f
constexpr uint32_t kPost = 0x40705013;  // srai x0, x0, 7
}  // namespace sh

// Where a guest path names a host file, confined to `root` (an absolute, canonical directory).
// Relative guest paths are resolved against root. follow_final: resolve a symlink in the last
// component too (SYS_OPEN); otherwise the last component is the link itself (SYS_REMOVE,
// SYS_RENAME act on the name, not the target). ok is false with `why` set when the resolved
// path is root itself or lies outside it, when a symlink (followed, or dangling) leads
// outside, or when the path cannot be resolved.
struct ConfinedPath {
  bool ok = false;
  std::filesystem::path host;  // the resolved path to use (when ok)
  std::string why;             // why it was refused (when !ok)
};
ConfinedPath confine_path(const std::filesystem::path& root, const std::string& guest,
                          bool follow_final);

class Semihost {
 public:
  explicit Semihost(SemihostMemory& mem);
  ~Semihost();
  Semihost(const Semihost&) = delete;
  Semihost& operator=(const Semihost&) = delete;

  // Runs one call; returns the value for a0. After EXIT/EXIT_EXTENDED, exit_requested() is
  // true and exit_code() holds the process exit status to report.
  // pc: where the call was made (named in the log line of a refused file access).
  uint32_t call(uint32_t op, uint32_t param, uint32_t pc = 0);

  bool exit_requested() const { return exit_requested_; }
  // The firmware's exit code, full width (SYS_EXIT_EXTENDED's code as a signed 32-bit value;
  // 1 for an exit reason other than ADP_Stopped_ApplicationExit). The process exit status is
  // derived from it by firmware_exit_status() (models/common/run_control.h).
  int64_t exit_code() const { return exit_code_; }
  const std::string& exit_message() const { return exit_message_; }

  void set_cmdline(std::string s) { cmdline_ = std::move(s); }
  // Allows host file access, confined to the directory DIR (must exist). Empty: no host file
  // access (the default). Returns an error message, or "" on success.
  std::string set_fs_root(const std::string& dir);
  const std::filesystem::path& fs_root() const { return root_; }
  // Console output (fd 1 = stdout, 2 = stderr); default writes to the host's stdout/stderr.
  void set_console_out(std::function<void(int fd, const char* data, size_t len)> f) {
    out_ = std::move(f);
  }
  // Console input: next byte or -1 at end of input; default reads the host's stdin.
  void set_console_in(std::function<int()> f) { in_ = std::move(f); }
  // Simulated time in seconds, for SYS_CLOCK and SYS_ELAPSED (set by the core).
  std::function<double()> sim_seconds;
  // SYS_HEAPINFO answer: heap base/limit, stack base/limit (0 = let the C library choose).
  uint32_t heap_info[4] = {0, 0, 0, 0};

 private:
  struct Handle {
    enum class Type { closed, con_in, con_out, con_err, file, features } type = Type::closed;
    FILE* f = nullptr;
    uint32_t pos = 0;  // features file position
  };
  bool read_words(uint32_t addr, uint32_t* w, unsigned n);
  bool read_string(uint32_t addr, uint32_t len, std::string& s);
  Handle* handle(uint32_t h);
  uint32_t fail(int err) {
    errno_ = err;
    return 0xFFFFFFFFu;
  }
  // Resolves a guest path for a host file operation, or logs the refusal and sets errno_.
  bool host_path(const char* op, const std::string& guest, bool follow_final,
                 std::filesystem::path& out);
  uint32_t do_open(uint32_t p);
  uint32_t do_remove_rename(uint32_t op, uint32_t p);
  uint32_t do_write(uint32_t p);
  uint32_t do_read(uint32_t p);
  void console(int fd, const char* d, size_t n);
  int console_getc();

  SemihostMemory& mem_;
  std::vector<Handle> handles_;
  std::string cmdline_;
  std::function<void(int, const char*, size_t)> out_;
  std::function<int()> in_;
  std::filesystem::path root_;  // canonical; empty: no host file access
  uint32_t pc_ = 0;             // pc of the call being served
  uint64_t refusals_ = 0;       // refused host file accesses (the first few are logged)
  int errno_ = 0;
  bool exit_requested_ = false;
  int64_t exit_code_ = 0;
  std::string exit_message_;
};

}  // namespace imcvp::cpu
