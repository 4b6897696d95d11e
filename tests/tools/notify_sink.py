#!/usr/bin/python3
"""A stand-in for GOV.UK Notify's email API for the tests. It checks each request as Notify
does, with PyJWT (Debian's python3-jwt): a bearer token signed HS256 with the service's secret,
`iss` the service id, `iat` within 30 seconds; then the body's email_address and template_id.
Accepted requests are written to FOLDER as JSON and answered 201; others get Notify's error
shape with 400 or 403.

Usage: notify_sink.py FOLDER SERVICE_ID SECRET
Prints "listening on PORT" once ready; serves until stdin closes.
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt

FOLDER, SERVICE_ID, SECRET = sys.argv[1], sys.argv[2], sys.argv[3]
count = 0
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, kind, message):
        self.answer(status, {"status_code": status,
                             "errors": [{"error": kind, "message": message}]})

    def do_POST(self):
        global count
        if self.path != "/v2/notifications/email":
            return self.error(404, "NotFound", "no such endpoint")
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return self.error(403, "AuthError", "Unauthorized: authentication token must be provided")
        try:
            claims = jwt.decode(auth[7:], SECRET, algorithms=["HS256"],
                                options={"verify_iat": False, "require": ["iss", "iat"]})
        except jwt.InvalidTokenError as e:
            return self.error(403, "AuthError", "Invalid token: %s" % e)
        if claims["iss"] != SERVICE_ID:
            return self.error(403, "AuthError", "Invalid token: service not found")
        if abs(time.time() - claims["iat"]) > 30:
            return self.error(403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds")
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length))
        for key in ("email_address", "template_id"):
            if not body.get(key):
                return self.error(400, "ValidationError", "%s is a required property" % key)
        with lock:
            count += 1
            name = os.path.join(FOLDER, "%06d.json" % count)
        with open(name + ".part", "w", encoding="utf-8") as out:
            json.dump(body, out)
        os.rename(name + ".part", name)
        self.answer(201, {"id": "740e5834-3a29-46b4-9a6f-16142fde533a",
                          "reference": body.get("reference"),
                          "content": {"subject": body.get("personalisation", {}).get("subject")}})


def main():
    os.makedirs(FOLDER, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("listening on %d" % server.server_address[1], flush=True)
    while sys.stdin.read(1):
        pass
    server.shutdown()


if __name__ == "__main__":
    main()
