"""A real SMTP client (Python's smtplib) for the integration tests.

usage: [SMTP_STARTTLS=1] smtp_send.py HOST PORT SENDER RCPT[,RCPT...] FILE [FILE...]
Sends each file (raw bytes, "-" for stdin) as one message over one connection and prints one
JSON line: {"size": <SIZE the server advertised>, "results": [{"refused": {...}, "error": [code, text] | null}]}.
"""
import json
import os
import smtplib
import ssl
import sys


def main():
    host, port, sender, rcpts, *files = sys.argv[1:]
    rcpts = rcpts.split(",")
    out = {"size": None, "results": []}
    with smtplib.SMTP(host, int(port), timeout=30) as s:
        s.ehlo("client.test")
        out["starttls"] = s.has_extn("starttls")
        if os.environ.get("SMTP_STARTTLS") == "1":
            # The test certificate is self-signed; what is tested is that the session runs over TLS.
            s.starttls(context=ssl._create_unverified_context())
            s.ehlo("client.test")
            out["tls"] = s.sock.version()
            out["starttls_after"] = s.has_extn("starttls")
        out["size"] = s.esmtp_features.get("size")
        for f in files:
            data = sys.stdin.buffer.read() if f == "-" else open(f, "rb").read()
            r = {"refused": {}, "error": None}
            try:
                refused = s.sendmail(sender, rcpts, data)
                r["refused"] = {k: [v[0], v[1].decode(errors="replace")] for k, v in refused.items()}
            except smtplib.SMTPRecipientsRefused as e:
                r["refused"] = {k: [v[0], v[1].decode(errors="replace")] for k, v in e.recipients.items()}
                r["error"] = [0, "all recipients refused"]
            except smtplib.SMTPResponseException as e:
                r["error"] = [e.smtp_code, e.smtp_error.decode(errors="replace")]
            except smtplib.SMTPServerDisconnected as e:
                r["error"] = [-1, str(e)]
                out["results"].append(r)
                break
            try:
                s.rset()
            except smtplib.SMTPException:
                pass
            out["results"].append(r)
    print(json.dumps(out))


main()
