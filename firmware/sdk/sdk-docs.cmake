# The SDK's API reference (Doxygen, Debian package doxygen): target sdk_docs writes HTML (and
# the XML the test reads) to <build>/docs/sdk/; ctest Docs.SdkApiReference regenerates it and
# fails on any Doxygen warning (an undocumented public function, macro, type or parameter) and
# on a function without its "Blocking", "Errors" and example parts (tests/firmware/
# check_sdk_docs.py). docs/firmware-guide.md links it ("HAL headers"). Host side: needs no
# cross compiler. Included by firmware/CMakeLists.txt.
set(IMCVP_SDK_DOCS_DIR ${CMAKE_BINARY_DIR}/docs/sdk)
find_program(IMCVP_DOXYGEN doxygen)
set(IMCVP_SDK_SOURCE_DIR ${CMAKE_CURRENT_LIST_DIR})
configure_file(${CMAKE_CURRENT_LIST_DIR}/Doxyfile.in ${IMCVP_SDK_DOCS_DIR}/Doxyfile @ONLY)
if(IMCVP_DOXYGEN)
  file(GLOB _sdk_headers CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/include/imcvp/*.h)
  add_custom_command(OUTPUT ${IMCVP_SDK_DOCS_DIR}/html/index.html
                     COMMAND ${IMCVP_DOXYGEN} ${IMCVP_SDK_DOCS_DIR}/Doxyfile
                     DEPENDS ${IMCVP_SDK_DOCS_DIR}/Doxyfile ${_sdk_headers}
                     WORKING_DIRECTORY ${IMCVP_SDK_DOCS_DIR}
                     COMMENT "SDK API reference (Doxygen): ${IMCVP_SDK_DOCS_DIR}/html/index.html"
                     VERBATIM)
  add_custom_target(sdk_docs DEPENDS ${IMCVP_SDK_DOCS_DIR}/html/index.html)
else()
  add_custom_target(sdk_docs COMMAND ${CMAKE_COMMAND} -E echo
                    "imcvp: doxygen not found: no SDK API reference (scripts/install-deps --test)")
endif()
if(IMCVP_BUILD_TESTS)
  # Its own output directory, so the test does not race a parallel `sdk_docs` build.
  add_test(NAME Docs.SdkApiReference
           COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/firmware/check_sdk_docs.py
                   --doxygen doxygen --doxyfile ${IMCVP_SDK_DOCS_DIR}/Doxyfile
                   --out ${CMAKE_BINARY_DIR}/tests/sdk-docs)
  add_test(NAME Docs.SdkApiReferenceCheckFails
           COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/firmware/check_sdk_docs.py
                   --self-test --doxygen doxygen --doxyfile ${IMCVP_SDK_DOCS_DIR}/Doxyfile
                   --out ${CMAKE_BINARY_DIR}/tests/sdk-docs-self-test)
  set_tests_properties(Docs.SdkApiReference Docs.SdkApiReferenceCheckFails PROPERTIES
                       LABELS "docs")
endif()
