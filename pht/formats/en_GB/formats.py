"""Dates as a UK clinic types them, for every form's date fields (FORMAT_MODULE_PATH).

Only the input formats differ from Django's own en_GB formats, which stay in force for
everything not named here: day first always, with slashes, dots or hyphens, or the month in
words; ISO 8601 (what ``<input type=date>`` sends) is added by Django itself.
"""

DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # 14/03/1988
    "%d/%m/%y",  # 14/03/88
    "%d.%m.%Y",  # 14.03.1988
    "%d-%m-%Y",  # 14-03-1988
    "%d %b %Y",  # 14 Mar 1988
    "%d %B %Y",  # 14 March 1988
    "%Y-%m-%d",  # 1988-03-14
]
