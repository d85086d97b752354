#include <gtest/gtest.h>

#include "models/common/config.h"

using imcvp::config::ConfigError;

namespace {

struct Inner {
  uint32_t depth = 4;
  double latency_ns = 1.5;
  std::string mode = "fast";
  template <class V>
  void visit(V& v) {
    v.param("depth", depth, "Queue depth", "count", {1, 64});
    v.param("latency_ns", latency_ns, "Latency", "ns", {0, 1e6});
    v.choice("mode", mode, {"fast", "exact"}, "Mode");
  }
};
struct Item {
  uint64_t base = 0;
  template <class V>
  void visit(V& v) {
    v.param("base", base, "Base", "address");
  }
};
struct Root {
  bool enable = false;
  uint64_t base = 0x1000;
  int32_t offset = -1;
  Inner inner;
  std::vector<Item> items;
  template <class V>
  void visit(V& v) {
    v.param("enable", enable, "Enable");
    v.param("base", base, "Base address", "address");
    v.param("offset", offset, "Signed offset");
    v.section("inner", inner, "Inner section");
    v.list("items", items, "Items");
  }
};

std::string error_of(const std::string& yaml) {
  Root r;
  try {
    imcvp::config::apply_text(r, yaml, "test.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Config, AppliesValuesAndKeepsDefaults) {
  Root r;
  imcvp::config::apply_text(r, "enable: true\nbase: 0x8000_0000\ninner: {depth: 8}\n", "t");
  EXPECT_TRUE(r.enable);
  EXPECT_EQ(r.base, 0x80000000u);
  EXPECT_EQ(r.inner.depth, 8u);
  EXPECT_DOUBLE_EQ(r.inner.latency_ns, 1.5);  // untouched default
  EXPECT_EQ(r.offset, -1);
}

TEST(Config, LaterSourcesWin) {
  Root r;
  imcvp::config::apply_text(r, "inner: {depth: 8, mode: exact}\n", "a");
  imcvp::config::apply_text(r, "inner: {depth: 16}\n", "b");
  imcvp::config::apply_set(r, "inner.latency_ns=2.25");
  EXPECT_EQ(r.inner.depth, 16u);
  EXPECT_EQ(r.inner.mode, "exact");
  EXPECT_DOUBLE_EQ(r.inner.latency_ns, 2.25);
}

TEST(Config, UnknownKeyReportsFileLineColumnAndPath) {
  EXPECT_EQ(error_of("enable: true\ninner:\n  depht: 3\n"),
            "test.yaml:3:3: inner.depht: unknown key");
  EXPECT_EQ(error_of("bogus: 1\n"), "test.yaml:1:1: bogus: unknown key");
}

TEST(Config, BadValuesAreRejected) {
  EXPECT_EQ(error_of("inner:\n  depth: 0\n"),
            "test.yaml:2:10: inner.depth: value 0 out of range [1, 64]");
  EXPECT_EQ(error_of("inner:\n  depth: many\n"),
            "test.yaml:2:10: inner.depth: 'many' is not a valid unsigned 32-bit integer");
  EXPECT_EQ(error_of("enable: maybe\n"),
            "test.yaml:1:9: enable: 'maybe' is not a boolean (true/false)");
  EXPECT_EQ(error_of("base: -4\n"),
            "test.yaml:1:7: base: '-4' is not a valid unsigned 64-bit integer");
  EXPECT_EQ(
      error_of("base: 0x1_0000_0000_0000_0000\n"),
      "test.yaml:1:7: base: '0x1_0000_0000_0000_0000' is not a valid unsigned 64-bit integer");
  EXPECT_EQ(error_of("inner:\n  mode: slow\n"),
            "test.yaml:2:9: inner.mode: 'slow' is not one of: fast exact");
  EXPECT_EQ(error_of("inner: 3\n"), "test.yaml:1:8: inner: expected a mapping");
  EXPECT_EQ(error_of("offset: [1, 2]\n"), "test.yaml:1:9: offset: expected a scalar value");
  EXPECT_EQ(error_of("items: [{base: 1}, {bsae: 2}]\n"),
            "test.yaml:1:21: items[1].bsae: unknown key");
}

TEST(Config, MalformedYamlNamesThePosition) {
  std::string e = error_of("inner: {depth: 3\nenable: true\n");
  EXPECT_EQ(e.rfind("test.yaml:", 0), 0u) << e;
  EXPECT_NE(e.find("malformed YAML"), std::string::npos) << e;
  EXPECT_EQ(error_of("- 1\n- 2\n"), "test.yaml:1:1: top level must be a mapping");
  EXPECT_EQ(error_of(""), "");  // an empty file applies nothing
}

TEST(Config, SetErrors) {
  Root r;
  EXPECT_THROW(imcvp::config::apply_set(r, "inner.depth"), ConfigError);
  EXPECT_THROW(imcvp::config::apply_set(r, "inner..depth=3"), ConfigError);
  try {
    imcvp::config::apply_set(r, "inner.nope=3");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "--set inner.nope=3: inner.nope: unknown key");
  }
}

TEST(Config, ListsAndDumps) {
  Root r;
  imcvp::config::apply_text(r, "items: [{base: 16}, {base: 32}]\n", "t");
  ASSERT_EQ(r.items.size(), 2u);
  EXPECT_EQ(r.items[1].base, 32u);
  auto yaml = imcvp::config::to_yaml(r);
  EXPECT_NE(yaml.find("base: 0x1000"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("# Queue depth (count)"), std::string::npos) << yaml;
  // The dump reads back to the same values.
  Root r2;
  imcvp::config::apply_text(r2, yaml, "dump");
  EXPECT_EQ(imcvp::config::to_yaml(r2), yaml);
  auto rows = imcvp::config::list_params(r);
  bool found = false;
  for (auto& row : rows)
    if (row.key == "inner.depth") {
      found = true;
      EXPECT_EQ(row.value, "4");
      EXPECT_EQ(row.unit, "count");
    }
  EXPECT_TRUE(found);
}

// Issue 15 item 4: yaml-cpp keeps both entries of a duplicated key and lookups find the first,
// so a second section was silently ignored, unknown keys and all.
TEST(Config, DuplicateKeysNameBothLocations) {
  EXPECT_EQ(error_of("enable: true\nbase: 1\nenable: false\n"),
            "test.yaml:3:1: enable: duplicate key (first at test.yaml:1:1)");
  EXPECT_EQ(error_of("inner:\n  depth: 8\ninner:\n  bogus: 1\n"),
            "test.yaml:3:1: inner: duplicate key (first at test.yaml:1:1)");
  EXPECT_EQ(error_of("inner:\n  depth: 8\n  mode: fast\n  depth: 9\n"),
            "test.yaml:4:3: inner.depth: duplicate key (first at test.yaml:2:3)");
  EXPECT_EQ(error_of("items:\n  - {base: 1, base: 2}\n"),
            "test.yaml:2:15: items[0].base: duplicate key (first at test.yaml:2:6)");
  // The same key in different maps, and a map reused through an alias, are fine.
  EXPECT_EQ(error_of("items:\n  - &a {base: 1}\n  - *a\ninner: {depth: 2}\n"), "");
}

// Issue 15 items 5 and 6: a directory read as an empty config; /dev/zero never ended.
TEST(Config, LoadFileRefusesNonRegularFiles) {
  Root r;
  auto err = [&](const std::string& f) {
    try {
      imcvp::config::apply_file(r, f);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(err("/tmp"), "/tmp: is a directory, not a file");
  EXPECT_EQ(err("/dev/zero"),
            "/dev/zero: not a regular file (devices, pipes and sockets are refused)");
  EXPECT_EQ(err("/nonexistent/x.yaml"), "/nonexistent/x.yaml: no such file");
  EXPECT_EQ(imcvp::config::check_input_file("/dev/null", 10),
            "/dev/null: not a regular file (devices, pipes and sockets are refused)");
}

}  // namespace
