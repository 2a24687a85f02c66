"""Schemathesis hooks for the conformance run (scripts/api-conformance).

Each generated case comes from its own client address (X-Forwarded-For,
which the gateway under test trusts): the contract's failure limits (20
invalid API keys per address in 5 minutes) would otherwise lock the run's
own address out after Schemathesis's first invalid-key probes. The probes
of a case copy its headers, so they share its address.
"""

import itertools

import schemathesis

_addresses = itertools.count(1)


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    n = next(_addresses)
    if case.headers is None:
        case.headers = {}
    case.headers["X-Forwarded-For"] = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
