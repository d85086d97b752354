#include "models/cpu/semihost.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <iostream>

#include "models/common/log.h"

namespace imcvp::cpu {

namespace fs = std::filesystem;

namespace {
// ":semihosting-features": magic "SHFB" then a feature byte (bit 0: SYS_EXIT_EXTENDED,
// bit 1: ":tt" opened with mode "a" is stderr).
const uint8_t kFeatures[5] = {'S', 'H', 'F', 'B', 0x03};
constexpr uint32_t kMaxString = 1u << 20;  // bound on guest strings (no runaway reads)
constexpr uint32_t kChunk = 4096;
constexpr unsigned kMaxRefusalLogs = 20;  // a firmware looping on refused calls: no log flood

// A guest string for a log line: printable ASCII, control bytes escaped, long names cut.
std::string printable(const std::string& s) {
  std::string r;
  for (unsigned char c : s.substr(0, 256)) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      r += static_cast<char>(c);
    } else {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      r += b;
    }
  }
  return s.size() > 256 ? r + "..." : r;
}
}  // namespace

ConfinedPath confine_path(const fs::path& root, const std::string& guest, bool follow_final) {
  ConfinedPath c;
  if (guest.empty()) {
    c.why = "empty path";
    return c;
  }
  if (guest.find('\0') != std::string::npos) {
    c.why = "NUL byte in the path";
    return c;
  }
  const fs::path g(guest);
  const fs::path full = g.is_absolute() ? g : root / g;
  std::error_code ec;
  fs::path real;
  if (follow_final) {
    real = fs::weakly_canonical(full, ec);
  } else {
    // The last component itself (a symlink is removed/renamed, not its target).
    const fs::path name = full.filename();
    if (name.empty() || name == "." || name == "..") {
      c.why = "no file name";
      return c;
    }
    real = fs::weakly_canonical(full.parent_path(), ec) / name;
  }
  if (ec) {
    c.why = "cannot resolve it (" + ec.message() + ")";
    return c;
  }
  // Inside root: root's components are a prefix of real's and at least one more follows.
  auto p = real.begin();
  for (auto r = root.begin(); r != root.end(); ++r, ++p) {
    if (p == real.end() || *p != *r) {
      c.why = "it resolves to " + real.string() + ", outside " + root.string();
      return c;
    }
  }
  std::vector<fs::path> rest;
  for (; p != real.end(); ++p)
    if (!p->empty()) rest.push_back(*p);
  if (rest.empty()) {
    c.why = "it names the semihosting directory itself";
    return c;
  }
  // weakly_canonical resolved every symlink whose target exists; a symlink still on the path
  // dangles, and following it (e.g. to create a file) could lead anywhere.
  fs::path walk = root;
  const size_t checked = follow_final ? rest.size() : rest.size() - 1;
  for (size_t i = 0; i < checked; ++i) {
    walk /= rest[i];
    if (fs::is_symlink(fs::symlink_status(walk, ec))) {
      c.why = "dangling symbolic link " + walk.string();
      return c;
    }
  }
  c.ok = true;
  c.host = std::move(real);
  return c;
}

Semihost::Semihost(SemihostMemory& mem) : mem_(mem) {}

std::string Semihost::set_fs_root(const std::string& dir) {
  if (dir.empty()) {
    root_.clear();
    return "";
  }
  std::error_code ec;
  fs::path r = fs::canonical(dir, ec);
  if (ec) return dir + ": " + ec.message();
  if (!fs::is_directory(r, ec)) return dir + ": not a directory";
  root_ = std::move(r);
  return "";
}

bool Semihost::host_path(const char* op, const std::string& guest, bool follow_final,
                         fs::path& out) {
  std::string why;
  if (root_.empty()) {
    why = "host file access is off (enable it with --semihosting-fs DIR)";
  } else {
    ConfinedPath c = confine_path(root_, guest, follow_final);
    if (c.ok) {
      out = std::move(c.host);
      return true;
    }
    why = c.why + " (--semihosting-fs confines files to that directory)";
  }
  errno_ = EACCES;
  ++refusals_;
  if (refusals_ <= kMaxRefusalLogs)
    log::warn("semihost", "refused ", op, " \"", printable(guest), "\" at pc=", log::hex(pc_), ": ",
              why, refusals_ == kMaxRefusalLogs ? " (further refusals are not logged)" : "");
  return false;
}

Semihost::~Semihost() {
  for (auto& h : handles_)
    if (h.type == Handle::Type::file && h.f) std::fclose(h.f);
}

bool Semihost::read_words(uint32_t addr, uint32_t* w, unsigned n) {
  return mem_.read(addr, w, n * 4);  // little-endian host and guest
}

bool Semihost::read_string(uint32_t addr, uint32_t len, std::string& s) {
  if (len > kMaxString) return false;
  s.resize(len);
  return len == 0 || mem_.read(addr, s.data(), len);
}

Semihost::Handle* Semihost::handle(uint32_t h) {
  if (h == 0 || h > handles_.size()) return nullptr;
  Handle* p = &handles_[h - 1];
  return p->type == Handle::Type::closed ? nullptr : p;
}

void Semihost::console(int fd, const char* d, size_t n) {
  if (out_) {
    out_(fd, d, n);
    return;
  }
  std::ostream& os = fd == 2 ? std::cerr : std::cout;
  os.write(d, static_cast<std::streamsize>(n));
  os.flush();
}

int Semihost::console_getc() {
  if (in_) return in_();
  int c = std::cin.get();
  return std::cin ? c : -1;
}

uint32_t Semihost::do_open(uint32_t p) {
  uint32_t w[3];
  if (!read_words(p, w, 3)) return fail(EFAULT);
  std::string name;
  if (!read_string(w[0], w[2], name)) return fail(EFAULT);
  const uint32_t mode = w[1];
  if (mode > 11) return fail(EINVAL);
  Handle h;
  if (name == ":tt") {
    h.type = mode < 4   ? Handle::Type::con_in
             : mode < 8 ? Handle::Type::con_out
                        : Handle::Type::con_err;
  } else if (name == ":semihosting-features") {
    if (mode >= 4) return fail(EACCES);
    h.type = Handle::Type::features;
  } else {
    static const char* const modes[12] = {"r",  "rb",  "r+", "r+b", "w",  "wb",
                                          "w+", "w+b", "a",  "ab",  "a+", "a+b"};
    static const int flags[6] = {O_RDONLY,
                                 O_RDWR,
                                 O_WRONLY | O_CREAT | O_TRUNC,
                                 O_RDWR | O_CREAT | O_TRUNC,
                                 O_WRONLY | O_CREAT | O_APPEND,
                                 O_RDWR | O_CREAT | O_APPEND};
    fs::path host;
    if (!host_path("SYS_OPEN", name, true, host)) return 0xFFFFFFFFu;
    // O_NOFOLLOW: the checked path was fully resolved; a link appearing since is not followed.
    // O_NONBLOCK: opening a FIFO must not hang the simulation (no effect on regular files).
    int fd = ::open(host.c_str(), flags[mode / 2] | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0666);
    if (fd < 0) return fail(errno);
    struct stat st {};
    const bool stat_ok = ::fstat(fd, &st) == 0;
    if (!stat_ok || !S_ISREG(st.st_mode)) {
      const int err = !stat_ok ? errno : S_ISDIR(st.st_mode) ? EISDIR : EACCES;
      ::close(fd);
      return fail(err);  // directories, devices, FIFOs: not files a guest may use
    }
    h.f = ::fdopen(fd, modes[mode]);
    if (!h.f) {
      const int err = errno;
      ::close(fd);
      return fail(err);
    }
    h.type = Handle::Type::file;
  }
  for (size_t i = 0; i < handles_.size(); ++i) {
    if (handles_[i].type == Handle::Type::closed) {
      handles_[i] = h;
      return static_cast<uint32_t>(i + 1);
    }
  }
  handles_.push_back(h);
  return static_cast<uint32_t>(handles_.size());
}

uint32_t Semihost::do_write(uint32_t p) {
  uint32_t w[3];
  if (!read_words(p, w, 3)) return fail(EFAULT);
  Handle* h = handle(w[0]);
  if (!h || h->type == Handle::Type::con_in || h->type == Handle::Type::features) {
    errno_ = EBADF;
    return w[2];  // nothing written
  }
  uint32_t left = w[2], addr = w[1];
  std::vector<char> buf;
  while (left) {
    uint32_t n = left < kChunk ? left : kChunk;
    buf.resize(n);
    if (!mem_.read(addr, buf.data(), n)) {
      errno_ = EFAULT;
      return left;
    }
    if (h->type == Handle::Type::file) {
      // Flushed at once: like QEMU's (unbuffered) semihosting, data written is visible to a
      // second handle on the same file and to the host while the run goes on.
      size_t k = std::fwrite(buf.data(), 1, n, h->f);
      if (k == n && std::fflush(h->f) != 0) k = 0;
      if (k != n) {
        errno_ = errno;
        return left - static_cast<uint32_t>(k);
      }
    } else {
      console(h->type == Handle::Type::con_err ? 2 : 1, buf.data(), n);
    }
    left -= n;
    addr += n;
  }
  return 0;
}

uint32_t Semihost::do_read(uint32_t p) {
  uint32_t w[3];
  if (!read_words(p, w, 3)) return fail(EFAULT);
  Handle* h = handle(w[0]);
  const uint32_t len = w[2];
  if (!h || h->type == Handle::Type::con_out || h->type == Handle::Type::con_err) {
    errno_ = EBADF;
    return len;
  }
  std::vector<char> buf;
  uint32_t done = 0;
  if (h->type == Handle::Type::features) {
    while (done < len && h->pos < sizeof(kFeatures))
      buf.push_back(static_cast<char>(kFeatures[h->pos++])), ++done;
  } else if (h->type == Handle::Type::con_in) {
    while (done < len) {  // one line at a time, like a terminal
      int c = console_getc();
      if (c < 0) break;
      buf.push_back(static_cast<char>(c));
      ++done;
      if (c == '\n') break;
    }
  } else {
    buf.resize(len < kMaxString ? len : kMaxString);
    done = static_cast<uint32_t>(std::fread(buf.data(), 1, buf.size(), h->f));
    buf.resize(done);
  }
  if (done && !mem_.write(w[1], buf.data(), done)) {
    errno_ = EFAULT;
    return len;
  }
  return len - done;
}

uint32_t Semihost::do_remove_rename(uint32_t op, uint32_t p) {
  uint32_t w[4];
  if (!read_words(p, w, op == sh::REMOVE ? 2 : 4)) return fail(EFAULT);
  std::string a, b;
  if (!read_string(w[0], w[1], a)) return fail(EFAULT);
  if (op == sh::RENAME && !read_string(w[2], w[3], b)) return fail(EFAULT);
  fs::path ha, hb;
  if (op == sh::REMOVE) {
    if (!host_path("SYS_REMOVE", a, false, ha)) return 0xFFFFFFFFu;
    return std::remove(ha.c_str()) == 0 ? 0 : fail(errno);
  }
  if (!host_path("SYS_RENAME", a, false, ha) || !host_path("SYS_RENAME", b, false, hb))
    return 0xFFFFFFFFu;
  return std::rename(ha.c_str(), hb.c_str()) == 0 ? 0 : fail(errno);
}

uint32_t Semihost::call(uint32_t op, uint32_t p, uint32_t pc) {
  pc_ = pc;
  switch (op) {
    case sh::OPEN:
      return do_open(p);
    case sh::CLOSE: {
      uint32_t w;
      if (!read_words(p, &w, 1)) return fail(EFAULT);
      Handle* h = handle(w);
      if (!h) return fail(EBADF);
      if (h->type == Handle::Type::file && std::fclose(h->f) != 0) errno_ = errno;
      *h = Handle{};
      return 0;
    }
    case sh::WRITEC: {
      char c;
      if (!mem_.read(p, &c, 1)) return fail(EFAULT);
      console(1, &c, 1);
      return 0;
    }
    case sh::WRITE0: {
      std::string s;
      char c;
      for (uint32_t a = p; s.size() < kMaxString; ++a) {
        if (!mem_.read(a, &c, 1)) return fail(EFAULT);
        if (c == 0) break;
        s.push_back(c);
      }
      console(1, s.data(), s.size());
      return 0;
    }
    case sh::WRITE:
      return do_write(p);
    case sh::READ:
      return do_read(p);
    case sh::READC: {
      int c = console_getc();
      return c < 0 ? 0xFFFFFFFFu : static_cast<uint32_t>(c);
    }
    case sh::ISERROR: {
      uint32_t w;
      if (!read_words(p, &w, 1)) return fail(EFAULT);
      return static_cast<int32_t>(w) < 0 ? 1 : 0;
    }
    case sh::ISTTY: {
      uint32_t w;
      if (!read_words(p, &w, 1)) return fail(EFAULT);
      Handle* h = handle(w);
      if (!h) return fail(EBADF);
      return (h->type == Handle::Type::con_in || h->type == Handle::Type::con_out ||
              h->type == Handle::Type::con_err)
                 ? 1
                 : 0;
    }
    case sh::SEEK: {
      uint32_t w[2];
      if (!read_words(p, w, 2)) return fail(EFAULT);
      Handle* h = handle(w[0]);
      if (!h) return fail(EBADF);
      if (h->type == Handle::Type::features) {
        h->pos = w[1] < sizeof(kFeatures) ? w[1] : sizeof(kFeatures);
        return 0;
      }
      if (h->type != Handle::Type::file) return fail(ESPIPE);
      if (std::fseek(h->f, static_cast<long>(w[1]), SEEK_SET) != 0) return fail(errno);
      return 0;
    }
    case sh::FLEN: {
      uint32_t w;
      if (!read_words(p, &w, 1)) return fail(EFAULT);
      Handle* h = handle(w);
      if (!h) return fail(EBADF);
      if (h->type == Handle::Type::features) return sizeof(kFeatures);
      if (h->type != Handle::Type::file) return fail(EINVAL);
      long cur = std::ftell(h->f);
      if (cur < 0 || std::fseek(h->f, 0, SEEK_END) != 0) return fail(errno);
      long end = std::ftell(h->f);
      std::fseek(h->f, cur, SEEK_SET);
      return static_cast<uint32_t>(end);
    }
    case sh::REMOVE:
    case sh::RENAME:
      return do_remove_rename(op, p);
    case sh::CLOCK: {
      double s = sim_seconds ? sim_seconds() : 0.0;
      return static_cast<uint32_t>(s * 100.0);
    }
    case sh::TIME:
      return static_cast<uint32_t>(std::time(nullptr));
    case sh::ELAPSED: {  // 64-bit tick count (1 tick = 1 us of simulated time)
      double s = sim_seconds ? sim_seconds() : 0.0;
      uint64_t t = static_cast<uint64_t>(s * 1e6);
      if (!mem_.write(p, &t, 8)) return fail(EFAULT);
      return 0;
    }
    case sh::TICKFREQ:
      return 1000000;
    case sh::ERRNO:
      return static_cast<uint32_t>(errno_);
    case sh::GET_CMDLINE: {
      uint32_t w[2];
      if (!read_words(p, w, 2)) return fail(EFAULT);
      if (cmdline_.size() + 1 > w[1]) return fail(EINVAL);
      if (!mem_.write(w[0], cmdline_.c_str(), static_cast<uint32_t>(cmdline_.size() + 1)))
        return fail(EFAULT);
      uint32_t n = static_cast<uint32_t>(cmdline_.size());
      if (!mem_.write(p + 4, &n, 4)) return fail(EFAULT);
      return 0;
    }
    case sh::HEAPINFO: {
      uint32_t block;
      if (!read_words(p, &block, 1)) return fail(EFAULT);
      if (!mem_.write(block, heap_info, sizeof(heap_info))) return fail(EFAULT);
      return 0;
    }
    case sh::EXIT:  // RV32: a1 holds the reason code itself
      exit_requested_ = true;
      exit_code_ = p == sh::ADP_Stopped_ApplicationExit ? 0 : 1;
      exit_message_ = "semihosting SYS_EXIT reason " + std::to_string(p);
      return 0;
    case sh::EXIT_EXTENDED: {
      uint32_t w[2];
      if (!read_words(p, w, 2)) return fail(EFAULT);
      exit_requested_ = true;
      exit_code_ = w[0] == sh::ADP_Stopped_ApplicationExit ? static_cast<int32_t>(w[1]) : 1;
      exit_message_ = "semihosting SYS_EXIT_EXTENDED reason " + std::to_string(w[0]) + " code " +
                      std::to_string(static_cast<int32_t>(w[1]));
      return 0;
    }
    default:  // SYS_TMPNAM, SYS_SYSTEM (refused: no host commands) and unknown calls
      return fail(ENOSYS);
  }
}

}  // namespace imcvp::cpu
