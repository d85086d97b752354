// libsystemc's main() references sc_main; in test binaries GoogleTest's main runs instead
// and this is never called.
#include <systemc>

int sc_main(int, char**) {
  return 0;
}
