"""Logging filter that keeps patient data out of the logs.

Django attaches the request to error records and some messages carry URLs; patient
searches put names in query strings. The filter removes the request object and strips
query strings from the message and its arguments.
"""

import logging
import re

_QUERY = re.compile(r"\?[^\s\"']*")


def _strip(value):
    if isinstance(value, str):
        return _QUERY.sub("?[redacted]", value)
    return value


class RedactPatientData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if hasattr(record, "request"):
            record.request = None
        record.msg = _strip(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_strip(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _strip(arg) for key, arg in record.args.items()}
        return True
