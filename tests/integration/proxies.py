"""
Real reverse proxies for the integration tests: Debian's nginx and Caddy,
each run in the foreground with its own configuration, prefix and logs in
a directory of the test's (kept with the daemon's logs after a failure),
stopped at exit.  The caller writes the configuration body; this module
writes what every configuration needs (pid, logs, temporary paths, no
admin endpoint) and waits until the proxy listens on its ports.
"""

import atexit
import os
import signal
import socket
import subprocess
import time

from harness import TestFailure, check


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


class Proxy:
    name = "proxy"

    def __init__(self, parent, ports):
        self.dir = os.path.join(parent, self.name)
        n = 1
        while os.path.exists(self.dir):
            n += 1
            self.dir = os.path.join(parent, "%s-%d" % (self.name, n))
        os.makedirs(self.dir)
        self.ports = list(ports)
        self.proc = None

    def _start(self, argv, env=None):
        self.log = open(os.path.join(self.dir, "stderr.log"), "wb")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=env, cwd=self.dir)
        atexit.register(self.stop)
        deadline = time.time() + 20
        waiting = list(self.ports)
        while waiting and time.time() < deadline:
            check(self.proc.poll() is None, "%s exited with %s: %s" %
                  (self.name, self.proc.returncode, self.errors()))
            try:
                socket.create_connection(("127.0.0.1", waiting[0]), timeout=1).close()
                waiting.pop(0)
            except OSError:
                time.sleep(0.05)
        if waiting:
            self.stop()
            raise TestFailure("%s does not listen on %s: %s" % (self.name, waiting,
                                                                self.errors()))

    def errors(self):
        return (_read(os.path.join(self.dir, "error.log")) +
                _read(os.path.join(self.dir, "stderr.log")))[-1500:]

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class Nginx(Proxy):
    """nginx -p DIR -c DIR/nginx.conf in the foreground, one worker; http_conf
    is the inside of the http {} block (servers, upstreams)."""
    name = "nginx"

    def __init__(self, parent, http_conf, ports):
        Proxy.__init__(self, parent, ports)
        self.conf = os.path.join(self.dir, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write("""\
daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 256; }}
http {{
  access_log {d}/access.log;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
{body}
}}
""".format(d=self.dir, body=http_conf))
        self._start(["/usr/sbin/nginx", "-p", self.dir, "-c", self.conf,
                     "-e", os.path.join(self.dir, "error.log")])


class Caddy(Proxy):
    """caddy run --config DIR/Caddyfile --adapter caddyfile; site_conf is
    everything after the global options block (admin endpoint off, no
    automatic HTTPS, storage in DIR)."""
    name = "caddy"

    def __init__(self, parent, site_conf, ports):
        Proxy.__init__(self, parent, ports)
        self.conf = os.path.join(self.dir, "Caddyfile")
        with open(self.conf, "w") as f:
            f.write("""\
{{
	admin off
	auto_https off
	storage file_system {d}/storage
	log {{
		output file {d}/error.log
		level INFO
	}}
}}
{body}
""".format(d=self.dir, body=site_conf))
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.dir,
               "XDG_DATA_HOME": os.path.join(self.dir, "data"),
               "XDG_CONFIG_HOME": os.path.join(self.dir, "config")}
        self._start(["/usr/bin/caddy", "run", "--config", self.conf, "--adapter", "caddyfile"],
                    env=env)
