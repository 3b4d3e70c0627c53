"""Shared helpers for the deployment tests (no Docker, no Swift needed).

Imported by the test modules (pytest puts this directory on sys.path).

The expected values below restate docs/architecture.md (sections 2 and 3): the tests compare the
deployment files against them, so a change to the contract shows up as a failing test
here until both are updated.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
COMPOSE_FILE = REPO / "docker-compose.yml"
NGINX_TEMPLATE = DEPLOY / "nginx" / "templates" / "default.conf.template"

# service -> default HTTP port (docs/architecture.md section 3)
SERVICE_PORTS = {
    "ingest": 8081,
    "session": 8082,
    "transfer": 8083,
    "contacts": 8084,
    "callback": 8085,
    "media": 8086,
}

# service -> API path prefixes that the gateway routes to it
ROUTES = {
    "ingest": ["/v1/channels", "/v1/inbound", "/v1/webhooks", "/v1/simulator"],
    "session": ["/v1/interactions", "/v1/consultations", "/v1/sms", "/v1/dispositions", "/v1/standard-responses", "/v1/numbers"],
    "transfer": ["/v1/agents", "/v1/offers", "/v1/targets", "/v1/transfers", "/v1/queues", "/v1/routing-points"],
    "contacts": ["/v1/contacts", "/v1/contact-assignments", "/v1/merges", "/v1/consent"],
    "callback": ["/v1/callbacks"],
    "media": ["/v1/media"],
}

# The only variables the template may use; everything else with a `$` is nginx's own.
UPSTREAM_VARIABLES = [f"{name.upper()}_UPSTREAM" for name in SERVICE_PORTS]


def find_binary(name: str) -> str | None:
    """`shutil.which`, also looking in the sbin directories a non-root PATH may lack."""
    found = shutil.which(name)
    if found:
        return found
    for directory in ("/usr/sbin", "/usr/local/sbin", "/sbin"):
        candidate = Path(directory) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def render_template(upstreams: dict[str, str]) -> str:
    """Render the nginx template the way scripts/lib/infra.sh does: envsubst restricted
    to the six upstream variables. Falls back to a Python substitution of exactly those
    names when envsubst is missing (the result is the same)."""
    text = NGINX_TEMPLATE.read_text()
    env = {f"{name.upper()}_UPSTREAM": value for name, value in upstreams.items()}
    envsubst = find_binary("envsubst")
    if envsubst:
        shell_format = " ".join("${%s}" % variable for variable in UPSTREAM_VARIABLES)
        result = subprocess.run(
            [envsubst, shell_format],
            input=text,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, **env},
        )
        return result.stdout
    for variable, value in env.items():
        text = text.replace("${%s}" % variable, value)
    return text


# --- A small nginx configuration parser and location matcher ------------------------


@dataclass
class Directive:
    name: str
    args: list[str]
    children: list["Directive"] = field(default_factory=list)

    def find(self, name: str) -> list["Directive"]:
        return [child for child in self.children if child.name == name]


_TOKEN = re.compile(
    r"""
      \#[^\n]*               # comment
    | '(?:\\.|[^'\\])*'      # single-quoted string
    | "(?:\\.|[^"\\])*"      # double-quoted string
    | [{};]                  # block and statement delimiters
    | [^\s{};'"\#]+          # bare word
    | \s+
    """,
    re.VERBOSE,
)


def _tokens(text: str) -> list[str]:
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            raise ValueError(f"cannot tokenize nginx config at offset {position}: {text[position:position + 40]!r}")
        token = match.group(0)
        position = match.end()
        if token.isspace() or token.startswith("#"):
            continue
        if token[0] in "'\"":
            token = token[1:-1]
        tokens.append(token)
    return tokens


def parse_nginx(text: str) -> Directive:
    """Parse an nginx configuration into a tree of directives (enough for our files:
    quoting, comments and blocks; no includes)."""
    root = Directive("root", [])
    stack = [root]
    words: list[str] = []
    for token in _tokens(text):
        if token == ";":
            if not words:
                raise ValueError("empty statement")
            stack[-1].children.append(Directive(words[0], words[1:]))
            words = []
        elif token == "{":
            block = Directive(words[0], words[1:])
            stack[-1].children.append(block)
            stack.append(block)
            words = []
        elif token == "}":
            if words or len(stack) == 1:
                raise ValueError("unbalanced '}' or unterminated statement")
            stack.pop()
        else:
            words.append(token)
    if words or len(stack) != 1:
        raise ValueError("unterminated block or statement")
    return root


def match_location(server: Directive, path: str) -> Directive | None:
    """Pick the location nginx would use for `path` (exact `=`, then the longest prefix,
    which wins outright with `^~`, then regular expressions in order, then the longest
    prefix again)."""
    exact, prefixes, regexes = [], [], []
    for location in server.find("location"):
        if location.args[0] == "=":
            exact.append(location)
        elif location.args[0] in ("~", "~*"):
            regexes.append(location)
        elif location.args[0] == "^~":
            prefixes.append((location.args[1], True, location))
        elif not location.args[0].startswith("@"):
            prefixes.append((location.args[0], False, location))
    for location in exact:
        if location.args[1] == path:
            return location
    best = None
    for prefix, stop, location in prefixes:
        if path.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, stop, location)
    if best and best[1]:
        return best[2]
    for location in regexes:
        flags = re.IGNORECASE if location.args[0] == "~*" else 0
        if re.search(location.args[1], path, flags):
            return location
    return best[2] if best else None
