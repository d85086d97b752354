#include "models/dram/timing_checker.h"

#include <sstream>

namespace imcvp::dram {

namespace {
std::string where(const CmdRecord& r) {
  std::ostringstream os;
  os << "cycle " << r.cycle << " " << cmd_name(r.cmd) << " ch" << r.channel << " ra" << r.rank
     << " bg" << r.bank_group << " ba" << r.bank;
  if (r.cmd == Cmd::act || is_column(r.cmd)) os << " row " << r.row;
  return os.str();
}
}  // namespace

TimingChecker::TimingChecker(const DramConfig& cfg) : cfg_(cfg) {
  const auto& o = cfg_.org;
  banks_.resize(std::size_t{o.channels} * o.ranks * o.bank_groups * o.banks_per_group);
  ranks_.resize(std::size_t{o.channels} * o.ranks);
  chans_.resize(o.channels);
}

TimingChecker::BankHist& TimingChecker::bank(const CmdRecord& r) {
  const auto& o = cfg_.org;
  return banks_[((std::size_t{r.channel} * o.ranks + r.rank) * o.bank_groups + r.bank_group) *
                    o.banks_per_group +
                r.bank];
}

std::vector<std::string> TimingChecker::check(const CmdRecord& r) {
  ++checked_;
  const auto& o = cfg_.org;
  const auto& T = cfg_.timing;
  const int64_t t = static_cast<int64_t>(r.cycle);
  const int64_t B = cfg_.burst_cycles();
  std::vector<std::string> v;
  auto need = [&](bool ok, const std::string& what) {
    if (!ok) v.push_back(where(r) + ": " + what);
  };
  auto since = [&](int64_t then, int64_t min, const char* name) {
    if (t - then < min) {
      std::ostringstream os;
      os << name << " violated (" << t - then << " < " << min << ")";
      v.push_back(where(r) + ": " + os.str());
    }
  };
  if (r.channel >= o.channels || r.rank >= o.ranks || r.bank_group >= o.bank_groups ||
      r.bank >= o.banks_per_group) {
    v.push_back(where(r) + ": address out of range");
    violations_.insert(violations_.end(), v.begin(), v.end());
    return v;
  }
  ChannelHist& ch = chans_[r.channel];
  RankHist& rk = ranks_[std::size_t{r.channel} * o.ranks + r.rank];
  need(t > ch.last_cmd, "second command in one cycle (command bus)");
  ch.last_cmd = std::max(ch.last_cmd, t);

  // Power-down: only PDX while down; tCKE residency; tXP after exit.
  if (rk.in_pd) need(r.cmd == Cmd::pdx, "command to a rank in power-down");
  if (r.cmd == Cmd::pdx) {
    need(rk.in_pd, "PDX without PDE");
    since(rk.pde, T.tcke, "tCKE");
    rk.in_pd = false;
    rk.pdx = t;
  } else if (!rk.in_pd) {
    since(rk.pdx, T.txp, "tXP");
  }

  // Refresh rate: a rank may owe at most refresh_postpone_max + 1 refreshes.
  {
    int64_t first_due = static_cast<int64_t>(T.trefi) * (r.rank + 1) / o.ranks;
    int64_t due = t >= first_due ? (t - first_due) / T.trefi + 1 : 0;
    if (due - static_cast<int64_t>(rk.refs) > int64_t{cfg_.controller.refresh_postpone_max} + 1)
      v.push_back(where(r) + ": refresh overdue (" + std::to_string(due - rk.refs) + " REF owed)");
  }

  auto rank_banks = [&](auto&& f) {
    for (uint32_t g = 0; g < o.bank_groups; ++g)
      for (uint32_t b = 0; b < o.banks_per_group; ++b) {
        CmdRecord q = r;
        q.bank_group = g;
        q.bank = b;
        f(bank(q), g, b);
      }
  };

  BankHist& bk = bank(r);
  switch (r.cmd) {
    case Cmd::act: {
      need(!bk.open, "ACT to an open bank");
      since(bk.pre, T.trp, "tRP");
      since(bk.act, T.trc, "tRC");
      since(rk.ref, T.trfc, "tRFC");
      rank_banks([&](BankHist& ob, uint32_t g, uint32_t b) {
        if (g == r.bank_group && b == r.bank) return;
        if (g == r.bank_group)
          since(ob.act, T.trrd_l, "tRRD_L");
        else
          since(ob.act, T.trrd_s, "tRRD_S");
      });
      if (rk.acts.size() >= 4) since(rk.acts[rk.acts.size() - 4], T.tfaw, "tFAW");
      rk.acts.push_back(t);
      if (rk.acts.size() > 4) rk.acts.erase(rk.acts.begin());
      bk.open = true;
      bk.row = r.row;
      bk.act = t;
      break;
    }
    case Cmd::rd:
    case Cmd::rda:
    case Cmd::wr:
    case Cmd::wra: {
      bool rd = is_read(r.cmd);
      need(bk.open, "column command to a closed bank");
      need(!bk.open || bk.row == r.row, "column command to a row that is not open");
      since(bk.act, T.trcd, "tRCD");
      rank_banks([&](BankHist& ob, uint32_t g, uint32_t) {
        bool same_bg = g == r.bank_group;
        if (rd) {
          since(ob.rd, same_bg ? T.tccd_l : T.tccd_s,
                same_bg ? "tCCD_L (RD-RD)" : "tCCD_S (RD-RD)");
          since(ob.wr, T.cwl + B + (same_bg ? T.twtr_l : T.twtr_s), same_bg ? "tWTR_L" : "tWTR_S");
        } else {
          since(ob.wr, same_bg ? T.tccd_l : T.tccd_s,
                same_bg ? "tCCD_L (WR-WR)" : "tCCD_S (WR-WR)");
          since(ob.rd, int64_t{T.cl} + B + 2 - T.cwl, "read-to-write turnaround");
        }
      });
      // Data bus: no overlap, tRTRS between ranks.
      int64_t start = t + (rd ? T.cl : T.cwl);
      if (ch.data_valid) {
        int64_t gap = ch.data_rank != r.rank ? T.trtrs : 0;
        if (start < ch.data_end + gap) {
          std::ostringstream os;
          os << "data bus conflict: burst starts at " << start << ", previous ends at "
             << ch.data_end << (gap ? " (+tRTRS)" : "");
          v.push_back(where(r) + ": " + os.str());
        }
      }
      ch.data_valid = true;
      ch.data_end = std::max(ch.data_end, start + B);
      ch.data_rank = r.rank;
      if (rd)
        bk.rd = t;
      else
        bk.wr = t;
      if (r.cmd == Cmd::rda || r.cmd == Cmd::wra) {
        int64_t p = rd ? t + T.trtp : t + T.cwl + B + T.twr;
        bk.pre = std::max(p, bk.act + int64_t{T.tras});
        bk.open = false;
      }
      break;
    }
    case Cmd::pre:
      need(bk.open, "PRE to a closed bank");
      since(bk.act, T.tras, "tRAS");
      since(bk.rd, T.trtp, "tRTP");
      since(bk.wr, int64_t{T.cwl} + B + T.twr, "tWR");
      bk.open = false;
      bk.pre = t;
      break;
    case Cmd::prea:
      rank_banks([&](BankHist& ob, uint32_t, uint32_t) {
        if (!ob.open) return;
        since(ob.act, T.tras, "tRAS (PREA)");
        since(ob.rd, T.trtp, "tRTP (PREA)");
        since(ob.wr, int64_t{T.cwl} + B + T.twr, "tWR (PREA)");
        ob.open = false;
        ob.pre = t;
      });
      break;
    case Cmd::ref:
      rank_banks([&](BankHist& ob, uint32_t, uint32_t) {
        need(!ob.open, "REF with an open bank");
        since(ob.pre, T.trp, "tRP (REF)");
      });
      since(rk.ref, T.trfc, "tRFC (REF-REF)");
      rk.ref = t;
      ++rk.refs;
      break;
    case Cmd::pde:
      need(!rk.in_pd, "PDE while in power-down");
      since(rk.ref, T.trfc, "tRFC (PDE)");
      // Power-down entry must not cut a burst short.
      if (ch.data_valid && ch.data_rank == r.rank)
        need(t >= ch.data_end, "PDE during a data burst");
      rank_banks([&](BankHist& ob, uint32_t, uint32_t) {
        since(ob.rd, int64_t{T.cl} + B + 1, "tRDPDEN");
        since(ob.wr, int64_t{T.cwl} + B + T.twr, "tWRPDEN");
      });
      rk.in_pd = true;
      rk.pde = t;
      break;
    case Cmd::pdx:
      break;
  }
  violations_.insert(violations_.end(), v.begin(), v.end());
  return v;
}

void TimingChecker::finish(uint64_t end_cycle) {
  const auto& o = cfg_.org;
  const auto& T = cfg_.timing;
  for (uint32_t c = 0; c < o.channels; ++c)
    for (uint32_t r = 0; r < o.ranks; ++r) {
      const RankHist& rk = ranks_[std::size_t{c} * o.ranks + r];
      uint64_t first_due = uint64_t{T.trefi} * (r + 1) / o.ranks;
      uint64_t due = end_cycle >= first_due ? (end_cycle - first_due) / T.trefi + 1 : 0;
      if (due > rk.refs + cfg_.controller.refresh_postpone_max + 1)
        violations_.push_back("end (cycle " + std::to_string(end_cycle) + "): ch" +
                              std::to_string(c) + " ra" + std::to_string(r) + " issued " +
                              std::to_string(rk.refs) + " REF of " + std::to_string(due) + " due");
    }
}

void TimingChecker::credit_refreshes(uint32_t channel, uint64_t n) {
  for (uint32_t r = 0; r < cfg_.org.ranks; ++r)
    ranks_[std::size_t{channel} * cfg_.org.ranks + r].refs += n;
}

}  // namespace imcvp::dram
