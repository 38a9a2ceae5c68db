"""The error reports Django builds (DEBUG=1's technical 500 page, mails to admins) without provider secrets.

Django hides sensitive settings and request headers, but in DEBUG it shows every local variable of
every frame: a failed provider call would show the dict of outbound headers, Authorization and all.
This filter hides those always, DEBUG or not.
"""

import re
from collections.abc import Mapping

from django.views.debug import SafeExceptionReporterFilter

# Locals named like these hold credentials or whole header sets, in any frame.
SENSITIVE_NAME = re.compile(r"key|token|auth|secret|pass|header|credential|cookie|signature", re.IGNORECASE)
# Values that look like an outbound header set or a credential, whatever the variable is called.
SENSITIVE_VALUE = re.compile(r"bearer\s|authorization|api-key", re.IGNORECASE)
# Frames that build or send provider requests: every local of theirs is hidden.
OUTBOUND_MODULES = ("httpx", "httpcore", "h11", "anyio", "httpx_sse")
OUTBOUND_PREFIX = "playground.providers"
# How much of a value's repr is searched: enough for any header dict.
SCAN_LIMIT = 100_000


class SecretsHiddenFilter(SafeExceptionReporterFilter):
    def get_traceback_frame_variables(self, request, tb_frame):
        variables = super().get_traceback_frame_variables(request, tb_frame)
        module = tb_frame.f_globals.get("__name__", "") or ""
        outbound = module.split(".", 1)[0] in OUTBOUND_MODULES or module.startswith(OUTBOUND_PREFIX)
        return [(name, self.cleansed_substitute if outbound or _sensitive(name, value) else value)
                for name, value in variables]


def _sensitive(name: str, value) -> bool:
    if SENSITIVE_NAME.search(name):
        return True
    if not isinstance(value, (str, bytes, Mapping, list, tuple)):
        return False
    try:
        return bool(SENSITIVE_VALUE.search(repr(value)[:SCAN_LIMIT]))
    except Exception:  # a value whose repr fails is not shown either
        return True
