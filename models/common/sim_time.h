// Exact conversion of SystemC times to nanoseconds for stats and reports: integer division
// in the kernel's resolution units, so 13271331 ns prints as 13271331, not 13271331.000000002.
#pragma once

#include <systemc>

namespace imcvp {

inline double to_ns(const sc_core::sc_time& t) {
  static const double per_ns = static_cast<double>(sc_core::sc_time(1, sc_core::SC_NS).value());
  return static_cast<double>(t.value()) / per_ns;
}

}  // namespace imcvp
