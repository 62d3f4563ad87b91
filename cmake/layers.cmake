# One static library per layer of src/ (docs/architecture.md): a layer links only the layers below
# it, so target_link_libraries spells out the allowed include direction.
# Unit tests (*_test.cpp) and micro-benchmarks (*_bench.cpp) sit beside the code and are collected
# separately.
function(apigw_layer name dir)
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${dir}/*.cpp)
  list(FILTER sources EXCLUDE REGEX "_(test|bench)\\.cpp$")
  # main.cpp belongs to the executable only; in a library it would shadow gtest_main's main().
  list(FILTER sources EXCLUDE REGEX "/main\\.cpp$")
  add_library(${name} STATIC ${sources})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARGN})
  file(GLOB_RECURSE tests CONFIGURE_DEPENDS ${dir}/*_test.cpp)
  set_property(GLOBAL APPEND PROPERTY APIGW_UNIT_TESTS ${tests})
  file(GLOB_RECURSE benches CONFIGURE_DEPENDS ${dir}/*_bench.cpp)
  set_property(GLOBAL APPEND PROPERTY APIGW_MICRO_BENCHMARKS ${benches})
endfunction()
