"""Walk docs/production.md on loopback and check the answers through nginx.

    .venv/bin/python deploy/walk_guide.py [--keep]

Runs every command of the guide's ``sh`` blocks in order, with its paths moved into a temporary
folder (/srv/quartier -> <tmp>/srv/quartier, ...) and its ports replaced by free ones: PostgreSQL is
the test kit's server (core/testing/postgres.py), the units' ExecStart lines run with their
EnvironmentFile and WorkingDirectory (no systemd), nginx runs with a main config of its own around the
guide's site config and a self-signed certificate made here, and a local SMTP server stands in for
the mail server. A command the walk does not know stops it before anything runs: the guide and
this script cannot drift apart. Then, through the proxy: /readyz, an event page, a registration
(its mail sent by the worker), Secure cookies and HSTS, the http redirect, /metrics refused.

Exit status 0 when every step and check passed; needs root or the postgres OS user's tools, nginx,
openssl, curl and PostgreSQL's binaries (`apt-get install postgresql nginx`).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.testing.postgres import PostgresServer, find_pg_bindir  # noqa: E402
from core.testing.processes import Service, free_port  # noqa: E402

GUIDE = ROOT / "docs" / "production.md"
HOST = "quartier.example.de"
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
BINARIES = {"postgresql": "initdb", "postgresql-client": "pg_dump", "nginx": "nginx", "python3-venv": "python3",
            "openssl": "openssl", "sudo": None}  # None: the walk runs the guide's `sudo -u` lines without it


class WalkError(Exception):
    pass


def guide_commands(text: str) -> list[str]:
    """The command lines of the guide's ```sh blocks, in order."""
    return [line.strip() for block in re.findall(r"^```sh\n(.*?)^```", text, re.M | re.S)
            for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]


class Walk:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.ports = {"app": free_port(), "http": free_port(), "https": free_port()}
        self.db_password = secrets.token_hex(12)
        self.services: dict[str, Service] = {}
        self.postgres: PostgresServer | None = None
        self.smtp: object | None = None
        self.mails: list[bytes] = []
        self.steps: list[str] = []

    # -- where the guide's paths and ports go ------------------------------------------------
    def local(self, text: str) -> str:
        t = str(self.tmp)
        for path in ("/srv/quartier", "/srv/backup", "/etc/quartier", "/etc/nginx/sites-available",
                     "/etc/nginx/sites-enabled", "/etc/systemd/system", "/etc/ssl/quartier"):
            text = text.replace(path, t + path)
        text = text.replace("/usr/local/bin/quartier", f"{t}/bin/quartier")
        text = text.replace("127.0.0.1:5432", f"127.0.0.1:{self.postgres.port}" if self.postgres else "127.0.0.1:5432")
        text = text.replace("127.0.0.1:8000", f"127.0.0.1:{self.ports['app']}").replace("--port 8000", f"--port {self.ports['app']}")
        text = text.replace(f"https://{HOST}", f"https://{HOST}:{self.ports['https']}")
        text = text.replace("PASSWORD 'CHANGE-ME'", f"PASSWORD '{self.db_password}'")
        return text.replace("quartier:CHANGE-ME@", f"quartier:{self.db_password}@")

    def env(self, **extra: str) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("QUARTIER_", "PG"))}
        # PIP_NO_COMPILE: pip leaves compiling to the first start (saves seconds of the walk, changes nothing else)
        return {**keep, "PATH": f"{self.tmp}/bin:{os.environ.get('PATH', SYSTEMD_PATH)}", "PIP_NO_COMPILE": "1", **extra}

    def run(self, command: str, env: dict[str, str] | None = None, capture: bool = False) -> str:
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=self.tmp, env=env or self.env(),
                                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            raise WalkError(f"`{command}` failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result.stdout

    # -- the guide's commands ----------------------------------------------------------------
    def handlers(self) -> list[tuple[str, Callable[[re.Match[str], str], str]]]:
        """(pattern of a guide line, what the walk does with it); the result is the step's note."""
        return [
            (r"apt-get install -y (.+)", self.packages),
            (r"adduser --system .*", lambda m, line: "no system user on loopback: everything runs as this user"),
            (r"install (.*)", self.install),
            (r"sudo -u postgres (.+)", self.as_postgres),
            (r"python3 -m venv \S+", self.shell),
            (r"/srv/quartier/venv/bin/pip install .+", self.shell),
            (r"python3 -c .+secrets.+", self.secret_key),
            (r"sudo -u quartier (.+)", self.as_quartier),
            (r"systemctl daemon-reload", lambda m, line: "no systemd: the units are read by this script"),
            (r"systemctl enable --now (.+)", self.start_units),
            (r"systemctl restart (.+)", self.restart_units),
            (r"systemctl reload nginx", self.reload_nginx),
            (r"(ln -sf|rm -f|rm -rf) /(etc/nginx|srv/backup)/\S+( \S+)?", self.shell),
            (r"nginx -t", self.nginx_test),
            (r"curl (.+)", self.curl),
        ]

    def handler(self, line: str) -> Callable[[re.Match[str], str], str]:
        for pattern, action in self.handlers():
            match = re.fullmatch(pattern, line)
            if match:
                return lambda: action(match, line)  # type: ignore[return-value]
        raise WalkError(f"docs/production.md has a command this walk does not know: {line}")

    def shell(self, _: re.Match[str], line: str) -> str:
        self.run(self.local(line))
        return "ran"

    def packages(self, match: re.Match[str], _: str) -> str:
        missing = []
        for package in match.group(1).split():
            tool = BINARIES.get(package, package)
            found = tool is None or (find_pg_bindir() if package == "postgresql" else shutil.which(tool))
            if not found:
                missing.append(package)
        if missing:
            raise WalkError(f"packages missing here: {' '.join(missing)} (apt-get install them; .ci/run does)")
        self.start_postgres()
        return "packages present; PostgreSQL started on a free port (the test kit's server)"

    def install(self, match: re.Match[str], _: str) -> str:
        args = shlex.split(self.local(re.sub(r"(-o|-g) quartier ", "", match.group(1))))  # no system user on loopback
        self.run(shlex.join(["install", *args]))
        if "-d" in args:
            return "ran (without owner quartier)"
        files = [arg for i, arg in enumerate(args) if not arg.startswith("-") and args[i - 1] not in ("-m", "-o", "-g")]
        *sources, dest = files
        for target in [Path(dest) / Path(source).name for source in sources] if Path(dest).is_dir() else [Path(dest)]:
            target.write_text(self.local(target.read_text()))  # the installed file names this walk's paths and ports
        return "ran (without owner quartier); paths and ports in the installed file moved"

    def as_postgres(self, match: re.Match[str], _: str) -> str:
        self.run(self.local(match.group(1)), env=self.env(PGHOST="127.0.0.1", PGPORT=str(self.postgres.port), PGUSER="postgres"))
        return "ran as the database superuser"

    def secret_key(self, _: re.Match[str], line: str) -> str:
        key = self.run(line).strip()
        if len(key) < 40:
            raise WalkError(f"`{line}` printed no usable key")
        # What the guide tells the operator to write into the environment file.
        values = {"QUARTIER_SECRET_KEY": key, "QUARTIER_NOTIFICATIONS__SMTP_HOST": "127.0.0.1",
                  "QUARTIER_NOTIFICATIONS__SMTP_PORT": str(self.start_smtp()), "QUARTIER_NOTIFICATIONS__SMTP_SECURITY": "none",
                  "QUARTIER_NOTIFICATIONS__SMTP_USERNAME": "", "QUARTIER_NOTIFICATIONS__SMTP_PASSWORD": ""}
        path = Path(self.local("/etc/quartier/quartier.env"))
        lines = [f"{line.split('=', 1)[0]}={values[line.split('=', 1)[0]]}" if line.split("=", 1)[0] in values else line
                 for line in path.read_text().splitlines()]
        path.write_text("\n".join(lines) + "\n")
        return "secret key and mail server written into quartier.env"

    def as_quartier(self, match: re.Match[str], _: str) -> str:
        password = secrets.token_urlsafe(16)
        self.run(self.local(match.group(1)), env=self.env(QUARTIER_NEW_PASSWORD=password))  # `users create` asks for it
        return "ran with the services' environment (/usr/local/bin/quartier)"

    def unit(self, name: str) -> Service:
        text = Path(self.local(f"/etc/systemd/system/{name}.service")).read_text()
        fields = dict(re.findall(r"^(\w+)=(.*)$", text, re.M))
        env = {"PATH": SYSTEMD_PATH, "LANG": "C.UTF-8"}
        for line in Path(fields["EnvironmentFile"]).read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                key, _, value = line.partition("=")
                env[key.strip()] = value.strip()
        return Service(name, shlex.split(fields["ExecStart"]), env, Path(fields["WorkingDirectory"]), self.tmp / f"{name}.log")

    def start_units(self, match: re.Match[str], _: str) -> str:
        for name in match.group(1).split():
            self.services[name] = self.unit(name).start()
        return "ExecStart of each unit started with its EnvironmentFile"

    def restart_units(self, match: re.Match[str], _: str) -> str:
        for name in match.group(1).split():
            self.services[name].stop()
            self.services[name] = self.unit(name).start()
        return "stopped and started again"

    def nginx_conf(self) -> Path:
        """A main config like Debian's (it includes sites-enabled) with everything under the temporary folder."""
        site = Path(self.local("/etc/nginx/sites-available/quartier"))
        text = site.read_text()
        text = re.sub(r"^\s*listen \[::\].*\n", "", text, flags=re.M)
        text = text.replace("listen 80;", f"listen 127.0.0.1:{self.ports['http']};")
        text = text.replace("listen 443 ssl", f"listen 127.0.0.1:{self.ports['https']} ssl")
        site.write_text(text)
        temp = self.tmp / "nginx"
        temp.mkdir(exist_ok=True)
        main = self.tmp / "nginx.conf"
        main.write_text(
            ("user root;\n" if os.geteuid() == 0 else "") +
            f"daemon off;\nworker_processes 1;\npid {temp}/nginx.pid;\nerror_log {temp}/error.log;\n"
            "events { worker_connections 256; }\n"
            f"http {{\n  include /etc/nginx/mime.types;\n  access_log {temp}/access.log;\n"
            + "".join(f"  {kind}_temp_path {temp}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
            + f"  include {self.local('/etc/nginx/sites-enabled')}/*;\n}}\n")
        return main

    def nginx_test(self, _: re.Match[str], line: str) -> str:
        self.run(f"{line} -c {self.nginx_conf()} -e {self.tmp}/nginx/error.log")
        return "ran on a main config around the guide's site"

    def reload_nginx(self, _: re.Match[str], __: str) -> str:
        if "nginx" in self.services:
            self.run(f"nginx -s reload -c {self.tmp / 'nginx.conf'} -e {self.tmp}/nginx/error.log")
            return "reloaded"
        self.services["nginx"] = Service("nginx", ["nginx", "-c", str(self.tmp / "nginx.conf"), "-e", f"{self.tmp}/nginx/error.log"],
                                         self.env(), self.tmp, self.tmp / "nginx.log").start()
        self.services["nginx"].wait_until(lambda: listening(self.ports["https"]), timeout=30, what="listening")  # as systemctl waits
        return "nginx started"

    def curl(self, match: re.Match[str], _: str) -> str:
        args = self.local(match.group(1))
        if f"https://{HOST}" in args:
            args = f"--resolve {HOST}:{self.ports['https']}:127.0.0.1 --cacert {self.cert} {args}"
        out = self.run(f"curl {args}")
        return f"answered: {out.strip()[:80]}"

    # -- what the guide leaves to the operator -------------------------------------------------
    def start_postgres(self) -> None:
        if self.postgres is None:
            self.postgres = PostgresServer(find_pg_bindir(), parent=self.tmp).start()

    def start_smtp(self) -> int:
        from aiosmtpd.controller import Controller

        walk = self

        class Sink:
            async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
                walk.mails.append(envelope.content)  # type: ignore[attr-defined]
                return "250 OK"

        port = free_port()
        self.smtp = Controller(Sink(), hostname="127.0.0.1", port=port)
        self.smtp.start()  # type: ignore[attr-defined]
        return port

    def prepare(self) -> None:
        """The release in /srv/quartier/src and the certificate in /etc/ssl/quartier (prose in the guide)."""
        src = Path(self.local("/srv/quartier/src"))
        shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__",
                                                                  ".cache", "test-artifacts", "data", ".pytest_cache"))
        ssl_dir = Path(self.local("/etc/ssl/quartier"))
        ssl_dir.mkdir(parents=True)
        self.cert = ssl_dir / "fullchain.pem"
        self.run(f"openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN={HOST} "
                 f"-addext subjectAltName=DNS:{HOST},IP:127.0.0.1 -keyout {ssl_dir}/privkey.pem -out {self.cert}")
        (self.tmp / "bin").mkdir()
        for folder in ("/etc/systemd/system", "/etc/nginx/sites-available", "/etc/nginx/sites-enabled"):  # systemd's, nginx's
            Path(self.local(folder)).mkdir(parents=True)

    # -- walk and check ------------------------------------------------------------------------
    def walk(self) -> None:
        commands = guide_commands(GUIDE.read_text(encoding="utf-8"))
        steps = [(line, self.handler(line)) for line in commands]  # unknown commands stop here, before anything runs
        self.prepare()
        for line, step in steps:
            t0 = time.monotonic()
            note = step()
            self.say(f"{time.monotonic() - t0:5.1f}s  {line}\n        -> {note}")
        self.check()

    def say(self, text: str) -> None:
        print(text, flush=True)

    def check(self) -> None:
        import httpx

        context = ssl.create_default_context(cafile=str(self.cert))
        proxy = f"https://127.0.0.1:{self.ports['https']}"
        with httpx.Client(base_url=proxy, verify=context, headers={"Host": HOST}, timeout=30) as client:
            ready = client.get("/readyz")
            expect(ready.status_code == 200, f"/readyz through nginx: {ready.status_code} {ready.text[:200]}")
            events = client.get("/api/quartiere/gifhorn/events")
            expect(events.status_code == 200 and events.json(), f"events API: {events.status_code}")
            # the first event that takes registrations (the demo's weekly café is open to all, without one)
            event = next((e for e in events.json() if client.get(f"/api/events/{e['id']}/availability").json().get("open")),
                         None)
            expect(event is not None, "an event of the demo takes registrations")
            page = client.get(httpx.URL(event["url"]).path)
            expect(page.status_code == 200 and event["title"] in page.text, f"event page: {page.status_code}")
            expect(page.headers.get("strict-transport-security", "").startswith("max-age="), "HSTS through nginx")
            client.cookies.clear()
            login = client.get("/staff/login")  # a form: sets the CSRF cookie on a client without one
            cookies = login.headers.get_list("set-cookie")
            expect(login.status_code == 200 and cookies and all("secure" in [p.strip().lower() for p in c.split(";")] for c in cookies),
                   f"cookies through nginx are Secure: {login.status_code} {cookies}")
            before = len(self.mails)
            address = f"walk-{secrets.token_hex(4)}@example.org"
            registered = client.post(f"/api/events/{event['id']}/registrations",
                                     json={"name": "Erika Mustermann", "email": address, "consent": True})
            expect(registered.status_code == 201, f"registration: {registered.status_code} {registered.text[:200]}")
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not any(address.encode() in mail for mail in self.mails[before:]):
                time.sleep(0.2)
            expect(any(address.encode() in mail for mail in self.mails[before:]), "the worker sent the registration's mail")
            metrics = client.get("/metrics")
            expect(metrics.status_code == 404, f"/metrics through nginx: {metrics.status_code}")
        redirect = httpx.get(f"http://127.0.0.1:{self.ports['http']}/readyz", headers={"Host": HOST})
        expect(redirect.status_code == 301 and redirect.headers["location"].startswith(f"https://{HOST}/"),
               f"http redirects to https: {redirect.status_code} {redirect.headers.get('location')}")
        direct = httpx.get(f"http://127.0.0.1:{self.ports['app']}/metrics", timeout=30)
        expect(direct.status_code == 200 and "quartier_requests_total" in direct.text, f"/metrics on the app port: {direct.status_code}")
        self.say("checks: /readyz 200, event page, registration 201 and its mail, Secure cookies, HSTS, "
                 "http -> https, /metrics 404 through nginx and 200 on the app port")

    def close(self) -> None:
        for service in reversed(list(self.services.values())):
            service.stop()
        if self.smtp is not None:
            self.smtp.stop()  # type: ignore[attr-defined]
        if self.postgres is not None:
            self.postgres.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {name} ---\n{service.log_tail()}" for name, service in self.services.items())


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def expect(condition: object, what: str) -> None:
    if not condition:
        raise WalkError(f"check failed: {what}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, config) for a look")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="quartier-guide-"))
    tmp.chmod(0o755)  # the PostgreSQL cluster inside belongs to the postgres user when run as root
    walk = Walk(tmp)
    t0 = time.monotonic()
    try:
        walk.walk()
    except WalkError as exc:
        print(f"FAILED: {exc}\n{walk.logs()}", file=sys.stderr)
        return 1
    finally:
        walk.close()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"walked docs/production.md in {time.monotonic() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
