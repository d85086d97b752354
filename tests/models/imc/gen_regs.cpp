// Prints the IMC tile's register map as the SDK C header (argument "header") or as the Markdown
// table of docs/register-maps.md (argument "markdown"), from the same RegBank the model decodes.
#include <cstring>
#include <iostream>

#include "models/imc/imc_tile.h"

int sc_main(int argc, char** argv) {
  imcvp::imc::ImcTile t("tile0", imcvp::imc::TileConfig{}, 0, 1);
  if (argc > 1 && std::strcmp(argv[1], "markdown") == 0)
    std::cout << t.regs().markdown();
  else
    std::cout << t.regs().c_header("IMC");
  return 0;
}
