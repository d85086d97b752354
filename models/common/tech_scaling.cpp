#include "models/common/tech_scaling.h"

#include <cmath>
#include <cstdio>

namespace imcvp::tech {

namespace {
// Stillmaker & Baas 2017, the fitted scaling equations per node (delay: cubic in VDD;
// energy and power: quadratic in VDD; 45 and 32 nm: the HP rows) and the area table (area
// relative to 180 nm), evaluated at the nominal VDD of each node's PTM model.
struct Row {
  double node_nm, vdd;
  double d3, d2, d1, d0;  // delay = d3 V^3 + d2 V^2 + d1 V + d0
  double e2, e1, e0;      // energy = e2 V^2 + e1 V + e0
  double p2, p1, p0;      // power = p2 V^2 + p1 V + p0
  double area;            // relative to 180 nm
};
constexpr Row kTable[] = {
    {180, 1.8, 0, 97.09, -356.7, 406.5, 0, 24.64, -17.98, 0, 101000, -79720, 1.0},
    {130, 1.3, -76.65, 334.9, -493.4, 275.8, 7.171, -6.709, 2.904, 27020, -15450, 5630, 0.34},
    {90, 1.2, -60.34, 262.5, -384.2, 210.9, 4.762, -4.781, 2.092, 17320, -11230, 4328, 0.15},
    {65, 1.1, -53.3, 230.4, -333.9, 178.6, 3.755, -4.398, 1.975, 12890, -10510, 4362, 0.08},
    {45, 1.0, -501.6, 1567, -1619, 566.1, 1.018, -0.3107, 0.1539, 5462, -1760, 522.4, 0.053},
    {32, 0.9, -1047, 2982, -2797, 873.5, 0.8367, -0.4341, 0.1701, 4001, -1733, 533.6, 0.025},
    {20, 0.9, 0, 34.63, -66.37, 41.15, 0.373, -0.1582, 0.04104, 2922, -1286, 299.9, 0.011},
    {16, 0.85, 0, 24.8, -47.52, 28.87, 0.2958, -0.1241, 0.03024, 2133, -882.6, 197.7, 0.01},
    {14, 0.8, -40.66, 109.2, -100.6, 35.92, 0.2363, -0.09675, 0.02239, 1675, -711, 159, 0.0093},
    {10, 0.75, -34.95, 93.65, -85.99, 30.4, 0.2068, -0.09311, 0.02375, 1456, -621.6, 143.8, 0.0055},
    {7, 0.7, -28.58, 76.6, -70.26, 24.69, 0.1776, -0.09097, 0.02447, 1179, -515.7, 123.4, 0.0032},
};
constexpr int kRows = sizeof(kTable) / sizeof(kTable[0]);

NodeFigures eval(const Row& r) {
  const double v = r.vdd;
  NodeFigures f;
  f.node_nm = r.node_nm;
  f.vdd_v = v;
  f.delay = ((r.d3 * v + r.d2) * v + r.d1) * v + r.d0;
  f.energy = (r.e2 * v + r.e1) * v + r.e0;
  f.power = (r.p2 * v + r.p1) * v + r.p0;
  f.area = r.area;
  return f;
}

double lerp_log(double a, double b, double t) {
  return std::exp(std::log(a) + (std::log(b) - std::log(a)) * t);
}
}  // namespace

std::string node_error(double node_nm) {
  if (!std::isfinite(node_nm) || node_nm < kMinNodeNm || node_nm > kMaxNodeNm) {
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "technology node %g nm is outside the scaling table [7, 180] nm (Stillmaker & "
                  "Baas 2017)",
                  node_nm);
    return buf;
  }
  return "";
}

NodeFigures node_figures(double node_nm) {
  if (auto e = node_error(node_nm); !e.empty()) throw TechScalingError(e);
  for (int i = 0; i < kRows; ++i) {
    if (node_nm == kTable[i].node_nm) return eval(kTable[i]);
    if (i + 1 < kRows && node_nm < kTable[i].node_nm && node_nm > kTable[i + 1].node_nm) {
      const NodeFigures a = eval(kTable[i]), b = eval(kTable[i + 1]);
      const double t =
          (std::log(node_nm) - std::log(a.node_nm)) / (std::log(b.node_nm) - std::log(a.node_nm));
      NodeFigures f;
      f.node_nm = node_nm;
      f.vdd_v = a.vdd_v + (b.vdd_v - a.vdd_v) * t;
      f.delay = lerp_log(a.delay, b.delay, t);
      f.energy = lerp_log(a.energy, b.energy, t);
      f.power = lerp_log(a.power, b.power, t);
      f.area = lerp_log(a.area, b.area, t);
      return f;
    }
  }
  throw TechScalingError(node_error(-1));  // unreachable: the range was checked
}

double area_scale(double from_nm, double to_nm) {
  return node_figures(to_nm).area / node_figures(from_nm).area;
}
double energy_scale(double from_nm, double to_nm) {
  return node_figures(to_nm).energy / node_figures(from_nm).energy;
}
double delay_scale(double from_nm, double to_nm) {
  return node_figures(to_nm).delay / node_figures(from_nm).delay;
}
double power_scale(double from_nm, double to_nm) {
  return node_figures(to_nm).power / node_figures(from_nm).power;
}

int table_size() {
  return kRows;
}
double table_node_nm(int i) {
  return kTable[i].node_nm;
}

}  // namespace imcvp::tech
