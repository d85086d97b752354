#include "models/common/trace.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace imcvp::trace {

namespace {
constexpr Category kCategories[] = {kCpu, kBus, kNoc, kDram, kImc, kIrq};

int pid_of(Category c) {
  int i = 0;
  while (i < 31 && !(static_cast<uint32_t>(c) & (1u << i))) ++i;
  return i + 1;
}

std::string escape(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      o += '\\';
      o += ch;
    } else if (c < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      o += b;
    } else {
      o += ch;
    }
  }
  return o;
}

// Shortest text that reads back as the same double; integers without a fraction.
std::string number(double v) {
  if (!std::isfinite(v)) return "0";
  char b[40];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(b, sizeof b, "%.0f", v);
  } else {
    std::snprintf(b, sizeof b, "%.17g", v);
    // Prefer a shorter form when it is exact (keeps files small and readable).
    for (int p = 6; p < 17; ++p) {
      char s[40];
      std::snprintf(s, sizeof s, "%.*g", p, v);
      if (std::strtod(s, nullptr) == v) {
        std::snprintf(b, sizeof b, "%s", s);
        break;
      }
    }
  }
  return b;
}

// ns -> us with ps resolution, fixed format (deterministic, exact for ps-multiples).
std::string micros(double ns) {
  if (!std::isfinite(ns) || ns < 0) ns = 0;
  const auto ips = static_cast<int64_t>(std::llround(ns * 1000.0));
  char b[48];
  std::snprintf(b, sizeof b, "%" PRId64 ".%06" PRId64, ips / 1'000'000, ips % 1'000'000);
  std::string s = b;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}
}  // namespace

const char* category_name(Category c) {
  switch (c) {
    case kCpu:
      return "cpu";
    case kBus:
      return "bus";
    case kNoc:
      return "noc";
    case kDram:
      return "dram";
    case kImc:
      return "imc";
    case kIrq:
      return "irq";
    default:
      return "?";
  }
}

uint32_t parse_categories(const std::string& list, std::string& error) {
  uint32_t mask = 0;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    if (item == "all") {
      mask |= kAll;
      continue;
    }
    bool found = false;
    for (Category c : kCategories)
      if (item == category_name(c)) {
        mask |= c;
        found = true;
      }
    if (!found) {
      error = "unknown trace category '" + item + "' (known: cpu, bus, noc, dram, imc, irq, all)";
      return 0;
    }
  }
  if (!mask) error = "empty trace category list (known: cpu, bus, noc, dram, imc, irq, all)";
  return mask;
}

// ---- Args ----

void Args::key(const char* k) {
  if (!body_.empty()) body_ += ',';
  body_ += '"';
  body_ += escape(k);
  body_ += "\":";
}
Args& Args::num(const char* k, double v) {
  key(k);
  body_ += number(v);
  return *this;
}
Args& Args::num(const char* k, uint64_t v) {
  key(k);
  body_ += std::to_string(v);
  return *this;
}
Args& Args::hex(const char* k, uint64_t v) {
  key(k);
  char b[24];
  std::snprintf(b, sizeof b, "\"0x%08" PRIx64 "\"", v);
  body_ += b;
  return *this;
}
Args& Args::str(const char* k, const std::string& v) {
  key(k);
  body_ += '"' + escape(v) + '"';
  return *this;
}

// ---- Tracer ----

Tracer& Tracer::get() {
  static Tracer t;
  return t;
}

void Tracer::configure(const Settings& s) {
  reset();
  s_ = s;
  if (!(s_.counter_interval_ns > 0)) s_.counter_interval_ns = 1000;
  detail::g_mask = s.mask & kAll;
}

void Tracer::reset() {
  detail::g_mask = 0;
  s_ = Settings{};
  events_.clear();
  tracks_.clear();
  track_ids_.clear();
  rates_.clear();
  notes_.clear();
  seq_ = dropped_ = rate_buckets_ = 0;
}

int Tracer::track(Category c, const std::string& name, int sort_index) {
  auto key = std::make_pair(static_cast<uint32_t>(c), name);
  auto it = track_ids_.find(key);
  if (it != track_ids_.end()) return it->second;
  const int id = static_cast<int>(tracks_.size());
  tracks_.push_back(Track{c, name, sort_index, id + 1});
  track_ids_.emplace(key, id);
  return id;
}

void Tracer::push(Event e) {
  if (events_.size() + rate_buckets_ >= s_.max_events) {
    ++dropped_;
    return;
  }
  e.seq = seq_++;
  events_.push_back(std::move(e));
}

void Tracer::complete(int track, const std::string& name, double ts, double dur,
                      const std::string& args) {
  if (track < 0 || track >= static_cast<int>(tracks_.size())) return;
  if (dur < 0) dur = 0;
  if (!in_window(ts, ts + dur)) return;
  const Track& t = tracks_[track];
  push(Event{ts, dur, 0, pid_of(t.cat), t.tid, 'X', name, args});
}

void Tracer::instant(int track, const std::string& name, double ts, const std::string& args) {
  if (track < 0 || track >= static_cast<int>(tracks_.size())) return;
  if (!in_window(ts, ts)) return;
  const Track& t = tracks_[track];
  push(Event{ts, 0, 0, pid_of(t.cat), t.tid, 'i', name, args});
}

void Tracer::counter(Category c, const std::string& name, double ts, double value) {
  if (!in_window(ts, ts)) return;
  push(Event{ts, 0, 0, pid_of(c), 0, 'C', name, Args().num("value", value).str()});
}

int Tracer::rate(Category c, const std::string& name, double scale) {
  for (std::size_t i = 0; i < rates_.size(); ++i)
    if (rates_[i].cat == c && rates_[i].name == name) return static_cast<int>(i);
  rates_.push_back(Rate{c, name, scale, {}, {}});
  return static_cast<int>(rates_.size()) - 1;
}

void Tracer::rate_add(int r, double ts, double amount) {
  if (r < 0 || r >= static_cast<int>(rates_.size()) || !in_window(ts, ts)) return;
  const auto b = static_cast<int64_t>(std::floor(ts / s_.counter_interval_ns));
  auto& buckets = rates_[r].buckets;
  auto it = buckets.find(b);
  if (it != buckets.end()) {
    it->second += amount;
  } else if (events_.size() + rate_buckets_ >= s_.max_events) {
    ++dropped_;  // the same memory guard as for events
  } else {
    buckets.emplace(b, amount);
    ++rate_buckets_;
  }
}

void Tracer::rate_add_span(int r, double ts, double dur, double amount) {
  if (r < 0 || r >= static_cast<int>(rates_.size())) return;
  if (!(dur > 0)) return rate_add(r, ts, amount);
  const double w = s_.counter_interval_ns;
  const double end = ts + dur;
  const double per_ns = amount / dur;
  // Full buckets strictly inside the span: [first, last].
  const auto first = static_cast<int64_t>(std::floor(ts / w)) + 1;
  const auto last = static_cast<int64_t>(std::ceil(end / w)) - 2;
  if (last - first + 1 > kSpanBuckets) {
    // Closed form: the partial head and tail buckets as usual, the full ones as one entry
    // (clipped to the window like single samples).
    rate_add(r, ts, per_ns * (double(first) * w - ts));
    rate_add(r, double(last + 1) * w, per_ns * (end - double(last + 1) * w));
    int64_t f = first, l = last;
    if (s_.window_start_ns > double(f) * w)
      f = static_cast<int64_t>(std::ceil(s_.window_start_ns / w));
    if (s_.window_end_ns >= 0 && s_.window_end_ns < double(l) * w)
      l = static_cast<int64_t>(std::floor(s_.window_end_ns / w));
    if (f > l) return;
    if (events_.size() + rate_buckets_ >= s_.max_events) {
      ++dropped_;
      return;
    }
    rates_[r].spans.push_back(Rate::Span{f, l, per_ns * w});
    ++rate_buckets_;
    return;
  }
  for (double t = ts; t < end;) {
    const double b_end = (std::floor(t / w) + 1) * w;
    const double seg_end = std::min(end, b_end);
    rate_add(r, t, amount * (seg_end - t) / dur);
    if (seg_end - t <= 0) break;
    t = seg_end;
  }
}

void Tracer::note(const std::string& text) {
  if (std::find(notes_.begin(), notes_.end(), text) == notes_.end()) notes_.push_back(text);
}

std::string Tracer::to_json() const {
  std::vector<const Event*> order;
  order.reserve(events_.size());
  for (const auto& e : events_) order.push_back(&e);
  // Rate counters become ordinary counter events.
  std::vector<Event> rate_events;
  const double w = s_.counter_interval_ns;
  uint64_t seq = seq_;
  for (const auto& r : rates_) {
    double last = -1;  // last written value: repeats are left out (a counter holds its value)
    auto sample = [&](int64_t bucket, double v) {
      if (v == last) return;
      rate_events.push_back(Event{double(bucket) * w, 0, seq++, pid_of(r.cat), 0, 'C', r.name,
                                  Args().num("value", v).str()});
      last = v;
    };
    // The value is piecewise constant between breakpoints: each bucket's start and end, and
    // each closed-form span's start and end.
    struct Delta {
      int64_t at;
      double amount;
      int open;  // +1 a span starts, -1 one ends
    };
    std::vector<Delta> deltas;
    std::vector<int64_t> points;
    points.reserve(2 * r.buckets.size() + 2 * r.spans.size());
    for (const auto& [b, amount] : r.buckets) {
      points.push_back(b);
      points.push_back(b + 1);
    }
    for (const auto& sp : r.spans) {
      deltas.push_back(Delta{sp.first, sp.per_bucket, 1});
      deltas.push_back(Delta{sp.last + 1, -sp.per_bucket, -1});
      points.push_back(sp.first);
      points.push_back(sp.last + 1);
    }
    std::sort(points.begin(), points.end());
    points.erase(std::unique(points.begin(), points.end()), points.end());
    std::stable_sort(deltas.begin(), deltas.end(),
                     [](const Delta& a, const Delta& b) { return a.at < b.at; });
    std::size_t di = 0;
    int active = 0;
    double span_sum = 0;
    for (const int64_t p : points) {
      for (; di < deltas.size() && deltas[di].at <= p; ++di) {
        span_sum += deltas[di].amount;
        active += deltas[di].open;
      }
      if (active == 0) span_sum = 0;  // exactly zero between spans, whatever the rounding
      const auto it = r.buckets.find(p);
      sample(p, ((it != r.buckets.end() ? it->second : 0.0) + span_sum) / w * r.scale);
    }
  }
  for (const auto& e : rate_events) order.push_back(&e);
  std::stable_sort(order.begin(), order.end(), [](const Event* a, const Event* b) {
    if (a->ts_ns != b->ts_ns) return a->ts_ns < b->ts_ns;
    if (a->pid != b->pid) return a->pid < b->pid;
    if (a->tid != b->tid) return a->tid < b->tid;
    return a->seq < b->seq;
  });

  std::string out;
  out.reserve(order.size() * 110 + 4096);
  out += "{\"traceEvents\":[\n";
  bool first = true;
  auto sep = [&] {
    if (!first) out += ",\n";
    first = false;
  };
  // Metadata: process (category) and thread (component) names, in a fixed order.
  uint32_t used = 0;
  for (const auto& t : tracks_) used |= t.cat;
  for (const auto& r : rates_) used |= r.cat;
  for (const auto* e : order) used |= 1u << (e->pid - 1);
  for (Category c : kCategories) {
    if (!(used & c)) continue;
    const int pid = pid_of(c);
    sep();
    out += "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":" + std::to_string(pid) +
           ",\"tid\":0,\"ts\":0,\"args\":{\"name\":\"" + category_name(c) + "\"}}";
    sep();
    out += "{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":" + std::to_string(pid) +
           ",\"tid\":0,\"ts\":0,\"args\":{\"sort_index\":" + std::to_string(pid) + "}}";
  }
  for (const auto& t : tracks_) {
    const std::string ids =
        "\"pid\":" + std::to_string(pid_of(t.cat)) + ",\"tid\":" + std::to_string(t.tid);
    sep();
    out += "{\"ph\":\"M\",\"name\":\"thread_name\"," + ids + ",\"ts\":0,\"args\":{\"name\":\"" +
           escape(t.name) + "\"}}";
    sep();
    out += "{\"ph\":\"M\",\"name\":\"thread_sort_index\"," + ids +
           ",\"ts\":0,\"args\":{\"sort_index\":" + std::to_string(t.sort_index) + "}}";
  }
  for (const auto* e : order) {
    sep();
    out += "{\"ph\":\"";
    out += e->ph;
    out += "\",\"name\":\"" + escape(e->name) + "\",\"pid\":" + std::to_string(e->pid) +
           ",\"tid\":" + std::to_string(e->tid) + ",\"ts\":" + micros(e->ts_ns);
    if (e->ph == 'X') out += ",\"dur\":" + micros(e->dur_ns);
    if (e->ph == 'i') out += ",\"s\":\"t\"";
    if (!e->args.empty()) out += ",\"args\":" + e->args;
    out += '}';
  }
  out += "\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"generator\":\"imcvp\"";
  out += ",\"events\":" + std::to_string(events_.size() + rate_events.size());
  out += ",\"dropped_events\":" + std::to_string(dropped_);
  out += ",\"window_start_ns\":" + number(s_.window_start_ns);
  if (s_.window_end_ns >= 0) out += ",\"window_end_ns\":" + number(s_.window_end_ns);
  out += ",\"counter_interval_ns\":" + number(s_.counter_interval_ns);
  out += ",\"notes\":[";
  for (std::size_t i = 0; i < notes_.size(); ++i)
    out += (i ? ",\"" : "\"") + escape(notes_[i]) + "\"";
  out += "]}}\n";
  return out;
}

void Tracer::write(const std::string& path) const {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  const std::string text = to_json();
  if (!f || !(f << text) || !f.flush()) throw std::runtime_error(path + ": cannot write the trace");
}

}  // namespace imcvp::trace
