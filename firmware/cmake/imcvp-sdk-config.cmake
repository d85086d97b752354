# CMake package of the installed imcvp firmware SDK (find_package(imcvp-sdk)).
#
#   cmake_minimum_required(VERSION 3.22)
#   # the toolchain must be known before project(): pass
#   #   -DCMAKE_TOOLCHAIN_FILE=PREFIX/lib/cmake/imcvp-sdk/riscv-toolchain.cmake
#   # or let imcvp-sdk-toolchain find it on CMAKE_PREFIX_PATH (scripts/new-firmware's template)
#   project(myfw C ASM)
#   find_package(imcvp-sdk REQUIRED)
#   imcvp_add_app(myfw SOURCES main.c)      # -> build/myfw.elf (+ .map, .dis)
#
# Provides the object libraries imcvp_crt0, imcvp_sdk, imcvp_sdk_uart, IMCVP_SDK_INCLUDE_DIR,
# IMCVP_SDK_LINKER_SCRIPT and imcvp_add_app() (firmware/cmake/imcvp-firmware.cmake).
get_filename_component(_imcvp_sdk_dir "${CMAKE_CURRENT_LIST_DIR}" ABSOLUTE)
get_filename_component(_imcvp_sdk_prefix "${_imcvp_sdk_dir}/../../.." ABSOLUTE)
if(NOT CMAKE_C_COMPILER MATCHES "riscv")
  message(FATAL_ERROR
    "imcvp-sdk: this project is not cross-compiling for RISC-V (C compiler: "
    "${CMAKE_C_COMPILER}). Configure it with "
    "-DCMAKE_TOOLCHAIN_FILE=${_imcvp_sdk_dir}/riscv-toolchain.cmake")
endif()
include("${_imcvp_sdk_dir}/imcvp-sdk-targets.cmake")
set(IMCVP_SDK_INCLUDE_DIR "${_imcvp_sdk_prefix}/include")
set(IMCVP_SDK_LINKER_SCRIPT "${_imcvp_sdk_dir}/link.ld")
set(IMCVP_SDK_TOOLCHAIN_FILE "${_imcvp_sdk_dir}/riscv-toolchain.cmake")
include("${_imcvp_sdk_dir}/imcvp-firmware.cmake")
set(imcvp-sdk_FOUND TRUE)
