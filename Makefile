# Two commands, each sets up everything it needs on a fresh machine:
#   make demo   prepare the MNI152 and digit-scenes data, train and evaluate
#               the demo configs, print the results table
#   make test   run the test suite
# and a sibling of the demo:
#   make digits the many-class benchmark on MNIST digit scenes (3 seeds,
#               about 90 minutes on 2 cores; `make digits SEEDS=0` for the
#               seed-0 row alone)
PYTHON ?= python3
VENV ?= .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.mmseg_jml-installed

SEEDS ?= 0 1 2

.PHONY: demo digits digits-data test env benchmark clean-env

env: $(STAMP)

$(STAMP): setup.py requirements/*.txt
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --constraint requirements/constraints.txt \
		setuptools wheel
	$(VPY) -m pip install --quiet --constraint requirements/constraints.txt \
		--no-build-isolation --editable ".[lite,demo,tests]"
	$(VPY) -c "import mmseg_jml, mmseg.models, timm"
	touch $(STAMP)

demo: $(STAMP) digits-data
	OMP_NUM_THREADS=2 $(VPY) tools/run_demo.py

digits-data: $(STAMP)
	$(VPY) tools/dataset_converters/mnist_scenes.py data/mnist_scenes

# 2 runs at once with 1 CPU thread each: the numbers depend on the thread
# count, not on how many runs share the machine.
digits: $(STAMP) digits-data
	OMP_NUM_THREADS=1 $(VPY) tools/sweep.py configs/digits/reproduction.txt \
		--seeds $(SEEDS) --jobs 2 --threads 1 --work-root work_dirs/digits

test: $(STAMP)
	$(VPY) -m pytest tests

benchmark: $(STAMP)
	$(VPY) tools/benchmark_losses.py

clean-env:
	rm -rf $(VENV)
