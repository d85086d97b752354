#include <gtest/gtest.h>

#include "models/cpu/pmp.h"

namespace imcvp::cpu {
namespace {

constexpr bool M = true, U = false;
constexpr uint8_t kTor = 1 << 3, kNa4 = 2 << 3, kNapot = 3 << 3;

TEST(Pmp, NoEntriesMachineAllowedUserDenied) {
  Pmp p;
  EXPECT_FALSE(p.any_active());
  EXPECT_TRUE(p.check(0x80000000, 4, Access::read, M));
  EXPECT_FALSE(p.check(0x80000000, 4, Access::read, U));
}

TEST(Pmp, TorRangesIncludingEntryZeroFromAddressZero) {
  Pmp p;
  p.write_addr(0, 0x1000 >> 2);
  p.write_addr(1, 0x2000 >> 2);
  p.write_cfg(0, (kTor | Pmp::R) | (kTor | Pmp::R | Pmp::W) << 8);
  EXPECT_TRUE(p.check(0x0, 4, Access::read, U));  // entry 0: [0, 0x1000)
  EXPECT_TRUE(p.check(0xffc, 4, Access::read, U));
  EXPECT_FALSE(p.check(0xffc, 4, Access::write, U));
  EXPECT_TRUE(p.check(0x1000, 4, Access::write, U));  // entry 1: [0x1000, 0x2000)
  EXPECT_TRUE(p.check(0x1ffc, 4, Access::write, U));
  EXPECT_FALSE(p.check(0x2000, 4, Access::read, U));
  EXPECT_FALSE(p.check(0x1000, 4, Access::exec, U));
  // An access straddling two entries fails (partial match of the first).
  EXPECT_FALSE(p.check(0xffe, 4, Access::read, U));
  // M-mode ignores unlocked entries.
  EXPECT_TRUE(p.check(0x1000, 4, Access::exec, M));
  // Empty TOR (addr[i] <= addr[i-1]) matches nothing.
  Pmp q;
  q.write_addr(0, 0x2000 >> 2);
  q.write_addr(1, 0x1000 >> 2);
  q.write_cfg(0, (kTor | Pmp::R | Pmp::W | Pmp::X) << 8);
  EXPECT_FALSE(q.check(0x1800, 4, Access::read, U));
}

TEST(Pmp, Na4AndNapot) {
  Pmp p;
  p.write_addr(0, 0x80000010 >> 2);                           // NA4 at 0x80000010
  p.write_addr(1, (0x80000000 >> 2) | ((0x10000 >> 3) - 1));  // NAPOT 64 KiB at 0x80000000
  p.write_addr(2, 0x1ffffff);                                 // NAPOT 2^28 bytes at 0
  p.write_cfg(0,
              (kNa4 | Pmp::R) | (kNapot | Pmp::R | Pmp::W | Pmp::X) << 8 | (kNapot | Pmp::R) << 16);
  EXPECT_TRUE(p.check(0x80000010, 4, Access::read, U));
  EXPECT_FALSE(p.check(0x80000010, 4, Access::write, U));  // NA4 wins (lower index)
  EXPECT_FALSE(p.check(0x8000000e, 4, Access::read, U));   // straddles NA4: partial
  EXPECT_TRUE(p.check(0x80000014, 4, Access::write, U));   // NAPOT
  EXPECT_TRUE(p.check(0x8000fffc, 4, Access::exec, U));
  EXPECT_FALSE(p.check(0x80010000, 4, Access::read, U));
  EXPECT_TRUE(p.check(0x0ffffffc, 4, Access::read, U));  // 256 MiB NAPOT at 0
  EXPECT_FALSE(p.check(0x10000000, 1, Access::read, U));
  // All-ones pmpaddr: the whole 34-bit space.
  Pmp q;
  q.write_addr(0, 0xffffffff);
  q.write_cfg(0, kNapot | Pmp::R);
  EXPECT_TRUE(q.check(0xfffffffc, 4, Access::read, U));
  EXPECT_TRUE(q.check(0, 4, Access::read, U));
}

TEST(Pmp, LockBindsMachineModeAndFreezesEntry) {
  Pmp p;
  p.write_addr(0, 0x80000000 >> 2);
  p.write_cfg(0, kNa4 | Pmp::R | Pmp::L);
  EXPECT_TRUE(p.any_locked());
  EXPECT_TRUE(p.check(0x80000000, 4, Access::read, M));
  EXPECT_FALSE(p.check(0x80000000, 4, Access::write, M));
  p.write_cfg(0, 0);  // ignored
  EXPECT_EQ(p.read_cfg(0) & 0xff, kNa4 | Pmp::R | Pmp::L);
  p.write_addr(0, 0);  // ignored
  EXPECT_EQ(p.read_addr(0), 0x80000000u >> 2);
  // A locked TOR entry also locks the previous address register.
  Pmp q;
  q.write_addr(0, 0x100);
  q.write_addr(1, 0x200);
  q.write_cfg(0, (kTor | Pmp::R | Pmp::L) << 8);
  q.write_addr(0, 0x50);
  EXPECT_EQ(q.read_addr(0), 0x100u);
  // ... but not for NA4/NAPOT entries.
  Pmp r;
  r.write_cfg(0, (kNa4 | Pmp::R | Pmp::L) << 8);
  r.write_addr(0, 0x50);
  EXPECT_EQ(r.read_addr(0), 0x50u);
}

TEST(Pmp, ReservedPermissionCombinationIsLegalised) {
  Pmp p;
  p.write_cfg(0, kNa4 | Pmp::W);  // R=0, W=1 reserved
  EXPECT_EQ(p.read_cfg(0) & 0x3, 0u);
  p.write_cfg(0, 0x60 | kNa4 | Pmp::R);  // bits 6:5 read zero
  EXPECT_EQ(p.read_cfg(0) & 0xff, kNa4 | Pmp::R);
}

}  // namespace
}  // namespace imcvp::cpu
