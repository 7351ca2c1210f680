"""The one exception type for problems caused by user input, and where it happened."""

from xdsl.dialects.builtin import FileLineColLoc
from xdsl.ir import Operation


class UserError(Exception):
    """Bad input from the user (file, option, config, model).

    Its text is a complete one-line diagnostic, naming the place ("file:line:col",
    "config field matrix.rows", "ONNX node 'conv1' (Conv)") followed by what is wrong.
    The command-line tools print it as `tool: error: TEXT` and exit with status 1;
    library users catch it like any exception.
    """


def location_of(op: Operation) -> str | None:
    """`file:line:col` of an op, or of its closest located ancestor."""
    current: Operation | None = op
    while current is not None:
        loc = current.location
        if isinstance(loc, FileLineColLoc):
            return f"{loc.filename.data}:{loc.line.data}:{loc.column.data}"
        current = current.parent_op()
    return None
