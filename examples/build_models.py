"""Write the example models as ONNX files.

    python examples/build_models.py --out DIR [--only NAME ...] [--stats]

Every model is written as DIR/NAME.onnx. Weights are seeded, so the files are the
same bytes on every run. `--stats` also prints each model's parameters, MACs and
file size (the table in examples/README.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from examples.models import MODELS  # noqa: E402
from examples.models.stats import model_stats  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="directory for the .onnx files")
    parser.add_argument(
        "--only", nargs="+", choices=sorted(MODELS), metavar="NAME", help="build only these models"
    )
    parser.add_argument(
        "--stats", action="store_true", help="print parameters, MACs and file sizes"
    )
    args = parser.parse_args(argv)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.stats:
        print(f"{'model':<20} {'opset':>5} {'parameters':>12} {'MACs':>15} {'bytes':>12}")
    for name in args.only or MODELS:
        model = MODELS[name]()
        data = model.SerializeToString()
        path = out / f"{name}.onnx"
        path.write_bytes(data)
        if args.stats:
            stats = model_stats(model)
            opset = model.opset_import[0].version
            print(
                f"{name:<20} {opset:>5} {stats.parameters:>12,} {stats.macs:>15,} {len(data):>12,}"
            )
        else:
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
