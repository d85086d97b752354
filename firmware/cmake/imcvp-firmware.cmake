# Helpers for the cross-compiled firmware project (included by firmware/project).
#
#   imcvp_add_app(<name> SOURCES <files>... [SEMIHOST] [RAW]
#                 [LIBS <targets>...] [DEFINES <defs>...] [LINK_OPTIONS <opts>...])
#
# builds ${IMCVP_FIRMWARE_BIN_DIR}/<name>.elf (plus <name>.map, the link map, and <name>.dis, a
# disassembly listing); without IMCVP_FIRMWARE_BIN_DIR, in the current binary directory.
# Needs the SDK: the in-tree firmware/sdk (add_subdirectory) or find_package(imcvp-sdk).
#   default   SDK crt0 + HAL + printf over UART0, exit through the test finisher
#   SEMIHOST  SDK crt0 + HAL, stdio and exit() through RISC-V semihosting (--oslib=semihost)
#   RAW       no crt0, no libc: the sources define _start themselves (still linked with the
#             SDK linker script, so they load at the TCM base)
include_guard(GLOBAL)

function(imcvp_add_app name)
  cmake_parse_arguments(A "SEMIHOST;RAW" "" "SOURCES;LIBS;DEFINES;LINK_OPTIONS" ${ARGN})
  if(NOT A_SOURCES)
    message(FATAL_ERROR "imcvp_add_app(${name}): no SOURCES")
  endif()
  if(NOT IMCVP_SDK_LINKER_SCRIPT OR NOT IMCVP_SDK_INCLUDE_DIR OR NOT TARGET imcvp_sdk)
    message(FATAL_ERROR
      "imcvp_add_app(${name}): the imcvp SDK is not loaded. Out of tree: "
      "find_package(imcvp-sdk REQUIRED) after project() (with CMAKE_PREFIX_PATH at the SDK's "
      "install prefix); in tree: add_subdirectory(firmware/sdk) first "
      "(docs/firmware-guide.md, \"Out-of-tree projects\")")
  endif()
  if(IMCVP_FIRMWARE_BIN_DIR)
    set(bin_dir ${IMCVP_FIRMWARE_BIN_DIR})
  else()
    set(bin_dir ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  add_executable(${name} ${A_SOURCES})
  set_target_properties(${name} PROPERTIES
    SUFFIX ".elf"
    RUNTIME_OUTPUT_DIRECTORY ${bin_dir}
    LINK_DEPENDS ${IMCVP_SDK_LINKER_SCRIPT})
  target_compile_definitions(${name} PRIVATE ${A_DEFINES})
  target_include_directories(${name} PRIVATE ${IMCVP_SDK_INCLUDE_DIR})
  target_link_options(${name} PRIVATE -T${IMCVP_SDK_LINKER_SCRIPT}
                      -Wl,-Map=${bin_dir}/${name}.map ${A_LINK_OPTIONS})
  if(A_RAW)
    target_link_options(${name} PRIVATE -nostdlib)
  else()
    target_link_libraries(${name} PRIVATE imcvp_crt0 imcvp_sdk)
    if(A_SEMIHOST)
      target_link_options(${name} PRIVATE --oslib=semihost)
    else()
      target_link_libraries(${name} PRIVATE imcvp_sdk_uart)
    endif()
  endif()
  target_link_libraries(${name} PRIVATE ${A_LIBS})
  if(IMCVP_RISCV_OBJDUMP)
    add_custom_command(TARGET ${name} POST_BUILD
      COMMAND ${IMCVP_RISCV_OBJDUMP} -d -M no-aliases,numeric $<TARGET_FILE:${name}>
              > ${bin_dir}/${name}.dis
      VERBATIM)
  endif()
endfunction()
