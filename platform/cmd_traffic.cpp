#include "platform/cmd_traffic.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "models/common/config.h"
#include "models/common/run_control.h"
#include "models/noc/noc_power.h"
#include "models/noc/traffic.h"

namespace imcvp::platform {

namespace {

// Configuration root of `imcvp traffic`: the platform's `noc` section plus `traffic`.
struct TrafficRoot {
  noc::NocConfig noc;
  noc::TrafficConfig traffic;
  template <class V>
  void visit(V& v) {
    v.section("noc", noc, "Network-on-chip");
    v.section("traffic", traffic, "Synthetic traffic (imcvp traffic only)");
  }
};

struct Options {
  std::vector<std::string> configs, sets;
  std::string topology, routing, pattern, sweep, format = "csv", output, mode;
  double rate = -1;  // -1: not given (the option itself only takes [0, 64])
  std::string rate_text;
  int64_t packet_flits = -1, warmup = -1, measure = -1, drain = -1, seed = -1, outstanding = -1,
          reply_flits = -1;
  bool dump_config = false;
  bool vc_stats = false;
  std::string list_params;  // tsv
  std::string export_anynet;
  CLI::Option* list_opt = nullptr;
};

int fail(int code, const std::string& msg) {
  std::fflush(stdout);
  std::fprintf(stderr, "imcvp: error: %s\n", msg.c_str());
  return code;
}

// A sweep longer than this is refused (with its count) rather than cut short.
constexpr double kMaxSweepPoints = 10000;

// "" or what is wrong with START:STOP:STEP.
std::string parse_sweep(const std::string& s, std::vector<double>& out) {
  const std::string expected =
      "expected START:STOP:STEP with 0 <= START <= STOP <= 64 (flits/node/cycle), STEP > 0";
  double a, b, c;
  char x, y, tail;
  std::istringstream is(s);
  if (!(is >> a >> x >> b >> y >> c) || x != ':' || y != ':' || (is >> tail)) return expected;
  if (!std::isfinite(a) || !std::isfinite(b) || !std::isfinite(c) || !(c > 0) || !(a >= 0) ||
      b < a || b > 64)
    return expected;
  const double points = std::floor((b - a) / c + 1e-9) + 1;
  if (points > kMaxSweepPoints) {
    char n[64];
    std::snprintf(n, sizeof n, "%.0f", points);
    return std::string("gives ") + n + " points; at most " + std::to_string(int(kMaxSweepPoints)) +
           " (use a larger STEP)";
  }
  for (int i = 0;; ++i) {
    double r = a + i * c;
    if (r > b + 1e-9 || i > 10000) break;
    out.push_back(std::round(r * 1e9) / 1e9);
  }
  return out.empty() ? expected : "";
}

nlohmann::ordered_json to_json(const noc::TrafficResult& r) {
  nlohmann::ordered_json j;
  j["offered"] = r.offered;
  j["injected"] = r.injected;
  j["accepted"] = r.accepted;
  j["avg_packet_latency"] = r.avg_packet_latency;
  j["avg_network_latency"] = r.avg_network_latency;
  j["avg_queueing_latency"] = r.avg_queueing_latency;
  j["p50_packet_latency"] = r.p50_packet_latency;
  j["p99_packet_latency"] = r.p99_packet_latency;
  j["max_packet_latency"] = r.max_packet_latency;
  j["avg_hops"] = r.avg_hops;
  j["packets"] = r.packets;
  j["packets_missing"] = r.packets_missing;
  j["max_link_utilisation"] = r.max_link_utilisation;
  j["replies_accepted"] = r.replies_accepted;
  j["energy_router_pj"] = r.energy_router_pj;
  j["energy_link_pj"] = r.energy_link_pj;
  j["cycles"] = r.cycles;
  j["status"] = r.stable ? "stable" : "unstable";
  j["saturated"] = r.saturated;
  // Per router-to-router link: [from, to, flits/cycle] (the JSON's "links_format").
  auto links = nlohmann::ordered_json::array();
  for (const auto& l : r.links) {
    double u = std::round(l.utilisation * 1e6) / 1e6;
    links.push_back({l.from, l.to, u});
  }
  j["links"] = std::move(links);
  // --vc-stats: per link and VC (the JSON's "link_vcs_format").
  if (!r.links.empty() && !r.links.front().vc_utilisation.empty()) {
    auto vcs = nlohmann::ordered_json::array();
    auto round6 = [](const std::vector<double>& v) {
      auto a = nlohmann::ordered_json::array();
      for (double x : v) a.push_back(std::round(x * 1e6) / 1e6);
      return a;
    };
    for (const auto& l : r.links)
      vcs.push_back({l.from, l.to, round6(l.vc_utilisation), round6(l.vc_occupancy)});
    j["link_vcs"] = std::move(vcs);
  }
  return j;
}

// Area, static power and energy per flit of the routers and links (docs/noc-model.md, "Area and
// power"): totals, the router (every router has the topology's radix) and one row per
// unidirectional router-to-router link.
nlohmann::ordered_json power_json(const noc::Engine& e) {
  const auto& cfg = e.config();  // energy per bit as the engine charges it
  const auto& topo = e.topology();
  const noc::NetworkPower np = noc::network_power(cfg, topo);
  const double w = cfg.router.link_width_bits;
  nlohmann::ordered_json j;
  j["model"] = cfg.energy.model;
  j["node_nm"] = cfg.energy.node_nm;
  j["area_mm2"] = np.router_area_mm2 + np.link_area_mm2;
  j["static_mw"] = np.router_static_mw + np.link_static_mw;
  j["routers"] = {{"count", topo.nodes()},
                  {"ports", topo.ports()},
                  {"area_mm2", np.router_area_mm2},
                  {"static_mw", np.router_static_mw}};
  j["router"] = {
      {"area_mm2", np.router.area_mm2()},
      {"area_buffer_mm2", np.router.area_buffer_mm2},
      {"area_crossbar_mm2", np.router.area_crossbar_mm2},
      {"area_alloc_mm2", np.router.area_alloc_mm2},
      {"static_mw", np.router.static_mw},
      {"energy_pj_per_flit", (cfg.energy.buffer_pj_per_bit + cfg.energy.alloc_pj_per_bit +
                              cfg.energy.crossbar_pj_per_bit) *
                                 w},
  };
  j["links_total"] = {{"area_mm2", np.link_area_mm2}, {"static_mw", np.link_static_mw}};
  j["link_power_format"] = {"from",     "to",       "length_mm", "energy_pj_per_flit",
                            "area_mm2", "static_mw"};
  auto links = nlohmann::ordered_json::array();
  for (uint32_t r = 0; r < topo.nodes(); ++r)
    for (uint32_t p = 1; p < topo.ports(); ++p) {
      const auto& pt = topo.port(r, p);
      if (pt.peer == noc::Topology::kNone) continue;
      const auto& l = np.links[size_t(r) * topo.ports() + p];
      links.push_back({r, pt.peer, pt.length_mm, cfg.energy.link_pj_per_bit_mm * pt.length_mm * w,
                       l.area_mm2, l.static_mw});
    }
  j["link_power"] = std::move(links);
  return j;
}

// NaN (not reached) is null in JSON.
nlohmann::ordered_json num_or_null(double v) {
  return std::isnan(v) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(v);
}

nlohmann::ordered_json to_json(const noc::SweepSummary& s) {
  nlohmann::ordered_json j;
  j["zero_load_latency"] = s.zero_load_latency;
  j["knee_2x_offered"] = num_or_null(s.knee_2x_offered);
  j["knee_3x_offered"] = num_or_null(s.knee_3x_offered);
  j["saturation_offered"] = num_or_null(s.saturation_offered);
  j["saturation_throughput"] = s.saturation_throughput;
  j["network_latency_before_saturation"] = s.network_latency_at_knee;
  j["queueing_latency_before_saturation"] = s.queueing_latency_at_knee;
  return j;
}

int run(const Options& o) {
  if (o.vc_stats && o.format != "json")
    return fail(exit_code::usage,
                "--vc-stats writes per-VC arrays into the JSON: use --format json");
  TrafficRoot root;
  // The traffic mode's own defaults: one virtual network (all traffic is one class).
  root.noc.router.vnets = 1;
  try {
    for (const auto& f : o.configs) {
      if (!std::filesystem::exists(f))
        return fail(exit_code::no_input, f + ": no such config file");
      if (std::string err = config::check_input_file(f, config::kMaxConfigBytes); !err.empty())
        return fail(exit_code::no_input, err);
      config::apply_file(root, f);
    }
    for (const auto& s : o.sets) config::apply_set(root, s);
    if (!o.topology.empty()) noc::apply_topology_spec(root.noc, o.topology);
    if (!o.routing.empty()) config::apply_set(root, "noc.routing=" + o.routing);
    if (!o.pattern.empty()) config::apply_set(root, "traffic.pattern=" + o.pattern);
    if (!o.mode.empty()) config::apply_set(root, "traffic.mode=" + o.mode);
    auto& t = root.traffic;
    if (o.outstanding >= 0) t.max_outstanding = uint32_t(o.outstanding);
    if (o.reply_flits >= 0) t.reply_flits = uint32_t(o.reply_flits);
    if (t.max_outstanding == 0) return fail(exit_code::usage, "--outstanding must be at least 1");
    if (t.reply_flits == 0) return fail(exit_code::usage, "--reply-flits must be at least 1");
    // Replies need their own virtual network (no protocol deadlock): raise the traffic mode's
    // default of one.
    if (t.mode_kind() == noc::TrafficMode::request_reply && root.noc.router.vnets < 2)
      root.noc.router.vnets = 2;
    if (o.packet_flits >= 0) t.packet_flits = uint32_t(o.packet_flits);
    if (o.warmup >= 0) t.warmup_cycles = uint64_t(o.warmup);
    if (o.measure >= 0) t.measure_cycles = uint64_t(o.measure);
    if (o.drain >= 0) t.drain_cycles = uint64_t(o.drain);
    if (o.seed >= 0) t.seed = uint64_t(o.seed);
    if (o.rate >= 0) t.injection_rate = o.rate;
    t.per_vc = o.vc_stats;
    if (t.packet_flits == 0) return fail(exit_code::usage, "--packet-flits must be at least 1");
    if (t.measure_cycles == 0) return fail(exit_code::usage, "--measure must be at least 1");
  } catch (const config::ConfigError& e) {
    return fail(exit_code::config, e.what());
  } catch (const noc::NocError& e) {
    return fail(exit_code::usage, e.what());
  }
  // The keys -c files and --set take (scripts/sweep checks them).
  if (o.list_opt && o.list_opt->count() > 0) {
    for (auto& r : config::list_params(root))
      std::printf("%s\t%s\t%s\t%s\n", r.key.c_str(), r.value.c_str(), r.unit.c_str(),
                  r.desc.c_str());
    return exit_code::ok;
  }
  // Validate the network and pattern once, before any output.
  std::string routing_label;
  nlohmann::ordered_json area_power;  // routers and links (models/noc/noc_power.h)
  try {
    noc::Engine probe(root.noc);
    noc::Pattern pat(probe.topology(), root.traffic);
    (void)pat;
    routing_label = probe.topology().routing();
    area_power = power_json(probe);
    if (!o.export_anynet.empty()) {
      std::ofstream f(o.export_anynet, std::ios::trunc);
      if (!(f << noc::to_anynet(probe.topology())))
        return fail(exit_code::cant_create, o.export_anynet + ": cannot write");
      return exit_code::ok;
    }
  } catch (const noc::NocError& e) {
    return fail(exit_code::config, e.what());
  }

  if (o.dump_config) {
    std::cout << config::to_yaml(root);
    return exit_code::ok;
  }
  std::vector<double> rates;
  if (!o.sweep.empty()) {
    if (std::string err = parse_sweep(o.sweep, rates); !err.empty())
      return fail(exit_code::usage, "--sweep " + o.sweep + ": " + err);
  } else {
    rates.push_back(root.traffic.injection_rate);
  }
  // At most one packet per node per cycle: checked here, not half-way through a sweep.
  for (double r : rates)
    if (r > root.traffic.packet_flits) {
      const bool cli = !o.sweep.empty() || o.rate >= 0;
      std::ostringstream os;
      os << (!o.sweep.empty() ? "--sweep " + o.sweep
             : cli            ? "--injection-rate " + o.rate_text
                              : std::string("traffic.injection_rate"))
         << ": rate " << r << " flits/node/cycle exceeds one packet per node per cycle; with "
         << root.traffic.packet_flits << "-flit packets it must be in [0, "
         << root.traffic.packet_flits << "]";
      return fail(cli ? exit_code::usage : exit_code::config, os.str());
    }
  std::ostream* out = &std::cout;
  std::unique_ptr<std::ofstream> file;
  if (!o.output.empty()) {
    file = std::make_unique<std::ofstream>(o.output, std::ios::trunc);
    if (!*file) return fail(exit_code::cant_create, o.output + ": cannot write");
    out = file.get();
  }
  nlohmann::ordered_json doc;
  const auto& n = root.noc;
  std::string topo =
      n.topology_kind() == noc::TopologyKind::mesh || n.topology_kind() == noc::TopologyKind::torus
          ? n.topology + ":" + std::to_string(n.size_x) + "x" + std::to_string(n.size_y)
          : n.topology + ":" + std::to_string(n.node_count());
  const bool rr = root.traffic.mode_kind() == noc::TrafficMode::request_reply;
  if (o.format == "csv")
    *out << "offered,injected,accepted,avg_packet_latency,avg_network_latency,"
            "avg_queueing_latency,p50_packet_latency,p99_packet_latency,max_packet_latency,"
            "avg_hops,packets,status"
         << (rr ? ",replies_accepted" : "") << "\n"
         << std::flush;
  else {
    doc["topology"] = topo;
    doc["routing"] = routing_label;  // the algorithm in use, not the config key
    doc["pattern"] = root.traffic.pattern;
    doc["packet_flits"] = root.traffic.packet_flits;
    doc["mode"] = root.traffic.mode;
    if (rr) {
      doc["max_outstanding"] = root.traffic.max_outstanding;
      doc["reply_flits"] = root.traffic.reply_flits;
    }
    doc["seed"] = root.traffic.seed;
    doc["area_power"] = area_power;
    doc["links_format"] = {"from", "to", "flits_per_cycle"};
    if (o.vc_stats)
      doc["link_vcs_format"] = {"from", "to", "flits_per_cycle per VC",
                                "avg_buffered_flits per VC (receiver's input VC)"};
    doc["points"] = nlohmann::ordered_json::array();
  }
  std::vector<noc::TrafficResult> results;
  for (double r : rates) {
    noc::TrafficConfig t = root.traffic;
    t.injection_rate = r;
    noc::TrafficResult res;
    try {
      res = noc::run_traffic(root.noc, t);
    } catch (const noc::NocError& e) {
      // The network or traffic set-up cannot run (the configuration's fault, not firmware's).
      if (file) file->flush();
      return fail(exit_code::config, e.what());
    }
    if (o.format == "csv") {
      char line[512];
      std::snprintf(line, sizeof line, "%g,%.6f,%.6f,%.3f,%.3f,%.3f,%.1f,%.1f,%.1f,%.4f,%llu,%s",
                    res.offered, res.injected, res.accepted, res.avg_packet_latency,
                    res.avg_network_latency, res.avg_queueing_latency, res.p50_packet_latency,
                    res.p99_packet_latency, res.max_packet_latency, res.avg_hops,
                    static_cast<unsigned long long>(res.packets),
                    res.stable ? "stable" : "unstable");
      *out << line;
      if (rr) {
        std::snprintf(line, sizeof line, ",%.6f", res.replies_accepted);
        *out << line;
      }
      *out << "\n" << std::flush;
    } else {
      doc["points"].push_back(to_json(res));
    }
    results.push_back(std::move(res));
  }
  const noc::SweepSummary sum = noc::summarize_sweep(results);
  if (o.format == "json") {
    doc["summary"] = to_json(sum);
    *out << doc.dump(2) << "\n";
  } else if (results.size() > 1) {
    // The CSV stays one row per load; the findings go to stderr.
    auto f = [](double v) {
      return std::isnan(v) ? std::string("not reached") : std::to_string(v);
    };
    std::fprintf(stderr,
                 "imcvp: traffic: zero-load latency %.2f cycles; 2x knee at %s, 3x knee at %s; "
                 "saturates at %s offered, %.4f flits/node/cycle accepted at most\n",
                 sum.zero_load_latency, f(sum.knee_2x_offered).c_str(),
                 f(sum.knee_3x_offered).c_str(), f(sum.saturation_offered).c_str(),
                 sum.saturation_throughput);
  }
  return exit_code::ok;
}

}  // namespace

Command add_traffic_command(CLI::App& app) {
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand(
      "traffic", "Synthetic traffic on the NoC alone (BookSim-style; one CSV/JSON row per rate)");
  sub->add_option("-c,--config", o->configs,
                  "YAML config (a `noc:` section, optionally `traffic:`); repeatable, later wins")
      ->allow_extra_args(false);
  sub->add_option("--set", o->sets, "Override one key, e.g. noc.router.vcs=8 (repeatable)")
      ->allow_extra_args(false);
  sub->add_option(
      "--topology", o->topology,
      "mesh:XxY, torus:XxY, ring:N, crossbar:N, tree:N[:ARITY], anynet:FILE (a BookSim2 "
      "anynet file; custom graphs also via config)");
  sub->add_option("--routing", o->routing,
                  "xy, yx, west_first, odd_even (mesh), min (minimal + escape VCs), updown, or "
                  "table (custom graph_routes)");
  sub->add_option("--pattern", o->pattern,
                  "uniform, transpose, bitcomp, bitrev, shuffle, tornado, neighbor, hotspot");
  sub->add_option("--packet-flits", o->packet_flits, "Packet size in flits")
      ->transform(uint_in(1, 4096));
  sub->add_option("--injection-rate", o->rate, "Offered load in flits/node/cycle")
      ->transform(real_in(0, 64))
      ->each([o](const std::string& v) { o->rate_text = v; });
  sub->add_option("--mode", o->mode,
                  "open (independent packets) or request_reply (closed loop: a reply per "
                  "request, --outstanding requests in flight per node)")
      ->check(CLI::IsMember({"open", "request_reply"}));
  sub->add_option("--outstanding", o->outstanding, "request_reply: requests in flight per node")
      ->transform(uint_in(1, 1 << 20));
  sub->add_option("--reply-flits", o->reply_flits, "request_reply: reply size in flits")
      ->transform(uint_in(1, 4096));
  sub->add_option("--sweep", o->sweep, "Sweep the load: START:STOP:STEP (flits/node/cycle)");
  sub->add_option("--warmup", o->warmup, "Warm-up cycles")
      ->transform(uint_in(0, 1'000'000'000'000));
  sub->add_option("--measure", o->measure, "Measurement window in cycles")
      ->transform(uint_in(1, 1'000'000'000'000));
  sub->add_option("--drain", o->drain, "Longest drain after the window, cycles")
      ->transform(uint_in(0, 1'000'000'000'000));
  sub->add_option("--seed", o->seed, "Random seed")->transform(uint_in(0, INT64_MAX));
  sub->add_option("--format", o->format, "csv or json")->check(CLI::IsMember({"csv", "json"}));
  sub->add_option("-o,--output", o->output, "Write the table to FILE instead of stdout");
  sub->add_flag("--vc-stats", o->vc_stats,
                "JSON: per link and VC, flits/cycle and the receiving input VC's average "
                "buffered flits (link_vcs)");
  sub->add_flag("--dump-config", o->dump_config, "Print the resolved configuration and exit");
  sub->add_option("--export-anynet", o->export_anynet,
                  "Write the topology as a BookSim2 anynet file (link latencies included) and "
                  "exit");
  o->list_opt = sub->add_option("--list-params", o->list_params,
                                "List every configuration key (noc.*, traffic.*) as TSV and exit")
                    ->expected(0, 1)
                    ->default_str("tsv")
                    ->check(CLI::IsMember({"tsv"}));
  return Command{sub, [o] { return run(*o); }};
}

}  // namespace imcvp::platform
