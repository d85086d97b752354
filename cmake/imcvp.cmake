# Shared CMake helpers.
# imcvp_add_gtest(NAME SOURCES a.cpp b.cpp LIBS lib1 lib2 [LABELS unit])
# builds one GoogleTest binary and registers its tests with CTest.
include(GoogleTest)
find_package(GTest REQUIRED)
function(imcvp_add_gtest name)
  cmake_parse_arguments(A "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE ${A_LIBS} GTest::gtest GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR})
  set(labels ${A_LABELS})
  if(NOT labels)
    set(labels unit)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${labels}"
                       ENVIRONMENT "SC_COPYRIGHT_MESSAGE=DISABLE")
endfunction()
