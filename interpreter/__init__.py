"""Numpy interpreters for the project's dialects.

`interpreter.executor.run_function` runs an `nn`-level function on numpy inputs;
`interpreter.kernels` holds the numpy kernels the interpreters share.
"""
