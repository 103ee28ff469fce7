"""Helpers of the loaders that bin long-format measurements by the hour."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from numbers import Integral
from pathlib import Path

import numpy as np
import pandas as pd


def _check_hours(hours):
    if not isinstance(hours, Integral) or isinstance(hours, bool) or hours < 1:
        raise ValueError(f"hours must be a positive int; got {hours!r}.")


def _read_csv_files(
    files: Sequence[Path],
    *,
    check_header: Callable[[Path, list[str]], None],
    **read_csv_kwargs,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Read many small CSV files with one parser call per distinct header.

    Returns the rows of every file, in file order, as one DataFrame, and for
    each row the index (in ``files``) of the file it came from. Blank lines
    give rows of NaN. ``check_header(file, columns)`` raises for a bad header.
    """
    groups: dict[tuple[str, ...], list[int]] = {}
    bodies, n_rows = [], np.zeros(len(files), dtype=np.int64)
    for i, file in enumerate(files):
        raw = file.read_bytes()
        header, _, body = raw.partition(b"\n")
        columns = header.decode("utf-8-sig", errors="replace").strip().split(",")
        columns = [c.strip() for c in columns]
        check_header(file, columns)
        if body and not body.endswith(b"\n"):
            body += b"\n"
        bodies.append(body)
        n_rows[i] = body.count(b"\n")
        groups.setdefault(tuple(columns), []).append(i)

    frames, owners = [], []
    for columns, members in groups.items():
        kwargs = dict(header=None, names=list(columns), skip_blank_lines=False)
        kwargs.update(read_csv_kwargs)
        owner = np.repeat(np.asarray(members), n_rows[members])
        text = b"".join(bodies[i] for i in members)
        try:
            frame = pd.read_csv(io.BytesIO(text), **kwargs) if text else None
        except (ValueError, pd.errors.ParserError):
            frame = None  # find the culprit below
        if frame is None or len(frame) != len(owner):
            # Rare: an empty group, a malformed file, or quoted line breaks.
            # Parse file by file so that an error names its file.
            parts = []
            for i in members:
                try:
                    part = pd.read_csv(io.BytesIO(bodies[i]), **kwargs)
                except pd.errors.EmptyDataError:
                    part = pd.DataFrame(columns=list(columns))
                except ValueError as error:
                    raise ValueError(f"Cannot parse {files[i]}: {error}") from error
                parts.append(part)
                n_rows[i] = len(part)
            frame = pd.concat(parts, ignore_index=True)
            owner = np.repeat(np.asarray(members), n_rows[members])
        frames.append(frame)
        owners.append(owner)
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    dtype = read_csv_kwargs.get("dtype")
    if isinstance(dtype, dict):  # concatenation may have widened the dtypes
        frame = frame.astype({c: t for c, t in dtype.items() if c in frame})
    return frame, np.concatenate(owners)


def _hourly(stay, channel, time, value, shape):
    """Bin long-format measurements into a float32 ``(stays, channels, hours)``.

    Hour ``h`` holds times in ``[h, h + 1)``; times outside ``[0, hours)`` and
    NaN values are dropped. Of several values in one cell the one with the
    latest time is kept, and of equal times the one given last.
    """
    n_hours = shape[2]
    keep = (time >= 0) & (time < n_hours) & ~np.isnan(value)
    stay, channel, time, value = stay[keep], channel[keep], time[keep], value[keep]
    order = np.lexsort((np.arange(len(time)), time, channel, stay))
    hour = np.floor(time[order]).astype(np.int64)
    cell = (stay[order] * shape[1] + channel[order]) * n_hours + hour
    last = np.ones(len(cell), dtype=bool)
    last[:-1] = cell[1:] != cell[:-1]
    out = np.full(shape, np.nan, dtype=np.float32)
    out.reshape(-1)[cell[last]] = value[order][last]
    return out
