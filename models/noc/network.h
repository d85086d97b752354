// SystemC/TLM wrapper of the NoC engine for the SoC: initiator endpoints (host, tile DMAs) bind
// to target_socket, target endpoints (DRAM controllers, tiles) to initiator_socket; each is
// attached to a node. b_transport turns a transaction into a request packet (1 header flit +
// write payload flits by link width), waits until its tail has crossed the network, calls the
// target, then sends the response packet (1 header + read payload flits) on the response
// virtual network and waits for it. Many initiators may have transactions in flight at once.
//
// Limits: LT only; the caller's delay annotation is synchronised (wait) before injection so
// contention is seen at the right time; no DMI through the network (every access is timed);
// transactions larger than one packet are sent as one (long) packet; requests and responses
// need router.vnets >= 2.
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
#include "models/noc/engine.h"
#include "models/noc/noc_config.h"

namespace imcvp::noc {

class Network : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Network> target_socket;        // initiators bind
  tlm_utils::multi_passthrough_initiator_socket<Network> initiator_socket;  // to targets

  SC_HAS_PROCESS(Network);
  // Throws NocError for an invalid topology/router description.
  Network(sc_core::sc_module_name name, const NocConfig& cfg);

  // Attaches the next target_socket binding to `node`; returns its index. Throws
  // std::invalid_argument for a node that does not exist.
  int add_initiator(std::string name, unsigned node);
  // Maps [base, base+size) to the next initiator_socket binding at `node`; returns its index.
  // Throws std::invalid_argument for a missing node, an empty range or an overlap.
  int add_target(std::string name, unsigned node, uint64_t base, uint64_t size);
  // Node of an endpoint named in cfg.endpoints; throws std::invalid_argument when absent.
  unsigned node_of(const std::string& endpoint) const;

  Engine& engine() { return *engine_; }
  sc_core::sc_time cycle_time() const { return period_; }
  uint64_t transactions() const { return transactions_; }
  uint64_t errors() const { return errors_; }

 private:
  struct Endpoint {
    std::string name;
    unsigned node;
    uint64_t base = 0, size = 0;
  };
  struct Waiter {
    sc_core::sc_event done;
  };

  void b_transport(int id, tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  unsigned transport_dbg(int id, tlm::tlm_generic_payload& p);
  bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi);
  void clock_step();
  int decode(uint64_t addr) const;
  uint64_t cycle_now() const;
  void traverse(unsigned src, unsigned dst, uint32_t flits, uint32_t vnet);
  void register_stats();
  // Registers the traffic-matrix and per-VC stall entries that became non-zero since the last
  // dump (called before every dump), so stats stay small on large networks.
  void register_nonzero_stats();

  NocConfig cfg_;
  std::unique_ptr<Engine> engine_;
  sc_core::sc_time period_;
  sc_core::sc_event kick_;
  std::vector<Endpoint> initiators_, targets_;
  std::map<uint64_t, int> by_base_;
  uint64_t transactions_ = 0, errors_ = 0, request_flits_ = 0, response_flits_ = 0;
  std::vector<bool> pair_registered_;   // [src * nodes + dst]
  std::vector<bool> stall_registered_;  // [(node * ports + in port) * vcs + vc]
  stats::Group stats_{name()};
};

}  // namespace imcvp::noc
