"""Puts the repository root on `sys.path`, so tests can import `examples.models`
(examples/ is part of the repository, not of the installed package)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
