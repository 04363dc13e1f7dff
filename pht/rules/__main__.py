"""Command line: ``python -m pht.rules case.json [--pre-test P]``.

Reads one findings object (or a list of them; a list in gives a list out, in order) from the
file (``-`` for standard input) and prints the evaluation as JSON. Bad JSON, a missing file or
invalid findings print every message to standard error and exit with status 2. This is the
only module in ``pht.rules`` that does I/O, and it needs no Django.
"""

import argparse
import json
import sys
from typing import Any

from pht.rules.evaluation import evaluate
from pht.rules.findings import FindingsError

EXIT_BAD_INPUT = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pht.rules", description="Evaluate PHT findings and print JSON."
    )
    parser.add_argument("path", help="JSON file with one findings object or a list ('-': stdin)")
    parser.add_argument(
        "--pre-test",
        type=float,
        default=None,
        help="clinician's pre-test probability of PHT (0 < p < 1); default: from presentation",
    )
    args = parser.parse_args(argv)

    try:
        if args.path == "-":
            text = sys.stdin.read()
        else:
            with open(args.path, encoding="utf-8") as handle:
                text = handle.read()
    except OSError as error:
        print(f"error: cannot read {args.path}: {error.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        print(f"error: {args.path} is not valid JSON: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT

    cases = data if isinstance(data, list) else [data]
    outputs: list[dict[str, Any]] = []
    errors: list[str] = []
    for index, case in enumerate(cases):
        try:
            outputs.append(evaluate(case, pre_test_probability=args.pre_test).to_dict())
        except FindingsError as error:
            prefix = f"case {index}: " if isinstance(data, list) else ""
            errors.extend(prefix + message for message in error.errors)
    if errors:
        for message in errors:
            print(f"error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    result = outputs if isinstance(data, list) else outputs[0]
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
