#!/usr/bin/env python3
"""Checks the layer and size rules of docs/design.md on the source tree; prints every breach and exits 1 if there is one.

Public headers (include/leadscore/<dir>/...) include only headers of their own layer or of layers below it; Boost
appears only in the archive headers, Eigen, toml++ and nlohmann-json in no public header; OpenMP pragmas only in src/core/ (the one
batch runner); a private header of src/<dir>/ is included only from src/<dir>/ or from src/core/'s users (src/core/
holds the helpers several layers share; train and evaluate are one layer). `omp simd` is vectorization, not threads,
and may appear anywhere.

Size: no source or header over 620 lines; no function over 80 lines unless a comment just above it says why it is
kept "in one piece" (a hot loop that reads best whole). Functions are found by a brace counter that knows this code's
style (a body opens with `{` at the end of its signature line); it is a guard, not a parser.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[2])
INCLUDE = ROOT / "include" / "leadscore"
SRC = ROOT / "src"

# What each public folder may include (besides itself). io/ holds two layers: file formats over core (csv and
# history files) and persistence (archives, model files, configuration, routing files), which may name every policy.
POLICIES = {"scoring", "temperature", "qualification", "routing"}
ALLOWED = {
    "core": set(),
    "io-formats": {"core"},
    "sim": {"core"},
    "scoring": {"core"},
    "temperature": {"core", "scoring"},
    "qualification": {"core", "scoring", "temperature"},
    "routing": {"core", "scoring"},
    "train": {"core", "scoring", "evaluate"},
    "evaluate": {"core", "scoring", "train"},
    "funnel": {"core"},
    "io": {"core", "io-formats", "sim", "train", "evaluate", "funnel"} | POLICIES,
    # The optional database target (leadscore::sql): over core and the file formats; nothing includes it.
    "sql": {"core", "io-formats"},
    "umbrella": {"core", "io-formats", "io", "sim", "train", "evaluate", "funnel"} | POLICIES,
}
IO_FORMATS = {"csv.hpp", "history_csv.hpp", "events_csv.hpp"}
MAX_FILE_LINES = 620
MAX_FUNCTION_LINES = 80
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)


def layer_of_header(rel: pathlib.PurePosixPath) -> str:
    parts = rel.parts
    if len(parts) == 1:
        return "umbrella" if parts[0] == "leadscore.hpp" else "core"  # version.hpp
    if parts[0] == "io" and parts[-1] in IO_FORMATS:
        return "io-formats"
    return parts[0]


def long_functions(text: str):
    """(first line, length) of every function body longer than MAX_FUNCTION_LINES without a reason above it."""
    lines = text.split("\n")
    stack = []
    for number, line in enumerate(lines):
        code = re.sub(r'"(\\.|[^"\\])*"', '""', re.sub(r"//.*", "", line))
        code = re.sub(r"'(\\.|[^'\\])*'", "''", code)
        for ch in code:
            if ch == "{":
                head = code.strip()
                is_function = (re.search(r"\)\s*(const|noexcept|override|final|mutable|->[^{]*|requires[^{]*|\s)*\{$", head)
                               and not re.match(r"(if|for|while|switch|catch|else|do)\b", head)
                               and not re.search(r"\b(if|for|while|switch|catch)\s*\(", head)
                               and "[" not in head and "=" not in head.split("(")[0])
                stack.append((number, bool(is_function)))
            elif ch == "}" and stack:
                start, is_function = stack.pop()
                if is_function and number - start > MAX_FUNCTION_LINES:
                    above = " ".join(lines[max(0, start - 4):start])
                    if "in one piece" not in above:
                        yield start + 1, number - start


def main() -> int:
    breaches = []
    for header in sorted(INCLUDE.rglob("*.hpp")):
        rel = pathlib.PurePosixPath(header.relative_to(INCLUDE).as_posix())
        layer = layer_of_header(rel)
        text = header.read_text(encoding="utf-8")
        for inc in INCLUDE_RE.findall(text):
            where = f"include/leadscore/{rel}"
            if inc.startswith("leadscore/"):
                target = layer_of_header(pathlib.PurePosixPath(inc[len("leadscore/"):]))
                if target != layer and target not in ALLOWED[layer]:
                    breaches.append(f"{where}: a {layer} header includes {inc} ({target} layer)")
            elif inc.startswith("boost/") and not (rel.parts[0] == "io" and layer == "io" and
                                                   (rel.name.startswith(("serialize_", "archive")) or "detail" in rel.parts)):
                breaches.append(f"{where}: includes {inc} (Boost belongs to the archive headers only)")
            elif inc.startswith(("Eigen/", "toml++/", "nlohmann/", "omp.h")):
                breaches.append(f"{where}: includes {inc} (kept inside the library's sources)")
    # Sources: OpenMP only in the core runner; private headers of another layer never included.
    for source in sorted(list(SRC.rglob("*.cpp")) + list(SRC.rglob("*.hpp"))):
        rel = source.relative_to(SRC).as_posix()
        top = rel.split("/")[0]
        text = source.read_text(encoding="utf-8")
        if top != "core" and re.search(r"^\s*#\s*pragma\s+omp\s+(?!simd\b)", text, re.M):
            breaches.append(f"src/{rel}: an OpenMP pragma outside src/core (use the batch runner, core/batch.hpp)")
        for inc in INCLUDE_RE.findall(text):
            m = re.match(r"\.\./([a-z_]+)/", inc)
            if m and m.group(1) not in ("core", top) and {m.group(1), top} != {"train", "evaluate"}:
                breaches.append(f"src/{rel}: includes the private header {inc} of another layer")
    for path in sorted(list(SRC.rglob("*.[ch]pp")) + list(INCLUDE.rglob("*.hpp"))):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT).as_posix()
        count = text.count("\n")
        if count > MAX_FILE_LINES:
            breaches.append(f"{rel}: {count} lines (at most {MAX_FILE_LINES}: split it by responsibility)")
        for line, length in long_functions(text):
            breaches.append(f"{rel}:{line}: a function of {length} lines (at most {MAX_FUNCTION_LINES}, or say above it "
                            "why it is kept in one piece)")
    for b in breaches:
        print(b)
    print(f"check_layers: {len(breaches)} breach(es)" if breaches else "check_layers: the layer rules hold")
    return 1 if breaches else 0


if __name__ == "__main__":
    sys.exit(main())
