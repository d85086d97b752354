#include "models/periph/uart16550.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "models/common/sim_time.h"
#include "models/common/trace.h"

namespace imcvp::periph {

using regs::Access;
using regs::AccessCtx;
using regs::Reg;

namespace {
constexpr uint8_t kIerRda = 0x01, kIerThre = 0x02, kIerRls = 0x04;
constexpr uint8_t kLsrDr = 0x01, kLsrOe = 0x02, kLsrThre = 0x20, kLsrTemt = 0x40;
constexpr uint8_t kMcrLoop = 0x10;
}  // namespace

Uart16550::Uart16550(sc_core::sc_module_name name, const UartConfig& cfg)
    : sc_module(name),
      socket("socket"),
      irq("irq"),
      cfg_(cfg),
      latency_(cfg.latency_ns, sc_core::SC_NS),
      poll_(cfg.rx_poll_ns, sc_core::SC_NS),
      regs_(this->name()) {
  const std::string who = this->name();
  if (cfg_.tx == "stdout") {
    tx_file_ = stdout;
  } else if (cfg_.tx == "stderr") {
    tx_file_ = stderr;
  } else if (cfg_.tx != "none" && !cfg_.tx.empty()) {
    tx_file_ = std::fopen(cfg_.tx.c_str(), "wb");
    if (!tx_file_)
      throw std::runtime_error(who + ": cannot open tx file '" + cfg_.tx +
                               "': " + std::strerror(errno));
    tx_close_ = true;
  }
  if (cfg_.rx == "stdin") {
    rx_fd_ = 0;
  } else if (cfg_.rx != "none" && !cfg_.rx.empty()) {
    rx_fd_ = ::open(cfg_.rx.c_str(), O_RDONLY | O_CLOEXEC);
    if (rx_fd_ < 0) {
      if (tx_close_) std::fclose(tx_file_);
      throw std::runtime_error(who + ": cannot open rx file '" + cfg_.rx +
                               "': " + std::strerror(errno));
    }
    rx_close_ = true;
  }
  socket.register_b_transport(this, &Uart16550::b_transport);
  socket.register_transport_dbg(this, &Uart16550::transport_dbg);

  // Offset 0: RBR (read) / THR (write), or DLL when LCR.DLAB = 1.
  regs_.add("RBR", 0, 1, 0, Access::ro, "Receiver buffer (DLAB=0); DLL when DLAB=1")
      .on_read([this](Reg&, const AccessCtx& c) -> uint64_t {
        if (dlab()) return dll_;
        if (rx_.empty()) return 0;
        uint8_t ch = rx_.front();
        if (!c.debug) {
          rx_.pop_front();
          rx_space_.notify(sc_core::SC_ZERO_TIME);
          changed();
        }
        return ch;
      });
  regs_.add("THR", 0, 1, 0, Access::wo, "Transmitter holding (DLAB=0); DLL when DLAB=1")
      .on_write([this](Reg& r, uint64_t, const AccessCtx&) {
        if (dlab())
          dll_ = static_cast<uint8_t>(r.value());
        else
          transmit(static_cast<uint8_t>(r.value()));
      });
  ier_ = &regs_.add("IER", 1, 1, 0, Access::rw, "Interrupt enable (DLAB=0); DLM when DLAB=1")
              .field("ERBFI", 0, 1, Access::rw, "RX data available / timeout")
              .field("ETBEI", 1, 1, Access::rw, "THR empty")
              .field("ELSI", 2, 1, Access::rw, "receiver line status")
              .field("EDSSI", 3, 1, Access::rw, "modem status (never raised)")
              .field("RSVD", 4, 4, Access::ro, "reserved (DLM bits 7:4 when DLAB=1)")
              .on_read([this](Reg& r, const AccessCtx&) -> uint64_t {
                return dlab() ? dlm_ : r.value();
              })
              .on_write([this](Reg& r, uint64_t old, const AccessCtx&) {
                if (dlab()) {
                  // The write landed in the IER storage; it belongs to DLM. IER's fields
                  // drop bits 7:4, so take the raw byte.
                  dlm_ = static_cast<uint8_t>(last_write_);
                  r.set(old);
                  return;
                }
                // Enabling ETBEI with an empty THR raises THRE at once (as on real 16550s).
                if ((r.value() & kIerThre) && !(old & kIerThre)) thr_ipending_ = true;
                changed();
              });
  regs_
      .add("IIR", 2, 1, 0x01, Access::ro,
           "Interrupt identification: 0x1 none, 0x6 line status, 0x4 RX data, 0xC timeout, "
           "0x2 THR empty; bits 7:6 set when FIFOs are enabled")
      .on_read([this](Reg&, const AccessCtx& c) -> uint64_t {
        uint8_t v = iir();
        if (!c.debug && (v & 0x0f) == 0x02) {  // reading IIR acknowledges THRE
          thr_ipending_ = false;
          changed();
        }
        return v;
      });
  regs_.add("FCR", 2, 1, 0, Access::wo, "FIFO control")
      .field("ENABLE", 0, 1, Access::wo, "enable FIFOs")
      .field("RXCLR", 1, 1, Access::wo, "clear RX FIFO")
      .field("TXCLR", 2, 1, Access::wo, "clear TX FIFO")
      .field("TRIGGER", 6, 2, Access::wo, "RX trigger level: 1, 4, 8, 14 bytes")
      .on_write([this](Reg& r, uint64_t, const AccessCtx&) {
        uint8_t v = static_cast<uint8_t>(r.value());
        if ((v ^ fcr_) & 1) rx_.clear();  // changing the FIFO mode clears the FIFOs
        if (v & 0x02) rx_.clear();
        fcr_ = v & 0xc1;
        rx_space_.notify(sc_core::SC_ZERO_TIME);
        changed();
      });
  lcr_ = &regs_.add("LCR", 3, 1, 0x03, Access::rw, "Line control (word length etc. stored only)")
              .field("WLS", 0, 2, Access::rw, "word length - 5")
              .field("STB", 2, 1, Access::rw, "stop bits")
              .field("PEN", 3, 1, Access::rw, "parity enable")
              .field("EPS", 4, 1, Access::rw, "even parity")
              .field("STICK", 5, 1, Access::rw, "stick parity")
              .field("BREAK", 6, 1, Access::rw, "break control")
              .field("DLAB", 7, 1, Access::rw, "divisor latch access");
  mcr_ = &regs_.add("MCR", 4, 1, 0, Access::rw, "Modem control")
              .field("DTR", 0, 1, Access::rw)
              .field("RTS", 1, 1, Access::rw)
              .field("OUT1", 2, 1, Access::rw)
              .field("OUT2", 3, 1, Access::rw)
              .field("LOOP", 4, 1, Access::rw, "loopback: TX feeds RX");
  regs_.add("LSR", 5, 1, kLsrThre | kLsrTemt, Access::ro, "Line status")
      .field("DR", 0, 1, Access::ro, "data ready")
      .field("OE", 1, 1, Access::rc, "overrun error (cleared by reading LSR)")
      .field("PE", 2, 1, Access::ro, "parity error (never set)")
      .field("FE", 3, 1, Access::ro, "framing error (never set)")
      .field("BI", 4, 1, Access::ro, "break (never set)")
      .field("THRE", 5, 1, Access::ro, "THR empty (always 1)")
      .field("TEMT", 6, 1, Access::ro, "transmitter empty (always 1)")
      .field("FIFOERR", 7, 1, Access::ro, "error in RX FIFO (never set)")
      .on_read([this](Reg&, const AccessCtx& c) -> uint64_t {
        uint8_t v = kLsrThre | kLsrTemt;
        if (!rx_.empty()) v |= kLsrDr;
        if (overrun_) v |= kLsrOe;
        if (!c.debug && overrun_) {
          overrun_ = false;
          changed();
        }
        return v;
      });
  regs_
      .add("MSR", 6, 1, 0xb0, Access::ro,
           "Modem status: CTS, DSR, DCD asserted; in loopback mirrors MCR")
      .on_read([this](Reg&, const AccessCtx&) -> uint64_t {
        uint8_t m = static_cast<uint8_t>(mcr_->value());
        if (!(m & kMcrLoop)) return 0xb0;
        return ((m & 0x02) << 3) | ((m & 0x01) << 5) | ((m & 0x04) << 4) | ((m & 0x08) << 4);
      });
  regs_.add("SCR", 7, 1, 0, Access::rw, "Scratch");

  SC_METHOD(update_irq);
  sensitive << irq_ev_;
  // First poll one interval after start, so firmware can set up the FIFO before data lands;
  // then the method re-arms itself while the source is open.
  SC_METHOD(rx_poll);
  sensitive << rx_kick_;
  dont_initialize();

  stats_.counter("accesses", accesses_, "count", "Register accesses");
  stats_.counter("tx_bytes", tx_bytes_, "B", "Bytes transmitted");
  stats_.counter("rx_bytes", rx_bytes_, "B", "Bytes received");
  stats_.counter("overruns", overruns_, "count", "Bytes lost to RX overrun");
}

Uart16550::~Uart16550() {
  if (tx_file_) std::fflush(tx_file_);
  if (tx_close_) std::fclose(tx_file_);
  if (rx_close_) ::close(rx_fd_);
}

void Uart16550::start_of_simulation() {
  if (rx_fd_ >= 0) rx_kick_.notify(poll_);
}

unsigned Uart16550::rx_trigger() const {
  static const unsigned levels[4] = {1, 4, 8, 14};
  return levels[(fcr_ >> 6) & 3];
}

uint8_t Uart16550::iir() const {
  uint8_t fifo = fifo_enabled() ? 0xc0 : 0x00;
  uint8_t ier = static_cast<uint8_t>(ier_->value());
  if ((ier & kIerRls) && overrun_) return fifo | 0x06;
  if ((ier & kIerRda) && !rx_.empty())
    return fifo | ((!fifo_enabled() || rx_.size() >= rx_trigger()) ? 0x04 : 0x0c);
  if ((ier & kIerThre) && thr_ipending_) return fifo | 0x02;
  return fifo | 0x01;
}

void Uart16550::transmit(uint8_t ch) {
  thr_ipending_ = false;
  ++tx_bytes_;
  if (mcr_->value() & kMcrLoop) {
    receive(ch);
  } else {
    tx_log_ += static_cast<char>(ch);
    if (tx_file_) {
      std::fputc(ch, tx_file_);
      if (ch == '\n') std::fflush(tx_file_);
    }
  }
  thr_ipending_ = true;  // transmission is instantaneous: THR is empty again
  changed();
}

void Uart16550::receive(uint8_t ch) {
  if (rx_.size() >= rx_capacity()) {
    overrun_ = true;
    ++overruns_;
  } else {
    rx_.push_back(ch);
    ++rx_bytes_;
  }
  changed();
}

void Uart16550::rx_poll() {
  if (rx_fd_ < 0) return;  // no source (or closed at end of input): no more events
  unsigned room = rx_capacity() > rx_.size() ? rx_capacity() - rx_.size() : 0;
  if (room == 0) {
    next_trigger(rx_space_);  // wait for the firmware to read, without polling
    return;
  }
  pollfd pfd{rx_fd_, POLLIN, 0};
  int ready = ::poll(&pfd, 1, 0);
  if (ready > 0) {
    uint8_t buf[kFifoDepth];
    ssize_t n = ::read(rx_fd_, buf, room);
    if (n > 0) {
      for (ssize_t i = 0; i < n; ++i) receive(buf[i]);
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      if (rx_close_) ::close(rx_fd_);
      rx_fd_ = -1;  // end of input
      rx_close_ = false;
      return;
    }
  } else if (ready < 0 && errno != EINTR) {
    rx_fd_ = -1;
    return;
  }
  next_trigger(poll_);
}

void Uart16550::update_irq() {
  const bool level = (iir() & 0x01) == 0;
  irq.write(level);
  if (trace::on(trace::kIrq) && level != trace_irq_) {
    trace_irq_ = level;
    trace::Tracer::get().counter(trace::kIrq, std::string(name()) + ".irq",
                                 to_ns(sc_core::sc_time_stamp()), level ? 1.0 : 0.0);
  }
}

void Uart16550::b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  ++accesses_;
  if (p.is_write() && p.get_data_length() == 1) last_write_ = p.get_data_ptr()[0];
  regs_.transport(p, delay);
  delay += latency_;
}

unsigned Uart16550::transport_dbg(tlm::tlm_generic_payload& p) {
  if (p.is_write() && p.get_data_length() == 1) last_write_ = p.get_data_ptr()[0];
  return regs_.transport_dbg(p);
}

}  // namespace imcvp::periph
