"""The project's passes: one per file, registered here by name with a lazy getter."""

from collections.abc import Callable

from xdsl.passes import ModulePass


def get_all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """Return the project's passes by name (upstream xDSL passes are not included)."""

    return {}
