// Debugger hooks of Rv32Core: what a debugger (the GDB stub, a test) sees when the core halts
// and what it tells the core to do next. The core calls Debugger::halted() from inside its own
// SC_THREAD, so the whole simulation (every model, simulated time) stands still while the
// debugger talks to its client.
//
// Limits: one hart; halts happen at instruction boundaries (breakpoints before the
// instruction, watchpoints after the accessing instruction completed, steps after one
// instruction or one trap entry); a Ctrl-C / attach request is seen at the next run-loop
// iteration (a quantum boundary, or every block while breakpoints or a step are active); a
// core waiting in WFI sees it only when an interrupt wakes it.
#pragma once

#include <cstdint>

namespace imcvp::cpu {

enum class WatchKind : uint8_t { write = 2, read = 3, access = 4 };  // = GDB's Z2/Z3/Z4

// Why the core halted.
struct DebugEvent {
  enum class Reason {
    start,       // before the first instruction (halt requested before the run)
    interrupt,   // the debugger asked (Ctrl-C, a client attached)
    breakpoint,  // pc reached a breakpoint (the instruction has not run)
    step,        // one instruction retired, or one trap/interrupt entered
    watch,       // a data access hit a watchpoint (the instruction completed)
  };
  Reason reason = Reason::start;
  uint32_t pc = 0;
  WatchKind watch_kind = WatchKind::write;
  uint32_t watch_addr = 0;  // the accessed address, clipped into the watched range
  bool hw = false;          // raised by a trigger (hardware breakpoint/watchpoint)
};

enum class DebugAction {
  cont,    // run until the next event
  step,    // run exactly one instruction (or enter one trap), then halt
  detach,  // forget every breakpoint/watchpoint and run to the end
  kill,    // stop the run now (the debugger has requested the stop in RunControl)
};

class Debugger {
 public:
  virtual ~Debugger() = default;
  // Polled by the core once per run-loop iteration while running (must be cheap, e.g. one
  // atomic load): true = halt now with Reason::interrupt.
  virtual bool poll() = 0;
  // The core halted; returns how to go on. May read/write registers and memory and change
  // breakpoints/watchpoints through the core's debug API.
  virtual DebugAction halted(const DebugEvent& ev) = 0;
};

}  // namespace imcvp::cpu
