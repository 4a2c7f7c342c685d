# Finds every dependency and wraps those without CMake configs in IMPORTED targets.
find_package(Threads REQUIRED)

# CAF 0.17 ships neither a CMake config nor a .pc file.
find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIBRARY caf_core REQUIRED)
find_library(CAF_IO_LIBRARY caf_io REQUIRED)
add_library(CAF::core UNKNOWN IMPORTED)
set_target_properties(CAF::core PROPERTIES IMPORTED_LOCATION "${CAF_CORE_LIBRARY}"
                      INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}")
target_link_libraries(CAF::core INTERFACE Threads::Threads)
add_library(CAF::io UNKNOWN IMPORTED)
set_target_properties(CAF::io PROPERTIES IMPORTED_LOCATION "${CAF_IO_LIBRARY}")
target_link_libraries(CAF::io INTERFACE CAF::core)

find_package(CapnProto 0.9 CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LMDB REQUIRED IMPORTED_TARGET lmdb)
find_package(spdlog 1.10 CONFIG REQUIRED)
find_package(doctest 2.4 CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(tomlplusplus CONFIG REQUIRED)
find_package(nlohmann_json 3 CONFIG REQUIRED)

find_path(ISAL_INCLUDE_DIR isa-l/crc.h REQUIRED)
find_library(ISAL_LIBRARY isal REQUIRED)
add_library(ISAL::isal UNKNOWN IMPORTED)
set_target_properties(ISAL::isal PROPERTIES IMPORTED_LOCATION "${ISAL_LIBRARY}"
                      INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${ISAL_INCLUDE_DIR}")

# The transport's handshake (HMAC-SHA256) and optional TLS.
find_package(OpenSSL 3 REQUIRED)
# /metrics: prometheus-cpp's core (metric families and the text format); the admin
# HTTP server is civetweb's, so /livez and /readyz sit beside /metrics.
find_package(prometheus-cpp CONFIG REQUIRED)
find_package(civetweb CONFIG REQUIRED)
