// DRAM configuration: defaults equal the ddr4-2400 preset (which matches the reference .ini),
// every shipped preset loads and validates, inconsistent timing is a clear error.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "models/common/config.h"
#include "models/dram/address_map.h"
#include "models/dram/dram_config.h"

using namespace imcvp;
using namespace imcvp::dram;

namespace {
std::string src(const std::string& rel) {
  return std::string(IMCVP_SOURCE_DIR) + "/" + rel;
}

// key = value pairs of the reference .ini (comments after ';' dropped).
std::map<std::string, std::string> read_ini(const std::string& path) {
  std::map<std::string, std::string> m;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto semi = line.find(';');
    if (semi != std::string::npos) line.resize(semi);
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t"));
      s.erase(s.find_last_not_of(" \t\r") + 1);
      return s;
    };
    m[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
  }
  return m;
}
}  // namespace

TEST(DramConfig, DefaultsAndPresetMatchTheReferenceIni) {
  auto ini = read_ini(src("tests/unit/dram/dramsim3/DDR4_8Gb_x8_2400.ini"));
  ASSERT_FALSE(ini.empty()) << "reference .ini missing";
  DramConfig preset;
  config::apply_file(preset, src("configs/dram/ddr4-2400.yaml"));
  DramConfig defaults;
  for (const DramConfig* c : {&preset, &defaults}) {
    auto num = [&](const char* k) { return std::stod(ini.at(k)); };
    EXPECT_EQ(c->org.bank_groups, num("bankgroups"));
    EXPECT_EQ(c->org.banks_per_group, num("banks_per_group"));
    EXPECT_EQ(c->org.rows, num("rows"));
    EXPECT_EQ(c->org.columns, num("columns"));
    EXPECT_EQ(c->org.device_width_bits, num("device_width"));
    EXPECT_EQ(c->org.burst_length, num("BL"));
    EXPECT_EQ(c->org.channels, num("channels"));
    EXPECT_EQ(c->org.bus_width_bits, num("bus_width"));
    EXPECT_EQ(c->capacity_bytes() / c->org.channels, num("channel_size") * 1024 * 1024);
    const auto& t = c->timing;
    EXPECT_DOUBLE_EQ(t.tck_ns, num("tCK"));
    EXPECT_EQ(t.cl, num("CL"));
    EXPECT_EQ(t.cwl, num("CWL"));
    EXPECT_EQ(t.trcd, num("tRCD"));
    EXPECT_EQ(t.trp, num("tRP"));
    EXPECT_EQ(t.tras, num("tRAS"));
    EXPECT_EQ(t.trc, num("tRAS") + num("tRP"));
    EXPECT_EQ(t.trfc, num("tRFC"));
    EXPECT_EQ(t.trefi, num("tREFI"));
    EXPECT_EQ(t.trrd_s, num("tRRD_S"));
    EXPECT_EQ(t.trrd_l, num("tRRD_L"));
    EXPECT_EQ(t.twtr_s, num("tWTR_S"));
    EXPECT_EQ(t.twtr_l, num("tWTR_L"));
    EXPECT_EQ(t.tfaw, num("tFAW"));
    EXPECT_EQ(t.twr, num("tWR"));
    EXPECT_EQ(t.trtp, num("tRTP"));
    EXPECT_EQ(t.tccd_s, num("tCCD_S"));
    EXPECT_EQ(t.tccd_l, num("tCCD_L"));
    EXPECT_EQ(t.tcke, num("tCKE"));
    EXPECT_EQ(t.txp, num("tXP"));
    EXPECT_EQ(t.trtrs, num("tRTRS"));
    const auto& p = c->power;
    EXPECT_DOUBLE_EQ(p.vdd_v, num("VDD"));
    EXPECT_DOUBLE_EQ(p.idd0_ma, num("IDD0"));
    EXPECT_DOUBLE_EQ(p.ipp0_ma, num("IPP0"));
    EXPECT_DOUBLE_EQ(p.idd2p_ma, num("IDD2P"));
    EXPECT_DOUBLE_EQ(p.idd2n_ma, num("IDD2N"));
    EXPECT_DOUBLE_EQ(p.idd3p_ma, num("IDD3P"));
    EXPECT_DOUBLE_EQ(p.idd3n_ma, num("IDD3N"));
    EXPECT_DOUBLE_EQ(p.idd4w_ma, num("IDD4W"));
    EXPECT_DOUBLE_EQ(p.idd4r_ma, num("IDD4R"));
    EXPECT_DOUBLE_EQ(p.idd5ab_ma, num("IDD5AB"));
    EXPECT_DOUBLE_EQ(p.idd6_ma, num("IDD6x"));
    EXPECT_EQ(c->controller.address_mapping, ini.at("address_mapping"));
    EXPECT_EQ(c->controller.transaction_queue_depth, num("trans_queue_size"));
    EXPECT_EQ(c->controller.command_queue_depth, num("cmd_queue_size"));
    EXPECT_EQ(c->controller.page_policy, "open");
  }
  // The preset file and the built-in defaults are the same configuration.
  DramConfig d;
  EXPECT_EQ(config::to_yaml(preset), config::to_yaml(d));
}

TEST(DramConfig, EveryPresetLoadsAndValidates) {
  for (const char* name : kPresetNames) {
    std::string path = find_preset(name);
    ASSERT_FALSE(path.empty()) << name;
    DramConfig c;
    ASSERT_NO_THROW(config::apply_file(c, path)) << name;
    EXPECT_NO_THROW(c.validate()) << name;
    EXPECT_GT(c.capacity_bytes(), 0u);
  }
  EXPECT_TRUE(find_preset("no-such-preset").empty());
}

TEST(DramConfig, InconsistentTimingIsAClearError) {
  auto expect_error = [](const std::string& set, const std::string& what) {
    DramConfig c;
    config::apply_set(c, set);
    try {
      c.validate();
      ADD_FAILURE() << set << " accepted";
    } catch (const config::ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  expect_error("timing.trc=40", "trc (40) < timing.tras + timing.trp (39 + 17)");
  expect_error("timing.tccd_l=3", "tccd_l");
  expect_error("timing.tccd_s=2", "overlap on the data bus");
  expect_error("timing.trefi=400", "trefi");
  expect_error("org.rows=1000", "power of two");
  expect_error("controller.address_mapping=rochrababgxx", "unknown");
  expect_error("controller.address_mapping=rorababgco", "12 letters");
  expect_error("controller.write_low_watermark=40", "watermark");
  expect_error("timing.tck_ns=0.8333", "picoseconds");
  // The YAML layer rejects unknown keys and bad choices with a path.
  DramConfig c;
  EXPECT_THROW(config::apply_set(c, "timing.tRCD=3"), config::ConfigError);
  EXPECT_THROW(config::apply_set(c, "controller.scheduler=lifo"), config::ConfigError);
}

TEST(DramAddressMap, RochrababgcoFieldsAndRoundTrip) {
  DramConfig c;
  AddressMap m(c);
  // 64 B bursts; 7 column bits, then bg (2), ba (2), ra (1), row (16).
  auto a = m.decode(0x40);
  EXPECT_EQ(a.column, 1u);
  EXPECT_EQ(a.bank_group, 0u);
  a = m.decode(uint64_t{1} << 13);
  EXPECT_EQ(a.column, 0u);
  EXPECT_EQ(a.bank_group, 1u);
  a = m.decode(uint64_t{1} << 15);
  EXPECT_EQ(a.bank, 1u);
  a = m.decode(uint64_t{1} << 17);
  EXPECT_EQ(a.rank, 1u);
  a = m.decode(uint64_t{5} << 18);
  EXPECT_EQ(a.row, 5u);
  EXPECT_EQ(a.rank, 0u);
  for (int hash = 0; hash < 2; ++hash) {
    c.controller.xor_bank_hash = hash;
    AddressMap h(c);
    for (uint64_t addr :
         {uint64_t{0}, uint64_t{0x12345680}, c.capacity_bytes() - 64, uint64_t{0x3'0000'1040}})
      EXPECT_EQ(h.encode(h.decode(addr)), addr & ~uint64_t{63});
  }
  // XOR hashing: the same bank/column in consecutive rows lands in different banks.
  AddressMap h(c);
  auto r0 = h.decode(uint64_t{0} << 18), r1 = h.decode(uint64_t{1} << 18);
  EXPECT_NE(r0.bank, r1.bank);
}
