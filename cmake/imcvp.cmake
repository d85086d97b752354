# Shared CMake helpers.
# imcvp_add_gtest(NAME SOURCES a.cpp b.cpp LIBS lib1 lib2 [LABELS unit])
# builds one GoogleTest binary and registers its tests with CTest.
include(GoogleTest)
find_package(GTest REQUIRED)
add_library(imcvp_test_sc_main OBJECT ${CMAKE_SOURCE_DIR}/tests/util/sc_main_stub.cpp)
target_link_libraries(imcvp_test_sc_main PRIVATE PkgConfig::SYSTEMC)
function(imcvp_add_gtest name)
  cmake_parse_arguments(A "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${A_SOURCES} $<TARGET_OBJECTS:imcvp_test_sc_main>)
  target_link_libraries(${name} PRIVATE ${A_LIBS} PkgConfig::SYSTEMC GTest::gtest GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR})
  set(labels ${A_LABELS})
  if(NOT labels)
    set(labels unit)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${labels}"
                       ENVIRONMENT "SC_COPYRIGHT_MESSAGE=DISABLE")
endfunction()
