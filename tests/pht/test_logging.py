import logging

from pht.logging import RedactPatientData


def record(msg, *args, **extra):
    rec = logging.LogRecord("django.request", logging.WARNING, __file__, 1, msg, args, None)
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def test_query_strings_are_removed_from_messages():
    rec = record("Not Found: %s", "/patients/?q=Hannah+Clarke")
    RedactPatientData().filter(rec)
    assert "Hannah" not in rec.getMessage()
    assert rec.getMessage() == "Not Found: /patients/?[redacted]"


def test_the_request_object_is_dropped():
    rec = record("Server error", request=object())
    RedactPatientData().filter(rec)
    assert rec.request is None
