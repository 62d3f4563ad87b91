#!/usr/bin/python3
"""Checks the source layout rules of docs/architecture.md:

* a file under src/<layer>/ includes headers only from its own layer or the layers it may use
  (the same direction that src/CMakeLists.txt spells out with target_link_libraries); unit tests
  may also include tests/support/ ("support/...");
* Boost.Asio headers appear only in the I/O layers;
* no source file is longer than 800 lines.

Usage: check_layers.py SOURCE_DIR. Prints every violation; exits 1 if there is any.
"""
import pathlib
import re
import sys

# layer -> layers it may include (besides itself). Keep in step with src/CMakeLists.txt.
ALLOWED = {
    "util": set(),
    "http": {"util"},
    "config": {"http", "util"},
    "observe": {"config", "http", "util"},
    "tls": {"config", "http", "util"},
    "h2": {"config", "http", "util"},
    "ws": {"http", "util"},
    "pipeline": {"observe", "config", "http", "util"},
    # Filters and handlers that wait on I/O use the outbound clients of store/.
    "filters": {"pipeline", "store", "observe", "config", "http", "util"},
    "handlers": {"pipeline", "store", "observe", "config", "http", "util"},
    "proxy": {"pipeline", "observe", "config", "http", "util"},
    "store": {"config", "http", "util"},
    "snapshot": {"tls", "filters", "handlers", "proxy", "pipeline", "observe", "config", "http", "util"},
    "server": {"tls", "h2", "ws", "store", "snapshot", "filters", "handlers", "proxy", "pipeline", "observe", "config", "http",
               "util"},
    "admin": {"tls", "h2", "ws", "store", "server", "snapshot", "filters", "handlers", "proxy", "pipeline", "observe", "config",
              "http", "util"},
    "app": {"tls", "h2", "ws", "admin", "store", "server", "snapshot", "filters", "handlers", "proxy", "pipeline", "observe",
            "config", "http", "util"},
}
ASIO_LAYERS = {"proxy", "store", "server", "admin", "app"}
# Unit tests beside the code (and the test_*.h helpers they share) may also use the test support
# library of tests/support/ (test CAs and certificates), which no layer links.
TEST_SUPPORT = "support"
# The one header outside them: the awaitable of filters and handlers that wait on I/O.
ASIO_FILES = {"pipeline/async.h"}
MAX_LINES = 800
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def main(source_dir):
    root = pathlib.Path(source_dir)
    problems = []
    files = sorted(p for p in (root / "src").rglob("*") if p.suffix in (".cpp", ".h"))
    if not files:
        problems.append(f"no sources found under {root / 'src'}")
    for path in files:
        relative = path.relative_to(root / "src")
        layer = relative.parts[0] if len(relative.parts) > 1 else None
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > MAX_LINES:
            problems.append(f"src/{relative}: {len(lines)} lines (at most {MAX_LINES})")
        if layer is None:
            continue  # src/asio_impl.cpp: the separately compiled Asio, not a layer
        if layer not in ALLOWED:
            problems.append(f"src/{relative}: unknown layer '{layer}' (add it to {__file__})")
            continue
        for number, line in enumerate(lines, 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            bracket, name = match.groups()
            if bracket == '"':
                target = name.split("/")[0]
                is_test = path.name.endswith("_test.cpp") or path.name.startswith("test_")
                if target == TEST_SUPPORT and is_test:
                    continue
                if target != layer and target not in ALLOWED[layer]:
                    problems.append(f"src/{relative}:{number}: layer '{layer}' must not include "
                                    f"'{name}' (layer '{target}')")
            elif (name.startswith("boost/asio") and layer not in ASIO_LAYERS
                  and relative.as_posix() not in ASIO_FILES):
                problems.append(f"src/{relative}:{number}: Asio belongs to the I/O layers "
                                f"({', '.join(sorted(ASIO_LAYERS))}), not '{layer}'")
    for problem in problems:
        print(problem)
    print(f"checked {len(files)} files: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
