"""Benchmarks: every figure beside a ceiling measured in the same run (`make bench`)."""

import os

# a benchmark is a development run: the development secret is allowed
os.environ.setdefault("JIFEN_ENVIRONMENT", "development")
