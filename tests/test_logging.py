import json
import logging

from tracker.logging import JsonFormatter


def test_every_line_is_valid_json_even_with_quotes_newlines_and_tracebacks():
    formatter = JsonFormatter()
    record = logging.LogRecord("tracker", logging.ERROR, __file__, 1, 'Bad "value"\nsecond line', None, None)
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    line = formatter.format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == 'Bad "value"\nsecond line'
    assert entry["level"] == "ERROR" and "ValueError: boom" in entry["exception"]
