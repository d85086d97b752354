// NS16550A-compatible UART (registers at byte offsets, reg-shift 0, like QEMU virt): RBR/THR/
// DLL, IER/DLM, IIR/FCR, LCR, MCR, LSR, MSR, SCR; 16-byte RX FIFO, DLAB, loopback, and the
// receiver-line-status, RX-data (and FIFO timeout) and THR-empty interrupts on `irq`.
//
// TX goes to stdout, stderr, nowhere or a file (`tx`) and is also kept in tx_log(). RX comes
// from nowhere, stdin or a file (`rx`): the source is polled every rx_poll_ns of simulated
// time with non-blocking reads (poll() with zero timeout), and only as many bytes are taken as
// the FIFO has room for, so input is flow-controlled and never overruns; with no input, LSR.DR
// stays 0. Polling stops at end of input and while the FIFO is full.
//
// Limits: no baud-rate timing (TX completes instantly, THRE/TEMT always 1; the divisor is
// stored only); the FIFO character timeout (IIR 0xC) is reported as soon as data sits below
// the trigger level; no modem-status interrupt, no break/parity/framing errors; 8-bit
// accesses only (wider ones are burst errors).
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <string>

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/common/regs.h"
#include "models/common/stats.h"

namespace imcvp::periph {

struct UartConfig {
  uint64_t base = 0x1000'0000;  // docs/memory-map.md (QEMU virt UART0)
  std::string tx = "stdout";    // stdout | stderr | none | file path
  std::string rx = "none";      // none | stdin | file path
  // 100 us: human typing is far slower; a file is consumed in FIFO-sized chunks per poll.
  double rx_poll_ns = 100'000;
  // A few cycles of a 1 GHz core for a peripheral register (modelling assumption).
  double latency_ns = 2.0;

  template <class V>
  void visit(V& v) {
    v.param("base", base, "Base address", "address");
    v.param("tx", tx, "Where transmitted bytes go: stdout, stderr, none or a file path");
    v.param("rx", rx, "Where received bytes come from: none, stdin or a file path");
    v.param("rx_poll_ns", rx_poll_ns, "Simulated interval between polls of the RX source", "ns",
            {1.0, 1e12});
    v.param("latency_ns", latency_ns, "Latency of one register access", "ns", {0.0, 1e6});
  }
};

class Uart16550 : public sc_core::sc_module {
 public:
  static constexpr uint64_t kSize = 0x100;
  static constexpr unsigned kFifoDepth = 16;

  tlm_utils::simple_target_socket<Uart16550> socket;
  sc_core::sc_out<bool> irq;

  SC_HAS_PROCESS(Uart16550);
  // Throws std::runtime_error if a tx/rx file cannot be opened.
  Uart16550(sc_core::sc_module_name name, const UartConfig& cfg);
  ~Uart16550() override;
  Uart16550(const Uart16550&) = delete;
  Uart16550& operator=(const Uart16550&) = delete;

  const std::string& tx_log() const { return tx_log_; }
  uint16_t divisor() const { return static_cast<uint16_t>(dll_ | (dlm_ << 8)); }
  size_t rx_fifo_level() const { return rx_.size(); }
  regs::RegBank& regs() { return regs_; }

 private:
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& p);
  bool dlab() const { return lcr_->value() & 0x80; }
  bool fifo_enabled() const { return fcr_ & 1; }
  unsigned rx_capacity() const { return fifo_enabled() ? kFifoDepth : 1; }
  unsigned rx_trigger() const;
  uint8_t iir() const;
  void transmit(uint8_t ch);
  void receive(uint8_t ch);  // one byte arriving at the receiver
  void rx_poll();            // SC_METHOD: pulls bytes from the RX source
  void update_irq();         // SC_METHOD
  void start_of_simulation() override;
  void changed() { irq_ev_.notify(sc_core::SC_ZERO_TIME); }

  UartConfig cfg_;
  sc_core::sc_time latency_, poll_;
  regs::RegBank regs_;
  regs::Reg* lcr_ = nullptr;
  regs::Reg* mcr_ = nullptr;
  regs::Reg* ier_ = nullptr;
  uint8_t dll_ = 0, dlm_ = 0, fcr_ = 0;
  bool overrun_ = false, thr_ipending_ = false;
  uint8_t last_write_ = 0;  // raw byte of the current write (DLM shares IER's offset)
  std::deque<uint8_t> rx_;
  std::FILE* tx_file_ = nullptr;  // null: none
  bool tx_close_ = false;
  int rx_fd_ = -1;
  bool rx_close_ = false;
  std::string tx_log_;
  sc_core::sc_event irq_ev_, rx_space_, rx_kick_;
  bool trace_irq_ = false;  // last level written to the event trace (--trace=irq)
  uint64_t accesses_ = 0, tx_bytes_ = 0, rx_bytes_ = 0, overruns_ = 0;
  stats::Group stats_{name()};
};

}  // namespace imcvp::periph
