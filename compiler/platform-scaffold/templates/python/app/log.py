"""Structured logs: one JSON object per line on stdout, shipped by the cluster to the org's
log aggregator."""

import json
import sys
from datetime import datetime, timezone


def log(level: str, msg: str, **fields: object) -> None:
    record = {"time": datetime.now(timezone.utc).isoformat(), "level": level, "msg": msg, **fields}
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()
