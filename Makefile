# Two commands, each sets up everything it needs on a fresh machine:
#   make demo   prepare the MNI152 data, train and evaluate the demo configs,
#               print the results table
#   make test   run the test suite
PYTHON ?= python3
VENV ?= .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.mmseg_jml-installed

.PHONY: demo test env benchmark clean-env

env: $(STAMP)

$(STAMP): setup.py requirements/*.txt
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --constraint requirements/constraints.txt \
		setuptools wheel
	$(VPY) -m pip install --quiet --constraint requirements/constraints.txt \
		--no-build-isolation --editable ".[lite,demo,tests]"
	$(VPY) -c "import mmseg_jml, mmseg.models, timm"
	touch $(STAMP)

demo: $(STAMP)
	OMP_NUM_THREADS=2 $(VPY) tools/run_demo.py

test: $(STAMP)
	$(VPY) -m pytest tests

benchmark: $(STAMP)
	$(VPY) tools/benchmark_losses.py

clean-env:
	rm -rf $(VENV)
