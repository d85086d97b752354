#include "models/noc/topology.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

namespace imcvp::noc {

namespace {
constexpr uint32_t kInf = std::numeric_limits<uint32_t>::max() / 2;
constexpr uint32_t kMaxTableNodes = 1024;

std::string str(uint32_t v) {
  return std::to_string(v);
}
}  // namespace

uint32_t NocConfig::node_count() const {
  const auto k = config::find_choice<TopologyKind>(topology, kTopologyNames);
  if (k == TopologyKind::mesh || k == TopologyKind::torus) return size_x * size_y;
  if (k == TopologyKind::custom) return static_cast<uint32_t>(graph_nodes.size());
  return nodes;
}

void apply_topology_spec(NocConfig& cfg, const std::string& spec) {
  auto bad = [&](const std::string& why) {
    throw NocError("--topology " + spec + ": " + why +
                   " (expected mesh:XxY, torus:XxY, ring:N, crossbar:N, tree:N, tree:N:ARITY or "
                   "anynet:FILE)");
  };
  auto colon = spec.find(':');
  if (colon == std::string::npos) bad("missing ':'");
  std::string kind = spec.substr(0, colon), rest = spec.substr(colon + 1);
  auto number = [&](const std::string& s) -> uint32_t {
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 6)
      bad("'" + s + "' is not a positive number");
    uint32_t v = static_cast<uint32_t>(std::stoul(s));
    if (v == 0) bad("sizes must be at least 1");
    return v;
  };
  const auto k = config::find_choice<TopologyKind>(kind, kTopologyNames);
  if (k == TopologyKind::mesh || k == TopologyKind::torus) {
    auto x = rest.find('x');
    if (x == std::string::npos) bad("expected XxY");
    cfg.size_x = number(rest.substr(0, x));
    cfg.size_y = number(rest.substr(x + 1));
    if (cfg.size_x > 256 || cfg.size_y > 256) bad("at most 256 per dimension");
    cfg.topology = kind;
    const auto r = config::find_choice<Routing>(cfg.routing, kRoutingNames);
    if (k == TopologyKind::torus && (r == Routing::west_first || r == Routing::odd_even))
      cfg.routing = name_of(Routing::xy, kRoutingNames);
  } else if (k == TopologyKind::ring || k == TopologyKind::crossbar || k == TopologyKind::tree) {
    auto c2 = rest.find(':');
    cfg.nodes = number(rest.substr(0, c2));
    if (c2 != std::string::npos) {
      if (k != TopologyKind::tree) bad("only tree takes an arity");
      cfg.tree_arity = number(rest.substr(c2 + 1));
    }
    cfg.topology = kind;
  } else if (kind == "anynet") {
    if (rest.empty()) bad("anynet needs a file: anynet:FILE");
    load_anynet(cfg, rest);
  } else {
    bad("unknown topology '" + kind + "'");
  }
}

void load_anynet(NocConfig& cfg, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw NocError(path + ": cannot open the anynet file");
  std::map<uint32_t, uint32_t> terminal;                                   // router -> node
  std::map<uint32_t, std::pair<uint32_t, int>> node_router;                // node -> (router, line)
  std::map<std::pair<uint32_t, uint32_t>, std::pair<uint32_t, int>> link;  // (a<b) -> lat, line
  std::vector<std::pair<uint32_t, uint32_t>> order;  // links in order of first appearance
  std::set<uint32_t> routers;
  std::string line;
  int ln = 0;
  auto err = [&](const std::string& what) {
    throw NocError(path + ":" + std::to_string(ln) + ": " + what);
  };
  auto number = [&](const std::string& t, const char* what) -> long long {
    if (t.empty() || t.find_first_not_of("-0123456789") != std::string::npos || t.size() > 9)
      err(std::string("expected ") + what + ", got '" + t + "'");
    return std::stoll(t);
  };
  while (std::getline(in, line)) {
    ++ln;
    if (auto h = line.find('#'); h != std::string::npos) line.resize(h);
    std::istringstream is(line);
    std::vector<std::string> tok;
    for (std::string t; is >> t;) tok.push_back(t);
    if (tok.empty()) continue;
    if (tok.size() < 2 || (tok[0] != "router" && tok[0] != "node"))
      err("a line starts with `router ID` or `node ID`");
    long long hid = number(tok[1], "an id");
    if (hid < 0) err("negative id " + tok[1]);
    const bool head_router = tok[0] == "router";
    if (head_router) routers.insert(uint32_t(hid));
    std::set<std::pair<std::string, long long>> seen;
    std::pair<uint32_t, uint32_t>* last_link = nullptr;
    for (size_t i = 2; i < tok.size(); ++i) {
      const std::string& t = tok[i];
      if (t != "router" && t != "node") {
        long long lat = number(t, "`router`, `node` or a link latency");
        if (!last_link) err("latency " + t + " does not follow a router-router link");
        if (lat < 1) err("link latency " + t + ": must be at least 1 cycle");
        link[*last_link].first = uint32_t(lat);
        last_link = nullptr;
        continue;
      }
      if (i + 1 >= tok.size()) err("`" + t + "` without an id");
      long long id = number(tok[++i], "an id");
      if (id < 0) err("negative id " + tok[i]);
      if (!seen.insert({t, id}).second) err("duplicate " + t + " " + tok[i] + " on this line");
      last_link = nullptr;
      if (t == "node") {
        if (!head_router) err("cannot connect node to node");
        uint32_t r = uint32_t(hid), nd = uint32_t(id);
        auto it = node_router.find(nd);
        if (it != node_router.end() && it->second.first != r)
          err("node " + tok[i] + " is connected to routers " + std::to_string(it->second.first) +
              " and " + std::to_string(r));
        auto tr = terminal.find(r);
        if (tr != terminal.end() && tr->second != nd)
          err("router " + std::to_string(r) + " has two terminal nodes (" +
              std::to_string(tr->second) + " and " + tok[i] +
              "); imcvp models one network interface per router");
        terminal[r] = nd;
        node_router[nd] = {r, ln};
      } else if (!head_router) {  // node N router R
        uint32_t nd = uint32_t(hid), r = uint32_t(id);
        routers.insert(r);
        auto tr = terminal.find(r);
        if (tr != terminal.end() && tr->second != nd)
          err("router " + tok[i] + " has two terminal nodes; imcvp models one per router");
        auto it = node_router.find(nd);
        if (it != node_router.end() && it->second.first != r)
          err("node " + std::to_string(nd) + " is connected to two routers");
        terminal[r] = nd;
        node_router[nd] = {r, ln};
      } else {
        uint32_t a = uint32_t(hid), b = uint32_t(id);
        if (a == b) err("link from router " + tok[i] + " to itself");
        routers.insert(b);
        auto key = std::minmax(a, b);
        auto [it, fresh] = link.insert({{key.first, key.second}, {1u, ln}});
        if (fresh) order.push_back(it->first);
        last_link = const_cast<std::pair<uint32_t, uint32_t>*>(&it->first);
        // The latency that follows (if any) overwrites; links listed on both lines must agree.
        if (!fresh && i + 1 < tok.size() && tok[i + 1] != "router" && tok[i + 1] != "node") {
          long long lat = number(tok[i + 1], "a link latency");
          if (lat >= 1 && it->second.first != 1 && uint32_t(lat) != it->second.first)
            err("link " + std::to_string(a) + "-" + std::to_string(b) + " has latency " +
                tok[i + 1] + " here but " + std::to_string(it->second.first) + " on line " +
                std::to_string(it->second.second) + " (imcvp links are symmetric)");
        }
      }
    }
  }
  ln = 0;
  if (routers.empty()) throw NocError(path + ": no routers");
  for (uint32_t r : routers)
    if (!terminal.count(r))
      throw NocError(path + ": router " + std::to_string(r) +
                     " has no terminal node (imcvp needs one network interface per router)");
  const uint32_t n = uint32_t(node_router.size());
  for (auto& [nd, rl] : node_router)
    if (nd >= n)
      throw NocError(path + ":" + std::to_string(rl.second) + ": node ids must be 0.." +
                     std::to_string(n - 1) + " (BookSim's traffic manager needs them sequential)");
  if (n > kMaxTableNodes)
    throw NocError(path + ": at most " + std::to_string(kMaxTableNodes) + " nodes");
  cfg.topology = name_of(TopologyKind::custom, kTopologyNames);
  cfg.graph_nodes.clear();
  cfg.graph_links.clear();
  cfg.graph_routes.clear();
  for (uint32_t i = 0; i < n; ++i) {
    NodeSpec ns;
    ns.id = i;
    cfg.graph_nodes.push_back(ns);
  }
  for (const auto& ab : order) {  // file order, so ports come out as the writer had them
    LinkSpec l;
    l.a = terminal[ab.first];
    l.b = terminal[ab.second];
    l.latency_cycles = link[ab].first;
    cfg.graph_links.push_back(l);
  }
  // Connectivity is checked with the topology; name the file there too.
  try {
    Topology t(cfg);
  } catch (const NocError& e) {
    if (std::string(e.what()).find("disconnected") != std::string::npos)
      throw NocError(path + ": " + e.what());
  }
}

std::string to_anynet(const Topology& t) {
  std::ostringstream os;
  // No comment line: BookSim's parser has no comments. Router i has terminal node i; the number
  // after a router is the link's latency in cycles.
  for (uint32_t v = 0; v < t.nodes(); ++v) {
    os << "router " << v << " node " << v;
    for (uint32_t p = 1; p < t.ports(); ++p) {
      const auto& pt = t.port(v, p);
      if (pt.peer == Topology::kNone) continue;
      os << " router " << pt.peer << " " << pt.latency;
    }
    os << "\n";
  }
  return os.str();
}

Topology::Topology(const NocConfig& cfg)
    : kind_(cfg.topology_kind()), routing_(cfg.routing_kind()) {
  const auto& r = cfg.router;
  link_latency_ = std::max<uint32_t>(1, r.link_latency_cycles);
  if (r.vcs == 0) throw NocError("noc.router.vcs: must be at least 1 virtual channel");
  if (r.buffer_depth_flits == 0)
    throw NocError("noc.router.buffer_depth_flits: must be at least 1 flit");
  if (r.vnets == 0) throw NocError("noc.router.vnets: must be at least 1");
  // The router's choice keys: a name outside their tables is an error here, not in the engine.
  (void)r.flow_control_kind();
  (void)r.vc_release_kind();
  (void)r.arbitration_kind();
  (void)cfg.energy.model_kind();
  if (kind_ == TopologyKind::mesh || kind_ == TopologyKind::torus) {
    if (cfg.size_x == 0 || cfg.size_y == 0)
      throw NocError(std::string("noc.size_x/size_y: a ") + kind_name() +
                     " needs at least 1x1 nodes");
    build_mesh(cfg, kind_ == TopologyKind::torus);
  } else if (kind_ == TopologyKind::ring) {
    if (cfg.nodes == 0) throw NocError("noc.nodes: a ring needs at least 1 node");
    build_ring(cfg);
  } else if (kind_ == TopologyKind::crossbar) {
    if (cfg.nodes == 0 || cfg.nodes > 256)
      throw NocError("noc.nodes: a crossbar needs 1..256 nodes (got " + str(cfg.nodes) + ")");
    std::vector<std::pair<uint32_t, uint32_t>> links;
    std::vector<double> len;
    uint32_t side = static_cast<uint32_t>(std::ceil(std::sqrt(double(cfg.nodes))));
    for (uint32_t a = 0; a < cfg.nodes; ++a)
      for (uint32_t b = a + 1; b < cfg.nodes; ++b) {
        links.push_back({a, b});
        // Nodes on a square floorplan grid; wires run Manhattan.
        double d = std::abs(double(a % side) - double(b % side)) +
                   std::abs(double(a / side) - double(b / side));
        len.push_back(d * cfg.energy.tile_pitch_mm);
      }
    build_graph(cfg.nodes, links, len);
    build_updown();
  } else if (kind_ == TopologyKind::tree) {
    if (cfg.nodes == 0 || cfg.nodes > kMaxTableNodes)
      throw NocError("noc.nodes: a tree needs 1.." + str(kMaxTableNodes) + " nodes");
    if (cfg.tree_arity == 0) throw NocError("noc.tree_arity: must be at least 1");
    std::vector<std::pair<uint32_t, uint32_t>> links;
    std::vector<double> len;
    for (uint32_t c = 1; c < cfg.nodes; ++c) {
      links.push_back({(c - 1) / cfg.tree_arity, c});
      len.push_back(cfg.energy.tile_pitch_mm);
    }
    build_graph(cfg.nodes, links, len);
    build_updown();
  } else {
    build_custom(cfg);
  }
  set_link_latencies(cfg);
  resolve_routing(cfg);
  uint32_t need = classes_ * r.vnets;
  if (r.vcs < need)
    throw NocError("noc.router.vcs: " + str(r.vcs) + " VCs cannot hold " + str(r.vnets) +
                   " virtual network(s) x " + str(classes_) +
                   (escape_ ? " VC classes (adaptive + escape) of routing " + label_
                            : std::string(" dateline class(es) of ") + kind_name()) +
                   "; need at least " + str(need) +
                   (escape_ ? " (or noc.routing: updown, one class)" : ""));
  if (r.flow_control_kind() == FlowControl::vct && r.buffer_depth_flits < 2)
    throw NocError(
        "noc.router.buffer_depth_flits: virtual cut-through with 1-flit buffers "
        "only carries 1-flit packets; use at least 2 or wormhole");
}

void Topology::set_link_latencies(const NocConfig& cfg) {
  const double wd = cfg.wire_delay_cycles_per_mm;
  std::vector<const LinkSpec*> spec;  // custom: the spec of each link, by (node, port)
  if (kind_ == TopologyKind::custom) {
    spec.assign(size_t(n_) * ports_, nullptr);
    for (const auto& l : cfg.graph_links) {
      spec[size_t(l.a) * ports_ + port_to(l.a, l.b)] = &l;
      spec[size_t(l.b) * ports_ + port_to(l.b, l.a)] = &l;
    }
  }
  for (uint32_t v = 0; v < n_; ++v)
    for (uint32_t p = 1; p < ports_; ++p) {
      Port& pt = port_[size_t(v) * ports_ + p];
      if (pt.peer == kNone) continue;
      const LinkSpec* l = spec.empty() ? nullptr : spec[size_t(v) * ports_ + p];
      if (l && l->latency_cycles) {
        pt.latency = l->latency_cycles;
      } else if (wd > 0) {
        if (!(pt.length_mm > 0))
          throw NocError("noc.wire_delay_cycles_per_mm: link " + str(v) + "-" + str(pt.peer) +
                         " has no length (give graph_nodes x_mm/y_mm or the link's length_mm)");
        pt.latency = std::max<uint32_t>(1, uint32_t(std::ceil(pt.length_mm * wd - 1e-9)));
      }
    }
}

void Topology::resolve_routing(const NocConfig& cfg) {
  using R = Routing;
  using K = TopologyKind;
  const bool graph = kind_ == K::crossbar || kind_ == K::tree || kind_ == K::custom;
  const bool routes = kind_ == K::custom && !cfg.graph_routes.empty();
  const std::string routing_name = name_of(routing_, kRoutingNames);
  if ((routing_ == R::west_first || routing_ == R::odd_even) && kind_ != K::mesh)
    throw NocError("noc.routing: " + routing_name + " is only defined for a mesh (topology is " +
                   kind_name() + ")");
  if (routes && (routing_ == R::min || routing_ == R::updown))
    throw NocError("noc.routing: " + routing_name +
                   " computes its own tables; remove noc.graph_routes or use routing: table");
  if (!graph && routing_ == R::table) routing_ = R::xy;  // dimension order is the table here
  if (graph && !routes && routing_ != R::updown && routing_ != R::min)
    routing_ = kind_ == K::custom ? R::min : R::updown;  // xy/yx/table: the topology's default
  if (routes) routing_ = R::table;
  if (routing_ == R::min || routing_ == R::updown) {
    if (n_ > kMaxTableNodes)
      throw NocError(std::string("noc.routing: ") + name_of(routing_, kRoutingNames) +
                     " needs routing tables: at most " + str(kMaxTableNodes) + " nodes (have " +
                     str(n_) + ")");
    table_ = true;
    classes_ = 1;
    if (next_.empty()) build_updown();
    if (routing_ == R::min) {
      escape_ = true;
      classes_ = 2;
      const auto& r = cfg.router;
      build_min(r.routing_delay_cycles + r.vc_alloc_delay_cycles + r.sw_alloc_delay_cycles +
                r.st_delay_cycles);
    }
  }
  adaptive_ = routing_ == R::west_first || routing_ == R::odd_even || routing_ == R::min;
  if (routing_ == R::min)
    label_ = "min+updown_escape";
  else if (routing_ == R::table)
    label_ = "table";
  else if (routing_ == R::updown)
    label_ = "updown";
  else if (kind_ == K::torus)
    label_ = std::string(name_of(routing_, kRoutingNames)) + "+dateline";
  else if (kind_ == K::ring)
    label_ = "ring+dateline";
  else
    label_ = name_of(routing_, kRoutingNames);
}

void Topology::build_min(uint32_t router_delay) {
  // Dijkstra from every destination (links are symmetric): dist_[v * n + dst] in cycles, one
  // hop costing the router pipeline plus the link's latency, then up to two minimal ports.
  dist_.assign(size_t(n_) * n_, kInf);
  min_.assign(size_t(n_) * n_ * 2, 0);
  using Item = std::pair<uint32_t, uint32_t>;
  for (uint32_t dst = 0; dst < n_; ++dst) {
    uint32_t* d = &dist_[size_t(dst)];  // column dst: d[v * n_]
    std::vector<Item> heap{{0, dst}};
    d[size_t(dst) * n_] = 0;
    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end(), std::greater<Item>());
      auto [dv, v] = heap.back();
      heap.pop_back();
      if (dv != d[size_t(v) * n_]) continue;
      for (uint32_t p = 1; p < ports_; ++p) {
        const Port& pt = port(v, p);
        if (pt.peer == kNone) continue;
        uint32_t nd = dv + router_delay + pt.latency;
        if (nd < d[size_t(pt.peer) * n_]) {
          d[size_t(pt.peer) * n_] = nd;
          heap.push_back({nd, pt.peer});
          std::push_heap(heap.begin(), heap.end(), std::greater<Item>());
        }
      }
    }
  }
  for (uint32_t v = 0; v < n_; ++v)
    for (uint32_t dst = 0; dst < n_; ++dst) {
      if (v == dst) continue;
      uint32_t k = 0;
      for (uint32_t p = 1; p < ports_ && k < 2; ++p) {
        const Port& pt = port(v, p);
        if (pt.peer == kNone) continue;
        if (dist_[size_t(pt.peer) * n_ + dst] + router_delay + pt.latency ==
            dist_[size_t(v) * n_ + dst])
          min_[(size_t(v) * n_ + dst) * 2 + k++] = uint16_t(p);
      }
      if (k == 0)
        throw NocError("noc: internal: no minimal port from " + str(v) + " to " + str(dst));
    }
}

std::string Topology::check_deadlock_freedom() const {
  // Channels are (node, out port, class); edges are the dependencies of every candidate in every
  // reachable routing state, explored per (src, dst) (dateline and odd-even routes depend on src).
  const size_t nch = size_t(n_) * ports_ * classes_;
  auto ch = [&](uint32_t v, uint32_t p, uint32_t c) {
    return (size_t(v) * ports_ + p) * classes_ + c;
  };
  std::vector<std::set<size_t>> dep(nch);
  for (uint32_t s = 0; s < n_; ++s)
    for (uint32_t d = 0; d < n_; ++d) {
      if (s == d) continue;
      struct St {
        uint32_t v;
        size_t in;
        uint8_t state;
        uint32_t hops;
      };
      std::set<std::tuple<uint32_t, size_t, uint8_t>> seen;
      std::vector<St> todo{{s, SIZE_MAX, 0, 0}};
      while (!todo.empty()) {
        St x = todo.back();
        todo.pop_back();
        if (x.v == d) continue;
        if (!seen.insert({x.v, x.in, x.state}).second) continue;
        if (x.hops > 2 * n_)
          return "route " + str(s) + "->" + str(d) + " does not reach its destination";
        Candidates c;
        route(x.v, s, d, x.state, c);
        if (c.n == 0) return "dead end at " + str(x.v) + " for " + str(s) + "->" + str(d);
        bool in_escape = escape_ && (x.state & 2);
        bool offers_escape = false;
        for (uint32_t k = 0; k < c.n; ++k) {
          const Choice& o = c.c[k];
          if (o.port == kLocal || port(x.v, o.port).peer == kNone)
            return "route " + str(s) + "->" + str(d) + " at " + str(x.v) +
                   " takes an unconnected port";
          if (escape_) {
            if (in_escape && o.cls != 1)
              return "packet " + str(s) + "->" + str(d) + " leaves the escape class at " + str(x.v);
            if (o.cls == 1) offers_escape = true;
          }
          size_t out = ch(x.v, o.port, o.cls);
          // Escape routing: only the escape class's own dependencies matter (Duato).
          if (x.in != SIZE_MAX && (!escape_ || (x.in % classes_ == 1 && o.cls == 1)))
            dep[x.in].insert(out);
          todo.push_back({port(x.v, o.port).peer, out, o.state, x.hops + 1});
        }
        if (escape_ && !offers_escape)
          return "no escape VC offered at " + str(x.v) + " for " + str(s) + "->" + str(d);
      }
    }
  std::vector<int> colour(nch, 0);
  for (size_t root = 0; root < nch; ++root) {
    if (colour[root]) continue;
    std::vector<std::pair<size_t, std::set<size_t>::const_iterator>> st{{root, dep[root].begin()}};
    colour[root] = 1;
    while (!st.empty()) {
      auto& [c0, it] = st.back();
      if (it == dep[c0].end()) {
        colour[c0] = 2;
        st.pop_back();
        continue;
      }
      size_t nx = *it++;
      if (colour[nx] == 1) {
        size_t v = nx / classes_ / ports_, p = nx / classes_ % ports_;
        return "channel dependency cycle through link " + str(uint32_t(v)) + "->" +
               str(port(uint32_t(v), uint32_t(p)).peer) + " class " + str(uint32_t(nx % classes_));
      }
      if (colour[nx] == 0) {
        colour[nx] = 1;
        st.push_back({nx, dep[nx].begin()});
      }
    }
  }
  return "";
}

void Topology::connect(uint32_t a, uint32_t pa, uint32_t b, uint32_t pb, double len, int dim,
                       int dir, bool wrap) {
  Port& x = port_[a * ports_ + pa];
  x.peer = b;
  x.peer_port = pb;
  x.length_mm = len;
  x.dim = dim;
  x.dir = dir;
  x.wrap = wrap;
  x.latency = link_latency_;
}

void Topology::build_mesh(const NocConfig& cfg, bool torus) {
  kx_ = cfg.size_x;
  ky_ = cfg.size_y;
  n_ = kx_ * ky_;
  if (n_ > 65536) throw NocError("noc: at most 65536 nodes");
  ports_ = 5;  // local, +x, -x, +y, -y
  classes_ = torus ? 2 : 1;
  port_.assign(size_t(n_) * ports_, Port{});
  double pitch = cfg.energy.tile_pitch_mm;
  auto id = [&](uint32_t x, uint32_t y) { return y * kx_ + x; };
  for (uint32_t y = 0; y < ky_; ++y)
    for (uint32_t x = 0; x < kx_; ++x) {
      for (int dim = 0; dim < 2; ++dim) {
        uint32_t k = dim == 0 ? kx_ : ky_;
        uint32_t c = dim == 0 ? x : y;
        if (k < 2) continue;
        // + direction
        bool wrap = c + 1 == k;
        if (!wrap || torus) {
          uint32_t nc = (c + 1) % k;
          uint32_t peer = dim == 0 ? id(nc, y) : id(x, nc);
          // Folded torus: every link spans two tiles (k > 2).
          double len = torus && k > 2 ? 2 * pitch : pitch;
          connect(id(x, y), 1 + 2 * dim, peer, 2 + 2 * dim, len, dim, +1, wrap && torus);
          connect(peer, 2 + 2 * dim, id(x, y), 1 + 2 * dim, len, dim, -1, wrap && torus);
        }
      }
    }
}

void Topology::build_ring(const NocConfig& cfg) {
  kx_ = n_ = cfg.nodes;
  ky_ = 1;
  ports_ = 3;
  classes_ = 2;
  port_.assign(size_t(n_) * ports_, Port{});
  double pitch = cfg.energy.tile_pitch_mm;
  if (n_ < 2) return;
  for (uint32_t x = 0; x < n_; ++x) {
    uint32_t nx = (x + 1) % n_;
    bool wrap = x + 1 == n_;
    double len = n_ > 2 ? 2 * pitch : pitch;  // folded ring
    if (n_ == 2 && wrap) continue;            // 2 nodes: one link pair is enough
    connect(x, 1, nx, 2, len, 0, +1, wrap);
    connect(nx, 2, x, 1, len, 0, -1, wrap);
  }
}

void Topology::build_graph(uint32_t n, const std::vector<std::pair<uint32_t, uint32_t>>& links,
                           const std::vector<double>& lengths) {
  n_ = n;
  kx_ = n;
  ky_ = 1;
  classes_ = 1;
  table_ = true;
  std::vector<uint32_t> deg(n, 0);
  for (auto& l : links) {
    ++deg[l.first];
    ++deg[l.second];
  }
  ports_ = 1 + (n ? *std::max_element(deg.begin(), deg.end()) : 0);
  port_.assign(size_t(n_) * ports_, Port{});
  std::vector<uint32_t> used(n, 1);
  for (size_t i = 0; i < links.size(); ++i) {
    uint32_t a = links[i].first, b = links[i].second;
    uint32_t pa = used[a]++, pb = used[b]++;
    connect(a, pa, b, pb, lengths[i], -1, 0, false);
    connect(b, pb, a, pa, lengths[i], -1, 0, false);
  }
  check_connected();
}

void Topology::build_custom(const NocConfig& cfg) {
  uint32_t n = static_cast<uint32_t>(cfg.graph_nodes.size());
  if (n == 0) throw NocError("noc.graph_nodes: a custom topology needs at least one node");
  if (n > kMaxTableNodes)
    throw NocError("noc.graph_nodes: at most " + str(kMaxTableNodes) + " nodes");
  std::vector<int> seen(n, -1);
  for (size_t i = 0; i < cfg.graph_nodes.size(); ++i) {
    uint32_t id = cfg.graph_nodes[i].id;
    if (id >= n)
      throw NocError("noc.graph_nodes[" + str(uint32_t(i)) + "]: node id " + str(id) +
                     " out of range: ids must be 0.." + str(n - 1));
    if (seen[id] >= 0)
      throw NocError("noc.graph_nodes[" + str(uint32_t(i)) + "]: node id " + str(id) +
                     " given twice");
    seen[id] = int(i);
  }
  std::vector<std::pair<uint32_t, uint32_t>> links;
  std::vector<double> len;
  std::set<std::pair<uint32_t, uint32_t>> dup;
  for (size_t i = 0; i < cfg.graph_links.size(); ++i) {
    const auto& l = cfg.graph_links[i];
    std::string where = "noc.graph_links[" + str(uint32_t(i)) + "]: ";
    if (l.a >= n || l.b >= n)
      throw NocError(where + "link " + str(l.a) + "-" + str(l.b) + " refers to unknown node " +
                     str(l.a >= n ? l.a : l.b) + " (nodes are 0.." + str(n - 1) + ")");
    if (l.a == l.b) throw NocError(where + "link from node " + str(l.a) + " to itself");
    auto key = std::minmax(l.a, l.b);
    if (!dup.insert(key).second)
      throw NocError(where + "duplicate link " + str(l.a) + "-" + str(l.b));
    links.push_back({l.a, l.b});
    double d = l.length_mm;
    if (d <= 0) {
      const auto& A = cfg.graph_nodes[seen[l.a]];
      const auto& B = cfg.graph_nodes[seen[l.b]];
      d = std::abs(A.x_mm - B.x_mm) + std::abs(A.y_mm - B.y_mm);
      if (d <= 0 && cfg.wire_delay_cycles_per_mm > 0 && l.latency_cycles == 0)
        throw NocError(where + "link " + str(l.a) + "-" + str(l.b) +
                       " has no length for noc.wire_delay_cycles_per_mm: the nodes share a "
                       "position (give x_mm/y_mm, length_mm or latency_cycles)");
      if (d <= 0) d = cfg.energy.tile_pitch_mm;
    }
    len.push_back(d);
  }
  build_graph(n, links, len);
  if (cfg.graph_routes.empty()) {
    build_updown();
  } else {
    build_explicit(cfg);
  }
}

void Topology::check_connected() const {
  if (n_ == 0) return;
  std::vector<bool> seen(n_, false);
  std::deque<uint32_t> q{0};
  seen[0] = true;
  while (!q.empty()) {
    uint32_t v = q.front();
    q.pop_front();
    for (uint32_t p = 1; p < ports_; ++p) {
      uint32_t w = port(v, p).peer;
      if (w != kNone && !seen[w]) {
        seen[w] = true;
        q.push_back(w);
      }
    }
  }
  std::vector<uint32_t> cut;
  for (uint32_t v = 0; v < n_; ++v)
    if (!seen[v]) cut.push_back(v);
  if (!cut.empty()) {
    std::string list;
    for (size_t i = 0; i < cut.size() && i < 8; ++i) list += (i ? ", " : "") + str(cut[i]);
    if (cut.size() > 8) list += ", ...";
    throw NocError("noc: disconnected graph: " + str(uint32_t(cut.size())) +
                   " node(s) unreachable from node 0: " + list);
  }
}

uint32_t Topology::port_to(uint32_t node, uint32_t peer) const {
  for (uint32_t p = 1; p < ports_; ++p)
    if (port(node, p).peer == peer) return p;
  return kNone;
}

void Topology::build_updown() {
  // BFS levels from node 0; a link is "up" towards the end with the smaller (level, id).
  std::vector<uint32_t> level(n_, kInf);
  std::deque<uint32_t> q{0};
  level[0] = 0;
  while (!q.empty()) {
    uint32_t v = q.front();
    q.pop_front();
    for (uint32_t p = 1; p < ports_; ++p) {
      uint32_t w = port(v, p).peer;
      if (w != kNone && level[w] == kInf) {
        level[w] = level[v] + 1;
        q.push_back(w);
      }
    }
  }
  auto key_less = [&](uint32_t a, uint32_t b) {
    return level[a] != level[b] ? level[a] < level[b] : a < b;
  };
  std::vector<uint32_t> order(n_);
  for (uint32_t i = 0; i < n_; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), key_less);
  next_.assign(size_t(2) * n_ * n_, 0);
  next_phase_.assign(size_t(2) * n_ * n_, 0);
  std::vector<uint32_t> dd(n_), da(n_);
  for (uint32_t dst = 0; dst < n_; ++dst) {
    // dd: hops to dst using down links only (reverse BFS: v -> x is down when x is "lower").
    std::fill(dd.begin(), dd.end(), kInf);
    dd[dst] = 0;
    std::deque<uint32_t> bq{dst};
    while (!bq.empty()) {
      uint32_t x = bq.front();
      bq.pop_front();
      for (uint32_t p = 1; p < ports_; ++p) {
        uint32_t v = port(x, p).peer;
        if (v != kNone && key_less(v, x) && dd[v] == kInf) {
          dd[v] = dd[x] + 1;
          bq.push_back(v);
        }
      }
    }
    for (uint32_t v : order) {
      da[v] = dd[v];
      for (uint32_t p = 1; p < ports_; ++p) {
        uint32_t u = port(v, p).peer;
        if (u != kNone && key_less(u, v)) da[v] = std::min(da[v], da[u] + 1);
      }
    }
    for (uint32_t v = 0; v < n_; ++v) {
      if (v == dst) continue;
      uint32_t best_down = kNone, best_up = kNone, up_cost = kInf;
      for (uint32_t p = 1; p < ports_; ++p) {
        uint32_t w = port(v, p).peer;
        if (w == kNone) continue;
        if (key_less(v, w)) {
          if (dd[v] != kInf && dd[w] + 1 == dd[v] && best_down == kNone) best_down = p;
        } else if (da[w] + 1 < up_cost) {
          up_cost = da[w] + 1;
          best_up = p;
        }
      }
      size_t i0 = size_t(v) * n_ + dst, i1 = size_t(n_) * n_ + i0;
      if (best_down != kNone) {
        next_[i1] = uint16_t(best_down);
        next_phase_[i1] = 1;
      }
      if (best_down != kNone && dd[v] <= up_cost) {
        next_[i0] = uint16_t(best_down);
        next_phase_[i0] = 1;
      } else if (best_up != kNone) {
        next_[i0] = uint16_t(best_up);
        next_phase_[i0] = 0;
      } else {
        throw NocError("noc: internal: no up*/down* route from " + str(v) + " to " + str(dst));
      }
    }
  }
}

void Topology::build_explicit(const NocConfig& cfg) {
  next_.assign(size_t(2) * n_ * n_, 0);
  next_phase_.assign(size_t(2) * n_ * n_, 0);
  std::vector<bool> have(size_t(n_) * n_, false);
  for (size_t i = 0; i < cfg.graph_routes.size(); ++i) {
    const auto& r = cfg.graph_routes[i];
    std::string where = "noc.graph_routes[" + str(uint32_t(i)) + "]: ";
    if (r.node >= n_ || r.dst >= n_ || r.next >= n_)
      throw NocError(where + "refers to unknown node (nodes are 0.." + str(n_ - 1) + ")");
    uint32_t p = port_to(r.node, r.next);
    if (p == kNone)
      throw NocError(where + "at node " + str(r.node) + " for destination " + str(r.dst) +
                     ": next hop " + str(r.next) + " is not a neighbour (no link)");
    size_t idx = size_t(r.node) * n_ + r.dst;
    if (have[idx])
      throw NocError(where + "second entry for node " + str(r.node) + ", destination " +
                     str(r.dst));
    have[idx] = true;
    next_[idx] = next_[size_t(n_) * n_ + idx] = uint16_t(p);
  }
  // Every source must reach every destination, without revisiting a router.
  for (uint32_t s = 0; s < n_; ++s)
    for (uint32_t d = 0; d < n_; ++d) {
      std::vector<bool> visited(n_, false);
      uint32_t v = s;
      std::string trail = str(s);
      while (v != d) {
        visited[v] = true;
        size_t idx = size_t(v) * n_ + d;
        if (!have[idx])
          throw NocError("noc.graph_routes: dead end: no entry at node " + str(v) +
                         " for destination " + str(d) + " (path " + trail + ")");
        v = port(v, next_[idx]).peer;
        trail += "->" + str(v);
        if (visited[v])
          throw NocError("noc.graph_routes: routing cycle for destination " + str(d) + ": " +
                         trail);
      }
    }
  if (!cfg.allow_cyclic_routes) check_dependencies();
}

void Topology::check_dependencies() const {
  // Channel dependency graph of the explicit table: channel (v,p) -> next channel. A cycle
  // means the table can deadlock with one VC class (Dally & Seitz, 1987).
  auto ch = [&](uint32_t v, uint32_t p) { return size_t(v) * ports_ + p; };
  std::vector<std::set<size_t>> dep(size_t(n_) * ports_);
  for (uint32_t s = 0; s < n_; ++s)
    for (uint32_t d = 0; d < n_; ++d) {
      if (s == d) continue;
      uint32_t v = s;
      size_t prev = kNone;
      while (v != d) {
        uint32_t p = next_[size_t(v) * n_ + d];
        size_t c = ch(v, p);
        if (prev != size_t(kNone)) dep[prev].insert(c);
        prev = c;
        v = port(v, p).peer;
      }
    }
  std::vector<int> color(dep.size(), 0);
  std::vector<size_t> stack;
  std::function<bool(size_t)> dfs = [&](size_t c) {
    color[c] = 1;
    stack.push_back(c);
    for (size_t x : dep[c]) {
      if (color[x] == 1) {
        std::string cyc;
        auto it = std::find(stack.begin(), stack.end(), x);
        for (; it != stack.end(); ++it)
          cyc +=
              str(uint32_t(*it / ports_)) + "->" + str(port(*it / ports_, *it % ports_).peer) + " ";
        throw NocError("noc.graph_routes: the table can deadlock: channel dependency cycle " + cyc +
                       "(use up*/down* by leaving graph_routes empty)");
      }
      if (color[x] == 0 && dfs(x)) return true;
    }
    stack.pop_back();
    color[c] = 2;
    return false;
  };
  for (size_t c = 0; c < dep.size(); ++c)
    if (color[c] == 0) dfs(c);
}

void Topology::route(uint32_t node, uint32_t src, uint32_t dst, uint8_t state,
                     Candidates& out) const {
  out.n = 1;
  out.c[0] = Choice{};
  if (node == dst) return;  // local port, class 0
  if (escape_) {
    if (state & 2) {  // in the escape class: up*/down* to the end
      size_t idx = (size_t(state & 1) * n_ + node) * n_ + dst;
      out.c[0] = Choice{next_[idx], 1, uint8_t(2 | next_phase_[idx]), 0};
      return;
    }
    out.n = 0;
    const uint16_t* m = &min_[(size_t(node) * n_ + dst) * 2];
    for (int k = 0; k < 2; ++k)
      if (m[k]) out.c[out.n++] = Choice{m[k], 0, 0, 0};
    size_t idx = size_t(node) * n_ + dst;  // escape route starts in phase 0 (up allowed)
    out.c[out.n++] = Choice{next_[idx], 1, uint8_t(2 | next_phase_[idx]), 1};
    return;
  }
  if (table_) {
    size_t idx = (size_t(state & 1) * n_ + node) * n_ + dst;
    out.c[0].port = next_[idx];
    out.c[0].state = next_phase_[idx];
    return;
  }
  uint32_t x = node % kx_, y = node / kx_, dx = dst % kx_, dy = dst / kx_;
  auto dim_step = [&](int dim, uint32_t c, uint32_t d, uint32_t s, uint32_t k, Choice& ch) {
    int dir;
    if (classes_ == 2) {  // torus/ring: minimal direction, ties go +
      uint32_t fwd = (d + k - c) % k;
      dir = fwd <= k - fwd ? +1 : -1;
    } else {
      dir = d > c ? +1 : -1;
    }
    ch.port = uint16_t(dir > 0 ? 1 + 2 * dim : 2 + 2 * dim);
    if (classes_ == 2) {
      // Dateline: class 1 on the wrap link and after it (in this dimension).
      bool crossed = dir > 0 ? (c < s) : (c > s);
      bool on_wrap = dir > 0 ? c + 1 == k : c == 0;
      ch.cls = (crossed || on_wrap) ? 1 : 0;
    }
  };
  uint32_t sx = src % kx_, sy = src / kx_;
  if (routing_ == Routing::west_first) {
    if (dx < x) {
      dim_step(0, x, dx, sx, kx_, out.c[0]);
      return;
    }
    out.n = 0;
    if (dx > x) dim_step(0, x, dx, sx, kx_, out.c[out.n++]);
    if (dy != y) dim_step(1, y, dy, sy, ky_, out.c[out.n++]);
    return;
  }
  if (routing_ == Routing::odd_even) {
    // Chiu's odd-even turn model (IEEE TPDS 11(7), 2000): no east->north/south turn in an even
    // column, no north/south->west turn in an odd column. Minimal; up to two productive ports,
    // the engine takes the one with more free VCs.
    out.n = 0;
    if (dx == x) {
      dim_step(1, y, dy, sy, ky_, out.c[out.n++]);
    } else if (dx > x) {  // eastbound
      if (dy == y) {
        dim_step(0, x, dx, sx, kx_, out.c[out.n++]);
      } else {
        // Turning from east to north/south is only allowed in an odd column; at the source
        // column the packet has not travelled east yet, so it may start vertically there.
        if (x % 2 == 1 || x == sx) dim_step(1, y, dy, sy, ky_, out.c[out.n++]);
        // Going further east is fine unless the destination column is even and next: then the
        // packet would have to turn north/south in that even column.
        if (dx % 2 == 1 || dx - x != 1) dim_step(0, x, dx, sx, kx_, out.c[out.n++]);
      }
    } else {  // westbound: west is always allowed; vertical first only in an even column
      dim_step(0, x, dx, sx, kx_, out.c[out.n++]);
      if (dy != y && x % 2 == 0) dim_step(1, y, dy, sy, ky_, out.c[out.n++]);
    }
    return;
  }
  bool x_first = routing_ != Routing::yx;
  if (x_first ? dx != x : dy == y)
    dim_step(0, x, dx, sx, kx_, out.c[0]);
  else
    dim_step(1, y, dy, sy, ky_, out.c[0]);
}

std::vector<uint32_t> Topology::path(uint32_t src, uint32_t dst) const {
  std::vector<uint32_t> p{src};
  uint32_t v = src;
  uint8_t state = 0;
  Candidates c;
  while (v != dst && p.size() <= n_ + 1) {
    route(v, src, dst, state, c);
    state = c.c[0].state;
    v = port(v, c.c[0].port).peer;
    if (v == kNone) break;
    p.push_back(v);
  }
  return p;
}

}  // namespace imcvp::noc
