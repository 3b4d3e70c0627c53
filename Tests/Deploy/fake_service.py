"""A stand-in for a Switchboard service, for testing scripts/lib/infra.sh without Swift.

    fake_service.py PATH [MODE]

PATH is the executable's path as started (its basename is the service name); it serves
HTTP on 127.0.0.1:$SWITCHBOARD_HTTP_PORT like a service: /health/ready and an echo of
any other path. MODE:
    ok           ready at once; SIGTERM stops it (the default)
    crash        prints an error and exits 3 before listening
    never-ready  /health/ready answers 503 for ever
    stubborn     ignores SIGTERM (only SIGKILL stops it)
"""

import http.server
import json
import os
import signal
import sys
import threading


def log(message: str, **fields) -> None:
    print(json.dumps({"level": "info", "msg": message, **fields}), flush=True)


def main() -> int:
    name = os.path.basename(sys.argv[1])
    mode = sys.argv[2] if len(sys.argv) > 2 else "ok"
    if mode == "crash":
        print(f"boom: {name} cannot start", flush=True)
        return 3
    port = int(os.environ["SWITCHBOARD_HTTP_PORT"])

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.startswith("/health/ready"):
                status = 503 if mode == "never-ready" else 200
                body = {"status": "ready" if status == 200 else "starting"}
            else:
                status = 200
                body = {
                    "service": name,
                    "path": self.path,
                    "env": {
                        key: os.environ.get(key)
                        for key in (
                            "SWITCHBOARD_HTTP_PORT",
                            "SWITCHBOARD_AMQP_URL",
                            "SWITCHBOARD_POSTGRES_URL",
                            "SWITCHBOARD_JWT_SECRET",
                            "SWITCHBOARD_MEDIA_STORE_PATH",
                        )
                    },
                }
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True

    def on_sigterm(signum, frame):
        log("SIGTERM received, stopping")
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, signal.SIG_IGN if mode == "stubborn" else on_sigterm)
    log("listening", service=name, port=port)
    server.serve_forever()
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
