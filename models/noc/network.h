// SystemC/TLM wrapper of the NoC engine for the SoC: initiator endpoints (host, tile DMAs) bind
// to target_socket, target endpoints (DRAM controllers, tiles) to initiator_socket; each is
// attached to a node. Each initiator's network interface (NI) turns a transaction into request
// packets (1 header flit + write payload flits by link width), the target's NI calls the target
// and returns response packets (1 header + read payload flits) on the response virtual network.
//
// Packetisation: a transaction longer than ni.max_packet_payload_bytes is split into packets of
// at most that payload. When the payload allows it (no byte enables, streaming width >= length)
// each packet is its own target access and its response leaves as soon as that access is
// done, so the target works on segment i while segment i+1 is still on the wire; otherwise the
// request is reassembled, the target called once, and the response split.
//
// Outstanding transactions: each initiator NI holds up to ni.max_outstanding transactions in
// flight. LT initiators may call b_transport from several threads on one socket (each call is
// one transaction; calls beyond the limit wait for a slot, first come first served). AT
// initiators use nb_transport_fw with the TLM-2.0 base protocol: BEGIN_REQ is answered with
// END_REQ at once while a slot is free (later, on the backward path, when the NI is full);
// BEGIN_RESP comes back on the backward path when the last response packet has arrived, in
// completion order (not issue order); the initiator answers TLM_COMPLETED or END_RESP.
//
// Limits: the caller's LT delay annotation is synchronised (wait) before injection so
// contention is seen at the right time; targets are LT (b_transport; the NI calls them from a
// pool of worker threads for AT transactions); no DMI through the network (every access is
// timed); requests and responses need router.vnets >= 2; no exclusive accesses or ordering
// guarantees between outstanding transactions of one initiator (as AXI with distinct IDs).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/common/interleave.h"
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
  // Adds way `way` of an interleaved window (il: window, granule, ways) at `node` as the next
  // initiator_socket binding; the target sees il.local() offsets. All ways of one window must
  // give the same il; the window must not overlap other targets. Returns the binding index.
  // A transaction that crosses a granule boundary is split there (one part per target).
  int add_interleaved_target(std::string name, unsigned node, const Interleave& il, uint32_t way);
  // Node of an endpoint named in cfg.endpoints; throws std::invalid_argument when absent.
  unsigned node_of(const std::string& endpoint) const;

  // The end of the simulation run (sc_start's duration): run_ahead never simulates network
  // cycles past it, so a time-limited run's stats are those of the cycles it reached.
  void set_end_time(const sc_core::sc_time& t) { end_time_ = t; }
  Engine& engine() { return *engine_; }
  sc_core::sc_time cycle_time() const { return period_; }
  uint64_t transactions() const { return transactions_; }
  uint64_t errors() const { return errors_; }
  // Most transactions initiator `id` had in flight at once.
  uint32_t peak_outstanding(int id) const { return uint32_t(nis_.at(id).peak); }

 private:
  struct Endpoint {
    std::string name;
    unsigned node;
    uint64_t base = 0, size = 0;
    int group = -1;  // interleaved window (groups_ index), or -1
  };
  struct Group {
    Interleave il;
    std::vector<int> way_target;  // target index per way (-1 until added)
  };
  struct Txn;
  // One packet of a transaction; its address is the engine packet's tag.
  struct Seg {
    Txn* txn = nullptr;
    uint32_t index = 0;
    bool response = false;
  };
  // One transaction in flight (lives on the stack of the thread carrying it).
  struct Txn {
    sc_core::sc_event ev;          // a packet of this transaction arrived
    std::vector<Seg> segs;         // request packets, then response packets
    std::vector<uint8_t> arrived;  // per seg
    uint32_t responses_arrived = 0;
  };
  // Initiator-side NI: outstanding-transaction slots and the AT handshake state.
  struct Ni {
    uint32_t outstanding = 0;
    uint64_t peak = 0;
    uint64_t slots_used = 0;  // bit per slot index (trace tracks), low 64 slots
    uint64_t transactions = 0, slot_waits = 0;
    double slot_wait_ns = 0;
    uint64_t next_ticket = 0, serving = 0;  // FIFO order of LT callers waiting for a slot
    sc_core::sc_event slot_free;
    tlm::tlm_generic_payload* pending_req = nullptr;  // AT BEGIN_REQ waiting for a slot
    sc_core::sc_time pending_at;
    std::deque<tlm::tlm_generic_payload*> responses;  // AT BEGIN_RESP not yet sent
    bool resp_busy = false;                           // BEGIN_RESP sent, END_RESP awaited
  };
  struct Job {
    int id;
    tlm::tlm_generic_payload* p;
    sc_core::sc_time at;
    int slot;
  };

  void b_transport(int id, tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_fw(int id, tlm::tlm_generic_payload& p, tlm::tlm_phase& ph,
                                     sc_core::sc_time& delay);
  unsigned transport_dbg(int id, tlm::tlm_generic_payload& p);
  bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi);
  void clock_step();
  // Advances an idle engine's clock to the current cycle (stats are per elapsed cycle).
  void catch_up();
  int decode(uint64_t addr) const;
  // Target-local address of `addr` in target t (offset, or the interleaved local offset).
  uint64_t local_address(int t, uint64_t addr) const;
  // Bytes from addr that stay in one target (to the end of its granule for interleaved ones).
  uint64_t contiguous_bytes(int t, uint64_t addr) const;
  // Splits a transaction that crosses interleave granules into one carry() per part.
  void route(int id, int slot, tlm::tlm_generic_payload& p);
  void check_range(const std::string& me, unsigned node, uint64_t base, uint64_t size) const;
  void check_node(const std::string& me, unsigned node) const;
  void end_of_elaboration() override;
  uint64_t cycle_now() const;
  // Takes a free slot of initiator `id` (waits in FIFO order while all are taken); returns
  // the slot index. release_slot() hands it to a waiting AT request or LT caller.
  int acquire_slot(int id);
  int take_slot(Ni& ni);
  void release_slot(int id, int slot);
  // Carries one transaction from initiator `id` (slot already held) to its target and back.
  void carry(int id, int slot, tlm::tlm_generic_payload& p);
  void inject(Txn& x, uint32_t seg, unsigned src, unsigned dst, uint32_t flits, uint32_t vnet);
  void wait_arrived(Txn& x, uint32_t seg);
  // AT: worker threads running carry() for accepted BEGIN_REQs; grows on demand.
  void dispatch(const Job& j);
  void worker();
  void send_response(int id);
  void register_stats();
  // Registers the traffic-matrix and per-VC stall entries that became non-zero since the last
  // dump (called before every dump), so stats stay small on large networks.
  void register_nonzero_stats();

  NocConfig cfg_;
  std::unique_ptr<Engine> engine_;
  sc_core::sc_time period_;
  sc_core::sc_event kick_;
  // Transactions whose packet the engine delivered ahead of the kernel, at cycle due_cycle_.
  std::vector<Txn*> due_;
  sc_core::sc_time end_time_ = sc_core::sc_max_time();
  uint64_t due_cycle_ = 0;
  std::vector<Endpoint> initiators_, targets_;
  std::map<uint64_t, int> by_base_;  // window base -> target index, or -(group + 2)
  std::vector<Group> groups_;
  std::deque<Ni> nis_;  // per initiator (deque: Ni holds events, which cannot move)
  std::deque<Job> jobs_;
  sc_core::sc_event job_ev_;
  uint32_t idle_workers_ = 0, workers_ = 0;
  uint64_t transactions_ = 0, errors_ = 0, request_flits_ = 0, response_flits_ = 0;
  uint64_t request_packets_ = 0, response_packets_ = 0, split_transactions_ = 0,
           target_accesses_ = 0, split_interleaved_ = 0;
  std::set<uint64_t> pair_registered_;  // src * nodes + dst of registered matrix stats
  std::vector<bool> stall_registered_;  // [(node * ports + in port) * vcs + vc]
  stats::Group stats_{name()};
};

}  // namespace imcvp::noc
