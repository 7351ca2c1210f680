"""Reading the .npz files users give (inputs, calibration samples)."""

from __future__ import annotations

import zipfile

import numpy as np

from npu_dialect.errors import UserError


def read_npz(path: str, where: str | None = None) -> dict[str, np.ndarray]:
    """The arrays of an .npz archive by key. Raises UserError starting with `where`
    (default: the path) for a missing file and for anything that is not an .npz
    archive of plain arrays: an empty file, a single .npy array, text, pickled objects.
    """
    where = where or path
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise UserError(f"{where}: not a readable .npz file (a single .npy array)")
        with loaded:
            return {key: loaded[key] for key in loaded.files}
    except FileNotFoundError:
        raise UserError(f"{where}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{where}: is a directory") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise UserError(f"{where}: not a readable .npz file ({_reason(error)})") from None


def _reason(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
