"""Input errors shared by rule modules that read the same findings.

``RehabInputError`` lives here rather than in ``pht.rules.rehab`` so that
``pht.rules.irritability`` (used by the rehab rules and by staging) can raise it without
importing the rehab package.
"""


class RehabInputError(ValueError):
    """Input the rules cannot use. ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("; ".join(problems))
