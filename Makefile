# Two entry points: `make run` and `make test`. Everything else is a helper.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)

.PHONY: all deps configure build run test bench bench-sim bench-repair bench-transport asan format format-check clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@test -f $(BUILD_DIR)/build.ninja || cmake -S . -B $(BUILD_DIR) -G Ninja \
		-DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	@scripts/run-local.sh $(BUILD_DIR)

test: build
	@ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) --timeout 600

bench: build
	@scripts/bench.sh $(BUILD_DIR)

bench-sim: build
	@scripts/sim-bench.sh $(BUILD_DIR)

# Repair after losing a host, unthrottled and throttled (docs/benchmarks.md, "Repair").
bench-repair: build
	@$(BUILD_DIR)/bin/cairn-bench-repair --data 2GiB
	@$(BUILD_DIR)/bin/cairn-bench-repair --data 2GiB --repair-bandwidth 64MiB

# Round trips between two processes: raw TCP, CAF remote actors, cairn's transport
# (docs/benchmarks.md, "Transport").
bench-transport: build
	@$(BUILD_DIR)/bin/cairn-bench-transport

SOURCES = $(shell git ls-files '*.cpp' '*.hpp' 2>/dev/null)

format:
	@clang-format -i $(SOURCES)

format-check: deps
	@clang-format --dry-run --Werror $(SOURCES) && echo "format-check: ok"

# ASan + UBSan build of everything, then every test but the 50 swarm seeds (about 200 s
# each under ASan; the regression seeds and the determinism test run). Not part of `make test`.
asan: deps
	@test -f build-asan/build.ninja || cmake -S . -B build-asan -G Ninja \
		-DCMAKE_BUILD_TYPE=Debug -DCAIRN_SANITIZE=ON
	@cmake --build build-asan -j $(JOBS)
	@ASAN_OPTIONS=detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$(CURDIR)/tests/ubsan.supp \
		ctest --test-dir build-asan --output-on-failure -j $(JOBS) --timeout 900 -E "swarm seed"

clean:
	rm -rf $(BUILD_DIR)
