"""What changed between two states of a course folder, file by file.

Text files (course.yaml, Markdown) get unified-diff hunks with line numbers, made with difflib;
images and other binary files only say that they changed.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from courses.model import IMAGE_SUFFIXES

Status = Literal["added", "removed", "changed"]
LineKind = Literal["hunk", "add", "del", "same"]
STATUS_LABELS: dict[str, str] = {
    "added": "berkas baru",
    "removed": "berkas dihapus",
    "changed": "berkas berubah",
}


@dataclass(frozen=True)
class DiffLine:
    kind: LineKind
    text: str
    old: int | None = None  # line number in the old file (1-based)
    new: int | None = None  # line number in the new file


@dataclass(frozen=True)
class FileDiff:
    path: str
    status: Status
    binary: bool
    lines: tuple[DiffLine, ...] = ()
    added: int = 0
    removed: int = 0
    truncated: int = 0  # diff lines left out to keep the page small

    @property
    def summary(self) -> str:
        if self.binary:
            return {"added": "gambar baru", "removed": "gambar dihapus"}.get(
                self.status, "gambar berubah"
            )
        return f"{STATUS_LABELS[self.status]}: +{self.added} −{self.removed} baris"

    def unified(self) -> list[str]:
        """The diff as the lines of a classic unified diff (without the file headers)."""
        prefix = {"hunk": "", "add": "+", "del": "-", "same": " "}
        return [prefix[line.kind] + line.text for line in self.lines]


def _text(path: str, data: bytes | None) -> list[str] | None:
    """The lines of a text file (line ends kept), or None for an image or binary data."""
    if data is None:
        return []
    if path.lower().endswith(IMAGE_SUFFIXES) or b"\0" in data:
        return None
    try:
        return data.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return None


def _range(start: int, stop: int) -> str:
    """A hunk range as difflib.unified_diff writes it."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start if length == 0 else start + 1},{length}"


def _hunks(
    old: list[str], new: list[str], context: int, max_lines: int
) -> tuple[tuple[DiffLine, ...], int, int, int]:
    lines: list[DiffLine] = []
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        o1, o2, n1, n2 = first[1], last[2], first[3], last[4]
        header = f"@@ -{_range(o1, o2)} +{_range(n1, n2)} @@"
        lines.append(DiffLine("hunk", header, o1 + 1, n1 + 1))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for k in range(i2 - i1):
                    text = old[i1 + k].rstrip("\r\n")
                    lines.append(DiffLine("same", text, i1 + k + 1, j1 + k + 1))
                continue
            for k in range(i1, i2):
                lines.append(DiffLine("del", old[k].rstrip("\r\n"), k + 1, None))
                removed += 1
            for k in range(j1, j2):
                lines.append(DiffLine("add", new[k].rstrip("\r\n"), None, k + 1))
                added += 1
    truncated = max(0, len(lines) - max_lines)
    return tuple(lines[:max_lines]), added, removed, truncated


def diff_files(
    old: Mapping[str, bytes],
    new: Mapping[str, bytes],
    *,
    context: int = 3,
    max_lines: int = 400,
) -> list[FileDiff]:
    """Every file added, removed or changed from `old` to `new`; course.yaml first."""
    result: list[FileDiff] = []
    for path in sorted(set(old) | set(new), key=lambda p: (p != "course.yaml", p)):
        before, after = old.get(path), new.get(path)
        if before == after:
            continue
        status: Status = "added" if before is None else "removed" if after is None else "changed"
        old_lines, new_lines = _text(path, before), _text(path, after)
        if old_lines is None or new_lines is None:
            result.append(FileDiff(path, status, binary=True))
            continue
        lines, added, removed, truncated = _hunks(old_lines, new_lines, context, max_lines)
        result.append(FileDiff(path, status, False, lines, added, removed, truncated))
    return result
