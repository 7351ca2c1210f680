import os
import sys

import lit.formats

config.name = "npu-compiler"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".npuasm", ".test"]
config.excludes = ["Inputs", "lit.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.environment["PATH"] = (
    os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
)
config.environment["PYTHONHASHSEED"] = "0"
inputs = os.path.join(os.path.dirname(__file__), "Inputs")
config.substitutions.append(("%python", sys.executable))
config.substitutions.append(("%inputs", inputs))
# Round trip: print, parse back and print again; both prints must agree with CHECKs.
config.substitutions.append(
    ("%roundtrip", "npu-opt %s | npu-opt | filecheck %s")
)
config.substitutions.append(
    ("%generic-roundtrip", "npu-opt %s --print-op-generic | npu-opt | filecheck %s")
)
config.substitutions.append(
    ("%verify", "npu-opt %s --split-input-file --verify-diagnostics | filecheck %s")
)
