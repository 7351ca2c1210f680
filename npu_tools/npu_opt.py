"""`npu-opt`: the xdsl-opt/mlir-opt compatible driver with the project's dialects.

It merges the upstream xDSL registries (dialects, passes, targets) with the
project's own and refuses to start if a name is defined twice. Errors end in one
line `npu-opt: error: file:line:col: message` and exit status 1; with
`--verify-diagnostics` that line goes to stdout and the exit status is 0, so that
filecheck tests can check it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from typing import IO, TypeVar

from xdsl.dialects import get_all_dialects as upstream_dialects
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.targets import get_all_targets as upstream_targets
from xdsl.transforms import get_all_passes as upstream_passes
from xdsl.utils.arg_spec import parse_spec
from xdsl.utils.exceptions import ArgSpecParseError, DiagnosticException, ParseError
from xdsl.xdsl_opt_main import xDSLOptMain

from npu_dialect import universe
from npu_tools.diagnostics import (
    UserError,
    fail,
    guarded,
    parse_error_line,
    parse_module,
    verify_module,
)

T = TypeVar("T")

BINARY_TARGETS = ("npu-bin",)


def merge_registries(upstream: Mapping[str, T], ours: Mapping[str, T], kind: str) -> dict[str, T]:
    """Union of two registries; a name in both is a packaging bug, so fail loudly."""
    clashes = sorted(set(upstream) & set(ours))
    if clashes:
        raise ValueError(f"{kind} defined both upstream and in npu: {', '.join(clashes)}")
    return {**upstream, **ours}


class NpuOptMain(xDSLOptMain):
    version_format = "npu-opt built from xdsl version {xdsl_version}"

    def register_all_dialects(self) -> None:
        dialects = merge_registries(
            upstream_dialects(), universe.get_all_dialects(), "dialect"
        )
        for name, factory in dialects.items():
            self.ctx.register_dialect(name, factory)
        # The printer finds blob data through the loaded builtin dialect, which a
        # module without `dense_resource` never loads; passes may still create blobs.
        self.ctx.load_registered_dialect("builtin")

    def register_all_passes(self) -> None:
        from transforms import get_all_passes

        passes: dict[str, Callable[[], type[ModulePass]]] = merge_registries(
            upstream_passes(), get_all_passes(), "pass"
        )
        for name, factory in passes.items():
            self.register_pass(name, factory)

    def register_all_targets(self) -> None:
        targets = merge_registries(upstream_targets(), universe.get_all_targets(), "target")
        self.available_targets.update(targets)

    def register_all_frontends(self) -> None:
        def parse_mlir(io: IO[bytes]) -> ModuleOp:
            return parse_module(self.ctx, io.read().decode(), self.get_input_name())

        self.available_frontends["mlir"] = parse_mlir

    def register_all_arguments(self, arg_parser: argparse.ArgumentParser) -> None:
        super().register_all_arguments(arg_parser)
        arg_parser.add_argument(
            "--config",
            default=None,
            help="hardware description (preset name or TOML file) used by passes "
            "that are not given config= themselves",
        )

    def setup_pipeline(self) -> None:
        if self.args.config is not None:
            from npu_dialect.hardware import set_default_config

            guarded("npu-opt", lambda: set_default_config(self.args.config))
        # Verification happens op by op in `process_chunk`, with locations.
        self.args.disable_verify, verify = True, self.args.disable_verify
        try:
            super().setup_pipeline()
        except Exception as error:  # the pipeline spec comes from the user
            fail("npu-opt", f"-p: {str(error).strip().splitlines()[-1]}")
        self.args.disable_verify = verify

    def output_resulting_program(self, prog: ModuleOp) -> str:
        try:
            return super().output_resulting_program(prog)
        except ValueError as error:  # unknown or ill-typed -t options (Target.from_spec)
            raise UserError(f"-t: {error}") from None

    def process_chunk(self, text: str, line_offset: int) -> str:
        return self.process_module(
            parse_module(self.ctx, text, self.get_input_name(), line_offset)
        )

    def process_module(self, module: ModuleOp) -> str:
        if not self.args.disable_verify:
            verify_module(module, self.get_input_name())
        for pass_ in self.pipeline.passes:
            try:
                pass_.apply(self.ctx, module)
            except (UserError, DiagnosticException) as error:
                first = str(error).strip().splitlines()[0]
                raise UserError(f"pass {pass_.name}: {first}") from None
            if not self.args.disable_verify:
                try:
                    verify_module(module, self.get_input_name())
                except UserError as error:
                    raise UserError(f"after pass {pass_.name}: {error}") from None
        return self.output_resulting_program(module)

    def run(self) -> None:
        name = self.get_input_name()
        stream, _ = guarded("npu-opt", self.get_input_stream)
        data = stream.read()
        if stream is not sys.stdin.buffer:
            stream.close()
        if name.endswith(universe.PROGRAM_SUFFIXES):
            from npu_dialect.asm import load_program

            try:
                self._write_result(self.process_module(load_program(name, data)))
            except UserError as error:
                self._report(str(error))
            return
        try:
            text = data.decode()
        except UnicodeDecodeError:
            fail("npu-opt", f"{name}: not a text file")
        chunks = text.split("// -----") if self.args.split_input_file else [text]
        outputs: list[str] = []
        line_offset = 0
        for chunk in chunks:
            try:
                outputs.append(self.process_chunk(chunk, line_offset))
            except ParseError as error:
                self._report(parse_error_line(error, line_offset))
            except UserError as error:
                self._report(str(error))
            line_offset += chunk.count("\n")
        self._write_result("// -----\n".join(outputs))

    def _write_result(self, result: str) -> None:
        # Binary targets write one character per byte (see npu_dialect/targets.py).
        binary = parse_spec(self.args.target).name in BINARY_TARGETS
        data = result.encode("latin-1" if binary else "utf-8")
        if self.args.output_file is not None:
            guarded("npu-opt", lambda: _write(self.args.output_file, data))
        elif binary:
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(result)

    def _report(self, message: str) -> None:
        if self.args.verify_diagnostics or self.args.parsing_diagnostics:
            print(message)
        else:
            fail("npu-opt", message)


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as out:
        out.write(data)


def main(args: list[str] | None = None) -> None:
    def start() -> None:
        try:
            opt = NpuOptMain(args=args)
        except ArgSpecParseError as error:  # a BaseException, raised for bad -p or -t specs
            # Its text: a title, the place, the specification, a caret, the problem.
            lines = [line.strip() for line in str(error).splitlines()] or ["invalid"]
            spec = f" '{lines[2]}'" if len(lines) > 3 else ""
            raise UserError(f"bad specification{spec}: {lines[-1]}") from None
        opt.run()

    guarded("npu-opt", start)


if __name__ == "__main__":
    main()
