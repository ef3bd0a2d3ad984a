"""``python -m bench``: the benchmark of our bot against a stock Rasa bot (see bench/run.py)."""

import sys

from bench.run import main

sys.exit(main())
