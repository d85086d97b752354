// Host bus: a TLM-2.0 loosely-timed address router between the host initiators (CPU, debug
// loader) and the memory-mapped targets (memories, CLINT, PLIC, UART, sim-control, NoC NI).
//
// Initiators bind to `target_socket` (their index is the binding order); targets are bound to
// `initiator_socket` in the order of add_target() calls, which assigns their address ranges.
// Addresses are translated to target-local offsets on the way down, and DMI ranges and
// invalidations back to the global map on the way up.
//
// Limits: LT only (no nb_transport); a fixed latency per transaction, no arbitration or
// contention between initiators; an access must lie inside one target (else address error).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/common/stats.h"
#include "models/common/traffic_sink.h"

namespace imcvp::bus {

struct BusConfig {
  // One clock of a 1 GHz host interconnect: a registered crossbar stage (ARM CoreLink NIC-400
  // TRM, "register slice" adds one cycle per hop). A modelling assumption, not a measurement.
  double latency_ns = 1.0;
  // ~0.1 pJ/bit/mm for on-chip wires (Keckler et al., "GPUs and the Future of Parallel
  // Computing", IEEE Micro 31(5), 2011) over ~1 mm of bus plus mux/driver overhead:
  // ~1 pJ per byte moved. An estimate, to be replaced by a technology preset.
  double energy_pj_per_byte = 1.0;

  template <class V>
  void visit(V& v) {
    v.param("latency_ns", latency_ns, "Latency added to every transaction through the bus", "ns",
            {0.0, 1e6});
    v.param("energy_pj_per_byte", energy_pj_per_byte, "Energy per byte moved over the bus", "pJ",
            {0.0, 1e6});
  }
};

class Bus : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Bus> target_socket;        // initiators bind here
  tlm_utils::multi_passthrough_initiator_socket<Bus> initiator_socket;  // bound to targets

  struct Counters {
    uint64_t transactions = 0, reads = 0, writes = 0, bytes_read = 0, bytes_written = 0, errors = 0;
  };

  Bus(sc_core::sc_module_name name, const BusConfig& cfg);

  // Maps [base, base+size) to the next initiator_socket index (returned). Throws
  // std::invalid_argument for an empty/overflowing range, a duplicate name or an overlap
  // (the message names both targets). Call before elaboration ends.
  int add_target(const std::string& name, uint64_t base, uint64_t size);
  // Names initiator `index` for stats (default "initiator<index>").
  void name_initiator(int index, const std::string& name);
  // Sink for DMI traffic of initiator `index`: counts are attributed to that initiator and to
  // the target containing the address, exactly like b_transport accesses.
  TrafficSink& dmi_sink(int initiator_index);

  // Target index containing addr, or -1.
  int decode(uint64_t addr) const;
  const Counters& initiator_counters(int index);
  const Counters& target_counters(int index) const { return targets_.at(index).c; }
  const Counters& total_counters() const { return total_; }
  double energy_pj() const {
    return cfg_.energy_pj_per_byte * static_cast<double>(total_.bytes_read + total_.bytes_written);
  }

 private:
  struct Target {
    std::string name;
    uint64_t base, size;
    Counters c;
    std::unique_ptr<stats::Group> stats;
  };
  struct Initiator {
    std::string name;
    Counters c;
    std::unique_ptr<stats::Group> stats;
  };
  class Sink : public TrafficSink {
   public:
    Sink(Bus& bus, int index) : bus_(bus), index_(index) {}
    void dmi_traffic(uint64_t addr, uint64_t reads, uint64_t writes, uint64_t read_bytes,
                     uint64_t write_bytes) override;

   private:
    Bus& bus_;
    int index_;
  };

  void b_transport(int id, tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi);
  unsigned transport_dbg(int id, tlm::tlm_generic_payload& p);
  void invalidate_direct_mem_ptr(int id, sc_dt::uint64 start, sc_dt::uint64 end);
  void end_of_elaboration() override;
  // Event trace of one transaction (cold: only with --trace=bus).
  void trace_txn(int initiator, int target, const tlm::tlm_generic_payload& p,
                 const sc_core::sc_time& start, const sc_core::sc_time& delay);

  Initiator& initiator(int index);
  void count(Counters& c, bool write, uint64_t n, uint64_t bytes);
  void register_counters(stats::Group& g, Counters& c);

  BusConfig cfg_;
  sc_core::sc_time latency_;
  std::deque<Target> targets_;
  std::map<uint64_t, int> by_base_;  // base -> target index
  std::deque<Initiator> initiators_;
  std::deque<Sink> sinks_;
  Counters total_;
  int trace_rate_ = -1;
  stats::Group stats_{name()};
};

}  // namespace imcvp::bus
