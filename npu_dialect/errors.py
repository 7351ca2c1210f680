"""The one exception type for problems caused by user input."""


class UserError(Exception):
    """Bad input from the user (file, option, config, model).

    Its text is a complete one-line diagnostic, naming the place ("file:line:col",
    "config field matrix.rows", "ONNX node 'conv1' (Conv)") followed by what is wrong.
    The command-line tools print it as `tool: error: TEXT` and exit with status 1;
    library users catch it like any exception.
    """
