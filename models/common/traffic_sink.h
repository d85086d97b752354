// Traffic accounting for accesses that bypass the bus (DMI). The CPU counts its DMI loads and
// stores per DMI region and hands them over in batches (quantum syncs, stats dumps); the bus
// attributes them to the initiator and to the target containing `addr`, so bus traffic stats
// are identical whether DMI was used or not.
#pragma once

#include <cstdint>

namespace imcvp {

class TrafficSink {
 public:
  virtual ~TrafficSink() = default;
  virtual void dmi_traffic(uint64_t addr, uint64_t reads, uint64_t writes, uint64_t read_bytes,
                           uint64_t write_bytes) = 0;
};

}  // namespace imcvp
