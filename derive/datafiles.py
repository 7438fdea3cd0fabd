"""Data values read from files for the command line (``--data-file``), checked before use.

A source is one of:

- ``FILE.csv`` with a header row naming the data symbols, one data row a line
  (a vector data symbol ``x:3`` is the columns ``x_1, x_2, x_3``);
- ``FILE.npz`` holding one array per data symbol, keyed by its name (``np.savez``);
- ``NAME=FILE.npy`` or ``NAME=FILE.csv``: the values of one data symbol, N numbers (N×k
  for a vector of length k); a CSV given this way holds numbers only, no header.

Values given as text (``--data-values``) are constants, the same in every row. Nothing
is executed or unpickled: ``.npy``/``.npz`` files are read with ``allow_pickle=False``
and CSV cells must be decimal numbers. Every problem (a missing file, an unknown or
missing name, a shape that does not fit, a cell that is not a finite number, rows of
different lengths) is a :class:`~derive.errors.DataError` naming the file and the problem.

The loss over data rows is their mean, as in emitted code: :func:`mean_objective` builds
it exactly (CSV decimals are exact, ``0.1`` is 1/10; a float64 from ``.npy`` is read as
its shortest decimal, as :func:`~derive.objective.exact_value` reads floats).

>>> import numpy as np, tempfile, pathlib
>>> from derive.objective import Objective
>>> obj = Objective("(w*x - y)**2", "w")
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "d.csv").write_text("x,y\\n1,2\\n3,0.5\\n")
>>> data = read_data(obj, [str(folder / "d.csv")])
>>> data.rows, data.arrays()["x"].tolist(), data.arrays()["y"].tolist()
(2, [1.0, 3.0], [2.0, 0.5])
>>> mean_objective(obj, data).expr
(w - 2)**2/2 + (3*w - 1/2)**2/2
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sympy

from .errors import DataError, DeriveError
from .objective import Block, Objective, exact_value

__all__ = ["MAX_EXACT_ROWS", "Data", "mean_objective", "read_data", "split_sources"]

MAX_EXACT_ROWS = 200
"""Work budget of exact arithmetic over data rows (``derive descend``): the loss is
summed over every row symbolically, which takes seconds for 200 rows."""

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NOT_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.I)


@dataclass(frozen=True)
class _Column:
    """One data symbol's values: floats (N,) or a constant (shape ()), their exact
    sources (CSV text, numbers from .npy, --data-values text) and where they came from."""

    floats: np.ndarray
    exact: list[Any] | Any
    source: str

    @property
    def constant(self) -> bool:
        return self.floats.ndim == 0


@dataclass(frozen=True)
class Data:
    """Checked data values: one column per data symbol (vector components separately).

    ``rows`` is the number of data rows (None when every value is a constant), ``files``
    the files read, in order.
    """

    objective: Objective
    columns: Mapping[str, _Column]
    rows: int | None
    files: tuple[str, ...] = field(default=())

    def arrays(self) -> dict[str, Any]:
        """The values as emitted code takes them: by data symbol, N or N×k float64 arrays,
        constants repeated on every row (a number when there are no rows)."""
        out: dict[str, Any] = {}
        for block in self.objective.data_blocks:
            columns = [self.columns[s.name] for s in block.symbols]
            if self.rows is None:
                values = [float(c.floats) for c in columns]
                out[block.name] = values[0] if block.length is None else np.array([values])
                continue
            stacked = [np.broadcast_to(c.floats, (self.rows,)) for c in columns]
            out[block.name] = (
                np.array(stacked[0]) if block.length is None else np.column_stack(stacked)
            )
        return out


def split_sources(texts: Sequence[str]) -> list[str]:
    """``--data-file`` values (the option may be repeated) split at commas, blanks dropped.

    >>> split_sources(["x=xs.npy, y=ys.csv", "more.npz"])
    ['x=xs.npy', 'y=ys.csv', 'more.npz']
    """
    return [part.strip() for text in texts for part in text.split(",") if part.strip()]


def read_data(
    obj: Objective,
    sources: Sequence[str],
    values: Mapping[str, str] | None = None,
    *,
    option: str = "--data-file",
) -> Data:
    """Read and check ``sources`` (see the module docstring) and constant ``values`` (data
    symbol or component name → text) against the data symbols of ``obj``.

    Raises:
        DataError: a file that cannot be read or does not fit, an unknown or repeated
            name, a data symbol given no value, or data rows of different lengths.
    """
    names = _names(obj)
    columns: dict[str, _Column] = {}
    files: list[str] = []

    def add(name: str, floats: np.ndarray, exact: Any, source: str) -> None:
        if name in columns:
            raise DataError(f"{name} is given twice ({columns[name].source} and {source})")
        columns[name] = _Column(floats, exact, source)

    for spec in sources:
        for name, floats, exact, source in _read_source(obj, names, spec, option):
            add(name, floats, exact, source)
        files.append(spec.partition("=")[2].strip() if "=" in spec else spec)
    for name, text in (values or {}).items():
        if name not in names or isinstance(names[name], Block):
            raise DataError(_unknown(obj, name, "--data-values names"))
        value = exact_value(text, what=f"--data-values value for {name}")
        add(name, np.array(float(value)), value, "--data-values")
    missing = [s.name for s in obj.data if s.name not in columns]
    if missing:
        raise DataError(
            f"no values for the data symbol{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}: give {'them' if len(missing) > 1 else 'it'} in a data file "
            f"or with --data-values '{', '.join(f'{n}=1' for n in missing)}'"
        )
    return Data(obj, columns, _rows(columns), tuple(files))


def mean_objective(obj: Objective, data: Data) -> Objective:
    """The loss averaged over the data rows, exactly: (1/N) Σᵢ L(θ; rowᵢ), an objective
    of the same parameters with no data symbols.

    Raises:
        BudgetError: more than :data:`MAX_EXACT_ROWS` rows.
        DataError: with these data the loss no longer depends on a parameter.
    """
    from .errors import BudgetError

    if data.rows is None:
        constants = {s: exact_value(data.columns[s.name].exact) for s in obj.data}
        terms = [obj.expr.xreplace(constants)]
    else:
        if data.rows > MAX_EXACT_ROWS:
            raise BudgetError(
                f"exact gradient descent sums the loss over every data row: "
                f"{data.rows:,} rows is over the budget of {MAX_EXACT_ROWS} "
                "(MAX_EXACT_ROWS); draw the path with derive plot or run the emitted code "
                "(derive emit) for larger data"
            )
        exact = {
            s: [exact_value(v, what=f"the value of {s.name}") for v in _per_row(data, s.name)]
            for s in obj.data
        }
        terms = [obj.expr.xreplace({s: exact[s][i] for s in obj.data}) for i in range(data.rows)]
    expr = sympy.Add(*terms) / len(terms)
    try:
        return Objective(expr, params=obj.params)
    except DeriveError as exc:
        raise DataError(
            f"with these data values, the loss is not a loss of its parameters: {exc}"
        ) from None


def _per_row(data: Data, name: str) -> list[Any]:
    column = data.columns[name]
    assert data.rows is not None
    return [column.exact] * data.rows if column.constant else list(column.exact)


def _names(obj: Objective) -> dict[str, Block | str]:
    """Every name a source may use: a vector data symbol (its block), and each scalar data
    symbol or vector component (its name)."""
    names: dict[str, Block | str] = {}
    for block in obj.data_blocks:
        if block.length is not None:
            names[block.name] = block
        for symbol in block.symbols:
            names[symbol.name] = symbol.name
    return names


def _unknown(obj: Objective, name: str, what: str) -> str:
    params = {b.name for b in obj.blocks} | {p.name for p in obj.params}
    symbols = ", ".join(
        b.name if b.length is None else f"{b.name} (columns {b.name}_1 … {b.name}_{b.length})"
        for b in obj.data_blocks
    )
    if name in params:
        return f"{what} {name!r}, which is a parameter of the loss, not data (data: {symbols})"
    if not obj.data_blocks:
        return f"{what} {name!r}, but the loss has no data symbols (every symbol is a parameter)"
    return f"{what} {name!r}, which is not a data symbol of the loss (data: {symbols})"


def _rows(columns: Mapping[str, _Column]) -> int | None:
    rows: tuple[int, str] | None = None
    for column in columns.values():
        if column.constant:
            continue
        count = column.floats.shape[0]
        if rows is not None and count != rows[0]:
            raise DataError(
                f"{column.source} has {count} row{'s' if count != 1 else ''}, but "
                f"{rows[1]} has {rows[0]}: every data file needs one value per data row"
            )
        rows = rows or (count, column.source)
    return rows[0] if rows else None


# -- reading


def _read_source(
    obj: Objective, names: dict[str, Block | str], spec: str, option: str
) -> list[tuple[str, np.ndarray, Any, str]]:
    name, sep, path = spec.partition("=")
    if sep:
        name, path = name.strip(), path.strip()
        if not name or not path:
            raise DataError(f"{option} {spec!r}: write NAME=FILE, e.g. x=xs.npy")
        suffix = Path(path).suffix.lower()
        if suffix == ".npz":
            raise DataError(
                f"{option} {spec!r}: a .npz names its arrays itself: give it as {option} {path}"
            )
        if suffix not in (".npy", ".csv"):
            raise DataError(
                f"{option} {spec!r}: NAME=FILE reads a .npy or .csv file, not "
                f"{suffix or 'a file without a suffix'}"
            )
        if name not in names:
            raise DataError(_unknown(obj, name, f"{option} {spec!r} names"))
        array, exact = _npy(path) if suffix == ".npy" else _plain_csv(path)
        return _fit(names[name], name, array, exact, repr(path))
    path = spec
    suffix = Path(path).suffix.lower()
    if suffix == ".npy":
        name = obj.data_blocks[0].name if obj.data_blocks else "x"
        raise DataError(
            f"{option} {path!r}: a .npy holds one unnamed array: name its data symbol, "
            f"e.g. {option} {name}={path}"
        )
    if suffix == ".csv":
        return _header_csv(obj, names, path)
    if suffix == ".npz":
        return _npz(obj, names, path)
    raise DataError(
        f"{option} {path!r}: give a .csv with a header row naming the data symbols, a .npz "
        "with one array per data symbol, or NAME=FILE with a .npy or .csv file"
    )


def _fit(
    target: Block | str, name: str, array: np.ndarray, exact: list[Any], source: str
) -> list[tuple[str, np.ndarray, Any, str]]:
    """The columns of one data symbol from an array read for it, checked for shape."""
    if isinstance(target, Block):
        k = target.length
        if array.ndim != 2 or array.shape[1] != k:
            raise DataError(
                f"{source} holds an array of shape {array.shape}, but {name} is a vector of "
                f"length {k}: expected N×{k} (one row per data row)"
            )
        return [
            (s.name, array[:, j], [row[j] for row in exact], f"{source} (column {j + 1})")
            for j, s in enumerate(target.symbols)
        ]
    if array.ndim == 2 and array.shape[1] == 1:
        array, exact = array[:, 0], [row[0] for row in exact]
    if array.ndim == 0:
        return [(name, array, exact, source)]
    if array.ndim != 1:
        raise DataError(
            f"{source} holds an array of shape {array.shape}, but {name} is one number per "
            "data row: expected N values (shape (N,) or (N, 1))"
        )
    return [(name, array, exact, source)]


def _checked(array: np.ndarray, source: str) -> np.ndarray:
    """A numeric array as finite float64, else a DataError saying what it holds."""
    kind = array.dtype.kind
    if kind == "b":
        raise DataError(f"{source} holds booleans, not numbers")
    if kind == "c":
        raise DataError(f"{source} holds complex numbers; data values must be real")
    if kind not in "iuf":
        raise DataError(f"{source} holds {array.dtype} values, not numbers")
    with np.errstate(over="ignore"):
        floats = array.astype(np.float64)
    bad = ~np.isfinite(floats)
    if bad.any():
        where = np.argwhere(bad)[0]
        position = f" (row {where[0] + 1})" if where.size else ""
        what = "NaN" if np.isnan(floats[tuple(where)]) else "an infinite value"
        raise DataError(f"{source} holds {what}{position}: data values must be finite numbers")
    return floats


_UNREADABLE = (FileNotFoundError, IsADirectoryError, PermissionError)


def _unreadable(path: str, exc: OSError) -> DataError:
    """The one-line error for a file that cannot be opened at all."""
    why = {
        FileNotFoundError: "no such file",
        IsADirectoryError: "it is a folder, not a file",
        PermissionError: "permission denied",
    }
    return DataError(
        f"cannot read {path!r}: {next(v for k, v in why.items() if isinstance(exc, k))}"
    )


def _load(path: str) -> Any:
    """np.load of a .npy or .npz file (checked by its first bytes), never a pickle."""
    try:
        with open(path, "rb") as handle:
            magic = handle.read(6)
        if not (magic == b"\x93NUMPY" or magic.startswith(b"PK\x03\x04")):
            raise DataError(
                f"{path!r} is not a NumPy .npy or .npz file (other files, pickles "
                "included, are never loaded)"
            )
        return np.load(path, allow_pickle=False)
    except _UNREADABLE as exc:
        raise _unreadable(path, exc) from None
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise DataError(
                f"{path!r} holds Python objects, which are never loaded (no pickles): "
                "save a numeric array"
            ) from None
        raise DataError(f"{path!r} is not a NumPy file: {exc}") from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path!r} is not a NumPy file ({type(exc).__name__})") from None


def _npy(path: str) -> tuple[np.ndarray, list[Any]]:
    loaded = _load(path)
    if not isinstance(loaded, np.ndarray):
        raise DataError(f"{path!r} is not a .npy array (a .npz archive is given as FILE.npz)")
    floats = _checked(loaded, repr(path))
    return floats, loaded.tolist()


def _npz(
    obj: Objective, names: dict[str, Block | str], path: str
) -> list[tuple[str, np.ndarray, Any, str]]:
    archive = _load(path)
    if isinstance(archive, np.ndarray):
        raise DataError(f"{path!r} holds one unnamed array, not a .npz archive of named arrays")
    found = []
    with archive:
        for key in archive.files:
            if key not in names:
                raise DataError(_unknown(obj, key, f"{path!r} has an array"))
            try:
                array = archive[key]
            except ValueError:
                raise DataError(
                    f"{path!r}: the array {key!r} holds Python objects, which are never "
                    "loaded (no pickles): save numeric arrays"
                ) from None
            except (OSError, EOFError, zipfile.BadZipFile) as exc:
                raise DataError(f"{path!r}: cannot read the array {key!r} ({exc})") from None
            source = f"{path!r} (array {key!r})"
            found += _fit(names[key], key, _checked(array, source), array.tolist(), source)
    if not found:
        raise DataError(f"{path!r} holds no arrays")
    return found


def _text(path: str) -> list[list[str]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            return [row for row in csv.reader(handle) if any(cell.strip() for cell in row)]
    except _UNREADABLE as exc:
        raise _unreadable(path, exc) from None
    except UnicodeDecodeError:
        raise DataError(f"{path!r} is not a text CSV file (it is not UTF-8)") from None
    except csv.Error as exc:
        raise DataError(f"{path!r} is not a readable CSV file: {exc}") from None


def _cell(text: str, path: str, line: int, column: str) -> str:
    cell = text.strip()
    where = f"{path!r} line {line}, column {column}"
    if not cell:
        raise DataError(f"{where} is empty: every cell needs a number")
    if _NOT_FINITE.fullmatch(cell):
        raise DataError(f"{where}: {cell} is not a finite number")
    if not _NUMBER.fullmatch(cell):
        raise DataError(f"{where}: {cell!r} is not a number")
    if not np.isfinite(float(cell)):
        raise DataError(f"{where}: {cell} is too large for float64")
    return cell


def _grid(rows: list[list[str]], path: str, width: int, first: int, labels: list[str]) -> Any:
    """Check a CSV's cells: exact texts, row by row."""
    exact = []
    for i, row in enumerate(rows):
        line = first + i
        if len(row) != width:
            raise DataError(
                f"{path!r} line {line} has {len(row)} cell{'s' if len(row) != 1 else ''}, "
                f"but {'the header has' if first == 2 else 'line 1 has'} {width}"
            )
        exact.append([_cell(c, path, line, labels[j]) for j, c in enumerate(row)])
    return exact


def _plain_csv(path: str) -> tuple[np.ndarray, list[Any]]:
    rows = _text(path)
    if not rows:
        raise DataError(f"{path!r} has no rows of numbers")
    width = len(rows[0])
    labels = [str(j + 1) for j in range(width)]
    try:
        exact = _grid(rows, path, width, 1, labels)
    except DataError as exc:
        if not all(_NUMBER.fullmatch(cell.strip()) for cell in rows[0]):
            raise DataError(
                f"{exc} (a CSV given as NAME=FILE holds numbers only; one with a header row "
                f"naming the data symbols is given as --data-file {path})"
            ) from None
        raise
    return np.array([[float(c) for c in row] for row in exact]), exact


def _header_csv(
    obj: Objective, names: dict[str, Block | str], path: str
) -> list[tuple[str, np.ndarray, Any, str]]:
    rows = _text(path)
    if not rows:
        raise DataError(f"{path!r} is empty: it needs a header row naming the data symbols")
    header = [cell.strip() for cell in rows[0]]
    for j, name in enumerate(header):
        if not name:
            raise DataError(f"{path!r} line 1: column {j + 1} has no name")
        if _NUMBER.fullmatch(name):
            raise DataError(
                f"{path!r} line 1 is {','.join(header)!r}, not a header naming the data "
                f"symbols (write one, e.g. "
                f"{','.join(s.name for s in obj.data)}, or give the file as NAME={path})"
            )
        target = names.get(name)
        if target is None:
            raise DataError(_unknown(obj, name, f"{path!r} has a column"))
        if isinstance(target, Block):
            columns = ", ".join(s.name for s in target.symbols)
            raise DataError(
                f"{path!r} has a column {name!r}, but {name} is a vector of length "
                f"{target.length}: name its columns {columns}"
            )
        if header.count(name) > 1:
            raise DataError(f"{path!r} names the column {name!r} twice")
    body = rows[1:]
    if not body:
        raise DataError(f"{path!r} has a header but no data rows")
    exact = _grid(body, path, len(header), 2, [repr(n) for n in header])
    return [
        (
            name,
            np.array([float(row[j]) for row in exact]),
            [row[j] for row in exact],
            f"{path!r} (column {name!r})",
        )
        for j, name in enumerate(header)
    ]
