# CMake toolchain file: bare-metal RV32IMAC (ilp32) with Debian's riscv64-unknown-elf-gcc and
# picolibc. Usage:
#   cmake -S firmware/project -B build-fw -DCMAKE_TOOLCHAIN_FILE=firmware/cmake/riscv-toolchain.cmake
#
# GCC 12 needs zicsr/zifencei spelled out to assemble CSR and fence.i instructions, but its
# multilib matcher does not know those names: compile with rv32imac_zicsr_zifencei, link with
# rv32imac (otherwise the linker picks the rv64 default libraries).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv32)

set(IMCVP_RISCV_PREFIX "riscv64-unknown-elf-" CACHE STRING "Cross tool prefix")
find_program(IMCVP_RISCV_GCC ${IMCVP_RISCV_PREFIX}gcc REQUIRED)
find_program(IMCVP_RISCV_OBJDUMP ${IMCVP_RISCV_PREFIX}objdump)
find_program(IMCVP_RISCV_SIZE ${IMCVP_RISCV_PREFIX}size)

set(CMAKE_C_COMPILER ${IMCVP_RISCV_GCC})
set(CMAKE_ASM_COMPILER ${IMCVP_RISCV_GCC})
# Executables cannot link before the SDK exists: test the compiler with a static library.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(IMCVP_RV_COMPILE_ARCH "-march=rv32imac_zicsr_zifencei -mabi=ilp32")
set(IMCVP_RV_LINK_ARCH "-march=rv32imac -mabi=ilp32")

set(CMAKE_C_FLAGS_INIT "${IMCVP_RV_COMPILE_ARCH} --specs=picolibc.specs -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "${IMCVP_RV_COMPILE_ARCH} --specs=picolibc.specs")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${IMCVP_RV_LINK_ARCH} --specs=picolibc.specs -nostartfiles -Wl,--gc-sections")

# The default link rule repeats the compile flags (with the zicsr -march) on the link line;
# link with the linker flags only so multilib selection sees -march=rv32imac.
set(CMAKE_C_LINK_EXECUTABLE
    "<CMAKE_C_COMPILER> <CMAKE_C_LINK_FLAGS> <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES>")
set(CMAKE_ASM_LINK_EXECUTABLE ${CMAKE_C_LINK_EXECUTABLE})

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
