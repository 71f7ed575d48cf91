#!/usr/bin/env python3
"""SMTP load for benches/mail_intake.sh (standard library only).

  mail_load.py rate HOST PORT RCPT SECONDS CLIENTS SIZE
      CLIENTS connections, each sending SIZE-byte messages back to back for SECONDS;
      prints the messages acknowledged (250) per second.
  mail_load.py latency HOST PORT RCPT SECONDS RATE SIZE API_BASE TOKEN
      RATE messages per second (paced, 8 connections), while polling the ticket API; prints the
      p50/p99/max time from each 250 to its ticket being listed by GET /api/v1/tickets.
"""
import json
import smtplib
import sys
import threading
import time
import urllib.request
import uuid


def message(rcpt, size, n, tag):
    sender = f"s{tag}-{n}@load.example"  # one sender per message: the throttle stays out of it
    subject = f"Load {tag} {n}"
    head = (f"From: Load <{sender}>\r\nTo: {rcpt}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{uuid.uuid4()}@load.example>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n")
    line = "The parcel has not arrived and the tracking page says nothing new.\r\n"
    body = (line * (size // len(line) + 1))[: max(0, size - len(head))]
    return sender, subject, (head + body).encode()


def rate(host, port, rcpt, seconds, clients, size):
    counts = [0] * clients
    errors = [0] * clients
    stop = time.monotonic() + seconds

    def run(i):
        s = smtplib.SMTP(host, port, timeout=60)
        s.ehlo("load.example")
        n = 0
        while time.monotonic() < stop:
            sender, _, raw = message(rcpt, size, n, f"r{i}")
            n += 1
            try:
                s.sendmail(sender, [rcpt], raw)
                counts[i] += 1
            except smtplib.SMTPException:
                errors[i] += 1
        s.quit()

    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - started
    print(json.dumps({"acknowledged": sum(counts), "errors": sum(errors), "seconds": round(took, 2),
                      "per_second": round(sum(counts) / took, 1)}))


def latency(host, port, rcpt, seconds, per_second, size, api, token):
    acked = {}  # subject -> time of the 250
    seen = {}  # subject -> time first listed
    lock = threading.Lock()
    done = threading.Event()
    clients = 8
    interval = clients / per_second

    def send(i):
        s = smtplib.SMTP(host, port, timeout=60)
        s.ehlo("load.example")
        n, next_at, stop = 0, time.monotonic() + i / per_second, time.monotonic() + seconds
        while next_at < stop:
            time.sleep(max(0.0, next_at - time.monotonic()))
            sender, subject, raw = message(rcpt, size, n, f"l{i}")
            n += 1
            s.sendmail(sender, [rcpt], raw)
            with lock:
                acked[subject] = time.monotonic()
            next_at += interval
        s.quit()

    def poll():
        req = urllib.request.Request(f"{api}/api/v1/tickets?channel=email&sort=updated&limit=200",
                                     headers={"Authorization": f"Bearer {token}"})
        while not done.is_set():
            body = json.load(urllib.request.urlopen(req))
            now = time.monotonic()
            with lock:
                for t in body["data"]:
                    seen.setdefault(t["subject"], now)
            time.sleep(0.01)

    poller = threading.Thread(target=poll)
    poller.start()
    senders = [threading.Thread(target=send, args=(i,)) for i in range(clients)]
    for t in senders:
        t.start()
    for t in senders:
        t.join()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with lock:
            if all(s in seen for s in acked):
                break
        time.sleep(0.05)
    done.set()
    poller.join()
    lat = sorted((seen[s] - a) * 1000 for s, a in acked.items() if s in seen)
    missing = sum(1 for s in acked if s not in seen)
    pct = lambda p: round(lat[min(len(lat) - 1, int(len(lat) * p))], 1) if lat else None
    print(json.dumps({"messages": len(acked), "not_seen": missing, "p50_ms": pct(0.50), "p99_ms": pct(0.99),
                      "max_ms": round(lat[-1], 1) if lat else None,
                      "sent_per_second": round(len(acked) / seconds, 1)}))


if __name__ == "__main__":
    mode, host, port, rcpt, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
    if mode == "rate":
        rate(host, port, rcpt, seconds, int(sys.argv[6]), int(sys.argv[7]))
    else:
        latency(host, port, rcpt, seconds, float(sys.argv[6]), int(sys.argv[7]), sys.argv[8], sys.argv[9])
