#include "models/periph/memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace imcvp::periph {

Memory::Memory(sc_core::sc_module_name name, const MemoryConfig& cfg)
    : sc_module(name), socket("socket"), cfg_(cfg), latency_(cfg.latency_ns, sc_core::SC_NS) {
  if (cfg_.size_bytes == 0)
    throw std::invalid_argument(std::string(this->name()) + ": size_bytes must not be 0");
  // MAP_NORESERVE: a large sparse window must not count against the host's commit limit.
  void* p = mmap(nullptr, cfg_.size_bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    throw std::runtime_error(std::string(this->name()) + ": cannot map " +
                             std::to_string(cfg_.size_bytes) + " bytes: " + std::strerror(errno));
  mem_ = static_cast<uint8_t*>(p);
  socket.register_b_transport(this, &Memory::b_transport);
  socket.register_get_direct_mem_ptr(this, &Memory::get_direct_mem_ptr);
  socket.register_transport_dbg(this, &Memory::transport_dbg);
  stats_.counter("reads", reads_, "count", "Reads through b_transport (DMI not included)");
  stats_.counter("writes", writes_, "count", "Writes through b_transport (DMI not included)");
  stats_.counter("bytes_read", bytes_read_, "B", "Bytes read through b_transport");
  stats_.counter("bytes_written", bytes_written_, "B", "Bytes written through b_transport");
  stats_.counter("errors", errors_, "count", "Accesses answered with an error response");
  stats_.constant(
      "size_bytes", [this] { return static_cast<double>(cfg_.size_bytes); }, "B", "Size");
}

Memory::~Memory() {
  if (mem_) munmap(mem_, cfg_.size_bytes);
}

uint64_t Memory::resident_bytes() const {
  long page = sysconf(_SC_PAGESIZE);
  uint64_t pages = (cfg_.size_bytes + page - 1) / page;
  std::vector<unsigned char> vec(pages);
  if (mincore(mem_, cfg_.size_bytes, vec.data()) != 0) return 0;
  uint64_t n = 0;
  for (unsigned char c : vec) n += c & 1;
  return n * page;
}

void Memory::b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  delay += latency_;
  uint64_t addr = p.get_address();
  unsigned len = p.get_data_length();
  if (addr >= cfg_.size_bytes || len > cfg_.size_bytes - addr) {
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    ++errors_;
    return;
  }
  if (p.get_streaming_width() < len) {
    p.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    ++errors_;
    return;
  }
  if (p.is_write() && cfg_.read_only) {
    p.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    ++errors_;
    return;
  }
  uint8_t* m = mem_ + addr;
  uint8_t* d = p.get_data_ptr();
  const uint8_t* be = p.get_byte_enable_ptr();
  unsigned be_len = p.get_byte_enable_length();
  if (p.is_read()) {
    if (be) {
      for (unsigned i = 0; i < len; ++i)
        if (be[i % be_len] == TLM_BYTE_ENABLED) d[i] = m[i];
    } else {
      std::memcpy(d, m, len);
    }
    ++reads_;
    bytes_read_ += len;
  } else if (p.is_write()) {
    if (be) {
      for (unsigned i = 0; i < len; ++i)
        if (be[i % be_len] == TLM_BYTE_ENABLED) m[i] = d[i];
    } else {
      std::memcpy(m, d, len);
    }
    ++writes_;
    bytes_written_ += len;
  }
  p.set_dmi_allowed(true);
  p.set_response_status(tlm::TLM_OK_RESPONSE);
}

bool Memory::get_direct_mem_ptr(tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi) {
  if (p.get_address() >= cfg_.size_bytes) {
    dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
    return false;
  }
  dmi.set_dmi_ptr(mem_);
  dmi.set_start_address(0);
  dmi.set_end_address(cfg_.size_bytes - 1);
  dmi.set_read_latency(latency_);
  dmi.set_write_latency(latency_);
  if (cfg_.read_only) {
    dmi.allow_read();
    return !p.is_write();  // read-only grant: a write request is not satisfied
  }
  dmi.allow_read_write();
  return true;
}

unsigned Memory::transport_dbg(tlm::tlm_generic_payload& p) {
  uint64_t addr = p.get_address();
  if (addr >= cfg_.size_bytes) {
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return 0;
  }
  unsigned n =
      static_cast<unsigned>(std::min<uint64_t>(p.get_data_length(), cfg_.size_bytes - addr));
  if (p.is_read())
    std::memcpy(p.get_data_ptr(), mem_ + addr, n);
  else if (p.is_write())
    std::memcpy(mem_ + addr, p.get_data_ptr(), n);  // allowed on ROM: the loader fills it
  else
    n = 0;
  p.set_response_status(tlm::TLM_OK_RESPONSE);
  return n;
}

}  // namespace imcvp::periph
