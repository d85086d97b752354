// TimingChecker: an independent referee over an issued-command log. It re-derives bank and
// data-bus state from the commands alone and reports every JEDEC constraint a command breaks
// (tRCD, tRP, tRAS, tRC, tCCD_S/L, tRRD_S/L, tFAW, tWR, tWTR_S/L, tRTP, tRTRS and data-bus
// overlap, read-write turnarounds, tRFC, REF with open banks, tXP/tCKE, wrong row, one command
// per cycle, refresh rate). Written separately from the engine's scheduler on purpose: the
// engine precomputes "earliest next" times, the checker looks back at history.
//
// Limits: all-bank refresh only; AL = 0; checks a single data rate.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/dram/dram_config.h"
#include "models/dram/dram_types.h"

namespace imcvp::dram {

class TimingChecker {
 public:
  explicit TimingChecker(const DramConfig& cfg);
  // Checks one command (commands must come in cycle order per channel). Returns the
  // violations it found (empty if none); they are also kept in violations().
  std::vector<std::string> check(const CmdRecord& r);
  // Checks the refresh rate up to end_cycle (no rank may owe more than the allowed
  // postponement plus one refresh).
  void finish(uint64_t end_cycle);
  // The engine skipped idle time in closed form: n refreshes per rank of this channel were
  // counted, not issued (no commands to check; the refresh rate stays satisfied).
  void credit_refreshes(uint32_t channel, uint64_t n);
  const std::vector<std::string>& violations() const { return violations_; }
  uint64_t checked() const { return checked_; }

 private:
  static constexpr int64_t kLongAgo = -(int64_t{1} << 40);
  struct BankHist {
    bool open = false;
    uint32_t row = 0;
    int64_t act = kLongAgo, rd = kLongAgo, wr = kLongAgo, pre = kLongAgo;  // pre: effective
  };
  struct RankHist {
    std::vector<int64_t> acts;  // recent ACT cycles (tFAW window)
    int64_t ref = kLongAgo;
    int64_t pde = kLongAgo, pdx = kLongAgo;
    bool in_pd = false;
    uint64_t refs = 0;
  };
  struct ChannelHist {
    int64_t last_cmd = kLongAgo;
    int64_t data_end = kLongAgo;  // end of the latest data burst
    uint32_t data_rank = 0;
    bool data_valid = false;
  };
  BankHist& bank(const CmdRecord& r);

  DramConfig cfg_;
  std::vector<BankHist> banks_;  // [channel][rank][bg][bank]
  std::vector<RankHist> ranks_;  // [channel][rank]
  std::vector<ChannelHist> chans_;
  std::vector<std::string> violations_;
  uint64_t checked_ = 0;
};

}  // namespace imcvp::dram
