# ecgd: the two commands of the quick start are `make demo` and `make test`.
SWIFT        ?= swift
PYTHON       := .venv/bin/python
RELEASE_BIN  := .build/release/ecgd
DATA_DIR     ?= ../shared/data/mitdb
PORT         ?= 7777
# The build `make test` runs: every warning is an error, and a target may import only the
# modules it declares in Package.swift (the layering of CONTRIBUTING.md).
STRICT_FLAGS := -Xswiftc -warnings-as-errors --explicit-target-dependency-import-check error

.PHONY: all bootstrap build demo test lint format serve bench evaluate noise models fuzz clean help

all: build

help:
	@echo "make demo      set everything up, start ecgd and analyse a bundled record through it"
	@echo "make test      run the whole test suite (format check, Swift unit + end-to-end, Python protocol/client tests)"
	@echo "make lint      check that the Swift sources follow .swift-format (make format rewrites them)"
	@echo "make build     release build of .build/release/ecgd"
	@echo "make serve     run ecgd over TCP on 127.0.0.1:$(PORT) (data root: the repository)"
	@echo "make evaluate  detector accuracy over DATA_DIR=$(DATA_DIR) at 100-1000 Hz"
	@echo "make noise     real-noise stress (NSTDB bw+ma, 24 to -6 dB): F1 of ecgd vs NeuroKit2, XQRS, GQRS, sleepecg"
	@echo "make bench     benchmarks against NeuroKit2, sleepecg, WFDB, ONNX Runtime and matplotlib; day-long recordings (installs the peers)"
	@echo "make models    retrain the shipped models and their cards from DATA_DIR (cross-validation included)"
	@echo "make fuzz      libFuzzer + address sanitizer over the parsers, readers and loaders, FUZZ_SECONDS=$(FUZZ_SECONDS) per target"

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	$(SWIFT) build -c release --product ecgd

demo: build
	$(PYTHON) scripts/demo.py --ecgd $(RELEASE_BIN)

# One style for the whole tree: .swift-format, checked by `make test` (generated protobuf code
# keeps protoc's style).
FORMATTED    = Package.swift Fuzz/Package.swift $(shell find Sources Tests Fuzz/Sources -name '*.swift' ! -name '*.pb.swift' | sort)

lint:
	@echo "swift format lint --strict (.swift-format): Package.swift, Sources, Tests, Fuzz"
	@$(SWIFT) format lint --strict --parallel $(FORMATTED)

format:
	@echo "swift format format --in-place (.swift-format): Package.swift, Sources, Tests, Fuzz"
	@$(SWIFT) format format --in-place --parallel $(FORMATTED)

test: bootstrap lint
	$(SWIFT) build --build-tests $(STRICT_FLAGS)
	$(SWIFT) test --skip-build
	ECGD=$(CURDIR)/.build/debug/ecgd $(PYTHON) -m pytest -q clients/python/tests clients/editors protocol/tests
	cd models/train && ECGD=$(CURDIR)/.build/debug/ecgd $(CURDIR)/$(PYTHON) -m pytest -q

serve: build
	$(RELEASE_BIN) --tcp 127.0.0.1:$(PORT) --data-root .

models: build
	cd models/train && $(CURDIR)/$(PYTHON) -m ecgtrain --data-dir $(abspath $(DATA_DIR)) --ecgd $(CURDIR)/$(RELEASE_BIN)

evaluate: build
	ECGD=$(RELEASE_BIN) scripts/evaluate_detector.sh --data-dir $(DATA_DIR) --rates 100,125,250,360,500,1000

noise: build
	@scripts/bootstrap.sh --dev
	ECGD=$(RELEASE_BIN) $(PYTHON) scripts/noise_stress.py --data-dir $(DATA_DIR)

bench: build
	@scripts/bootstrap.sh --dev
	ECGD=$(RELEASE_BIN) $(PYTHON) scripts/bench_detect.py
	ECGD=$(RELEASE_BIN) $(PYTHON) scripts/bench_daylong.py --data-dir $(DATA_DIR)
	ECGD=$(RELEASE_BIN) $(PYTHON) scripts/bench_inference.py
	ECGD=$(RELEASE_BIN) $(PYTHON) scripts/bench_pipeline.py
	ECGD=$(RELEASE_BIN) $(PYTHON) scripts/bench_plot.py

# The fuzz targets live in their own package (Fuzz/, built in Fuzz/.build), so `make test` never
# builds them. FUZZ_TARGETS chooses some (default: all); FUZZ_JOBS runs several at once.
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 1
FUZZ_TARGETS ?=

fuzz: bootstrap
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) SWIFT=$(SWIFT) scripts/fuzz.sh $(FUZZ_TARGETS)

clean:
	rm -rf .build .venv Fuzz/.build
