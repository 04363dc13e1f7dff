"""Write the generated tables of the rules module into docs/ (``make docs``).

Each block sits between ``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->`` in its file;
``tests/rules/test_docs.py`` fails when a block is out of step with the code. Pass ``--check``
to report stale blocks without writing.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pht.rules import reference  # noqa: E402


def block(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- generated:{name} -->\n).*?(<!-- /generated:{name} -->)", re.S)


def main() -> int:
    check = "--check" in sys.argv[1:]
    stale = []
    for name, (path, _function) in reference.GENERATED.items():
        file = ROOT / path
        text = file.read_text(encoding="utf-8")
        pattern = block(name)
        if not pattern.search(text):
            print(f"{path}: no <!-- generated:{name} --> block", file=sys.stderr)
            return 1
        content = reference.generated(name).rstrip("\n") + "\n"
        updated = pattern.sub(lambda m, c=content: m.group(1) + c + m.group(2), text)
        if updated != text:
            stale.append(f"{path} ({name})")
            if not check:
                file.write_text(updated, encoding="utf-8")
    if stale:
        print(("stale: " if check else "updated: ") + ", ".join(stale))
    return 1 if (check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
