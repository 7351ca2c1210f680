"""Reproducible measurements, run on demand; results are recorded in docs/.

A package (not just a folder of scripts) so the scripts share benchmarks/common.py
without picking up a third-party top-level `benchmarks` package some dependency installs.
"""
