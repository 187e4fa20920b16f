"""Flower shows file names, errors and task arguments: it must not answer every network
interface without credentials.

`celery -A worker.app flower` imports this application first; `refusal` looks at the command
line and environment Flower will read, and the app stops with one line when Flower would
listen beyond loopback with no authentication. `deploy/run-local` passes credentials in the
environment (FLOWER_BASIC_AUTH), never on a command line `ps` shows.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence

_AUTH_OPTIONS = ("basic_auth", "basic-auth", "auth")
_AUTH_ENV = ("FLOWER_BASIC_AUTH", "FLOWER_AUTH")


def is_flower(argv: Sequence[str]) -> bool:
    return "flower" in argv[1:]


def refusal(argv: Sequence[str], env: Mapping[str, str]) -> str | None:
    """Why Flower must not start as asked, or None."""
    address = _option(argv, "address") or env.get("FLOWER_ADDRESS", "")
    authenticated = any(_option(argv, name) for name in _AUTH_OPTIONS) or any(env.get(v) for v in _AUTH_ENV)
    if authenticated or _loopback(address):
        return None
    shown = address or "every interface"
    return (
        f"Error: Flower would serve task names, file names and errors on {shown} without credentials; "
        "set FLOWER_BASIC_AUTH=user:password (or --address=127.0.0.1 for this machine only)"
    )


def _option(argv: Sequence[str], name: str) -> str | None:
    flag = f"--{name}"
    for i, arg in enumerate(argv):
        if arg.startswith(flag + "="):
            return arg.split("=", 1)[1]
        if arg == flag and i + 1 < len(argv):
            return argv[i + 1]
    return None


def _loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False  # "" (every interface), 0.0.0.0 is not loopback either: ip_address("") raises
