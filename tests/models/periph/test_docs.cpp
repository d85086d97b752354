// docs/register-maps.md must contain each device's RegBank table verbatim, so the documented
// register maps cannot drift from what the models decode.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "models/periph/clint.h"
#include "models/periph/plic.h"
#include "models/periph/simctrl.h"
#include "models/periph/uart16550.h"
#include "tests/util/sc_fixture.h"

using namespace imcvp::periph;

class RegisterDocsTest : public imcvp::test::ScFixture {};

TEST_F(RegisterDocsTest, DocsMatchModels) {
  std::ifstream f(std::string(IMCVP_SOURCE_DIR) + "/docs/register-maps.md");
  ASSERT_TRUE(f) << "docs/register-maps.md missing";
  std::stringstream ss;
  ss << f.rdbuf();
  std::string doc = ss.str();
  SimCtrl s("simctrl", SimCtrlConfig{});
  Clint c("clint", ClintConfig{});
  Plic p("plic", PlicConfig{});
  UartConfig uc;
  uc.tx = "none";
  Uart16550 u("uart0", uc);
  for (imcvp::regs::RegBank* b : {&s.regs(), &c.regs(), &p.regs(), &u.regs()})
    EXPECT_NE(doc.find(b->markdown()), std::string::npos)
        << b->name() << " table differs from the model; regenerate it from RegBank::markdown():\n"
        << b->markdown();
}
