// UART bench: TX to a file and to tx_log, RX from a file and from a pipe on stdin
// (non-blocking), LSR bits, IIR/interrupts, FIFO trigger levels, DLAB, loopback, overrun.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "models/periph/uart16550.h"
#include "tests/models/periph/test_initiator.h"
#include "tests/util/sc_fixture.h"

using imcvp::periph::Uart16550;
using imcvp::periph::UartConfig;
using imcvp::test::TestInitiator;
using sc_core::sc_time;
using sc_core::SC_US;

namespace {

enum : uint64_t {
  RBR = 0,
  THR = 0,
  DLL = 0,
  IER = 1,
  DLM = 1,
  IIR = 2,
  FCR = 2,
  LCR = 3,
  MCR = 4,
  LSR = 5,
  MSR = 6,
  SCR = 7
};

std::string temp_path(const std::string& tag) {
  return testing::TempDir() + "imcvp_uart_" + tag + "_" + std::to_string(::getpid());
}
std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct Bench {
  Uart16550 uart;
  TestInitiator ini{"ini"};
  sc_core::sc_signal<bool> irq{"irq_sig"};
  explicit Bench(const UartConfig& c) : uart("uart", c) {
    ini.socket.bind(uart.socket);
    uart.irq(irq);
  }
  uint8_t rd(uint64_t off) { return static_cast<uint8_t>(ini.read(off, 1)); }
  void wr(uint64_t off, uint8_t v) { ini.write(off, v, 1); }
  void settle() { imcvp::test::settle(); }
};

UartConfig quiet() {
  UartConfig c;
  c.tx = "none";
  return c;
}

class UartTest : public imcvp::test::ScFixture {};

}  // namespace

TEST_F(UartTest, TxToFileAndLog) {
  std::string path = temp_path("tx");
  UartConfig c;
  c.tx = path;
  Bench b(c);
  b.settle();
  EXPECT_EQ(b.rd(LSR) & 0x60, 0x60);  // THRE and TEMT
  for (char ch : std::string("hello\n")) b.wr(THR, static_cast<uint8_t>(ch));
  EXPECT_EQ(b.uart.tx_log(), "hello\n");
  EXPECT_EQ(slurp(path), "hello\n");  // flushed at the newline
  std::remove(path.c_str());
}

TEST_F(UartTest, RxFromFileWithInterruptsAndLsr) {
  std::string path = temp_path("rx");
  { std::ofstream(path) << "abc"; }
  UartConfig c = quiet();
  c.rx = path;
  c.rx_poll_ns = 1000;
  Bench b(c);
  b.settle();
  b.wr(FCR, 0x01);  // FIFO on, trigger level 1
  b.wr(IER, 0x01);  // RX data interrupt
  b.settle();
  EXPECT_EQ(b.rd(LSR) & 0x01, 0);  // nothing yet: the first poll is one interval after start
  EXPECT_FALSE(b.irq.read());
  sc_core::sc_start(sc_time(2, SC_US));
  EXPECT_EQ(b.rd(LSR) & 0x01, 1);
  EXPECT_EQ(b.rd(IIR), 0xc4);  // FIFOs enabled, RX data available
  EXPECT_TRUE(b.irq.read());
  EXPECT_EQ(b.rd(RBR), 'a');
  EXPECT_EQ(b.rd(RBR), 'b');
  EXPECT_EQ(b.rd(RBR), 'c');
  b.settle();
  EXPECT_EQ(b.rd(LSR) & 0x01, 0);
  EXPECT_EQ(b.rd(IIR), 0xc1);
  EXPECT_FALSE(b.irq.read());
  sc_core::sc_start(sc_time(10, SC_US));
  EXPECT_EQ(b.rd(LSR) & 0x01, 0);
  EXPECT_FALSE(sc_core::sc_pending_activity());  // end of input: polling stopped
  std::remove(path.c_str());
}

TEST_F(UartTest, RxIsFlowControlledAndTriggerLevels) {
  std::string path = temp_path("rx40");
  std::string text;
  for (int i = 0; i < 40; ++i) text += static_cast<char>('A' + i % 26);
  { std::ofstream(path) << text; }
  UartConfig c = quiet();
  c.rx = path;
  c.rx_poll_ns = 500;
  Bench b(c);
  b.settle();
  b.wr(FCR, 0x81);  // FIFO on, trigger level 8
  b.wr(IER, 0x01);
  sc_core::sc_start(sc_time(100, SC_US));
  EXPECT_EQ(b.uart.rx_fifo_level(), 16u);  // full, nothing lost
  EXPECT_EQ(b.rd(LSR) & 0x02, 0);          // no overrun
  EXPECT_EQ(b.rd(IIR), 0xc4);
  std::string got;
  for (int i = 0; i < 12; ++i) got += static_cast<char>(b.rd(RBR));
  EXPECT_EQ(b.uart.rx_fifo_level(), 4u);
  EXPECT_EQ(b.rd(IIR), 0xcc);             // below trigger level: character timeout
  sc_core::sc_start(sc_time(10, SC_US));  // refilled after the reads
  while (b.rd(LSR) & 0x01) {
    got += static_cast<char>(b.rd(RBR));
    sc_core::sc_start(sc_time(1, SC_US));
  }
  EXPECT_EQ(got, text);
  std::remove(path.c_str());
}

TEST_F(UartTest, StdinNeverBlocks) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  int saved = ::dup(0);
  ASSERT_EQ(::dup2(fds[0], 0), 0);
  {
    UartConfig c = quiet();
    c.rx = "stdin";
    c.rx_poll_ns = 1000;
    Bench b(c);
    b.settle();
    sc_core::sc_start(sc_time(50, SC_US));  // empty pipe: the simulation still advances
    EXPECT_EQ(sc_core::sc_time_stamp(), sc_time(50, SC_US));
    EXPECT_EQ(b.rd(LSR) & 0x01, 0);
    ASSERT_EQ(::write(fds[1], "z", 1), 1);
    sc_core::sc_start(sc_time(2, SC_US));
    EXPECT_EQ(b.rd(LSR) & 0x01, 1);
    EXPECT_EQ(b.rd(RBR), 'z');
  }
  ::dup2(saved, 0);
  ::close(saved);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_F(UartTest, ThreInterrupt) {
  Bench b(quiet());
  b.settle();
  EXPECT_FALSE(b.irq.read());
  EXPECT_EQ(b.rd(IIR), 0x01);
  b.wr(IER, 0x02);  // enabling with an empty THR raises THRE at once
  b.settle();
  EXPECT_TRUE(b.irq.read());
  EXPECT_EQ(b.rd(IIR), 0x02);  // reading IIR acknowledges it
  b.settle();
  EXPECT_FALSE(b.irq.read());
  EXPECT_EQ(b.rd(IIR), 0x01);
  b.wr(THR, 'x');  // transmitted at once: THR empty again
  b.settle();
  EXPECT_TRUE(b.irq.read());
  b.wr(IER, 0x00);
  b.settle();
  EXPECT_FALSE(b.irq.read());
}

TEST_F(UartTest, DlabSelectsDivisorLatch) {
  Bench b(quiet());
  b.settle();
  b.wr(IER, 0x05);
  b.wr(LCR, 0x83);  // DLAB=1, 8N1
  b.wr(DLL, 0x12);
  b.wr(DLM, 0x34);
  EXPECT_EQ(b.uart.divisor(), 0x3412);
  EXPECT_EQ(b.rd(DLL), 0x12);
  EXPECT_EQ(b.rd(DLM), 0x34);
  EXPECT_TRUE(b.uart.tx_log().empty());  // the DLL write was not transmitted
  b.wr(LCR, 0x03);
  EXPECT_EQ(b.rd(IER), 0x05);  // IER untouched by the DLM write
  EXPECT_EQ(b.rd(LCR), 0x03);
  b.wr(SCR, 0x5a);
  EXPECT_EQ(b.rd(SCR), 0x5a);
  EXPECT_EQ(b.rd(MSR), 0xb0);
  // Only byte accesses exist (reg-shift 0).
  tlm::tlm_response_status st;
  b.ini.read(0, 4, &st);
  EXPECT_EQ(st, tlm::TLM_BURST_ERROR_RESPONSE);
  b.ini.read(8, 1, &st);
  EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

TEST_F(UartTest, LoopbackAndOverrun) {
  Bench b(quiet());
  b.settle();
  b.wr(MCR, 0x10 | 0x03);      // loopback, DTR, RTS
  EXPECT_EQ(b.rd(MSR), 0x30);  // CTS <- RTS, DSR <- DTR
  b.wr(IER, 0x05);             // RX data and line status interrupts
  b.wr(THR, 'q');              // FIFO off: one-byte holding register
  EXPECT_TRUE(b.uart.tx_log().empty());
  EXPECT_EQ(b.rd(LSR) & 0x03, 0x01);
  b.wr(THR, 'r');  // overrun: 'r' is lost
  b.settle();
  EXPECT_EQ(b.rd(IIR), 0x06);  // line status has the highest priority
  EXPECT_TRUE(b.irq.read());
  EXPECT_EQ(b.rd(LSR) & 0x03, 0x03);
  EXPECT_EQ(b.rd(LSR) & 0x02, 0x00);  // OE cleared by the read
  EXPECT_EQ(b.rd(IIR), 0x04);
  EXPECT_EQ(b.rd(RBR), 'q');
  b.settle();
  EXPECT_FALSE(b.irq.read());
}

TEST_F(UartTest, NoRxSourceCostsNoEvents) {
  Bench b(quiet());
  sc_core::sc_start(sc_time(1, SC_US));
  EXPECT_FALSE(sc_core::sc_pending_activity());
  EXPECT_EQ(b.rd(LSR) & 0x01, 0);
}

TEST_F(UartTest, BadFilesAreClearErrors) {
  UartConfig c = quiet();
  c.rx = "/nonexistent/dir/input.txt";
  try {
    Uart16550 u("u1", c);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/input.txt"), std::string::npos);
  }
  c = quiet();
  c.tx = "/nonexistent/dir/out.txt";
  EXPECT_THROW(Uart16550("u2", c), std::runtime_error);
}
