"""One log line per failed activity attempt, naming the order it was for."""

from __future__ import annotations

import logging
from typing import Any

from temporalio import activity
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

log = logging.getLogger("orderflow.activities")


class _LogFailures(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        try:
            return await super().execute_activity(input)
        except Exception as err:
            info = activity.info()
            order = next((getattr(a, "order_number", None) for a in input.args), None) or "-"
            log.warning("activity %s failed for order %s (attempt %d): %s: %s",
                        info.activity_type, order, info.attempt, type(err).__name__, err)
            raise


class ActivityFailureLog(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _LogFailures(next)
