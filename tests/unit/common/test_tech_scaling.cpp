// Technology-node scaling (models/common/tech_scaling.h): the table evaluates Stillmaker &
// Baas's fitted equations at each node's nominal VDD; interpolation between nodes; errors.
#include <gtest/gtest.h>

#include <cmath>

#include "models/common/tech_scaling.h"

using namespace imcvp::tech;

// The 45 nm (HP) and 14 nm (HP) rows recomputed here from the paper's coefficients.
TEST(TechScaling, TableNodesEvaluateThePublishedEquations) {
  const double v45 = 1.0, v14 = 0.8;
  const double e45 = 1.018 * v45 * v45 - 0.3107 * v45 + 0.1539;
  const double e14 = 0.2363 * v14 * v14 - 0.09675 * v14 + 0.02239;
  const double d45 = -501.6 * std::pow(v45, 3) + 1567 * v45 * v45 - 1619 * v45 + 566.1;
  const double d14 = -40.66 * std::pow(v14, 3) + 109.2 * v14 * v14 - 100.6 * v14 + 35.92;
  EXPECT_NEAR(energy_scale(45, 14), e14 / e45, 1e-12);
  EXPECT_NEAR(delay_scale(45, 14), d14 / d45, 1e-12);
  EXPECT_NEAR(area_scale(45, 14), 0.0093 / 0.053, 1e-12);
  EXPECT_NEAR(energy_scale(45, 14), 0.1117, 1e-3);  // ~9x less energy per operation
  EXPECT_NEAR(delay_scale(45, 14), 0.361, 1e-3);
  EXPECT_DOUBLE_EQ(energy_scale(22, 22), 1.0);
  EXPECT_NEAR(energy_scale(14, 45) * energy_scale(45, 14), 1.0, 1e-12);
}

TEST(TechScaling, EnergyAndAreaFallWithTheNode) {
  for (int i = 0; i + 1 < table_size(); ++i) {
    const double a = table_node_nm(i), b = table_node_nm(i + 1);
    EXPECT_LT(energy_scale(a, b), 1.0) << a << " -> " << b;
    EXPECT_LT(area_scale(a, b), 1.0) << a << " -> " << b;
    EXPECT_LT(power_scale(a, b), 1.0) << a << " -> " << b;
  }
}

// 22 nm is not a table node: log-log interpolation between 32 and 20 nm.
TEST(TechScaling, BetweenNodesIsInterpolatedInLogLog) {
  const NodeFigures a = node_figures(32), b = node_figures(20), m = node_figures(22);
  const double t = std::log(22.0 / 32.0) / std::log(20.0 / 32.0);
  EXPECT_NEAR(m.energy, std::exp(std::log(a.energy) + t * std::log(b.energy / a.energy)), 1e-12);
  EXPECT_GT(m.energy, b.energy);
  EXPECT_LT(m.energy, a.energy);
}

TEST(TechScaling, NodesOutsideTheTableAreErrors) {
  EXPECT_THROW(node_figures(5), TechScalingError);
  EXPECT_THROW(node_figures(250), TechScalingError);
  EXPECT_THROW(energy_scale(45, NAN), TechScalingError);
  EXPECT_NE(node_error(6.9).find("outside the scaling table [7, 180] nm"), std::string::npos);
  EXPECT_EQ(node_error(7), "");
  EXPECT_EQ(node_error(180), "");
}
