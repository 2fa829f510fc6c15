"""What one measurement gives, whichever tool took it."""

from __future__ import annotations

import dataclasses
import math

MIB = 1024 * 1024


@dataclasses.dataclass
class Measurement:
    requests: int = 0
    requests_per_second: float = math.nan
    mib_per_second: float = math.nan
    p50_ms: float = math.nan
    p99_ms: float = math.nan
    errors: int = 0  # answers other than 2xx/3xx, and requests that got no answer (timeouts, resets)

    def as_json(self) -> dict:
        # JSON has no NaN: a figure that could not be read is null
        return {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in dataclasses.asdict(self).items()
        }
