// Event tracer: Chrome/Perfetto trace-event JSON (trace.json, `imcvp run --trace=LIST`).
//
// Models call into one process-wide Tracer, always behind `if (trace::on(trace::kBus))`: a
// disabled category costs one load and one predictable branch. Events are kept in memory and
// written at the end of the run, sorted by (timestamp, track, arrival order), so the same
// inputs give a byte-identical file.
//
//   if (trace::on(trace::kImc)) {
//     auto& t = trace::Tracer::get();
//     if (track_ < 0) track_ = t.track(trace::kImc, "tile0", 0);
//     t.complete(track_, "mvm", start_ns, dur_ns, trace::Args().num("rows", 64).str());
//   }
//
// Tracks: one Chrome "process" per category (cpu, bus, noc, dram, imc, irq) and one "thread"
// per component (a tile, a DRAM channel/bank group, a bus target); metadata events name both.
// Time: simulated ns in the API, microseconds (Chrome's unit) in the file.
//
// Limits: everything is buffered in memory until write(); after max_events events (rate-counter
// buckets included) further ones are dropped (counted, reported in the file's otherData and by
// dropped()). Counters are per process in the Chrome format (Perfetto shows each name as its own
// track).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace imcvp::trace {

enum Category : uint32_t {
  kCpu = 1u << 0,
  kBus = 1u << 1,
  kNoc = 1u << 2,
  kDram = 1u << 3,
  kImc = 1u << 4,
  kIrq = 1u << 5,
  kAll = (1u << 6) - 1,
};
const char* category_name(Category c);
// Parses "cpu,bus,dram" (or "all"); returns the mask, or sets `error` and returns 0.
uint32_t parse_categories(const std::string& list, std::string& error);

namespace detail {
inline uint32_t g_mask = 0;  // enabled categories (0 = tracing off)
}
// The guard every hook uses.
inline bool on(Category c) {
  return __builtin_expect((detail::g_mask & c) != 0, 0);
}
inline bool any() {
  return detail::g_mask != 0;
}

// Builds the JSON object of an event's "args" ({"k":v,...}).
class Args {
 public:
  Args& num(const char* key, double v);
  Args& num(const char* key, uint64_t v);
  Args& num(const char* key, int64_t v) { return num(key, static_cast<double>(v)); }
  Args& num(const char* key, uint32_t v) { return num(key, static_cast<uint64_t>(v)); }
  Args& num(const char* key, int v) { return num(key, static_cast<double>(v)); }
  Args& hex(const char* key, uint64_t v);  // as a "0x..." string
  Args& str(const char* key, const std::string& v);
  std::string str() const { return body_.empty() ? std::string() : "{" + body_ + "}"; }

 private:
  void key(const char* k);
  std::string body_;
};

struct Settings {
  uint32_t mask = 0;
  double window_start_ns = 0;         // events ending before this are dropped
  double window_end_ns = -1;          // < 0: no end
  double counter_interval_ns = 1000;  // bucket width of rate counters (bandwidth, power)
  uint64_t max_events = 4'000'000;    // memory guard (~100 B per event)
};

class Tracer {
 public:
  static Tracer& get();

  // Starts a fresh trace (drops everything recorded) and enables the categories in s.mask.
  void configure(const Settings& s);
  // Disables every category and drops all events and tracks.
  void reset();
  const Settings& settings() const { return s_; }

  // The track (Chrome tid) for (category, name), created on first use. sort_index orders
  // tracks inside their category in the viewer (e.g. the tile index).
  int track(Category c, const std::string& name, int sort_index = 0);

  // A span [ts, ts+dur) on a track ("X" event). args: JSON object text from Args, or "".
  void complete(int track, const std::string& name, double ts_ns, double dur_ns,
                const std::string& args = "");
  // A point event on a track ("i" event, thread scope).
  void instant(int track, const std::string& name, double ts_ns, const std::string& args = "");
  // A counter sample ("C" event) of series `name` in category c's process.
  void counter(Category c, const std::string& name, double ts_ns, double value);
  // A rate counter: add(amount at time t) is summed into buckets of counter_interval_ns and
  // written as one sample per bucket of amount/interval*scale (e.g. bytes -> GB/s with scale 1
  // since B/ns = GB/s); empty buckets between busy ones read 0.
  int rate(Category c, const std::string& name, double scale = 1.0);
  void rate_add(int rate, double ts_ns, double amount);
  // Spreads amount uniformly over [ts, ts+dur) across buckets (e.g. energy of a command). A
  // span over many buckets is kept in closed form (one entry: first and last full bucket and
  // the amount per bucket), so a long idle or background interval costs one entry and still
  // reads as a constant rate over its whole length.
  void rate_add_span(int rate, double ts_ns, double dur_ns, double amount);

  // Notes shown in otherData (e.g. "noc: not yet traced").
  void note(const std::string& text);

  uint64_t events() const { return events_.size(); }
  uint64_t dropped() const { return dropped_; }
  // Renders the whole trace as JSON text (rate counters included).
  std::string to_json() const;
  // Writes to_json() to path; throws std::runtime_error when the file cannot be written.
  void write(const std::string& path) const;

 private:
  struct Event {
    double ts_ns, dur_ns;
    uint64_t seq;
    int pid, tid;
    char ph;
    std::string name, args;
  };
  struct Track {
    Category cat;
    std::string name;
    int sort_index, tid;
  };
  struct Rate {
    Category cat;
    std::string name;
    double scale;
    std::map<int64_t, double> buckets;
    struct Span {
      int64_t first, last;  // full buckets covered, inclusive
      double per_bucket;
    };
    std::vector<Span> spans;
  };
  // Spans over more buckets than this are stored in closed form.
  static constexpr int64_t kSpanBuckets = 64;
  bool in_window(double ts, double end) const {
    return end >= s_.window_start_ns && (s_.window_end_ns < 0 || ts <= s_.window_end_ns);
  }
  void push(Event e);

  Settings s_;
  std::vector<Event> events_;
  std::vector<Track> tracks_;
  std::map<std::pair<uint32_t, std::string>, int> track_ids_;
  std::vector<Rate> rates_;
  std::vector<std::string> notes_;
  uint64_t seq_ = 0, dropped_ = 0, rate_buckets_ = 0;
};

}  // namespace imcvp::trace
