"""One-line user diagnostics shared by the command-line tools.

Every tool ends bad input with `tool: error: PLACE: MESSAGE` on stderr and exit
status 1. `PLACE` is `file:line:col` whenever the problem can be tied to a place in
a text file; to make that possible for verifier errors, `LocatingParser` records
where each op was parsed as its location (unless the file gave one with `loc(...)`).
"""

from __future__ import annotations

import bisect
import re
import sys
from collections.abc import Callable
from typing import NoReturn, TypeVar

from xdsl.context import Context
from xdsl.dialects.builtin import FileLineColLoc, IntAttr, ModuleOp, StringAttr
from xdsl.ir import Operation
from xdsl.parser import Parser
from xdsl.utils.exceptions import DiagnosticException, ParseError

from npu_dialect.errors import UserError, location_of

T = TypeVar("T")


class LocatingParser(Parser):
    """An MLIR parser that gives every parsed op its `file:line:col` as location."""

    def __init__(self, ctx: Context, text: str, name: str, line_offset: int = 0):
        super().__init__(ctx, text, name)
        self._file_name = name
        self._line_offset = line_offset
        self._newlines: list[int] | None = None

    def _line_col(self, offset: int) -> tuple[int, int]:
        if self._newlines is None:
            content = self.lexer.input.content
            self._newlines = [m.start() for m in re.finditer("\n", content)]
        line = bisect.bisect_left(self._newlines, offset)
        line_start = self._newlines[line - 1] + 1 if line > 0 else 0
        return line + 1 + self._line_offset, offset - line_start + 1

    def parse_operation(self) -> Operation:
        start = self._current_token.span.start
        op = super().parse_operation()
        if not isinstance(op.location, FileLineColLoc):
            line, col = self._line_col(start)
            op.location = FileLineColLoc(
                StringAttr(self._file_name), IntAttr(line), IntAttr(col)
            )
        return op


def parse_module(ctx: Context, text: str, name: str, line_offset: int = 0) -> ModuleOp:
    return LocatingParser(ctx, text, name, line_offset).parse_module()


def parse_error_line(error: ParseError, line_offset: int = 0) -> str:
    loc = error.span.get_location()
    message = error.msg.strip().splitlines()[0] if error.msg.strip() else "parse error"
    return f"{loc.file}:{loc.line + line_offset}:{loc.col}: {message}"


def fail(tool: str, message: str) -> NoReturn:
    print(f"{tool}: error: {message}", file=sys.stderr)
    raise SystemExit(1)


def verify_module(module: ModuleOp, fallback: str) -> None:
    """Verify `module`, raising `UserError` naming the first failing op.

    The module is verified once; only when that fails are the ops verified one by one
    (in program order) to find the op to name, since xDSL's error does not say."""
    try:
        module.verify()
    except DiagnosticException as module_error:
        for op in module.walk():
            try:
                op.verify_()
            except DiagnosticException as error:
                place = location_of(op) or fallback
                first = str(error).strip().splitlines()[0]
                raise UserError(f"{place}: '{op.name}' op {first}") from None
        message = str(module_error).strip()
        first = message.splitlines()[0] if message else "verification failed"
        raise UserError(f"{fallback}: {first}") from None


def guarded(tool: str, body: Callable[[], T]) -> T:
    """Run `body`, turning user errors into a one-line diagnostic and exit 1."""
    try:
        return body()
    except UserError as error:
        fail(tool, str(error))
    except ParseError as error:
        fail(tool, parse_error_line(error))
    except FileNotFoundError as error:
        fail(tool, f"{error.filename}: no such file")
    except IsADirectoryError as error:
        fail(tool, f"{error.filename}: is a directory")
    except PermissionError as error:
        fail(tool, f"{error.filename}: permission denied")
    except OSError as error:
        name = getattr(error, "filename", None)
        fail(tool, f"{name}: {error.strerror}" if name else str(error))
    except DiagnosticException as error:
        fail(tool, str(error).strip().splitlines()[0])
    except KeyboardInterrupt:
        fail(tool, "interrupted")


__all__ = [
    "LocatingParser",
    "UserError",
    "fail",
    "guarded",
    "location_of",
    "parse_error_line",
    "parse_module",
    "verify_module",
]
