#include "models/dram/trace_replay.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

namespace imcvp::dram {

namespace {
std::string at(const std::string& name, uint32_t line) {
  return name + ":" + std::to_string(line) + ": ";
}

bool parse_hex(const std::string& s, uint64_t& v) {
  std::size_t i = 0;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) i = 2;
  if (i == s.size() || s.size() - i > 16) return false;
  v = 0;
  for (; i < s.size(); ++i) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  return true;
}

bool parse_dec(const std::string& s, uint64_t& v) {
  if (s.empty() || s.size() > 19) return false;
  v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}
}  // namespace

std::vector<TraceRequest> parse_trace(std::istream& in, const std::string& name) {
  std::vector<TraceRequest> out;
  std::string line;
  uint32_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    std::istringstream ls(line);
    std::string a, op, cyc, extra;
    if (!(ls >> a)) continue;  // blank
    TraceRequest r;
    r.line = n;
    if (!parse_hex(a, r.addr))
      throw TraceError(at(name, n) + "bad address '" + a + "' (expected hex, e.g. 0x1f40)");
    if (!(ls >> op)) throw TraceError(at(name, n) + "missing READ|WRITE after the address");
    std::string up = op;
    for (auto& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (up == "READ")
      r.is_write = false;
    else if (up == "WRITE")
      r.is_write = true;
    else
      throw TraceError(at(name, n) + "bad operation '" + op + "' (expected READ or WRITE)");
    if (!(ls >> cyc)) throw TraceError(at(name, n) + "missing issue cycle");
    if (!parse_dec(cyc, r.cycle))
      throw TraceError(at(name, n) + "bad issue cycle '" + cyc + "' (expected a decimal number)");
    if (r.cycle > kMaxTraceCycle)
      throw TraceError(at(name, n) + "issue cycle " + cyc + " beyond the limit of " +
                       std::to_string(kMaxTraceCycle) + " cycles (10^15)");
    if (ls >> extra) throw TraceError(at(name, n) + "unexpected '" + extra + "' after the cycle");
    out.push_back(r);
  }
  if (in.bad()) throw TraceError(name + ": read error");
  return out;
}

void check_trace(const std::vector<TraceRequest>& reqs, uint64_t capacity,
                 const std::string& name) {
  for (const auto& r : reqs)
    if (r.addr >= capacity) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "address 0x%llx beyond the DRAM capacity (0x%llx bytes)",
                    static_cast<unsigned long long>(r.addr),
                    static_cast<unsigned long long>(capacity));
      throw TraceError(at(name, r.line) + buf);
    }
}

TraceResult replay_trace(DramEngine& eng, const std::vector<TraceRequest>& reqs,
                         const std::function<void(std::size_t, uint64_t)>& progress) {
  eng.set_idle_skip(true);  // long idle gaps of a trace in closed form
  std::vector<uint32_t> lat;
  lat.reserve(reqs.size());
  eng.on_complete([&](const Completion& c) {
    if (!c.is_write) lat.push_back(static_cast<uint32_t>(c.done - c.arrival));
  });
  TraceResult r;
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    const auto& q = reqs[i];
    if (q.cycle > eng.now()) eng.advance_to(q.cycle);
    while (!eng.can_accept(q.addr, q.is_write)) eng.advance_to(eng.next_event());
    eng.enqueue(q.addr, q.is_write, i);
    ++(q.is_write ? r.writes : r.reads);
    if (progress && (i & 4095) == 4095) progress(i + 1, eng.now());
  }
  eng.drain();
  eng.advance_to(eng.stats().last_cycle);
  eng.update_energy();
  eng.on_complete(nullptr);

  const auto& s = eng.stats();
  const auto& cfg = eng.config();
  r.requests = reqs.size();
  r.completion_cycle = s.last_cycle;
  r.tck_ns = cfg.timing.tck_ns;
  double ns = static_cast<double>(r.completion_cycle) * r.tck_ns;
  double bytes = static_cast<double>(r.requests) * eng.burst_bytes();
  r.bandwidth_gbps = ns > 0 ? bytes / ns : 0.0;
  r.peak_gbps = cfg.peak_gbps();
  r.utilization = r.peak_gbps > 0 ? r.bandwidth_gbps / r.peak_gbps : 0.0;
  if (!lat.empty()) {
    std::sort(lat.begin(), lat.end());
    double sum = 0;
    for (auto v : lat) sum += v;
    r.read_latency_avg = sum / static_cast<double>(lat.size());
    auto pct = [&](double p) {  // nearest rank
      std::size_t k = static_cast<std::size_t>(p / 100.0 * static_cast<double>(lat.size()));
      return lat[std::min(k, lat.size() - 1)];
    };
    r.read_latency_p50 = pct(50);
    r.read_latency_p99 = pct(99);
    r.read_latency_min = lat.front();
    r.read_latency_max = lat.back();
  }
  r.row_hits = s.row_hits;
  r.row_misses = s.row_misses;
  r.row_conflicts = s.row_conflicts;
  r.activates = s.acts;
  r.refreshes = s.refs;
  r.e_act_pj = s.e_act_pj;
  r.e_rd_pj = s.e_rd_pj;
  r.e_wr_pj = s.e_wr_pj;
  r.e_ref_pj = s.e_ref_pj;
  r.e_background_pj = s.e_bg_active_pj + s.e_bg_precharged_pj;
  r.e_powerdown_pj = s.e_powerdown_pj;
  r.e_io_pj = s.e_io_pj;
  r.e_total_pj = s.energy_total_pj();
  r.bits = bytes * 8.0;
  r.avg_power_mw = ns > 0 ? r.e_total_pj / ns : 0.0;
  return r;
}

std::string format_text(const TraceResult& r) {
  char b[2048];
  double us = static_cast<double>(r.completion_cycle) * r.tck_ns / 1000.0;
  auto pct = [&](uint64_t v) {
    return r.requests ? 100.0 * static_cast<double>(v) / static_cast<double>(r.requests) : 0.0;
  };
  std::snprintf(
      b, sizeof b,
      "requests          %llu (reads %llu, writes %llu)\n"
      "completion        %llu cycles (%.3f us)\n"
      "bandwidth         %.3f GB/s (%.1f%% of %.2f GB/s peak)\n"
      "read latency      avg %.2f  p50 %llu  p99 %llu  min %llu  max %llu (cycles)\n"
      "row buffer        hits %llu (%.1f%%)  misses %llu  conflicts %llu\n"
      "activates         %llu\n"
      "refreshes         %llu\n"
      "energy            %.2f pJ/bit total: act %.2f  read %.2f  write %.2f  refresh %.2f  "
      "background %.2f  power-down %.2f  io %.2f\n"
      "average power     %.1f mW (%.3f uJ)\n",
      (unsigned long long)r.requests, (unsigned long long)r.reads, (unsigned long long)r.writes,
      (unsigned long long)r.completion_cycle, us, r.bandwidth_gbps, 100.0 * r.utilization,
      r.peak_gbps, r.read_latency_avg, (unsigned long long)r.read_latency_p50,
      (unsigned long long)r.read_latency_p99, (unsigned long long)r.read_latency_min,
      (unsigned long long)r.read_latency_max, (unsigned long long)r.row_hits, pct(r.row_hits),
      (unsigned long long)r.row_misses, (unsigned long long)r.row_conflicts,
      (unsigned long long)r.activates, (unsigned long long)r.refreshes, r.pj_per_bit(r.e_total_pj),
      r.pj_per_bit(r.e_act_pj), r.pj_per_bit(r.e_rd_pj), r.pj_per_bit(r.e_wr_pj),
      r.pj_per_bit(r.e_ref_pj), r.pj_per_bit(r.e_background_pj), r.pj_per_bit(r.e_powerdown_pj),
      r.pj_per_bit(r.e_io_pj), r.avg_power_mw, r.e_total_pj / 1e6);
  return b;
}

namespace {
nlohmann::ordered_json to_json(const TraceResult& r) {
  nlohmann::ordered_json j;
  j["requests"] = r.requests;
  j["reads"] = r.reads;
  j["writes"] = r.writes;
  j["completion_cycles"] = r.completion_cycle;
  j["tck_ns"] = r.tck_ns;
  j["bandwidth_GBps"] = r.bandwidth_gbps;
  j["peak_GBps"] = r.peak_gbps;
  j["util"] = r.utilization;
  j["avg_rd_lat_cyc"] = r.read_latency_avg;
  j["p50_cyc"] = r.read_latency_p50;
  j["p99_cyc"] = r.read_latency_p99;
  j["min_cyc"] = r.read_latency_min;
  j["max_cyc"] = r.read_latency_max;
  j["row_hits"] = r.row_hits;
  j["row_misses"] = r.row_misses;
  j["row_conflicts"] = r.row_conflicts;
  j["acts"] = r.activates;
  j["refs"] = r.refreshes;
  j["energy_pJ_per_bit"] = {{"total", r.pj_per_bit(r.e_total_pj)},
                            {"act", r.pj_per_bit(r.e_act_pj)},
                            {"read", r.pj_per_bit(r.e_rd_pj)},
                            {"write", r.pj_per_bit(r.e_wr_pj)},
                            {"refresh", r.pj_per_bit(r.e_ref_pj)},
                            {"background", r.pj_per_bit(r.e_background_pj)},
                            {"powerdown", r.pj_per_bit(r.e_powerdown_pj)},
                            {"io", r.pj_per_bit(r.e_io_pj)}};
  j["energy_pJ"] = r.e_total_pj;
  j["avg_power_mW"] = r.avg_power_mw;
  return j;
}
}  // namespace

std::string format_json(const TraceResult& r) {
  return to_json(r).dump(2) + "\n";
}

std::string format_csv(const TraceResult& r) {
  auto j = to_json(r);
  std::string head, row;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.value().is_object()) {
      for (auto e = it.value().begin(); e != it.value().end(); ++e) {
        head += (head.empty() ? "" : ",") + std::string("pj_per_bit_") + e.key();
        row += (row.empty() ? "" : ",") + e.value().dump();
      }
      continue;
    }
    head += (head.empty() ? "" : ",") + it.key();
    row += (row.empty() ? "" : ",") + it.value().dump();
  }
  return head + "\n" + row + "\n";
}

}  // namespace imcvp::dram
