"""A strict parser of the Prometheus text exposition format (0.0.4), and helpers to scrape an
eddy admin endpoint's /metrics and pick samples out of it. Standard library only.
"""

import re
import urllib.error
import urllib.request

from harness import HANG_GUARD_SECONDS


class PrometheusFormatError(AssertionError):
    pass


_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}
_SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count")}


def _parse_value(text, where):
    if text in ("+Inf", "Inf"):
        return float("inf")
    if text == "-Inf":
        return float("-inf")
    if text == "NaN":
        return float("nan")
    if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", text):
        raise PrometheusFormatError(f"{where}: '{text}' is not a sample value")
    return float(text)


def _parse_labels(text, pos, where):
    """Parses `{name="value",...}` starting at text[pos] == '{'; returns (labels, next pos)."""
    labels = {}
    pos += 1
    while True:
        if pos < len(text) and text[pos] == "}":
            return labels, pos + 1
        m = _LABEL_NAME.match(text, pos)
        if not m:
            raise PrometheusFormatError(f"{where}: expected a label name at column {pos + 1}")
        name = m.group(0)
        pos = m.end()
        if text[pos:pos + 2] != '="':
            raise PrometheusFormatError(f"{where}: label {name} is not followed by =\"")
        pos += 2
        value = []
        while True:
            if pos >= len(text):
                raise PrometheusFormatError(f"{where}: label {name}'s value is not closed")
            c = text[pos]
            if c == "\\":
                esc = text[pos + 1:pos + 2]
                if esc not in ("\\", '"', "n"):
                    raise PrometheusFormatError(f"{where}: bad escape \\{esc} in label {name}")
                value.append("\n" if esc == "n" else esc)
                pos += 2
            elif c == '"':
                pos += 1
                break
            elif c == "\n":
                raise PrometheusFormatError(f"{where}: raw newline in label {name}")
            else:
                value.append(c)
                pos += 1
        if name in labels:
            raise PrometheusFormatError(f"{where}: label {name} appears twice")
        labels[name] = "".join(value)
        if pos < len(text) and text[pos] == ",":
            pos += 1
        elif pos < len(text) and text[pos] == "}":
            continue
        else:
            raise PrometheusFormatError(f"{where}: expected , or }} after label {name}")


def parse_prometheus(text):
    """Parses the Prometheus text exposition format (version 0.0.4), strictly.

    Returns {family: {"type": T, "help": H, "samples": [(name, {labels}, value)]}}. Raises
    PrometheusFormatError when: a line is malformed; a sample's family has no TYPE line before
    it; a TYPE or HELP line repeats or comes after the family's samples; a family's samples are
    not one contiguous group; a label value is not properly quoted and escaped; the same series
    (name and labels) appears twice; a counter is negative.
    """
    families = {}
    finished = set()  # families whose group of lines has ended
    current = None
    seen_series = set()
    if text and not text.endswith("\n"):
        raise PrometheusFormatError("the exposition does not end with a newline")
    for number, line in enumerate(text.split("\n")[:-1], start=1):
        where = f"line {number} ({line!r})"
        if line.strip() == "":
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 2 and parts[1] in ("HELP", "TYPE"):
                if len(parts) < 3 or not _METRIC_NAME.fullmatch(parts[2]):
                    raise PrometheusFormatError(f"{where}: {parts[1]} without a metric name")
                name = parts[2]
                if name in finished:
                    raise PrometheusFormatError(f"{where}: family {name} is not one group")
                if current is not None and current != name:
                    finished.add(current)
                current = name
                family = families.setdefault(name, {"type": None, "help": None, "samples": []})
                if parts[1] == "TYPE":
                    if len(parts) != 4 or parts[3] not in _TYPES:
                        raise PrometheusFormatError(f"{where}: unknown metric type")
                    if family["type"] is not None:
                        raise PrometheusFormatError(f"{where}: second TYPE line for {name}")
                    if family["samples"]:
                        raise PrometheusFormatError(f"{where}: TYPE after {name}'s samples")
                    family["type"] = parts[3]
                else:
                    if family["help"] is not None:
                        raise PrometheusFormatError(f"{where}: second HELP line for {name}")
                    family["help"] = parts[3] if len(parts) == 4 else ""
            continue  # any other comment
        m = _METRIC_NAME.match(line)
        if not m:
            raise PrometheusFormatError(f"{where}: does not start with a metric name")
        name = m.group(0)
        pos = m.end()
        labels = {}
        if pos < len(line) and line[pos] == "{":
            labels, pos = _parse_labels(line, pos, where)
        rest = line[pos:]
        if not rest.startswith(" "):
            raise PrometheusFormatError(f"{where}: no space before the value")
        fields = rest.split()
        if len(fields) not in (1, 2):
            raise PrometheusFormatError(f"{where}: expected a value and an optional timestamp")
        value = _parse_value(fields[0], where)
        if len(fields) == 2 and not re.fullmatch(r"-?\d+", fields[1]):
            raise PrometheusFormatError(f"{where}: bad timestamp")
        family_name = None
        for candidate, family in families.items():
            suffixes = _SUFFIXES.get(family["type"], ())
            if candidate == name or name in (candidate + s for s in suffixes):
                family_name = candidate
        if family_name is None or families[family_name]["type"] is None:
            raise PrometheusFormatError(f"{where}: sample of {name}, which no TYPE line declares")
        if family_name != current:
            raise PrometheusFormatError(f"{where}: family {family_name} is not one group")
        series = (name, tuple(sorted(labels.items())))
        if series in seen_series:
            raise PrometheusFormatError(f"{where}: series repeats")
        seen_series.add(series)
        if families[family_name]["type"] == "counter" and not value >= 0:
            raise PrometheusFormatError(f"{where}: a counter is negative")
        families[family_name]["samples"].append((name, labels, value))
    return families


def http_get(host, port, path, timeout=HANG_GUARD_SECONDS):
    """GETs http://host:port/path; returns (status, content type, body text)."""
    try:
        with urllib.request.urlopen(f"http://{host}:{port}{path}", timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode("utf-8", "replace")


def scrape(host, port):
    """GETs /metrics and parses it (fails on a malformed exposition)."""
    status, content_type, body = http_get(host, port, "/metrics")
    if status != 200:
        raise AssertionError(f"GET /metrics answered {status}: {body}")
    return parse_prometheus(body)


def sample_value(families, family, **labels):
    """The one sample of `family` whose labels include `labels`; fails unless exactly one."""
    found = [v for _, l, v in families.get(family, {"samples": []})["samples"]
             if all(l.get(k) == v2 for k, v2 in labels.items())]
    if len(found) != 1:
        raise AssertionError(f"{len(found)} samples of {family} with {labels}")
    return found[0]


def sample_sum(families, family, **labels):
    """The sum of the samples of `family` whose labels include `labels`."""
    return sum(v for _, l, v in families.get(family, {"samples": []})["samples"]
               if all(l.get(k) == v2 for k, v2 in labels.items()))
