"""Hostile strings schemathesis does not reliably produce, sent to every documented operation:
NUL, bidi controls, very long strings, deeply nested values. Every answer must be documented for
its operation, never a 5xx, and an error must be problem+json. Fixed inputs: nothing random."""

import json
import sys

import requests

BASE, TOKEN = sys.argv[1], sys.argv[2]
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
NESTED = json.loads("[" * 120 + "]" * 120)
STRINGS = ["\u0000", "a\u0000b", "\u202egnp.exe\u202c", "\u2066x\u2069\u200f", "x" * 300_000, "\ud7ff\ue000\U0010ffff"]
VALUES = STRINGS + [NESTED, {"a": {"b": {"c": [1, {"d": None}]}}}, ["x"], 1e308, -1]

doc = requests.get(f"{BASE}/api/v1/openapi.json", timeout=10).json()
session = requests.Session()
session.headers.update(HEADERS)


def seed():
    """A ticket and a contact, so {id} routes reach their handlers."""
    t = session.post(f"{BASE}/api/v1/tickets", json={"subject": "Seed", "message": {"body": "seed"},
                     "requester": {"email": "seed@example.com"}}, timeout=10).json()
    return t["id"]


TICKET = seed()
BODIES = {
    ("post", "/api/v1/tickets"): {"subject": "s", "message": {"body": "b"}, "requester": {"email": "h@example.com"}},
    ("patch", "/api/v1/tickets/{id}"): {"subject": "s"},
    ("post", "/api/v1/tickets/bulk"): {"ids": [TICKET], "changes": {"priority": "low"}},
    ("post", "/api/v1/tickets/{id}/merge"): {"target_id": TICKET},
    ("post", "/api/v1/tickets/{id}/messages"): {"body": "b"},
    ("post", "/api/v1/contacts"): {"name": "n"},
    ("patch", "/api/v1/contacts/{id}"): {"name": "n"},
    ("post", "/api/v1/teams"): {"name": "n"},
}
failures = []


def check(method, path, op, res):
    status = str(res.status_code)
    if res.status_code >= 500 or (status not in op["responses"] and "default" not in op["responses"]):
        failures.append(f"{method.upper()} {path} -> {status} (documented: {sorted(op['responses'])}): {res.text[:200]}")
    elif res.status_code >= 400 and res.headers.get("content-type") != "application/problem+json":
        failures.append(f"{method.upper()} {path} -> {status} not problem+json")


def mutations(body):
    """The body with one field at a time (nested one level) replaced by each hostile value."""
    yield from ([v] for v in VALUES[6:9])  # not an object at all
    yield NESTED
    for key, value in body.items():
        for v in VALUES:
            yield {**body, key: v}
        if isinstance(value, dict):
            for inner in value:
                for v in STRINGS:
                    yield {**body, key: {**value, inner: v}}


for path, item in doc["paths"].items():
    for method, op in item.items():
        params = op.get("parameters", [])
        url = BASE + path.replace("{id}", TICKET if "/tickets/" in path else "x")
        for v in STRINGS:
            check(method, path, op, session.request(method, BASE + path.replace("{id}", requests.utils.quote(v[:100], safe="")), json=BODIES.get((method, path)), timeout=10))
            for p in (p for p in params if p["in"] == "query"):
                check(method, path, op, session.request(method, url, params={p["name"]: v[:2000]}, timeout=10))
        body = BODIES.get((method, path))
        if body is not None:
            for b in mutations(body):
                check(method, path, op, session.request(method, url, json=b, timeout=10))
            raw = "[" * 100_000 + "]" * 100_000
            check(method, path, op, session.request(method, url, data=raw, headers={"content-type": "application/json"}, timeout=10))

for f in failures:
    print(f)
print(f"hostile: {len(failures)} failures")
sys.exit(1 if failures else 0)
