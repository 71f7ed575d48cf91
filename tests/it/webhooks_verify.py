"""Verify webhook deliveries with the Standard Webhooks reference library (an implementation
independent of ours). Reads [{"secret", "headers", "body"}] as JSON on stdin and prints a JSON
list: true where the library accepts the delivery."""
import json
import sys

from standardwebhooks import Webhook

results = []
for item in json.load(sys.stdin):
    try:
        Webhook(item["secret"]).verify(item["body"], item["headers"])
        results.append(True)
    except Exception:
        results.append(False)
print(json.dumps(results))
