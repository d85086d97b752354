// CMOS technology-node scaling of area, energy, delay and power (docs/imc-model.md,
// "Technology node").
//
// Source: A. Stillmaker and B. Baas, "Scaling equations for the accurate prediction of CMOS
// device performance from 180 nm to 7 nm", Integration, the VLSI Journal 58, 2017. Their
// fitted equations give, per node, the delay as a cubic and the energy and power as quadratics
// of the supply voltage (HSPICE of a 31-stage FO4 ring oscillator on the PTM models: bulk 180-
// 32 nm, PTM-MG FinFET 20-7 nm), and an area table between nodes. imcvp evaluates them at each
// node's nominal supply (the PTM nominal VDD the paper uses) and reads the high-performance
// (HP) device flavour at 45 and 32 nm, so one curve spans 180 to 7 nm.
//
// Nodes between two table nodes (e.g. 22 nm or 28 nm) are interpolated linearly in log(node)
// on log(factor); nodes outside [7, 180] nm are an error (TechScalingError).
#pragma once

#include <stdexcept>
#include <string>

namespace imcvp::tech {

struct TechScalingError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr double kMinNodeNm = 7.0;
constexpr double kMaxNodeNm = 180.0;

// Relative figures of one node (arbitrary units; only ratios between nodes mean anything).
struct NodeFigures {
  double node_nm = 0;
  double vdd_v = 0;   // nominal supply of the node (PTM)
  double delay = 0;   // FO4-ring delay factor
  double energy = 0;  // switching energy factor
  double power = 0;   // power factor (also used for leakage power, docs/imc-model.md)
  double area = 0;    // area factor (relative to 180 nm = 1)
};

// The figures at node_nm (interpolated between table nodes). Throws TechScalingError when
// node_nm is outside [7, 180] nm or not finite.
NodeFigures node_figures(double node_nm);

// Factor that converts a figure published at from_nm into one at to_nm: multiply by it.
double area_scale(double from_nm, double to_nm);
double energy_scale(double from_nm, double to_nm);
double delay_scale(double from_nm, double to_nm);
double power_scale(double from_nm, double to_nm);

// "" when node_nm is inside the table, else the message (for config validation).
std::string node_error(double node_nm);

// Number of table nodes and the i-th table node (for docs and tests).
int table_size();
double table_node_nm(int i);

}  // namespace imcvp::tech
