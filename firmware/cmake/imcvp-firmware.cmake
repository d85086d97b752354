# Helpers for the cross-compiled firmware project (included by firmware/project).
#
#   imcvp_add_app(<name> SOURCES <files>... [SEMIHOST] [RAW]
#                 [LIBS <targets>...] [DEFINES <defs>...] [LINK_OPTIONS <opts>...])
#
# builds ${IMCVP_FIRMWARE_BIN_DIR}/<name>.elf (plus <name>.dis, a disassembly listing).
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
  add_executable(${name} ${A_SOURCES})
  set_target_properties(${name} PROPERTIES
    SUFFIX ".elf"
    RUNTIME_OUTPUT_DIRECTORY ${IMCVP_FIRMWARE_BIN_DIR}
    LINK_DEPENDS ${IMCVP_SDK_LINKER_SCRIPT})
  target_compile_definitions(${name} PRIVATE ${A_DEFINES})
  target_include_directories(${name} PRIVATE ${IMCVP_SDK_INCLUDE_DIR})
  target_link_options(${name} PRIVATE -T${IMCVP_SDK_LINKER_SCRIPT}
                      -Wl,-Map=${IMCVP_FIRMWARE_BIN_DIR}/${name}.map ${A_LINK_OPTIONS})
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
              > ${IMCVP_FIRMWARE_BIN_DIR}/${name}.dis
      VERBATIM)
  endif()
endfunction()
