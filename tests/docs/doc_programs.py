#!/usr/bin/env python3
"""The programs the documentation shows, kept from rotting.

  doc_programs.py extract OUT_DIR PAGE...   writes every complete program (a ```cpp block holding `int main(`) of
                                            the pages to OUT_DIR/<page>_<n>.cpp and prints their names, one a line
  doc_programs.py verbatim ROOT PAGE...     checks every block announced by a line `<!-- file: PATH -->` right above
                                            it: the block must equal the file PATH (relative to ROOT) byte for byte

A block that shows a file of the repository is announced so; that file is built by its own CMake target. Every other
complete program is extracted, built and run by the tests (label docs). Blocks without a main() are fragments.
"""
import pathlib
import re
import sys

FENCE = re.compile(r"^```(\w*)\s*$")
ANNOUNCE = re.compile(r"^<!--\s*file:\s*(\S+)\s*-->\s*$")


def blocks(page: pathlib.Path):
    """(language, first line number, text, announced file or None) of every fenced block."""
    lines = page.read_text(encoding="utf-8").split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        announced = None
        j = i - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        if j >= 0 and ANNOUNCE.match(lines[j]):
            announced = ANNOUNCE.match(lines[j]).group(1)
        start = i + 1
        k = start
        while k < len(lines) and lines[k].rstrip() != "```":
            k += 1
        if k == len(lines):
            raise SystemExit(f"{page}:{i + 1}: a code block that is never closed")
        yield m.group(1), start + 1, "\n".join(lines[start:k]) + "\n", announced
        i = k + 1


def extract(out_dir: pathlib.Path, pages):
    out_dir.mkdir(parents=True, exist_ok=True)
    names = []
    for page in pages:
        n = 0
        for lang, line, text, announced in blocks(page):
            if lang != "cpp" or announced or not re.search(r"\bint\s+main\s*\(", text):
                continue
            n += 1
            name = f"{page.stem.lower()}_{n}"
            target = out_dir / f"{name}.cpp"
            body = f'#line {line} "{page.name}"\n{text}'
            if not target.exists() or target.read_text(encoding="utf-8") != body:
                target.write_text(body, encoding="utf-8")  # unchanged files keep their time: no rebuild
            names.append(name)
    print(";".join(names), end="")


def verbatim(root: pathlib.Path, pages) -> int:
    failures = 0
    checked = 0
    for page in pages:
        for _, line, text, announced in blocks(page):
            if not announced:
                continue
            checked += 1
            path = root / announced
            if not path.is_file():
                print(f"{page}:{line}: the block shows {announced}, which does not exist")
                failures += 1
            elif path.read_text(encoding="utf-8") != text:
                print(f"{page}:{line}: the block differs from {announced} (copy the file into the page again)")
                failures += 1
    print(f"doc_programs: {checked} block(s) shown from files, {failures} out of date")
    return 1 if failures else 0


def main() -> int:
    if len(sys.argv) < 3 or sys.argv[1] not in ("extract", "verbatim"):
        print(__doc__, file=sys.stderr)
        return 2
    pages = [pathlib.Path(p) for p in sys.argv[3:]]
    if sys.argv[1] == "extract":
        extract(pathlib.Path(sys.argv[2]), pages)
        return 0
    return verbatim(pathlib.Path(sys.argv[2]), pages)


if __name__ == "__main__":
    sys.exit(main())
